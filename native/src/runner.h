// Runs the transformer over packed sequences on a device: the loss (head only on the rows where the loss is) and,
// for training, the LoRA gradients. The backward pass recomputes one block at a time from the block inputs saved
// by the forward pass, so memory holds one block's activations instead of all of them.
#pragma once

#include "device.h"
#include "model.h"
#include "pack.h"
#include "transpose.h"

#include <map>

namespace sqlstill {

// Where gradients go: each LoRA parameter's accumulator, and the 1.0 that seeds a loss.
struct GradTargets {
    const std::map<const ggml_tensor *, ggml_tensor *> * gradOf = nullptr;
    ggml_tensor * lossGrad = nullptr;
};

class Runner {
public:
    Runner(const std::string & modelPath, const std::string & backend, int threads, bool transposedBackward,
           const std::string & transposedType);

    Device & device() { return *device_; }
    const Device & device() const { return *device_; }
    const Model & model() const { return *model_; }

    // Sum over the sequence's loss rows of their cross-entropy, times rowWeight. With grads, also adds the gradient
    // of that (for every LoRA tensor in grads->gradOf) into the accumulators.
    double loss(const PackedSequence & seq, const LoraWeights * lora, double rowWeight, const GradTargets * grads);
    // Argmax of the logits at each loss row, in the order of seq.rows.
    std::vector<int32_t> argmaxRows(const PackedSequence & seq, const LoraWeights * lora);
    // Logits at each of the sequence's rows, row-major [rows][n_vocab].
    std::vector<float> logits(const PackedSequence & seq, const LoraWeights * lora);

private:
    void ensureCapacity(int T, size_t maskFloats, size_t indexCount, size_t flagRows);
    // Uploads the sequence's positions and attention layout to the device (once per sequence, all its graphs)...
    void uploadLayout(const PackedSequence & seq);
    // ...and views them in a graph (with the sliding-window masks as `local`, for models that have a window).
    AttentionInputs attentionInputs(ggml_context * ctx, const PackedSequence & seq) const;
    AttentionInputs layoutInputs(ggml_context * ctx, const PackedSequence & seq, size_t maskOffset) const;
    void forward(const PackedSequence & seq, const LoraWeights * lora, bool saveBlockInputs);
    void backwardBlocks(const PackedSequence & seq, const LoraWeights * lora, const GradTargets & grads);
    ggml_tensor * preset(ggml_context * ctx, ggml_tensor * storage, int T); // [n_embd, T] leaf on storage's memory
    // ggml's autodiff graph with its input-gradient out_prods turned into mul_mats (TransposedWeights), unless the
    // trainer was asked for plain autodiff (transposedBackward off: the reference the rewrite is tested against).
    ggml_cgraph * backwardRewrite(ggml_context * ctx, ggml_cgraph * graph, size_t graphSize) const;
    size_t headChunk() const;
    template <typename Value, typename Head>
    std::vector<Value> headRows(const PackedSequence & seq, const LoraWeights * lora, int64_t width, Head head);

    std::unique_ptr<Device> device_;
    std::unique_ptr<Model> model_;
    std::unique_ptr<TransposedWeights> transposed_;
    // Per-sequence state on the device, sized for the longest sequence so far: the input of every block (and the
    // final hidden state), two gradient buffers the backward pass alternates between, the positions and the mask.
    ggml_context_ptr ctxState_;
    ggml_backend_buffer_ptr bufState_;
    std::vector<ggml_tensor *> blockInput_; // [n_layer + 1] of [n_embd, capacity]
    ggml_tensor * gradA_ = nullptr;
    ggml_tensor * gradB_ = nullptr;
    ggml_tensor * positions_ = nullptr; // I32 [capacity]
    ggml_tensor * mask_ = nullptr;      // F32: the T×T mask, or the tree layout's two masks
    ggml_tensor * index_ = nullptr;     // I32: the tree layout's gather indices
    ggml_tensor * rowFlags_ = nullptr;  // F32 [flag rows * capacity]: the tree layout's trunk/group row flags
    int capacity_ = 0;
    size_t maskCapacity_ = 0, indexCapacity_ = 0, flagRows_ = 0;
    std::vector<float> hostMask_, hostLabels_;
    struct LayoutOffsets {
        size_t localMask = 0; // where the sliding-window masks start in mask_
    } layout_;
};

} // namespace sqlstill
