// The whole C++ surface of the sqlstill native training addon.
//
// Everything here runs on ggml's public API (the libraries node-llama-cpp ships). The transformer graph is our own,
// built from GGUF metadata; nothing from llama.cpp's graph code or llama_opt_* is used, because upstream training
// gives K/V LoRA no gradient and has no loss mask (see native/README.md, "Why our own graph").
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "ggml-cpp.h"

namespace sqlstill {

// An error the JS side turns into SqlstillError(code, message). Codes match src/shared/errors.ts.
class NativeError : public std::runtime_error {
public:
    NativeError(std::string code, const std::string & message) : std::runtime_error(message), code_(std::move(code)) {}
    const std::string & code() const { return code_; }

private:
    std::string code_;
};

// ---------------------------------------------------------------- devices

struct GgmlInfo {
    std::vector<std::string> backends; // registered backend names (e.g. "CPU", "Vulkan")
    std::vector<std::string> devices;  // "name: description"
    int nThreads = 0;                  // threads our compute uses by default
    std::string libDir;                // where the ggml libraries were loaded from
};

// Loads the CPU backend variants once (ggml_backend_load_all_from_path on the directory the ggml libs live in).
void ensureBackends();
GgmlInfo ggmlInfo();
// Registers one more ggml backend library (libggml-vulkan.so, libggml-cuda.so, ...) built against the same
// libggml-base as ours; loading the same path twice is a no-op. Throws UNSUPPORTED when it cannot be loaded.
void loadBackendLibrary(const std::string & path);
// Graph computes on the CPU stop (CANCELLED) as soon as the process's parent is no longer `parentPid`; on Linux the
// parent's death also sends this process SIGTERM. 0 turns the watch off.
void watchParent(int parentPid);

// What a trainer runs on, for progress events, reports and the adapter's metadata.
struct DeviceInfo {
    std::string backend;      // "cpu", "vulkan", "cuda", "metal", ...
    std::string name;         // ggml device name, e.g. "CPU", "Vulkan0"
    std::string description;  // e.g. "llvmpipe (LLVM 15.0.6, 256 bits)"
    size_t memoryFree = 0, memoryTotal = 0;
    int threads = 0;          // CPU threads (for the CPU backend and for ops that fall back to it)
    std::map<std::string, int64_t> fallbackOps; // op -> nodes the scheduler ran on the CPU instead of the device
};

// ---------------------------------------------------------------- GGUF metadata

struct GgufValue {
    enum Kind { Number, Bool, String, Array } kind = Number;
    double number = 0;
    bool boolean = false;
    std::string str;
    std::string arrayType;        // for arrays: the element type name
    uint64_t arrayLength = 0;     // for arrays: element count
    std::vector<GgufValue> items; // for arrays: elements (only when short; long arrays are summarized)
};

struct GgufTensorInfo {
    std::string name;
    std::string type;           // ggml type name, e.g. "f32", "q8_0"
    std::vector<int64_t> shape; // ggml ne order (ne[0] first)
};

struct GgufMetadata {
    uint32_t version = 0;
    std::string architecture;
    std::vector<std::pair<std::string, GgufValue>> kv; // file order
    std::vector<GgufTensorInfo> tensors;
};

// Throws NativeError NOT_FOUND / NOT_A_MODEL.
GgufMetadata readGgufMetadata(const std::string & path);

// ---------------------------------------------------------------- model

struct Hparams {
    std::string arch; // one of supportedArchitectures()
    int nVocab = 0, nEmbd = 0, nLayer = 0, nHead = 0, nHeadKv = 0, nFf = 0, nCtxTrain = 0, headDim = 0, nRot = 0;
    float rmsEps = 1e-5f, ropeFreqBase = 10000.0f, ropeFreqScale = 1.0f;
    int ropeMode = 0; // GGML_ROPE_TYPE_NORMAL (llama) or GGML_ROPE_TYPE_NEOX (qwen2, qwen3, gemma3)
    // Scale applied to q·k (0: 1/sqrt(head dim)).
    float attentionScale = 0.0f;
    // Embeddings multiplied by this before the first block (gemma3: sqrt(n_embd)).
    float embeddingScale = 1.0f;
    // Sliding-window attention (gemma3): the layers that see only the last `slidingWindow` positions, and their RoPE.
    int slidingWindow = 0;
    std::vector<bool> layerIsLocal;
    float ropeFreqBaseLocal = 10000.0f, ropeFreqScaleLocal = 1.0f;
    // Logit soft-capping (cap · tanh(logits / cap)) where the GGUF sets it; 0: none.
    float finalLogitSoftcap = 0.0f;
};

struct LayerWeights {
    ggml_tensor *attnNorm = nullptr, *wq = nullptr, *wk = nullptr, *wv = nullptr, *wo = nullptr;
    ggml_tensor *bq = nullptr, *bk = nullptr, *bv = nullptr, *bo = nullptr;
    ggml_tensor *attnQNorm = nullptr, *attnKNorm = nullptr; // per-head RMSNorm of q and k (qwen3, gemma3)
    ggml_tensor *attnPostNorm = nullptr;                    // on the attention output before the residual (gemma3)
    ggml_tensor *ffnNorm = nullptr, *ffnGate = nullptr, *ffnUp = nullptr, *ffnDown = nullptr;
    ggml_tensor *ffnPostNorm = nullptr;                     // on the FFN output before the residual (gemma3)
    ggml_tensor *ropeFreqs = nullptr;                       // RoPE frequency factors (Llama 3)
};

struct Architecture; // arch.h: one per supported model family

// Names of the architectures the trainer implements, comma separated (for messages).
std::string supportedArchitectures();

// LoRA target names, in the order used everywhere (adapter tensors are blk.N.<target>.weight.lora_{a,b}).
constexpr int kLayerTargetCount = 7;
extern const char * const kLoraTargets[kLayerTargetCount]; // attn_q attn_k attn_v attn_output ffn_gate ffn_up ffn_down
// Optional target on the output head (adapter tensors output.weight.lora_{a,b}; llama.cpp applies it too). Small
// models whose unused byte-fallback tokens share near-identical output rows cannot learn to emit them otherwise.
extern const char * const kOutputLoraTarget; // "output"

// The frozen base model: weights in their stored types, in one buffer of the buffer type it is given (host memory
// for the CPU backend, device memory for a GPU).
class Model {
public:
    // buft null: read and check the hyperparameters and tensor shapes only, no weights.
    Model(const std::string & path, ggml_backend_buffer_type * buft); // throws NOT_FOUND / NOT_A_MODEL / UNSUPPORTED
    ~Model();
    Model(const Model &) = delete;
    Model & operator=(const Model &) = delete;

