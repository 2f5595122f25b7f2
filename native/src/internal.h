// Helpers shared by the addon's translation units; not part of the public surface (see include/sqlstill_train.h).
#pragma once

#include "sqlstill_train.h"

#include "ggml.h"
#include "ggml-alloc.h"
#include "ggml-backend.h"
#include "gguf.h"

#include <memory>

namespace sqlstill {

struct BackendDeleter {
    void operator()(ggml_backend_t b) const { ggml_backend_free(b); }
};
using BackendPtr = std::unique_ptr<ggml_backend, BackendDeleter>;

struct ContextDeleter {
    void operator()(ggml_context * c) const { ggml_free(c); }
};
using ContextPtr = std::unique_ptr<ggml_context, ContextDeleter>;

struct GallocDeleter {
    void operator()(ggml_gallocr_t g) const { ggml_gallocr_free(g); }
};
using GallocPtr = std::unique_ptr<ggml_gallocr, GallocDeleter>;

struct GgufDeleter {
    void operator()(gguf_context * g) const { gguf_free(g); }
};
using GgufPtr = std::unique_ptr<gguf_context, GgufDeleter>;

int defaultThreads();
BackendPtr makeCpuBackend(int nThreads);
ggml_backend_buffer_type_t cpuBufferType();

// Opens a GGUF file's metadata (and tensor descriptions, no data when ctxOut is null). Throws NOT_FOUND/NOT_A_MODEL.
GgufPtr openGguf(const std::string & path, ggml_context ** ctxOut);

// Graph node budget generous enough for forward + backward of any supported model size.
size_t graphSizeFor(int nLayer);

} // namespace sqlstill

namespace sqlstill {
std::vector<float> runForward(const Model & m, const LoraWeights * lora, const std::vector<int32_t> & tokens, int nThreads);
}
