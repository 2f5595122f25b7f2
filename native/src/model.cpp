// The frozen base model and our own transformer graph (llama / qwen2 families).
#include "model.h"

#include <cmath>
#include <cstdio>
#include <cstring>

namespace sqlstill {

const char * const kLoraTargets[7] = {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"};
const char * const kOutputLoraTarget = "output";

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

} // namespace

ggml_tensor * loraMatmul(ggml_context * ctx, ggml_tensor * w, ggml_tensor * x, const LoraPair * lp, float scale) {
    ggml_tensor * y = ggml_mul_mat(ctx, w, x);
    if (lp != nullptr && lp->a != nullptr) {
        // scaled while it is [r, T], not once it is [n_out, T]
        ggml_tensor * ax = ggml_scale(ctx, ggml_mul_mat(ctx, lp->a, x), scale);
        y = ggml_add(ctx, y, ggml_mul_mat(ctx, lp->b, ax));
    }
    return y;
}

ggml_tensor * rmsNorm(ggml_context * ctx, ggml_tensor * x, ggml_tensor * weight, float eps) {
    return ggml_mul(ctx, ggml_rms_norm(ctx, x, eps), weight);
}

Model::Model(const std::string & path, ggml_backend_buffer_type_t buft) : path_(path) {
    ggml_context * ctx = nullptr;
    gguf_context_ptr g = openGguf(path, &ctx);
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

    if (buft == nullptr) return; // hyperparameters and tensor shapes only
    buf_ = ggml_backend_alloc_ctx_tensors_from_buft(ctx_, buft);
    if (buf_ == nullptr) throw NativeError("INTERNAL", "out of memory allocating model weights");
    ggml_backend_buffer_set_usage(buf_, GGML_BACKEND_BUFFER_USAGE_WEIGHTS);

    FILE * f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) throw NativeError("NOT_FOUND", "cannot open model file: " + path);
    const bool host = ggml_backend_buffer_is_host(buf_);
    std::vector<char> staging;
    const size_t dataOffset = gguf_get_data_offset(g.get());
    const int64_t nT = gguf_get_n_tensors(g.get());
    for (int64_t i = 0; i < nT; i++) {
        ggml_tensor * t = ggml_get_tensor(ctx_, gguf_get_tensor_name(g.get(), i));
        const size_t off = dataOffset + gguf_get_tensor_offset(g.get(), i);
        const size_t n = ggml_nbytes(t);
        char * dst = static_cast<char *>(t->data);
        if (!host) {
            staging.resize(n);
            dst = staging.data();
        }
        if (fseeko(f, static_cast<off_t>(off), SEEK_SET) != 0 || std::fread(dst, 1, n, f) != n) {
            std::fclose(f);
            throw NativeError("NOT_A_MODEL", std::string("GGUF tensor data is truncated at ") + t->name);
        }
        if (!host) ggml_backend_tensor_set(t, staging.data(), 0, n);
    }
    std::fclose(f);
}

Model::~Model() {
    if (buf_ != nullptr) ggml_backend_buffer_free(buf_);
    if (ctx_ != nullptr) ggml_free(ctx_);
}

size_t Model::bytes() const { return buf_ != nullptr ? ggml_backend_buffer_get_size(buf_) : 0; }

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

