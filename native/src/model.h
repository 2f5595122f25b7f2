// Building blocks of our transformer graph, shared by the forward pass, the per-layer recomputation in the backward
// pass and the loss head, so all three compute exactly the same function.
#pragma once

#include "internal.h"

namespace sqlstill {

// y = W·x (+ scale · B·(A·x) when a LoRA pair is present): llama.cpp's adapter formula.
ggml_tensor * loraMatmul(ggml_context * ctx, ggml_tensor * w, ggml_tensor * x, const LoraPair * lp, float scale);
ggml_tensor * rmsNorm(ggml_context * ctx, ggml_tensor * x, ggml_tensor * weight, float eps);

// How the tokens of a sequence attend to each other (see pack.h): one T×T mask, or the tree layout.
struct AttentionInputs {
    ggml_tensor * positions = nullptr; // I32 [T]: RoPE positions
    ggml_tensor * mask = nullptr;      // F32 [T, T], 0 where a query may see a key, -inf elsewhere; null: tree layout
    int trunk = 0, trunkKeys = 0;
    ggml_tensor * trunkMask = nullptr;  // F32 [trunkKeys, trunk]
    ggml_tensor * trunkIdx = nullptr;   // I32 [trunkKeys]: 0, 1, 2, …
    ggml_tensor * trunkOut = nullptr;   // I32 [T]
    ggml_tensor * isTrunk = nullptr;    // F32 [1, T]
    struct Group {
        int branches = 0, width = 0;
        ggml_tensor * queryIdx = nullptr; // I32 [width * branches]
        ggml_tensor * keyIdx = nullptr;   // I32 [(trunk + width) * branches]
        ggml_tensor * mask = nullptr;     // F32 [trunk + width, width, n_head * branches] (the same for every head)
        ggml_tensor * out = nullptr;      // I32 [T]
        ggml_tensor * isOwn = nullptr;    // F32 [1, T]
    };
    std::vector<Group> groups;
};

// One transformer block on x [n_embd, T]: attention, then the SwiGLU FFN; residuals included.
ggml_tensor * buildBlock(ggml_context * ctx, const Model & m, const LoraWeights * lora, int il, ggml_tensor * x,
                         const AttentionInputs & att);

// Final norm and output head on hidden states [n_embd, n]: logits [n_vocab, n].
ggml_tensor * buildHead(ggml_context * ctx, const Model & m, const LoraWeights * lora, ggml_tensor * hidden);

} // namespace sqlstill
