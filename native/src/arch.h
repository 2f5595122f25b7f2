// Model architectures, one file each (arch_*.cpp), as llama.cpp keeps them: what an architecture reads from the GGUF
// beyond the hyperparameters every one has, which tensors it adds, and how its transformer block is built from the
// shared pieces in model.h. Each follows llama.cpp's graph for that architecture (src/models/<name>.cpp).
#pragma once

#include "model.h"

#include <functional>

namespace sqlstill {

// Reading GGUF metadata (model.cpp).
double ggufNumberOr(const gguf_context * g, const std::string & key, double fallback);
double ggufRequireNumber(const gguf_context * g, const std::string & key);
std::string ggufStringOr(const gguf_context * g, const std::string & key, const std::string & fallback);
// A numeric array (e.g. a per-layer pattern); empty when absent.
std::vector<double> ggufNumbers(const gguf_context * g, const std::string & key);

using TensorLookup = std::function<ggml_tensor *(const std::string & name, bool required)>;

struct Architecture {
    const char * name;
    // After the common hyperparameters are read: the architecture's own keys; throws UNSUPPORTED for what the graph
    // does not implement.
    void (*configure)(const gguf_context * g, Hparams & hp);
    // After the common per-layer tensors are bound: the architecture's own (prefix is "blk.N.").
    void (*bindLayer)(const TensorLookup & get, const std::string & prefix, const Hparams & hp, LayerWeights & L);
    // After token_embd/output are bound: model-wide tensors of its own (may be null).
    void (*bindModel)(const TensorLookup & get, Model & m);
    ggml_tensor * (*block)(ggml_context * ctx, const Model & m, const LoraWeights * lora, int il, ggml_tensor * x, const AttentionInputs & att);
};

const Architecture * findArchitecture(const std::string & name); // null when not supported

// The architectures, one per file.
extern const Architecture kLlamaArchitecture;
extern const Architecture kQwen2Architecture;
extern const Architecture kQwen3Architecture;
extern const Architecture kGemma3Architecture;

} // namespace sqlstill
