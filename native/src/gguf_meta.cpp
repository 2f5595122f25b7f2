// Reading GGUF headers: metadata keys and tensor descriptions, never tensor data.
#include "internal.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstring>

namespace sqlstill {

static constexpr uint64_t kMaxListedArrayItems = 64; // token lists have 100k+ entries; summarize those

gguf_context_ptr openGguf(const std::string & path, ggml_context ** ctxOut) {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) throw NativeError("NOT_FOUND", "model file not found: " + path);
    if (!S_ISREG(st.st_mode)) throw NativeError("NOT_A_MODEL", "not a regular file: " + path);
    {
        FILE * f = std::fopen(path.c_str(), "rb");
        if (f == nullptr) throw NativeError("NOT_FOUND", "cannot open model file: " + path);
        char magic[4] = {0, 0, 0, 0};
        const size_t n = std::fread(magic, 1, 4, f);
        std::fclose(f);
        if (n != 4 || std::memcmp(magic, "GGUF", 4) != 0) {
            throw NativeError("NOT_A_MODEL", "not a GGUF file (bad magic): " + path);
        }
    }
    gguf_init_params params{};
    params.no_alloc = true;
    params.ctx = ctxOut;
    gguf_context * g = gguf_init_from_file(path.c_str(), params);
    if (g == nullptr) throw NativeError("NOT_A_MODEL", "GGUF file is corrupt or truncated: " + path);
    return gguf_context_ptr(g);
}

static GgufValue scalarValue(const gguf_context * g, int64_t id, gguf_type t) {
    GgufValue v;
    v.kind = GgufValue::Number;
    switch (t) {
        case GGUF_TYPE_UINT8: v.number = gguf_get_val_u8(g, id); break;
        case GGUF_TYPE_INT8: v.number = gguf_get_val_i8(g, id); break;
        case GGUF_TYPE_UINT16: v.number = gguf_get_val_u16(g, id); break;
        case GGUF_TYPE_INT16: v.number = gguf_get_val_i16(g, id); break;
        case GGUF_TYPE_UINT32: v.number = gguf_get_val_u32(g, id); break;
        case GGUF_TYPE_INT32: v.number = gguf_get_val_i32(g, id); break;
        case GGUF_TYPE_FLOAT32: v.number = gguf_get_val_f32(g, id); break;
        case GGUF_TYPE_UINT64: v.number = static_cast<double>(gguf_get_val_u64(g, id)); break;
        case GGUF_TYPE_INT64: v.number = static_cast<double>(gguf_get_val_i64(g, id)); break;
        case GGUF_TYPE_FLOAT64: v.number = gguf_get_val_f64(g, id); break;
        case GGUF_TYPE_BOOL: v.kind = GgufValue::Bool; v.boolean = gguf_get_val_bool(g, id); break;
        case GGUF_TYPE_STRING: v.kind = GgufValue::String; v.str = gguf_get_val_str(g, id); break;
        default: v.kind = GgufValue::String; v.str = "<unsupported type>"; break;
    }
    return v;
}

template <typename T>
static double elementAt(const void * data, size_t i) {
    T x;
    std::memcpy(&x, static_cast<const char *>(data) + i * sizeof(T), sizeof(T));
    return static_cast<double>(x);
}

static GgufValue arrayValue(const gguf_context * g, int64_t id) {
    GgufValue v;
    v.kind = GgufValue::Array;
    const gguf_type at = gguf_get_arr_type(g, id);
    v.arrayType = gguf_type_name(at);
    v.arrayLength = gguf_get_arr_n(g, id);
    if (v.arrayLength > kMaxListedArrayItems || at == GGUF_TYPE_ARRAY) return v;
    const void * data = at == GGUF_TYPE_STRING ? nullptr : gguf_get_arr_data(g, id);
    for (size_t i = 0; i < v.arrayLength; i++) {
        GgufValue item;
        switch (at) {
            case GGUF_TYPE_STRING: item.kind = GgufValue::String; item.str = gguf_get_arr_str(g, id, i); break;
            case GGUF_TYPE_UINT8: item.number = elementAt<uint8_t>(data, i); break;
            case GGUF_TYPE_INT8: item.number = elementAt<int8_t>(data, i); break;
            case GGUF_TYPE_UINT16: item.number = elementAt<uint16_t>(data, i); break;
            case GGUF_TYPE_INT16: item.number = elementAt<int16_t>(data, i); break;
            case GGUF_TYPE_UINT32: item.number = elementAt<uint32_t>(data, i); break;
            case GGUF_TYPE_INT32: item.number = elementAt<int32_t>(data, i); break;
            case GGUF_TYPE_FLOAT32: item.number = elementAt<float>(data, i); break;
            case GGUF_TYPE_UINT64: item.number = elementAt<uint64_t>(data, i); break;
            case GGUF_TYPE_INT64: item.number = elementAt<int64_t>(data, i); break;
            case GGUF_TYPE_FLOAT64: item.number = elementAt<double>(data, i); break;
            case GGUF_TYPE_BOOL: item.kind = GgufValue::Bool; item.boolean = static_cast<const int8_t *>(data)[i] != 0; break;
            default: break;
        }
        v.items.push_back(std::move(item));
    }
    return v;
}

GgufMetadata readGgufMetadata(const std::string & path) {
    gguf_context_ptr g = openGguf(path, nullptr);
    GgufMetadata meta;
    meta.version = gguf_get_version(g.get());
    const int64_t nKv = gguf_get_n_kv(g.get());
    for (int64_t i = 0; i < nKv; i++) {
        const gguf_type t = gguf_get_kv_type(g.get(), i);
        meta.kv.emplace_back(gguf_get_key(g.get(), i), t == GGUF_TYPE_ARRAY ? arrayValue(g.get(), i) : scalarValue(g.get(), i, t));
    }
    const int64_t archId = gguf_find_key(g.get(), "general.architecture");
    if (archId >= 0 && gguf_get_kv_type(g.get(), archId) == GGUF_TYPE_STRING) meta.architecture = gguf_get_val_str(g.get(), archId);
    const int64_t nT = gguf_get_n_tensors(g.get());
    for (int64_t i = 0; i < nT; i++) {
        GgufTensorInfo ti;
        ti.name = gguf_get_tensor_name(g.get(), i);
        ti.type = ggml_type_name(gguf_get_tensor_type(g.get(), i));
        const int64_t * ne = gguf_get_tensor_ne(g.get(), i);
        int nd = GGML_MAX_DIMS;
        while (nd > 1 && ne[nd - 1] == 1) nd--;
        ti.shape.assign(ne, ne + nd);
        meta.tensors.push_back(std::move(ti));
    }
    return meta;
}

} // namespace sqlstill