    const Hparams & hp() const { return hp_; }
    const std::string & path() const { return path_; }
    ggml_tensor * tokEmbd = nullptr;
    ggml_tensor * outputNorm = nullptr;
    ggml_tensor * output = nullptr; // == tokEmbd when the head is tied
    bool outputTied = false;        // the GGUF has no output.weight
    std::vector<LayerWeights> layers;
    const Architecture * architecture = nullptr;
    ggml_tensor * weight(int layer, int target) const; // target indexes kLoraTargets
    size_t bytes() const;

private:
    std::string path_;
    Hparams hp_;
    ggml_context * ctx_ = nullptr;
    ggml_backend_buffer * buf_ = nullptr;
};

// One LoRA pair per (layer, target); null entries are untrained targets.
struct LoraPair {
    ggml_tensor * a = nullptr; // [n_in, r]
    ggml_tensor * b = nullptr; // [r, n_out]
};
struct LoraWeights {
    float scale = 1.0f; // alpha / rank
    std::vector<std::vector<LoraPair>> pairs; // [layer][target]
    LoraPair output;                          // on the output head; null unless the "output" target is trained
};

// Logits of every position of one sequence (positions 0..n-1, no adapter), row-major [n_tokens][n_vocab], on the CPU.
std::vector<float> forwardLogits(const std::string & modelPath, const std::vector<int32_t> & tokens, int nThreads);

// ---------------------------------------------------------------- trainer

struct TrainerOptions {
    std::string modelPath;
    int rank = 8;
    float alpha = 16.0f;
    std::vector<std::string> targets; // subset of kLoraTargets, plus kOutputLoraTarget
    float lr = 1e-3f;
    float weightDecay = 0.0f;
    float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
    float gradClip = 1.0f; // global L2 norm of the LoRA gradient is clipped to this before AdamW; 0 disables
    // Input gradients through frozen weights: ggml's autodiff uses out_prod, which is 6-35x slower than a forward
    // matmul on the CPU for F16/quantized weights and missing on several GPU backends; with this on, the backward uses
    // mul_mat on a transposed copy of each frozen weight instead.
    bool transposedBackward = true;
    // Type of those copies: "auto" (Q8_0 for quantized weights whose rows allow it, else the weight's own F16/F32),
    // "f16" or "q8_0". Q8_0 costs ~1.06 bytes a weight and multiplies fastest; F16 2 bytes, closer to the weight.
    std::string transposedType = "auto";
    uint32_t seed = 42;
    int threads = 0;     // 0: hardware concurrency
    int maxLength = 256; // longest example (prompt + completion) accepted
    // Examples of a batch that share a token prefix (the schema part of the prompt) are packed into one sequence that
    // holds the prefix once: each continuation attends to the prefix and to itself only, positions continue from the
    // prefix, and the gradient equals the sum over the examples trained one by one. Unrelated examples fill the same
    // sequence block-diagonally. Off: one sequence per example (the reference the packed gradient is tested against).
    bool packing = true;
    int packLength = 3072; // tokens per packed sequence (raised to maxLength when that is longer)
    // "auto": per sequence, the tree layout (the shared prefix once, the continuations batched) where it costs well
    // under one masked T×T attention; "mask" / "tree" force one (the results are the same).
    std::string attention = "auto";
    std::string backend = "cpu"; // "cpu", "auto", a backend ("vulkan", "cuda", "metal") or a device name ("Vulkan0")
};

struct TrainExample {
    std::vector<int32_t> tokens;
    int completionStart = 0; // tokens[completionStart..] are predicted (loss counted); earlier ones are prompt
    // Optional, same length as tokens: the targets the loss uses (row i predicts labels[i+1]). Empty means the
    // labels are the tokens themselves. KID feeds partly model-predicted inputs while the labels stay correct.
    std::vector<int32_t> labels;
};

struct StepResult {
    double loss = 0;          // mean cross-entropy over completion tokens of the batch
    double gradNorm = 0;      // global L2 norm of the LoRA gradient before clipping (training steps only)
    int64_t tokens = 0;       // completion tokens counted
    int64_t step = 0;         // optimizer steps taken so far
    int64_t exampleTokens = 0;  // prompt + completion tokens of the batch's examples, as if each ran alone
    int64_t computedTokens = 0; // positions the transformer actually computed (packed sequences)
    int64_t sequences = 0;      // packed sequences (graph evaluations of the transformer)
};

struct LoraGradEntry {
    std::string name; // blk.N.<target>.weight.lora_{a,b}
    std::vector<float> grad;
};

class Runner; // the device, the base model and the graphs that run it (runner.h)
enum class AttentionLayout; // pack.h

class Trainer {
public:
    explicit Trainer(const TrainerOptions & opts);
    ~Trainer();
    Trainer(const Trainer &) = delete;
    Trainer & operator=(const Trainer &) = delete;