namespace {

// Masked attention over the whole sequence: q [hd, H, T], k/v [hd, Hkv, T] -> [hd·H, T].
ggml_tensor * maskedAttention(ggml_context * ctx, ggml_tensor * q, ggml_tensor * k, ggml_tensor * v, ggml_tensor * mask, float scale) {
    const int64_t hd = q->ne[0], H = q->ne[1], T = q->ne[2];
    ggml_tensor * qh = ggml_cont(ctx, ggml_permute(ctx, q, 0, 2, 1, 3)); // [hd, T, n_head]
    ggml_tensor * kh = ggml_cont(ctx, ggml_permute(ctx, k, 0, 2, 1, 3)); // [hd, T, n_kv]
    ggml_tensor * vt = ggml_cont(ctx, ggml_permute(ctx, v, 1, 2, 0, 3)); // [T, hd, n_kv]
    // GQA: mul_mat broadcasts kv head h/(n_head/n_kv) over query head h, as llama.cpp does
    ggml_tensor * kq = ggml_mul_mat(ctx, kh, qh); // [T_k, T_q, n_head]
    // causal for a plain sequence; for a packed one it also hides the other continuations, so each token sees
    // exactly what it would see in its own sequence
    kq = ggml_soft_max_ext(ctx, kq, mask, scale, 0.0f);
    ggml_tensor * o = ggml_mul_mat(ctx, vt, kq);           // [hd, T_q, n_head]
    o = ggml_cont(ctx, ggml_permute(ctx, o, 0, 2, 1, 3)); // [hd, n_head, T]
    return ggml_reshape_2d(ctx, o, hd * H, T);
}

// The tree layout (pack.h): the trunk once, causally; the branches as a batch over trunk + own branch. Same result.
ggml_tensor * treeAttention(ggml_context * ctx, ggml_tensor * q, ggml_tensor * k, ggml_tensor * v, const AttentionInputs & att, float scale) {
    const int64_t hd = q->ne[0], H = q->ne[1], Hk = k->ne[1], T = q->ne[2];
    ggml_tensor * out = nullptr;
    if (att.trunk > 0) {
        const int64_t P = att.trunk, PK = att.trunkKeys;
        // rows gathered rather than viewed: ggml's backward of a view needs a contiguous gradient, a permute's is not
        auto rows = [&](ggml_tensor * t, int64_t heads, int64_t n) {
            ggml_tensor * idx = ggml_view_1d(ctx, att.trunkIdx, n, 0);
            return ggml_reshape_3d(ctx, ggml_get_rows(ctx, ggml_reshape_2d(ctx, t, hd * heads, T), idx), hd, heads, n);
        };
        ggml_tensor * qt = rows(q, H, P);
        ggml_tensor * kt = rows(k, Hk, PK);
        ggml_tensor * vt = rows(v, Hk, PK);
        ggml_tensor * qh = ggml_cont(ctx, ggml_permute(ctx, qt, 0, 2, 1, 3)); // [hd, P, H]
        ggml_tensor * kh = ggml_cont(ctx, ggml_permute(ctx, kt, 0, 2, 1, 3)); // [hd, PK, Hk]
        ggml_tensor * vT = ggml_cont(ctx, ggml_permute(ctx, vt, 1, 2, 0, 3)); // [PK, hd, Hk]
        ggml_tensor * s = ggml_soft_max_ext(ctx, ggml_mul_mat(ctx, kh, qh), att.trunkMask, scale, 0.0f); // [PK, P, H]
        ggml_tensor * o = ggml_cont(ctx, ggml_permute(ctx, ggml_mul_mat(ctx, vT, s), 0, 2, 1, 3)); // [hd, H, P]
        out = ggml_mul(ctx, ggml_get_rows(ctx, ggml_reshape_2d(ctx, o, hd * H, P), att.trunkOut), att.isTrunk);
    }
    for (const AttentionInputs::Group & g : att.groups) {
        const int64_t W = g.width, K = att.trunk + g.width, nb = g.branches;
        auto gather = [&](ggml_tensor * t, ggml_tensor * idx, int64_t heads, int64_t slots) {
            return ggml_reshape_4d(ctx, ggml_get_rows(ctx, ggml_reshape_2d(ctx, t, hd * heads, T), idx), hd, heads, slots, nb);
        };
        // heads and branches share one batch dimension, heads fastest, so mul_mat's GQA broadcast (kv head of query
        // head h = h / (H/Hk)) holds per branch, and ggml's backward of that broadcast (3-D only) applies
        ggml_tensor * qb = ggml_reshape_3d(ctx, ggml_cont(ctx, ggml_permute(ctx, gather(q, g.queryIdx, H, W), 0, 2, 1, 3)), hd, W, H * nb);
        ggml_tensor * kb = ggml_reshape_3d(ctx, ggml_cont(ctx, ggml_permute(ctx, gather(k, g.keyIdx, Hk, K), 0, 2, 1, 3)), hd, K, Hk * nb);
        ggml_tensor * vb = ggml_reshape_3d(ctx, ggml_cont(ctx, ggml_permute(ctx, gather(v, g.keyIdx, Hk, K), 1, 2, 0, 3)), K, hd, Hk * nb);
        ggml_tensor * s = ggml_soft_max_ext(ctx, ggml_mul_mat(ctx, kb, qb), g.mask, scale, 0.0f); // [K, W, H·nb]
        ggml_tensor * o = ggml_mul_mat(ctx, vb, s);                                                 // [hd, W, H·nb]
        o = ggml_cont(ctx, ggml_permute(ctx, ggml_reshape_4d(ctx, o, hd, W, H, nb), 0, 2, 1, 3));  // [hd, H, W, nb]
        ggml_tensor * ob = ggml_mul(ctx, ggml_get_rows(ctx, ggml_reshape_2d(ctx, o, hd * H, W * nb), g.out), g.isOwn);
        out = out != nullptr ? ggml_add(ctx, out, ob) : ob;
    }
    return out;
}

} // namespace

