// gemma3 (Gemma 3 text), after llama.cpp's src/models/gemma3.cpp: embeddings scaled by √n_embd; per-head RMSNorm of q
// and k; NEOX RoPE whose base and scale differ on the sliding-window layers; q scaled by 1/√head_dim (1/√(n_embd /
// n_head) for the 27B); RMSNorm of the attention and FFN outputs before each residual; a GELU-gated FFN; sliding-window
// attention on all layers but every `sliding_window_pattern`-th; soft-capped logits only where the GGUF sets it.
// (The GGUF's norm weights already hold Gemma's "1 + w".)
#include "arch.h"

#include <cmath>

namespace sqlstill {

namespace {

void configure(const gguf_context * g, Hparams & hp) {
    const std::string a = hp.arch + ".";
    hp.ropeMode = GGML_ROPE_TYPE_NEOX;
    hp.embeddingScale = std::sqrt(static_cast<float>(hp.nEmbd));
    // llama.cpp: the 27B (62 layers) scales by the embedding per head, every other size by the head size
    hp.attentionScale = hp.nLayer == 62 ? 1.0f / std::sqrt(static_cast<float>(hp.nEmbd / hp.nHead)) : 1.0f / std::sqrt(static_cast<float>(hp.headDim));
    hp.finalLogitSoftcap = static_cast<float>(ggufNumberOr(g, a + "final_logit_softcapping", 0.0));
    if (ggufNumberOr(g, a + "attn_logit_softcapping", 0.0) > 0) {
        throw NativeError("UNSUPPORTED", "gemma3 models with attention logit soft-capping are not supported for training");
    }
    hp.slidingWindow = static_cast<int>(ggufNumberOr(g, a + "attention.sliding_window", 0));
    if (hp.slidingWindow <= 0) return;
    // which layers slide: an explicit per-layer pattern, or every layer but each n-th (llama.cpp's default 6)
    const std::vector<double> explicitPattern = ggufNumbers(g, a + "attention.sliding_window_pattern");
    if (!explicitPattern.empty()) {
        if (static_cast<int>(explicitPattern.size()) != hp.nLayer) throw NativeError("NOT_A_MODEL", "sliding_window_pattern has the wrong length");
        for (int il = 0; il < hp.nLayer; il++) hp.layerIsLocal[il] = explicitPattern[il] != 0;
    } else {
        const int n = static_cast<int>(ggufNumberOr(g, a + "attention.sliding_window_pattern", 6));
        for (int il = 0; il < hp.nLayer; il++) hp.layerIsLocal[il] = n == 0 || (il % n) < n - 1;
    }
    hp.ropeFreqBaseLocal = static_cast<float>(ggufNumberOr(g, a + "rope.freq_base_swa", 10000.0));
    hp.ropeFreqScaleLocal = 1.0f;
}

void bindLayer(const TensorLookup & get, const std::string & p, const Hparams &, LayerWeights & L) {
    L.attnQNorm = get(p + "attn_q_norm.weight", true);
    L.attnKNorm = get(p + "attn_k_norm.weight", true);
    L.attnPostNorm = get(p + "post_attention_norm.weight", true);
    L.ffnPostNorm = get(p + "post_ffw_norm.weight", true);
}

ggml_tensor * block(ggml_context * ctx, const Model & m, const LoraWeights * lora, int il, ggml_tensor * x, const AttentionInputs & att) {
    const Hparams & hp = m.hp();
    const LayerWeights & L = m.layers[il];
    Qkv qkv = projectQkv(ctx, m, lora, il, rmsNorm(ctx, x, L.attnNorm, hp.rmsEps));
    qkv.q = rope(ctx, m, il, rmsNorm(ctx, qkv.q, L.attnQNorm, hp.rmsEps), att);
    qkv.k = rope(ctx, m, il, rmsNorm(ctx, qkv.k, L.attnKNorm, hp.rmsEps), att);
    ggml_tensor * o = rmsNorm(ctx, projectOutput(ctx, m, lora, il, attend(ctx, m, il, qkv, att)), L.attnPostNorm, hp.rmsEps);
    x = ggml_add(ctx, x, o);
    ggml_tensor * f = rmsNorm(ctx, geluFfn(ctx, m, lora, il, rmsNorm(ctx, x, L.ffnNorm, hp.rmsEps)), L.ffnPostNorm, hp.rmsEps);
    return ggml_add(ctx, x, f);
}

} // namespace

extern const Architecture kGemma3Architecture = {"gemma3", configure, bindLayer, nullptr, block};

} // namespace sqlstill
