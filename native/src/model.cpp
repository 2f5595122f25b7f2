// The frozen base model and our own forward graph (llama / qwen2 families).
#include "internal.h"

#include <cmath>
#include <cstdio>
#include <cstring>

namespace sqlstill {

const char * const kLoraTargets[7] = {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"};
const char * const kOutputLoraTarget = "output";

size_t graphSizeFor(int nLayer) { return 4096 + static_cast<size_t>(nLayer) * 1024; }

namespace {

bool findNumber(const gguf_context * g, const std::string & key, double & out) {
    const int64_t id = gguf_find_key(g, key.c_str());
    if (id < 0) return false;
    switch (gguf_get_kv_type(g, id)) {
        case GGUF_TYPE_UINT8: out = gguf_get_val_u8(g, id); return true;
        case GGUF_TYPE_INT8: out = gguf_get_val_i8(g, id); return true;
        case GGUF_TYPE_UINT16: out = gguf_get_val_u16(g, id); return true;
        case GGUF_TYPE_INT16: out = gguf_get_val_i16(g, id); return true;
        case GGUF_TYPE_UINT32: out = gguf_get_val_u32(g, id); return true;
        case GGUF_TYPE_INT32: out = gguf_get_val_i32(g, id); return true;
        case GGUF_TYPE_FLOAT32: out = gguf_get_val_f32(g, id); return true;
        case GGUF_TYPE_UINT64: out = static_cast<double>(gguf_get_val_u64(g, id)); return true;
        case GGUF_TYPE_INT64: out = static_cast<double>(gguf_get_val_i64(g, id)); return true;
        case GGUF_TYPE_FLOAT64: out = gguf_get_val_f64(g, id); return true;
        case GGUF_TYPE_ARRAY:
            throw NativeError("UNSUPPORTED", "per-layer hyperparameter arrays are not supported (" + key + ")");
        default: return false;
    }
}

double requireNumber(const gguf_context * g, const std::string & key) {
    double v = 0;
    if (!findNumber(g, key, v)) throw NativeError("NOT_A_MODEL", "GGUF metadata lacks " + key);
    return v;
}

double numberOr(const gguf_context * g, const std::string & key, double fallback) {
    double v = 0;
    return findNumber(g, key, v) ? v : fallback;
}

std::string stringOr(const gguf_context * g, const std::string & key, const std::string & fallback) {
    const int64_t id = gguf_find_key(g, key.c_str());
    if (id < 0 || gguf_get_kv_type(g, id) != GGUF_TYPE_STRING) return fallback;
    return gguf_get_val_str(g, id);
}

void expectShape(const ggml_tensor * t, int64_t ne0, int64_t ne1) {
    if (t->ne[0] != ne0 || t->ne[1] != ne1 || t->ne[2] != 1 || t->ne[3] != 1) {
        char buf[256];
        std::snprintf(buf, sizeof buf, "tensor %s has shape [%lld, %lld], expected [%lld, %lld]", t->name,
                      (long long)t->ne[0], (long long)t->ne[1], (long long)ne0, (long long)ne1);
        throw NativeError("NOT_A_MODEL", buf);
    }
}

// y = W·x (+ scale · B·(A·x) when a LoRA pair is present)
ggml_tensor * loraMatmul(ggml_context * ctx, ggml_tensor * w, ggml_tensor * x, const LoraPair * lp, float scale) {
    ggml_tensor * y = ggml_mul_mat(ctx, w, x);
    if (lp != nullptr && lp->a != nullptr) {
        ggml_tensor * ax = ggml_mul_mat(ctx, lp->a, x);
        ggml_tensor * bax = ggml_mul_mat(ctx, lp->b, ax);
        y = ggml_add(ctx, y, ggml_scale(ctx, bax, scale));
    }
    return y;
}

ggml_tensor * rmsNorm(ggml_context * ctx, ggml_tensor * x, ggml_tensor * weight, float eps) {
    return ggml_mul(ctx, ggml_rms_norm(ctx, x, eps), weight);
}

} // namespace

Model::Model(const std::string & path) : path_(path) {
    ggml_context * ctx = nullptr;
    GgufPtr g = openGguf(path, &ctx);
    ctx_ = ctx;

    hp_.arch = stringOr(g.get(), "general.architecture", "");
    if (hp_.arch != "llama" && hp_.arch != "qwen2") {
        throw NativeError("UNSUPPORTED", "architecture '" + hp_.arch + "' is not supported for training (llama and qwen2 are)");
    }
    const std::string a = hp_.arch + ".";
    if (numberOr(g.get(), a + "expert_count", 0) > 0) throw NativeError("UNSUPPORTED", "mixture-of-experts models are not supported");
    hp_.nEmbd = static_cast<int>(requireNumber(g.get(), a + "embedding_length"));
    hp_.nLayer = static_cast<int>(requireNumber(g.get(), a + "block_count"));
    hp_.nHead = static_cast<int>(requireNumber(g.get(), a + "attention.head_count"));
    hp_.nHeadKv = static_cast<int>(numberOr(g.get(), a + "attention.head_count_kv", hp_.nHead));
    hp_.nFf = static_cast<int>(requireNumber(g.get(), a + "feed_forward_length"));
    hp_.nCtxTrain = static_cast<int>(numberOr(g.get(), a + "context_length", 2048));
    hp_.rmsEps = static_cast<float>(numberOr(g.get(), a + "attention.layer_norm_rms_epsilon", 1e-5));
    hp_.ropeFreqBase = static_cast<float>(numberOr(g.get(), a + "rope.freq_base", 10000.0));
    if (hp_.nEmbd <= 0 || hp_.nLayer <= 0 || hp_.nHead <= 0 || hp_.nHeadKv <= 0 || hp_.nHead % hp_.nHeadKv != 0) {
        throw NativeError("NOT_A_MODEL", "inconsistent attention hyperparameters in GGUF metadata");
    }
    hp_.headDim = static_cast<int>(numberOr(g.get(), a + "attention.key_length", hp_.nEmbd / hp_.nHead));
    if (numberOr(g.get(), a + "attention.value_length", hp_.headDim) != hp_.headDim) {
        throw NativeError("UNSUPPORTED", "models whose key and value head sizes differ are not supported");
    }
    hp_.nRot = static_cast<int>(numberOr(g.get(), a + "rope.dimension_count", hp_.headDim));
    if (hp_.headDim <= 0 || hp_.nRot <= 0 || hp_.nRot > hp_.headDim || hp_.nRot % 2 != 0) {
        throw NativeError("NOT_A_MODEL", "inconsistent head size / rope dimensions in GGUF metadata");
    }
    const std::string scaling = stringOr(g.get(), a + "rope.scaling.type", "none");
    if (scaling == "linear") {
        const double factor = numberOr(g.get(), a + "rope.scaling.factor", 1.0);
        hp_.ropeFreqScale = factor > 0 ? static_cast<float>(1.0 / factor) : 1.0f;
    } else if (scaling != "none") {
        throw NativeError("UNSUPPORTED", "rope scaling '" + scaling + "' is not supported");
    }
    hp_.ropeMode = hp_.arch == "qwen2" ? GGML_ROPE_TYPE_NEOX : GGML_ROPE_TYPE_NORMAL;

    auto get = [&](const std::string & name, bool required) -> ggml_tensor * {
        ggml_tensor * t = ggml_get_tensor(ctx_, name.c_str());
        if (t == nullptr && required) throw NativeError("NOT_A_MODEL", "GGUF lacks tensor " + name);
        return t;
    };
    tokEmbd = get("token_embd.weight", true);
    hp_.nVocab = static_cast<int>(tokEmbd->ne[1]);
    expectShape(tokEmbd, hp_.nEmbd, hp_.nVocab);
    outputNorm = get("output_norm.weight", true);
    output = get("output.weight", false);
    if (output == nullptr) {
        output = tokEmbd;
        outputTied = true;
    }
    expectShape(output, hp_.nEmbd, hp_.nVocab);
    if (get("rope_freqs.weight", false) != nullptr) throw NativeError("UNSUPPORTED", "rope frequency factors are not supported");

    const int64_t qDim = static_cast<int64_t>(hp_.nHead) * hp_.headDim;
    const int64_t kvDim = static_cast<int64_t>(hp_.nHeadKv) * hp_.headDim;
    layers.resize(hp_.nLayer);
    for (int il = 0; il < hp_.nLayer; il++) {
        const std::string p = "blk." + std::to_string(il) + ".";
        LayerWeights & L = layers[il];
        L.attnNorm = get(p + "attn_norm.weight", true);
        L.wq = get(p + "attn_q.weight", true);
        L.wk = get(p + "attn_k.weight", true);
        L.wv = get(p + "attn_v.weight", true);
        L.wo = get(p + "attn_output.weight", true);
        L.bq = get(p + "attn_q.bias", false);
        L.bk = get(p + "attn_k.bias", false);
        L.bv = get(p + "attn_v.bias", false);
        L.bo = get(p + "attn_output.bias", false);
        L.ffnNorm = get(p + "ffn_norm.weight", true);
        L.ffnGate = get(p + "ffn_gate.weight", true);
        L.ffnUp = get(p + "ffn_up.weight", true);
        L.ffnDown = get(p + "ffn_down.weight", true);
        expectShape(L.wq, hp_.nEmbd, qDim);
        expectShape(L.wk, hp_.nEmbd, kvDim);
        expectShape(L.wv, hp_.nEmbd, kvDim);
        expectShape(L.wo, qDim, hp_.nEmbd);
        expectShape(L.ffnGate, hp_.nEmbd, hp_.nFf);
        expectShape(L.ffnUp, hp_.nEmbd, hp_.nFf);
        expectShape(L.ffnDown, hp_.nFf, hp_.nEmbd);
    }

    buf_ = ggml_backend_alloc_ctx_tensors_from_buft(ctx_, cpuBufferType());
    if (buf_ == nullptr) throw NativeError("INTERNAL", "out of memory allocating model weights");
    ggml_backend_buffer_set_usage(buf_, GGML_BACKEND_BUFFER_USAGE_WEIGHTS);

    FILE * f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) throw NativeError("NOT_FOUND", "cannot open model file: " + path);
    const size_t dataOffset = gguf_get_data_offset(g.get());
    const int64_t nT = gguf_get_n_tensors(g.get());
    for (int64_t i = 0; i < nT; i++) {
        ggml_tensor * t = ggml_get_tensor(ctx_, gguf_get_tensor_name(g.get(), i));
        const size_t off = dataOffset + gguf_get_tensor_offset(g.get(), i);
        const size_t n = ggml_nbytes(t);
        if (fseeko(f, static_cast<off_t>(off), SEEK_SET) != 0 || std::fread(t->data, 1, n, f) != n) {
            std::fclose(f);
            throw NativeError("NOT_A_MODEL", std::string("GGUF tensor data is truncated at ") + t->name);
        }
    }
    std::fclose(f);
}

Model::~Model() {
    if (buf_ != nullptr) ggml_backend_buffer_free(buf_);
    if (ctx_ != nullptr) ggml_free(ctx_);
}

ggml_tensor * Model::weight(int layer, int target) const {
    const LayerWeights & L = layers.at(layer);
    switch (target) {
        case 0: return L.wq;
        case 1: return L.wk;
        case 2: return L.wv;
        case 3: return L.wo;
        case 4: return L.ffnGate;
        case 5: return L.ffnUp;
        case 6: return L.ffnDown;
        default: throw NativeError("BAD_REQUEST", "unknown LoRA target index");
    }
}

ggml_tensor * buildForward(ggml_context * ctx, const Model & m, const LoraWeights * lora, ggml_tensor * tokens,
                           ggml_tensor * positions, int nTokens) {
    const Hparams & hp = m.hp();
    const int T = nTokens;
    const float kqScale = 1.0f / std::sqrt(static_cast<float>(hp.headDim));
    auto pair = [&](int il, int target) -> const LoraPair * {
        if (lora == nullptr) return nullptr;
        const LoraPair & p = lora->pairs[il][target];
        return p.a != nullptr ? &p : nullptr;
    };
    const float ls = lora != nullptr ? lora->scale : 0.0f;
    auto rope = [&](ggml_tensor * x) {
        return ggml_rope_ext(ctx, x, positions, nullptr, hp.nRot, hp.ropeMode, hp.nCtxTrain, hp.ropeFreqBase,
                             hp.ropeFreqScale, 0.0f, 1.0f, 32.0f, 1.0f);
    };

    ggml_tensor * x = ggml_get_rows(ctx, m.tokEmbd, tokens); // [n_embd, T]
    for (int il = 0; il < hp.nLayer; il++) {
        const LayerWeights & L = m.layers[il];
        ggml_tensor * cur = rmsNorm(ctx, x, L.attnNorm, hp.rmsEps);
        ggml_tensor * q = loraMatmul(ctx, L.wq, cur, pair(il, 0), ls);
        ggml_tensor * k = loraMatmul(ctx, L.wk, cur, pair(il, 1), ls);
        ggml_tensor * v = loraMatmul(ctx, L.wv, cur, pair(il, 2), ls);
        if (L.bq) q = ggml_add(ctx, q, L.bq);
        if (L.bk) k = ggml_add(ctx, k, L.bk);
        if (L.bv) v = ggml_add(ctx, v, L.bv);
        q = rope(ggml_reshape_3d(ctx, q, hp.headDim, hp.nHead, T));
        k = rope(ggml_reshape_3d(ctx, k, hp.headDim, hp.nHeadKv, T));
        v = ggml_reshape_3d(ctx, v, hp.headDim, hp.nHeadKv, T);

        ggml_tensor * qh = ggml_cont(ctx, ggml_permute(ctx, q, 0, 2, 1, 3)); // [hd, T, n_head]
        ggml_tensor * kh = ggml_cont(ctx, ggml_permute(ctx, k, 0, 2, 1, 3)); // [hd, T, n_kv]
        ggml_tensor * vt = ggml_cont(ctx, ggml_permute(ctx, v, 1, 2, 0, 3)); // [T, hd, n_kv]
        // GQA: mul_mat broadcasts kv head h/(n_head/n_kv) over query head h, as llama.cpp does
        ggml_tensor * kq = ggml_mul_mat(ctx, kh, qh);                           // [T_k, T_q, n_head]
        kq = ggml_diag_mask_inf(ctx, kq, 0);
        kq = ggml_soft_max_ext(ctx, kq, nullptr, kqScale, 0.0f);
        ggml_tensor * o = ggml_mul_mat(ctx, vt, kq);                             // [hd, T_q, n_head]
        o = ggml_cont(ctx, ggml_permute(ctx, o, 0, 2, 1, 3));                   // [hd, n_head, T]
        o = ggml_reshape_2d(ctx, o, static_cast<int64_t>(hp.headDim) * hp.nHead, T);
        o = loraMatmul(ctx, L.wo, o, pair(il, 3), ls);
        if (L.bo) o = ggml_add(ctx, o, L.bo);
        x = ggml_add(ctx, x, o);

        cur = rmsNorm(ctx, x, L.ffnNorm, hp.rmsEps);
        ggml_tensor * gate = loraMatmul(ctx, L.ffnGate, cur, pair(il, 4), ls);
        ggml_tensor * up = loraMatmul(ctx, L.ffnUp, cur, pair(il, 5), ls);
        ggml_tensor * h = ggml_swiglu_split(ctx, gate, up);
        x = ggml_add(ctx, x, loraMatmul(ctx, L.ffnDown, h, pair(il, 6), ls));
    }
    x = rmsNorm(ctx, x, m.outputNorm, hp.rmsEps);
    const LoraPair * head = lora != nullptr && lora->output.a != nullptr ? &lora->output : nullptr;
    return loraMatmul(ctx, m.output, x, head, ls); // [n_vocab, T]
}

std::vector<float> runForward(const Model & m, const LoraWeights * lora, const std::vector<int32_t> & tokens, int nThreads) {
    const int T = static_cast<int>(tokens.size());
    if (T == 0) throw NativeError("BAD_REQUEST", "no tokens to evaluate");
    for (int32_t t : tokens) {
        if (t < 0 || t >= m.hp().nVocab) throw NativeError("BAD_REQUEST", "token id out of range: " + std::to_string(t));
    }
    const size_t gsize = graphSizeFor(m.hp().nLayer);
    ggml_init_params ip{};
    ip.mem_size = ggml_tensor_overhead() * gsize + ggml_graph_overhead_custom(gsize, false);
    ip.no_alloc = true;
    ContextPtr ctx(ggml_init(ip));
    ggml_tensor * tok = ggml_new_tensor_1d(ctx.get(), GGML_TYPE_I32, T);
    ggml_tensor * pos = ggml_new_tensor_1d(ctx.get(), GGML_TYPE_I32, T);
    ggml_set_input(tok);
    ggml_set_input(pos);
    ggml_tensor * logits = buildForward(ctx.get(), m, lora, tok, pos, T);
    ggml_set_output(logits);
    ggml_cgraph * gf = ggml_new_graph_custom(ctx.get(), gsize, false);
    ggml_build_forward_expand(gf, logits);

    BackendPtr backend = makeCpuBackend(nThreads);
    GallocPtr galloc(ggml_gallocr_new(cpuBufferType()));
    if (!ggml_gallocr_alloc_graph(galloc.get(), gf)) throw NativeError("INTERNAL", "out of memory allocating the forward graph");
    std::vector<int32_t> positions(T);
    for (int i = 0; i < T; i++) positions[i] = i;
    ggml_backend_tensor_set(tok, tokens.data(), 0, sizeof(int32_t) * T);
    ggml_backend_tensor_set(pos, positions.data(), 0, sizeof(int32_t) * T);
    if (ggml_backend_graph_compute(backend.get(), gf) != GGML_STATUS_SUCCESS) throw NativeError("INTERNAL", "forward graph failed");
    std::vector<float> out(static_cast<size_t>(T) * m.hp().nVocab);
    ggml_backend_tensor_get(logits, out.data(), 0, out.size() * sizeof(float));
    return out;
}

std::vector<float> forwardLogits(const Model & m, const std::vector<int32_t> & tokens, int nThreads) {
    return runForward(m, nullptr, tokens, nThreads);
}

} // namespace sqlstill