    StepResult trainStep(const std::vector<TrainExample> & batch);   // forward + backward + AdamW
    StepResult evalLoss(const std::vector<TrainExample> & batch);    // forward only
    // Gradients of the batch loss w.r.t. every LoRA tensor, without taking an optimizer step.
    std::vector<LoraGradEntry> computeGradients(const std::vector<TrainExample> & batch, StepResult * out);
    std::vector<float> forwardLogits(const std::vector<int32_t> & tokens); // with the adapter applied
    void setLearningRate(float lr); // for schedules; takes effect at the next step
    void setThreads(int threads);   // CPU threads from the next graph on (e.g. when another process wants the CPU)
    // Argmax of the adapted model's logits at every position (teacher-forced), e.g. for KID.
    std::vector<int32_t> predictTokens(const std::vector<int32_t> & tokens);
    // The same for a batch, only where the loss is (rows completionStart-1 .. n-2; -1 elsewhere), packed like a step.
    std::vector<std::vector<int32_t>> predictCompletions(const std::vector<TrainExample> & batch);
    // AdamW state, for checkpoints: first/second moments of one LoRA tensor, and the optimizer step count.
    std::pair<std::vector<float>, std::vector<float>> getMoments(const std::string & name) const;
    void setMoments(const std::string & name, const std::vector<float> & m, const std::vector<float> & v);
    void setSteps(int64_t steps);
    void saveAdapter(const std::string & path, const std::map<std::string, std::string> & extraMeta);
    // Replaces A/B with an adapter file's (same architecture, targets and rank), e.g. to resume training. The
    // optimizer moments start from zero.
    void loadAdapter(const std::string & path);

