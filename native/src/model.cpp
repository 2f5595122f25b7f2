// The frozen base model (loading is the same for every architecture; arch_*.cpp add theirs) and the pieces every
// architecture's transformer block is built from.
#include "arch.h"

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

void expectShape(const ggml_tensor * t, int64_t ne0, int64_t ne1) {
    if (t->ne[0] != ne0 || t->ne[1] != ne1 || t->ne[2] != 1 || t->ne[3] != 1) {
        char buf[256];
        std::snprintf(buf, sizeof buf, "tensor %s has shape [%lld, %lld], expected [%lld, %lld]", t->name,
                      (long long)t->ne[0], (long long)t->ne[1], (long long)ne0, (long long)ne1);
        throw NativeError("NOT_A_MODEL", buf);
    }
}

} // namespace

double ggufRequireNumber(const gguf_context * g, const std::string & key) {
    double v = 0;
    if (!findNumber(g, key, v)) throw NativeError("NOT_A_MODEL", "GGUF metadata lacks " + key);
    return v;
}

double ggufNumberOr(const gguf_context * g, const std::string & key, double fallback) {
    double v = 0;
    return findNumber(g, key, v) ? v : fallback;
}

std::string ggufStringOr(const gguf_context * g, const std::string & key, const std::string & fallback) {
    const int64_t id = gguf_find_key(g, key.c_str());
    if (id < 0 || gguf_get_kv_type(g, id) != GGUF_TYPE_STRING) return fallback;
    return gguf_get_val_str(g, id);
}

std::vector<double> ggufNumbers(const gguf_context * g, const std::string & key) {
    std::vector<double> out;
    const int64_t id = gguf_find_key(g, key.c_str());
    if (id < 0 || gguf_get_kv_type(g, id) != GGUF_TYPE_ARRAY) return out;
    const gguf_type t = gguf_get_arr_type(g, id);
    const size_t n = gguf_get_arr_n(g, id);
    const void * data = t == GGUF_TYPE_STRING ? nullptr : gguf_get_arr_data(g, id);
    for (size_t i = 0; i < n && data != nullptr; i++) {
        switch (t) {
            case GGUF_TYPE_BOOL: out.push_back(static_cast<const int8_t *>(data)[i] != 0 ? 1 : 0); break;
            case GGUF_TYPE_UINT8: out.push_back(static_cast<const uint8_t *>(data)[i]); break;
            case GGUF_TYPE_INT8: out.push_back(static_cast<const int8_t *>(data)[i]); break;
            case GGUF_TYPE_UINT32: out.push_back(static_cast<const uint32_t *>(data)[i]); break;
            case GGUF_TYPE_INT32: out.push_back(static_cast<const int32_t *>(data)[i]); break;
            case GGUF_TYPE_FLOAT32: out.push_back(static_cast<const float *>(data)[i]); break;
            default: throw NativeError("UNSUPPORTED", "unexpected element type in " + key);
        }
    }
    return out;
}

const Architecture * findArchitecture(const std::string & name) {
    for (const Architecture * a : {&kLlamaArchitecture, &kQwen2Architecture, &kQwen3Architecture, &kGemma3Architecture}) {
        if (name == a->name) return a;
    }
    return nullptr;
}

