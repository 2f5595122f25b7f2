// Transposed copies of frozen weights. ggml's autodiff writes dL/dx of y = W·x as out_prod(W, dL/dyᵀ), which is slow
// on the CPU for F16/quantized W (6-35x a forward matmul) and not offered by every GPU backend; with Wᵀ at hand the
// same gradient is mul_mat(Wᵀ, dL/dy), the fastest kernel every backend has.
#pragma once

#include "internal.h"

#include <map>

namespace sqlstill {

class TransposedWeights {
public:
    // type: "auto" | "f16" | "q8_0" (see TrainerOptions::transposedType). Copies live in `buft` (the device).
    TransposedWeights(const std::vector<ggml_tensor *> & frozen, const std::string & type, ggml_backend_buffer_type_t buft, int threads);

    // Wᵀ for W, or null when W has none.
    ggml_tensor * of(const ggml_tensor * w) const;
    bool empty() const { return copies_.empty(); }
    size_t bytes() const { return buf_ ? ggml_backend_buffer_get_size(buf_.get()) : 0; }

    // The backward graph as it should run: every input gradient out_prod(X, transpose(g)) ggml's autodiff wrote
    // becomes mul_mat(Xᵀ, g), with Xᵀ the prepared copy for a frozen weight, else cont(transpose(X)) (a LoRA factor,
    // an attention operand: small). out_prod is slow on the CPU and, with a transposed operand, missing on Vulkan
    // and Metal; mul_mat is every backend's fastest kernel. Returns a new graph over the same tensors (the inserted
    // copies in place), built in `ctx`; the input graph must not be allocated yet.
    ggml_cgraph * rewriteBackward(ggml_context * ctx, ggml_cgraph * graph, size_t graphSize) const;

private:
    ggml_context_ptr ctx_;
    ggml_backend_buffer_ptr buf_;
    std::map<const ggml_tensor *, ggml_tensor *> copies_;
};

} // namespace sqlstill
