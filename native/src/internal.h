// Helpers shared by the addon's translation units; not part of the public surface (see include/sqlstill_train.h).
#pragma once

#include "sqlstill_train.h"

#include "ggml.h"
#include "ggml-alloc.h"
#include "ggml-backend.h"
#include "ggml-cpp.h"
#include "gguf.h"

#include <memory>

namespace sqlstill {

int defaultThreads();

// Opens a GGUF file's metadata (and tensor descriptions, no data when ctxOut is null). Throws NOT_FOUND/NOT_A_MODEL.
gguf_context_ptr openGguf(const std::string & path, ggml_context ** ctxOut);

// The one durable write of the addon: gguf -> <path>.tmp, fsync, rename over path, fsync the folder. A crash leaves
// the old file or the complete new one; a write error (full disk) removes the temporary file and throws INTERNAL.
void writeGgufDurably(const gguf_context * g, const std::string & path, const std::string & what);
// tmp -> path after fsync (for files another library wrote, e.g. llama_model_quantize's output).
void commitFile(const std::string & tmp, const std::string & path);

// Graph node budget generous enough for forward + backward of any supported model size.
size_t graphSizeFor(int nLayer);

// A context for building one graph: tensor descriptions only (no_alloc), room for `graphSize` nodes.
ggml_context_ptr graphContext(size_t graphSize, bool grads);

// Bytes of `t`, wherever its buffer lives (host or device), as host memory.
std::vector<uint8_t> tensorBytes(const ggml_tensor * t, size_t offset, size_t size);

} // namespace sqlstill