ggml_tensor * buildBlock(ggml_context * ctx, const Model & m, const LoraWeights * lora, int il, ggml_tensor * x,
                         const AttentionInputs & att) {
    const Hparams & hp = m.hp();
    const int64_t T = x->ne[1];
    const float kqScale = 1.0f / std::sqrt(static_cast<float>(hp.headDim));
    auto pair = [&](int target) -> const LoraPair * {
        if (lora == nullptr) return nullptr;
        const LoraPair & p = lora->pairs[il][target];
        return p.a != nullptr ? &p : nullptr;
    };
    const float ls = lora != nullptr ? lora->scale : 0.0f;
    auto rope = [&](ggml_tensor * t) {
        return ggml_rope_ext(ctx, t, att.positions, nullptr, hp.nRot, hp.ropeMode, hp.nCtxTrain, hp.ropeFreqBase,
                             hp.ropeFreqScale, 0.0f, 1.0f, 32.0f, 1.0f);
    };
    const LayerWeights & L = m.layers[il];
    ggml_tensor * cur = rmsNorm(ctx, x, L.attnNorm, hp.rmsEps);
    ggml_tensor * q = loraMatmul(ctx, L.wq, cur, pair(0), ls);
    ggml_tensor * k = loraMatmul(ctx, L.wk, cur, pair(1), ls);
    ggml_tensor * v = loraMatmul(ctx, L.wv, cur, pair(2), ls);
    if (L.bq) q = ggml_add(ctx, q, L.bq);
    if (L.bk) k = ggml_add(ctx, k, L.bk);
    if (L.bv) v = ggml_add(ctx, v, L.bv);
    q = rope(ggml_reshape_3d(ctx, q, hp.headDim, hp.nHead, T));
    k = rope(ggml_reshape_3d(ctx, k, hp.headDim, hp.nHeadKv, T));
    v = ggml_reshape_3d(ctx, v, hp.headDim, hp.nHeadKv, T);
    ggml_tensor * o = att.mask != nullptr ? maskedAttention(ctx, q, k, v, att.mask, kqScale) : treeAttention(ctx, q, k, v, att, kqScale);
    o = loraMatmul(ctx, L.wo, o, pair(3), ls);
    if (L.bo) o = ggml_add(ctx, o, L.bo);
    x = ggml_add(ctx, x, o);

    cur = rmsNorm(ctx, x, L.ffnNorm, hp.rmsEps);
    ggml_tensor * gate = loraMatmul(ctx, L.ffnGate, cur, pair(4), ls);
    ggml_tensor * up = loraMatmul(ctx, L.ffnUp, cur, pair(5), ls);
    ggml_tensor * h = ggml_swiglu_split(ctx, gate, up);
    return ggml_add(ctx, x, loraMatmul(ctx, L.ffnDown, h, pair(6), ls));
}

ggml_tensor * buildHead(ggml_context * ctx, const Model & m, const LoraWeights * lora, ggml_tensor * hidden) {
    ggml_tensor * x = rmsNorm(ctx, hidden, m.outputNorm, m.hp().rmsEps);
    const LoraPair * head = lora != nullptr && lora->output.a != nullptr ? &lora->output : nullptr;
    return loraMatmul(ctx, m.output, x, head, lora != nullptr ? lora->scale : 0.0f); // [n_vocab, n]
}

} // namespace sqlstill