std::string supportedArchitectures() {
    return std::string(kLlamaArchitecture.name) + ", " + kQwen2Architecture.name + ", " + kQwen3Architecture.name + ", " + kGemma3Architecture.name;
}

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

    hp_.arch = ggufStringOr(g.get(), "general.architecture", "");
    architecture = findArchitecture(hp_.arch);
    if (architecture == nullptr) {
        throw NativeError("UNSUPPORTED", "architecture '" + hp_.arch + "' is not supported for training (supported: " + supportedArchitectures() + ")");
    }
    const std::string a = hp_.arch + ".";
    if (ggufNumberOr(g.get(), a + "expert_count", 0) > 0) throw NativeError("UNSUPPORTED", "mixture-of-experts models are not supported for training");
    hp_.nEmbd = static_cast<int>(ggufRequireNumber(g.get(), a + "embedding_length"));
    hp_.nLayer = static_cast<int>(ggufRequireNumber(g.get(), a + "block_count"));
    hp_.nHead = static_cast<int>(ggufRequireNumber(g.get(), a + "attention.head_count"));
    hp_.nHeadKv = static_cast<int>(ggufNumberOr(g.get(), a + "attention.head_count_kv", hp_.nHead));
    hp_.nFf = static_cast<int>(ggufRequireNumber(g.get(), a + "feed_forward_length"));
    hp_.nCtxTrain = static_cast<int>(ggufNumberOr(g.get(), a + "context_length", 2048));
    hp_.rmsEps = static_cast<float>(ggufNumberOr(g.get(), a + "attention.layer_norm_rms_epsilon", 1e-5));
    hp_.ropeFreqBase = static_cast<float>(ggufNumberOr(g.get(), a + "rope.freq_base", 10000.0));
    if (hp_.nEmbd <= 0 || hp_.nLayer <= 0 || hp_.nHead <= 0 || hp_.nHeadKv <= 0 || hp_.nHead % hp_.nHeadKv != 0) {
        throw NativeError("NOT_A_MODEL", "inconsistent attention hyperparameters in GGUF metadata");
    }
    hp_.headDim = static_cast<int>(ggufNumberOr(g.get(), a + "attention.key_length", hp_.nEmbd / hp_.nHead));
    if (ggufNumberOr(g.get(), a + "attention.value_length", hp_.headDim) != hp_.headDim) {
        throw NativeError("UNSUPPORTED", "models whose key and value head sizes differ are not supported");
    }
    hp_.nRot = static_cast<int>(ggufNumberOr(g.get(), a + "rope.dimension_count", hp_.headDim));
    if (hp_.headDim <= 0 || hp_.nRot <= 0 || hp_.nRot > hp_.headDim || hp_.nRot % 2 != 0) {
        throw NativeError("NOT_A_MODEL", "inconsistent head size / rope dimensions in GGUF metadata");
    }
    const std::string scaling = ggufStringOr(g.get(), a + "rope.scaling.type", "none");
    if (scaling == "linear") {
        const double factor = ggufNumberOr(g.get(), a + "rope.scaling.factor", 1.0);
        hp_.ropeFreqScale = factor > 0 ? static_cast<float>(1.0 / factor) : 1.0f;
    } else if (scaling != "none") {
        throw NativeError("UNSUPPORTED", "rope scaling '" + scaling + "' is not supported for training (none and linear are)");
    }
    hp_.layerIsLocal.assign(hp_.nLayer, false);
    architecture->configure(g.get(), hp_);

    const TensorLookup get = [&](const std::string & name, bool required) -> ggml_tensor * {
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
        architecture->bindLayer(get, p, hp_, L);
    }
    if (architecture->bindModel != nullptr) architecture->bindModel(get, *this); // model-wide tensors, e.g. for every layer
    for (const LayerWeights & L : layers) {
        for (ggml_tensor * n : {L.attnQNorm, L.attnKNorm}) {
            if (n != nullptr && (n->ne[0] != hp_.headDim || ggml_nelements(n) != hp_.headDim)) throw NativeError("NOT_A_MODEL", std::string("tensor ") + n->name + " does not have the head size");
        }
        if (L.ropeFreqs != nullptr && (L.ropeFreqs->type != GGML_TYPE_F32 || ggml_nelements(L.ropeFreqs) != hp_.nRot / 2)) {
            throw NativeError("NOT_A_MODEL", "rope_freqs.weight must hold n_rot/2 F32 factors");
        }
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

const LoraPair * loraPair(const LoraWeights * lora, int il, int target) {
    if (lora == nullptr) return nullptr;
    const LoraPair & p = lora->pairs[il][target];
    return p.a != nullptr ? &p : nullptr;
}

Qkv projectQkv(ggml_context * ctx, const Model & m, const LoraWeights * lora, int il, ggml_tensor * cur) {
    const Hparams & hp = m.hp();
    const LayerWeights & L = m.layers[il];
    const float ls = lora != nullptr ? lora->scale : 0.0f;
    const int64_t T = cur->ne[1];
    ggml_tensor * q = loraMatmul(ctx, L.wq, cur, loraPair(lora, il, 0), ls);
    ggml_tensor * k = loraMatmul(ctx, L.wk, cur, loraPair(lora, il, 1), ls);
    ggml_tensor * v = loraMatmul(ctx, L.wv, cur, loraPair(lora, il, 2), ls);
    if (L.bq) q = ggml_add(ctx, q, L.bq);
    if (L.bk) k = ggml_add(ctx, k, L.bk);
    if (L.bv) v = ggml_add(ctx, v, L.bv);
    return {ggml_reshape_3d(ctx, q, hp.headDim, hp.nHead, T), ggml_reshape_3d(ctx, k, hp.headDim, hp.nHeadKv, T),
            ggml_reshape_3d(ctx, v, hp.headDim, hp.nHeadKv, T)};
}

ggml_tensor * rope(ggml_context * ctx, const Model & m, int il, ggml_tensor * t, const AttentionInputs & att) {
    const Hparams & hp = m.hp();
    const bool local = hp.layerIsLocal[il];
    return ggml_rope_ext(ctx, t, att.positions, m.layers[il].ropeFreqs, hp.nRot, hp.ropeMode, hp.nCtxTrain,
                         local ? hp.ropeFreqBaseLocal : hp.ropeFreqBase, local ? hp.ropeFreqScaleLocal : hp.ropeFreqScale,
                         0.0f, 1.0f, 32.0f, 1.0f);
}

ggml_tensor * attend(ggml_context * ctx, const Model & m, int il, const Qkv & qkv, const AttentionInputs & att) {
    const Hparams & hp = m.hp();
    const AttentionInputs & a = hp.layerIsLocal[il] && att.local != nullptr ? *att.local : att;
    const float scale = hp.attentionScale > 0 ? hp.attentionScale : 1.0f / std::sqrt(static_cast<float>(hp.headDim));
    return a.mask != nullptr ? maskedAttention(ctx, qkv.q, qkv.k, qkv.v, a.mask, scale) : treeAttention(ctx, qkv.q, qkv.k, qkv.v, a, scale);
}

ggml_tensor * projectOutput(ggml_context * ctx, const Model & m, const LoraWeights * lora, int il, ggml_tensor * o) {
    const LayerWeights & L = m.layers[il];
    o = loraMatmul(ctx, L.wo, o, loraPair(lora, il, 3), lora != nullptr ? lora->scale : 0.0f);
    return L.bo != nullptr ? ggml_add(ctx, o, L.bo) : o;
}

ggml_tensor * swigluFfn(ggml_context * ctx, const Model & m, const LoraWeights * lora, int il, ggml_tensor * cur) {
    const LayerWeights & L = m.layers[il];
    const float ls = lora != nullptr ? lora->scale : 0.0f;
    ggml_tensor * gate = loraMatmul(ctx, L.ffnGate, cur, loraPair(lora, il, 4), ls);
    ggml_tensor * up = loraMatmul(ctx, L.ffnUp, cur, loraPair(lora, il, 5), ls);
    return loraMatmul(ctx, L.ffnDown, ggml_swiglu_split(ctx, gate, up), loraPair(lora, il, 6), ls);
}

ggml_tensor * geluFfn(ggml_context * ctx, const Model & m, const LoraWeights * lora, int il, ggml_tensor * cur) {
    const LayerWeights & L = m.layers[il];
    const float ls = lora != nullptr ? lora->scale : 0.0f;
    ggml_tensor * gate = loraMatmul(ctx, L.ffnGate, cur, loraPair(lora, il, 4), ls);
    ggml_tensor * up = loraMatmul(ctx, L.ffnUp, cur, loraPair(lora, il, 5), ls);
    // GELU, tanh form (as ggml_gelu): x·σ(2u), u = √(2/π)(x + 0.044715x³), with σ(z) = exp(-softplus(-z)). ggml has
    // no backward for its GELU or GEGLU ops; every op here has one, and softplus keeps σ finite for any z.
    const float c = std::sqrt(2.0f / static_cast<float>(M_PI));
    ggml_tensor * cube = ggml_mul(ctx, ggml_sqr(ctx, gate), gate);
    ggml_tensor * u2 = ggml_scale(ctx, ggml_add(ctx, gate, ggml_scale(ctx, cube, 0.044715f)), 2.0f * c);
    ggml_tensor * sigma = ggml_exp(ctx, ggml_neg(ctx, ggml_softplus(ctx, ggml_neg(ctx, u2))));
    ggml_tensor * h = ggml_mul(ctx, ggml_mul(ctx, gate, sigma), up);
    return loraMatmul(ctx, L.ffnDown, h, loraPair(lora, il, 6), ls);
}

ggml_tensor * buildBlock(ggml_context * ctx, const Model & m, const LoraWeights * lora, int il, ggml_tensor * x,
                         const AttentionInputs & att) {
    return m.architecture->block(ctx, m, lora, il, x, att);
}

ggml_tensor * buildHead(ggml_context * ctx, const Model & m, const LoraWeights * lora, ggml_tensor * hidden) {
    ggml_tensor * x = rmsNorm(ctx, hidden, m.outputNorm, m.hp().rmsEps);
    const LoraPair * head = lora != nullptr && lora->output.a != nullptr ? &lora->output : nullptr;
    ggml_tensor * logits = loraMatmul(ctx, m.output, x, head, lora != nullptr ? lora->scale : 0.0f); // [n_vocab, n]
    const float cap = m.hp().finalLogitSoftcap;
    if (cap > 0) {
        // cap·tanh(z/cap) = cap·(2σ(2z/cap) - 1), σ through softplus as in geluFfn (ggml has no tanh backward)
        ggml_tensor * z2 = ggml_scale(ctx, logits, 2.0f / cap);
        ggml_tensor * sigma = ggml_exp(ctx, ggml_neg(ctx, ggml_softplus(ctx, ggml_neg(ctx, z2))));
        logits = ggml_scale_bias(ctx, sigma, 2.0f * cap, -cap);
    }
    return logits;
}

} // namespace sqlstill
