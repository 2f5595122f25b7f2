// llama (Llama 2/3.x, TinyLlama, SmolLM2 …), after llama.cpp's src/models/llama.cpp: RMSNorm, q/k/v (+ optional
// biases), normal RoPE with Llama 3's frequency factors (rope_freqs.weight, as llama.cpp applies them), causal GQA
// attention, output projection, SwiGLU FFN.
#include "arch.h"

namespace sqlstill {

namespace {

void configure(const gguf_context *, Hparams & hp) { hp.ropeMode = GGML_ROPE_TYPE_NORMAL; }

void bindLayer(const TensorLookup & get, const std::string & p, const Hparams &, LayerWeights & L) {
    L.bq = get(p + "attn_q.bias", false);
    L.bk = get(p + "attn_k.bias", false);
    L.bv = get(p + "attn_v.bias", false);
    L.bo = get(p + "attn_output.bias", false);
    L.ropeFreqs = get(p + "rope_freqs.weight", false);
}

void bindModel(const TensorLookup & get, Model & m) {
    // Llama 3.1+ GGUFs carry one rope_freqs.weight for every layer
    ggml_tensor * shared = get("rope_freqs.weight", false);
    if (shared == nullptr) return;
    for (LayerWeights & L : m.layers) L.ropeFreqs = shared;
}

} // namespace

// x + attn(norm(x)), then + ffn(norm(·)): the block of llama, qwen2 and qwen3 (which adds per-head q/k norms).
ggml_tensor * llamaFamilyBlock(ggml_context * ctx, const Model & m, const LoraWeights * lora, int il, ggml_tensor * x, const AttentionInputs & att) {
    const Hparams & hp = m.hp();
    const LayerWeights & L = m.layers[il];
    Qkv qkv = projectQkv(ctx, m, lora, il, rmsNorm(ctx, x, L.attnNorm, hp.rmsEps));
    if (L.attnQNorm != nullptr) qkv.q = rmsNorm(ctx, qkv.q, L.attnQNorm, hp.rmsEps);
    if (L.attnKNorm != nullptr) qkv.k = rmsNorm(ctx, qkv.k, L.attnKNorm, hp.rmsEps);
    qkv.q = rope(ctx, m, il, qkv.q, att);
    qkv.k = rope(ctx, m, il, qkv.k, att);
    x = ggml_add(ctx, x, projectOutput(ctx, m, lora, il, attend(ctx, m, il, qkv, att)));
    return ggml_add(ctx, x, swigluFfn(ctx, m, lora, il, rmsNorm(ctx, x, L.ffnNorm, hp.rmsEps)));
}

extern const Architecture kLlamaArchitecture = {"llama", configure, bindLayer, bindModel, llamaFamilyBlock};

} // namespace sqlstill