    std::vector<std::string> tensorNames() const;
    std::vector<float> getTensor(const std::string & name) const;
    void setTensor(const std::string & name, const std::vector<float> & values);
    const Model & model() const;
    DeviceInfo deviceInfo() const;
    const TrainerOptions & options() const { return opts_; }
    int64_t steps() const { return steps_; }
    int64_t trainableParams() const;

private:
    // Each LoRA tensor is stored with its rank rounded up to kRankAlign (see trainer.cpp); the extra rows are zero and
    // get exactly zero gradient, so they stay zero. `rows`/`cols` is the true shape the API and adapter files see.
    struct NamedTensor {
        std::string name;
        ggml_tensor * param;
        ggml_tensor * grad;
        ggml_tensor * m;
        ggml_tensor * v;
        bool rankInner; // B [r, n_out]: the rank is the contiguous dimension; A [n_in, r]: it is the row count
        int64_t ne0, ne1; // the true shape
    };
    std::vector<float> readTrue(const NamedTensor & nt, const ggml_tensor * t) const;
    void writeTrue(const NamedTensor & nt, ggml_tensor * t, const std::vector<float> & values) const;

    void validate(const std::vector<TrainExample> & batch) const;
    StepResult runBatch(const std::vector<TrainExample> & batch, bool backward);
    double clipGradients();
    void optimizerStep();
    const NamedTensor & named(const std::string & name) const; // NOT_FOUND for an unknown name
    AttentionLayout layout() const;

    TrainerOptions opts_;
    std::unique_ptr<Runner> runner_;
    LoraWeights lora_;
    std::vector<NamedTensor> named_;
    std::map<const ggml_tensor *, ggml_tensor *> gradOf_; // LoRA parameter -> its gradient accumulator
    ggml_context_ptr ctxParams_; // A/B, moments, the loss gradient seed, AdamW's hyperparameters
    ggml_context_ptr ctxGrads_;
    ggml_context_ptr ctxOpt_;
    ggml_backend_buffer_ptr bufParams_;
    ggml_backend_buffer_ptr bufGrads_;
    ggml_tensor * lossGrad_ = nullptr;
    ggml_tensor * adamwParams_ = nullptr;
    ggml_cgraph * graphOpt_ = nullptr;
    int64_t steps_ = 0;
};

// ---------------------------------------------------------------- export

// llama_model_quantize to one of quantTypeNames() (Q4_K_M, Q8_0, F16, Q4_0, Q5_K_M, Q6_K, F32); written to
// <output>.tmp, fsynced, renamed. Tensors whose rows do not fit the type's block size get llama.cpp's fallbacks.
void quantizeModel(const std::string & input, const std::string & output, const std::string & type, int threads);
std::vector<std::string> quantTypeNames();

// W' = W + (alpha/r)·B·A for every tensor the adapter adapts (stored as outType, F32 or F16); every other tensor
// and all metadata copied unchanged. Throws BAD_REQUEST when the adapter does not fit the base.
void fuseAdapter(const std::string & basePath, const std::string & adapterPath, const std::string & outPath,
                 const std::string & outType, const std::function<void(double)> & progress);

} // namespace sqlstill
