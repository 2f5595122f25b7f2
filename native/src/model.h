// Building blocks of our transformer graph, shared by the forward pass, the per-layer recomputation in the backward
// pass and the loss head, so all three compute exactly the same function.
#pragma once

#include "internal.h"

#include <memory>

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
    // Sliding-window layers (gemma3) attend through these instead (same layout, masks with the window); null: none.
    std::shared_ptr<const AttentionInputs> local;
};

// One transformer block on x [n_embd, T], residuals included: the model's architecture builds it (arch.h).
ggml_tensor * buildBlock(ggml_context * ctx, const Model & m, const LoraWeights * lora, int il, ggml_tensor * x,
                         const AttentionInputs & att);

// The pieces architectures build their blocks from.
struct Qkv {
    ggml_tensor * q; // [head_dim, n_head, T]
    ggml_tensor * k; // [head_dim, n_head_kv, T]
    ggml_tensor * v; // [head_dim, n_head_kv, T]
};
// q, k, v projections (LoRA and biases included), shaped per head.
Qkv projectQkv(ggml_context * ctx, const Model & m, const LoraWeights * lora, int il, ggml_tensor * cur);
// RoPE at the sequence's positions with the layer's base, scale and frequency factors.
ggml_tensor * rope(ggml_context * ctx, const Model & m, int il, ggml_tensor * t, const AttentionInputs & att);
// Attention of q over k/v (masked or tree layout, the layer's window) with the model's scale: [head_dim·n_head, T].
ggml_tensor * attend(ggml_context * ctx, const Model & m, int il, const Qkv & qkv, const AttentionInputs & att);
// The attention output projection (LoRA and bias included).
ggml_tensor * projectOutput(ggml_context * ctx, const Model & m, const LoraWeights * lora, int il, ggml_tensor * o);
// down(silu(gate(x)) ⊙ up(x)) and down(gelu(gate(x)) ⊙ up(x)), LoRA included.
ggml_tensor * swigluFfn(ggml_context * ctx, const Model & m, const LoraWeights * lora, int il, ggml_tensor * cur);
ggml_tensor * geluFfn(ggml_context * ctx, const Model & m, const LoraWeights * lora, int il, ggml_tensor * cur);
// The LoRA pair of (layer, target), or null.
const LoraPair * loraPair(const LoraWeights * lora, int il, int target);

// Final norm and output head on hidden states [n_embd, n]: logits [n_vocab, n].
ggml_tensor * buildHead(ggml_context * ctx, const Model & m, const LoraWeights * lora, ggml_tensor * hidden);

} // namespace sqlstill
