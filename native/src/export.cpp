// Export: fuse a LoRA adapter into a copy of its base model (W' = W + (alpha/r)·B·A) and quantize GGUF models with
// llama.cpp's own quantizer (llama_model_quantize from the libllama node-llama-cpp ships).
#include "internal.h"

#include "llama.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <mutex>
#include <unistd.h>

namespace sqlstill {

namespace {

struct QuantType {
    const char * name;
    llama_ftype ftype;
};
constexpr QuantType kQuantTypes[] = {
    {"Q4_K_M", LLAMA_FTYPE_MOSTLY_Q4_K_M}, {"Q8_0", LLAMA_FTYPE_MOSTLY_Q8_0}, {"F16", LLAMA_FTYPE_MOSTLY_F16},
    {"Q4_0", LLAMA_FTYPE_MOSTLY_Q4_0},     {"Q5_K_M", LLAMA_FTYPE_MOSTLY_Q5_K_M}, {"Q6_K", LLAMA_FTYPE_MOSTLY_Q6_K},
    {"F32", LLAMA_FTYPE_ALL_F32},
};

// llama.cpp reports quantization failures only through its log; collect error lines while we quantize.
struct LogCapture {
    std::string errors;
    static void callback(ggml_log_level level, const char * text, void * user) {
        if (level == GGML_LOG_LEVEL_ERROR || level == GGML_LOG_LEVEL_WARN) static_cast<LogCapture *>(user)->errors += text;
    }
};

std::mutex gQuantizeMutex; // the log callback is process-global

bool fileExists(const std::string & path) { return access(path.c_str(), F_OK) == 0; }

} // namespace

std::vector<std::string> quantTypeNames() {
    std::vector<std::string> out;
    for (const QuantType & q : kQuantTypes) out.push_back(q.name);
    return out;
}

void quantizeModel(const std::string & input, const std::string & output, const std::string & type, int threads) {
    const QuantType * qt = nullptr;
    for (const QuantType & q : kQuantTypes) {
        if (type == q.name) qt = &q;
    }
    if (qt == nullptr) {
        std::string names;
        for (const QuantType & q : kQuantTypes) names += (names.empty() ? "" : ", ") + std::string(q.name);
        throw NativeError("BAD_REQUEST", "unknown quantization type '" + type + "' (expected one of " + names + ")");
    }
    if (!fileExists(input)) throw NativeError("NOT_FOUND", "model file not found: " + input);
    readGgufMetadata(input); // NOT_A_MODEL for anything that is not a GGUF
    if (input == output) throw NativeError("BAD_REQUEST", "the output must differ from the input");
    ensureBackends();

    const std::string tmp = output + ".tmp";
    std::lock_guard<std::mutex> lock(gQuantizeMutex);
    static std::once_flag init;
    std::call_once(init, [] { llama_backend_init(); });
    llama_model_quantize_params params = llama_model_quantize_default_params();
    params.ftype = qt->ftype;
    params.nthread = threads > 0 ? threads : defaultThreads();
    params.allow_requantize = true; // e.g. a fused model that kept some of its base's quantized tensors
    LogCapture capture;
    ggml_log_callback prevCb = nullptr;
    void * prevUser = nullptr;
    llama_log_get(&prevCb, &prevUser);
    llama_log_set(LogCapture::callback, &capture);
    uint32_t rc = 1;
    try {
        rc = llama_model_quantize(input.c_str(), tmp.c_str(), &params);
    } catch (...) {
        rc = 1;
    }
    llama_log_set(prevCb, prevUser);
    if (rc != 0) {
        std::remove(tmp.c_str());
        std::string why = capture.errors;
        while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
        const size_t lastLine = why.find_last_of('\n');
        if (lastLine != std::string::npos && why.size() > 600) why = why.substr(lastLine + 1);
        throw NativeError(why.find("No space") != std::string::npos ? "INTERNAL" : "BAD_REQUEST",
                          "quantizing " + input + " to " + type + " failed" + (why.empty() ? "" : ": " + why));
    }
    commitFile(tmp, output);
}

namespace {

std::string ggufStr(gguf_context * g, const char * key) {
    const int64_t id = gguf_find_key(g, key);
    return id >= 0 && gguf_get_kv_type(g, id) == GGUF_TYPE_STRING ? gguf_get_val_str(g, id) : "";
}

std::vector<float> toFloatRows(const ggml_tensor * t) {
    const int64_t n = ggml_nelements(t);
    std::vector<float> out(static_cast<size_t>(n));
    if (t->type == GGML_TYPE_F32) {
        std::memcpy(out.data(), t->data, n * sizeof(float));
        return out;
    }
    const ggml_type_traits * traits = ggml_get_type_traits(t->type);
    if (traits->to_float == nullptr) throw NativeError("UNSUPPORTED", std::string("cannot dequantize ") + ggml_type_name(t->type));
    const int64_t rows = n / t->ne[0];
    for (int64_t r = 0; r < rows; r++) traits->to_float(static_cast<const char *>(t->data) + r * t->nb[1], out.data() + r * t->ne[0], t->ne[0]);
    return out;
}

} // namespace

void fuseAdapter(const std::string & basePath, const std::string & adapterPath, const std::string & outPath,
                 const std::string & outType, const std::function<void(double)> & progress) {
    if (outType != "F32" && outType != "F16") throw NativeError("BAD_REQUEST", "fused output type must be F32 or F16");
    if (!fileExists(basePath)) throw NativeError("NOT_FOUND", "base model not found: " + basePath);
    if (!fileExists(adapterPath)) throw NativeError("NOT_FOUND", "adapter not found: " + adapterPath);
    const ggml_type adaptedType = outType == "F32" ? GGML_TYPE_F32 : GGML_TYPE_F16;

    auto load = [](const std::string & path, ggml_context ** ctx) {
        gguf_init_params p{};
        p.no_alloc = false;
        p.ctx = ctx;
        gguf_context * g = gguf_init_from_file(path.c_str(), p);
        if (g == nullptr) throw NativeError("NOT_A_MODEL", "not a readable GGUF file: " + path);
        return gguf_context_ptr(g);
    };
    ggml_context * baseCtxRaw = nullptr;
    gguf_context_ptr base = load(basePath, &baseCtxRaw);
    ggml_context_ptr baseCtx(baseCtxRaw);
    ggml_context * adCtxRaw = nullptr;
    gguf_context_ptr adapter = load(adapterPath, &adCtxRaw);
    ggml_context_ptr adCtx(adCtxRaw);

    if (ggufStr(adapter.get(), "general.type") != "adapter" || ggufStr(adapter.get(), "adapter.type") != "lora") {
        throw NativeError("NOT_A_MODEL", "not a LoRA adapter: " + adapterPath);
    }
    if (ggufStr(base.get(), "general.type") == "adapter") throw NativeError("BAD_REQUEST", "the base is itself an adapter: " + basePath);
    const std::string baseArch = ggufStr(base.get(), "general.architecture");
    if (ggufStr(adapter.get(), "general.architecture") != baseArch) {
        throw NativeError("BAD_REQUEST", "the adapter is for architecture '" + ggufStr(adapter.get(), "general.architecture") +
                                             "' but the base model is '" + baseArch + "' (wrong base?)");
    }
    float alpha = 0;
    {
        const int64_t id = gguf_find_key(adapter.get(), "adapter.lora.alpha");
        if (id >= 0 && gguf_get_kv_type(adapter.get(), id) == GGUF_TYPE_FLOAT32) alpha = gguf_get_val_f32(adapter.get(), id);
    }

    // Pair every lora_a/lora_b with its base tensor and check shapes before writing anything.
    struct Pair {
        ggml_tensor * a = nullptr;
        ggml_tensor * b = nullptr;
    };
    std::map<std::string, Pair> pairs;
    // iterate the file's tensor list: with no_alloc = false the context also holds a "binary blob" tensor
    for (int64_t ti = 0; ti < gguf_get_n_tensors(adapter.get()); ti++) {
        std::string name = gguf_get_tensor_name(adapter.get(), ti);
        ggml_tensor * t = ggml_get_tensor(adCtx.get(), name.c_str());
        const bool isA = name.size() > 7 && name.compare(name.size() - 7, 7, ".lora_a") == 0;
        const bool isB = name.size() > 7 && name.compare(name.size() - 7, 7, ".lora_b") == 0;
        if (!isA && !isB) throw NativeError("NOT_A_MODEL", "unexpected tensor in adapter: " + name);
        (isA ? pairs[name.substr(0, name.size() - 7)].a : pairs[name.substr(0, name.size() - 7)].b) = t;
    }
    if (pairs.empty()) throw NativeError("NOT_A_MODEL", "the adapter has no LoRA tensors: " + adapterPath);
    for (const auto & kv : pairs) {
        const Pair & p = kv.second;
        if (p.a == nullptr || p.b == nullptr) throw NativeError("NOT_A_MODEL", "adapter lacks half of the pair for " + kv.first);
        ggml_tensor * w = ggml_get_tensor(baseCtx.get(), kv.first.c_str());
        if (w == nullptr) throw NativeError("BAD_REQUEST", "the base model has no tensor " + kv.first + " (wrong base?)");
        if (ggml_n_dims(w) != 2 || p.a->ne[0] != w->ne[0] || p.b->ne[1] != w->ne[1] || p.a->ne[1] != p.b->ne[0]) {
            throw NativeError("BAD_REQUEST", "adapter shapes for " + kv.first + " do not match the base model (wrong base?)");
        }
        if (p.a->type != GGML_TYPE_F32 || p.b->type != GGML_TYPE_F32) throw NativeError("UNSUPPORTED", "only F32 adapters can be fused");
    }

    gguf_context_ptr out(gguf_init_empty());
    gguf_set_kv(out.get(), base.get()); // every key, the tokenizer included, unchanged
    // The merged tensors no longer match the base's file type; tell readers what the bulk now is.
    gguf_set_val_u32(out.get(), "general.file_type", outType == "F32" ? LLAMA_FTYPE_ALL_F32 : LLAMA_FTYPE_MOSTLY_F16);
    // The fused model was fine-tuned on the adapter's prompt (its form, its rules); sqlstill keeps asking it so.
    for (const char * key : {"sqlstill.prompt.form", "sqlstill.prompt.rules"}) {
        const std::string value = ggufStr(adapter.get(), key);
        if (!value.empty()) gguf_set_val_str(out.get(), key, value.c_str());
    }

    size_t bytes = 0;
    for (int64_t ti = 0; ti < gguf_get_n_tensors(base.get()); ti++) {
        const char * name = gguf_get_tensor_name(base.get(), ti);
        bytes += ggml_tensor_overhead() + (pairs.count(name) ? ggml_row_size(GGML_TYPE_F32, ggml_nelements(ggml_get_tensor(baseCtx.get(), name))) : 0);
    }
    ggml_init_params ip{};
    ip.mem_size = bytes + 1024;
    ip.no_alloc = false;
    ggml_context_ptr outCtx(ggml_init(ip));
    if (!outCtx) throw NativeError("INTERNAL", "out of memory for the fused model");

    const int64_t nTensors = gguf_get_n_tensors(base.get());
    int64_t done = 0;
    for (int64_t ti = 0; ti < nTensors; ti++) {
        const char * name = gguf_get_tensor_name(base.get(), ti);
        ggml_tensor * w = ggml_get_tensor(baseCtx.get(), name);
        auto it = pairs.find(name);
        if (it == pairs.end()) {
            gguf_add_tensor(out.get(), w); // unchanged: its data stays in the base context
        } else {
            const ggml_tensor * A = it->second.a; // [n_in, r]: r rows of n_in
            const ggml_tensor * B = it->second.b; // [r, n_out]: n_out rows of r
            const int64_t nIn = w->ne[0], nOut = w->ne[1], r = A->ne[1];
            const float scale = alpha > 0 ? alpha / static_cast<float>(r) : 1.0f; // llama.cpp's adapter scale
            std::vector<float> dense = toFloatRows(w);
            const float * a = static_cast<const float *>(A->data);
            const float * b = static_cast<const float *>(B->data);
            for (int64_t o = 0; o < nOut; o++) {
                float * row = dense.data() + o * nIn;
                for (int64_t k = 0; k < r; k++) {
                    const float s = scale * b[o * r + k];
                    if (s == 0.0f) continue;
                    const float * ak = a + k * nIn;
                    for (int64_t i = 0; i < nIn; i++) row[i] += s * ak[i];
                }
            }
            ggml_tensor * fused = ggml_new_tensor_2d(outCtx.get(), adaptedType, nIn, nOut);
            ggml_set_name(fused, name);
            if (adaptedType == GGML_TYPE_F32) {
                std::memcpy(fused->data, dense.data(), dense.size() * sizeof(float));
            } else {
                ggml_fp32_to_fp16_row(dense.data(), static_cast<ggml_fp16_t *>(fused->data), static_cast<int64_t>(dense.size()));
            }
            gguf_add_tensor(out.get(), fused);
        }
        done++;
        if (progress) progress(static_cast<double>(done) / static_cast<double>(nTensors));
    }

    writeGgufDurably(out.get(), outPath, "the fused model");
}

} // namespace sqlstill
