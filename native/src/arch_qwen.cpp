// qwen2 (Qwen2, Qwen2.5, Qwen2.5-Coder) and qwen3 (Qwen3 dense), after llama.cpp's src/models/qwen2.cpp and
// qwen3.cpp: the llama block with NEOX RoPE; qwen2 has q/k/v biases, qwen3 none but an RMSNorm over each head of q
// and k before RoPE (attn_q_norm, attn_k_norm).
#include "arch.h"

namespace sqlstill {

ggml_tensor * llamaFamilyBlock(ggml_context * ctx, const Model & m, const LoraWeights * lora, int il, ggml_tensor * x, const AttentionInputs & att);

namespace {

void configureNeox(const gguf_context *, Hparams & hp) { hp.ropeMode = GGML_ROPE_TYPE_NEOX; }

void bindQwen2(const TensorLookup & get, const std::string & p, const Hparams &, LayerWeights & L) {
    L.bq = get(p + "attn_q.bias", false);
    L.bk = get(p + "attn_k.bias", false);
    L.bv = get(p + "attn_v.bias", false);
    L.bo = get(p + "attn_output.bias", false);
}

void bindQwen3(const TensorLookup & get, const std::string & p, const Hparams &, LayerWeights & L) {
    L.attnQNorm = get(p + "attn_q_norm.weight", true);
    L.attnKNorm = get(p + "attn_k_norm.weight", true);
}

} // namespace

extern const Architecture kQwen2Architecture = {"qwen2", configureNeox, bindQwen2, nullptr, llamaFamilyBlock};
extern const Architecture kQwen3Architecture = {"qwen3", configureNeox, bindQwen3, nullptr, llamaFamilyBlock};

} // namespace sqlstill
