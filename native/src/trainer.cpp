// LoRA trainer: frozen base weights in their stored types, F32 LoRA A/B, completion-only cross-entropy,
// static graphs per sequence-length bucket, gradient accumulation over a batch, AdamW via ggml_opt_step_adamw.
#include "internal.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <set>
#include <cerrno>
#include <unistd.h>

namespace sqlstill {

namespace {
constexpr int kBucketStep = 16; // sequence lengths are padded up to a multiple of this
} // namespace

// One static graph (forward only, or forward + backward) with its own inputs. All buckets share one compute
// allocator per graph kind, so memory is that of the largest bucket, not the sum over buckets.
struct GraphSet {
    ContextPtr ctx;
    ggml_cgraph * graph = nullptr;
    ggml_tensor *tokens = nullptr, *positions = nullptr, *rowMask = nullptr, *labels = nullptr, *lossScale = nullptr,
                *loss = nullptr;
};

struct Trainer::Bucket {
    int length = 0;
    std::unique_ptr<GraphSet> eval;
    std::unique_ptr<GraphSet> train;
};

static int targetIndex(const std::string & name) {
    for (int i = 0; i < 7; i++) {
        if (name == kLoraTargets[i]) return i;
    }
    return -1;
}

Trainer::Trainer(const TrainerOptions & opts) : opts_(opts) {
    if (opts_.rank < 1 || opts_.rank > 4096) throw NativeError("BAD_REQUEST", "rank must be between 1 and 4096");
    if (!(opts_.alpha > 0)) throw NativeError("BAD_REQUEST", "alpha must be positive");
    if (!(opts_.lr > 0)) throw NativeError("BAD_REQUEST", "learning rate must be positive");
    if (opts_.targets.empty()) throw NativeError("BAD_REQUEST", "at least one LoRA target is required");
    std::set<int> targetSet;
    bool outputTarget = false;
    for (const std::string & t : opts_.targets) {
        if (t == kOutputLoraTarget) {
            outputTarget = true;
            continue;
        }
        const int idx = targetIndex(t);
        if (idx < 0) {
            throw NativeError("BAD_REQUEST", "unknown LoRA target '" + t +
                                                 "' (expected attn_q, attn_k, attn_v, attn_output, ffn_gate, ffn_up, ffn_down, output)");
        }
        targetSet.insert(idx);
    }
    model_ = std::make_unique<Model>(opts_.modelPath);
    const Hparams & hp = model_->hp();
    if (outputTarget && model_->outputTied) {
        // llama.cpp looks the adapter's output.weight up by name; a tied head has no such tensor to attach it to
        throw NativeError("UNSUPPORTED", "the 'output' LoRA target needs a model with its own output.weight (this one ties it to the embeddings)");
    }
    if (opts_.maxLength < 2 || opts_.maxLength > hp.nCtxTrain) {
        throw NativeError("BAD_REQUEST", "maxLength must be between 2 and the model's context length (" +
                                             std::to_string(hp.nCtxTrain) + ")");
    }
    threads_ = opts_.threads > 0 ? opts_.threads : defaultThreads();
    backend_ = makeCpuBackend(threads_).release();

    const int r = opts_.rank;
    lora_.scale = opts_.alpha / static_cast<float>(r);
    lora_.pairs.assign(hp.nLayer, std::vector<LoraPair>(7));

    const size_t nTensors = (static_cast<size_t>(hp.nLayer) * targetSet.size() + (outputTarget ? 1 : 0)) * 2;
    ggml_init_params ip{};
    ip.mem_size = ggml_tensor_overhead() * (nTensors * 3 + 8);
    ip.no_alloc = true;
    ctxParams_ = ggml_init(ip);
    ip.mem_size = ggml_tensor_overhead() * (nTensors + 4);
    ctxGrads_ = ggml_init(ip);

    auto addNamed = [&](ggml_tensor * param, const std::string & name) {
        ggml_set_name(param, name.c_str());
        ggml_tensor * grad = ggml_dup_tensor(ctxGrads_, param);
        ggml_tensor * m = ggml_dup_tensor(ctxParams_, param);
        ggml_tensor * v = ggml_dup_tensor(ctxParams_, param);
        ggml_format_name(grad, "%s.grad", name.c_str());
        ggml_format_name(m, "%s.adam_m", name.c_str());
        ggml_format_name(v, "%s.adam_v", name.c_str());
        ggml_set_param(param);
        named_.push_back({name, param, grad, m, v});
    };
    for (int il = 0; il < hp.nLayer; il++) {
        for (int ti : targetSet) {
            ggml_tensor * w = model_->weight(il, ti);
            const std::string base = "blk." + std::to_string(il) + "." + kLoraTargets[ti] + ".weight";
            LoraPair & p = lora_.pairs[il][ti];
            p.a = ggml_new_tensor_2d(ctxParams_, GGML_TYPE_F32, w->ne[0], r);
            p.b = ggml_new_tensor_2d(ctxParams_, GGML_TYPE_F32, r, w->ne[1]);
            addNamed(p.a, base + ".lora_a");
            addNamed(p.b, base + ".lora_b");
        }
    }
    if (outputTarget) {
        lora_.output.a = ggml_new_tensor_2d(ctxParams_, GGML_TYPE_F32, model_->output->ne[0], r);
        lora_.output.b = ggml_new_tensor_2d(ctxParams_, GGML_TYPE_F32, r, model_->output->ne[1]);
        addNamed(lora_.output.a, "output.weight.lora_a");
        addNamed(lora_.output.b, "output.weight.lora_b");
    }
    lossGrad_ = ggml_new_tensor_4d(ctxParams_, GGML_TYPE_F32, 1, 1, 1, 1);
    adamwParams_ = ggml_new_tensor_1d(ctxParams_, GGML_TYPE_F32, 7);
    bufParams_ = ggml_backend_alloc_ctx_tensors_from_buft(ctxParams_, cpuBufferType());
    bufGrads_ = ggml_backend_alloc_ctx_tensors_from_buft(ctxGrads_, cpuBufferType());
    if (bufParams_ == nullptr || bufGrads_ == nullptr) throw NativeError("INTERNAL", "out of memory allocating LoRA tensors");
    ggml_backend_buffer_clear(bufParams_, 0);
    ggml_backend_buffer_clear(bufGrads_, 0);

    // A ~ U(-1/sqrt(n_in), 1/sqrt(n_in)) from a seeded mt19937 (raw draws, so every platform gets the same values);
    // B = 0, so the adapter starts as an exact no-op.
    std::mt19937 rng(opts_.seed);
    for (NamedTensor & nt : named_) {
        if (nt.name.size() < 7 || nt.name.compare(nt.name.size() - 7, 7, ".lora_a") != 0) continue;
        const float bound = 1.0f / std::sqrt(static_cast<float>(nt.param->ne[0]));
        std::vector<float> values(ggml_nelements(nt.param));
        for (float & x : values) {
            const float u = static_cast<float>(rng() >> 8) * (1.0f / 16777216.0f); // [0, 1)
            x = (2.0f * u - 1.0f) * bound;
        }
        ggml_backend_tensor_set(nt.param, values.data(), 0, values.size() * sizeof(float));
    }
    const float one = 1.0f;
    ggml_backend_tensor_set(lossGrad_, &one, 0, sizeof one);

    const size_t optGraphSize = named_.size() * 6 + 16; // each step node has 5 leaf inputs
    ip.mem_size = ggml_tensor_overhead() * (named_.size() + 8) + ggml_graph_overhead_custom(optGraphSize, false);
    ctxOpt_ = ggml_init(ip);
    graphOpt_ = ggml_new_graph_custom(ctxOpt_, optGraphSize, false);
    for (NamedTensor & nt : named_) {
        ggml_build_forward_expand(graphOpt_, ggml_opt_step_adamw(ctxOpt_, nt.param, nt.grad, nt.m, nt.v, adamwParams_));
    }
    if (opts_.transposedBackward) prepareTransposedWeights();
    gallocTrain_ = ggml_gallocr_new(cpuBufferType());
    gallocEval_ = ggml_gallocr_new(cpuBufferType());
    gallocOpt_ = ggml_gallocr_new(cpuBufferType());
    if (!ggml_gallocr_alloc_graph(gallocOpt_, graphOpt_)) throw NativeError("INTERNAL", "failed to allocate the optimizer graph");
}

// Builds the [n_out, n_in] F16 copies used by rewriteFrozenOutProds, for every frozen matrix that is not F32.
void Trainer::prepareTransposedWeights() {
    std::vector<ggml_tensor *> frozen;
    auto consider = [&](ggml_tensor * w) {
        if (w == nullptr || w->type == GGML_TYPE_F32 || transposed_.count(w) != 0) return;
        if (std::find(frozen.begin(), frozen.end(), w) == frozen.end()) frozen.push_back(w);
    };
    for (int il = 0; il < model_->hp().nLayer; il++) {
        for (int ti = 0; ti < 7; ti++) consider(model_->weight(il, ti));
    }
    consider(model_->output);
    if (frozen.empty()) return;
    ggml_init_params ip{};
    ip.mem_size = ggml_tensor_overhead() * (frozen.size() + 1);
    ip.no_alloc = true;
    ctxTransposed_ = ggml_init(ip);
    std::vector<ggml_tensor *> copies;
    for (ggml_tensor * w : frozen) {
        ggml_tensor * t = ggml_new_tensor_2d(ctxTransposed_, GGML_TYPE_F16, w->ne[1], w->ne[0]);
        ggml_format_name(t, "%s.T", w->name);
        copies.push_back(t);
    }
    bufTransposed_ = ggml_backend_alloc_ctx_tensors_from_buft(ctxTransposed_, cpuBufferType());
    if (bufTransposed_ == nullptr) throw NativeError("INTERNAL", "out of memory allocating transposed weights");
    for (size_t i = 0; i < frozen.size(); i++) {
        ggml_tensor * w = frozen[i];
        const int64_t nIn = w->ne[0], nOut = w->ne[1];
        const ggml_type_traits * traits = ggml_get_type_traits(w->type);
        if (traits->to_float == nullptr) throw NativeError("UNSUPPORTED", std::string("cannot dequantize ") + ggml_type_name(w->type));
        std::vector<float> dense(static_cast<size_t>(nIn) * nOut);
        for (int64_t r = 0; r < nOut; r++) {
            traits->to_float(static_cast<const char *>(w->data) + r * w->nb[1], dense.data() + r * nIn, nIn);
        }
        std::vector<float> column(nOut);
        std::vector<ggml_fp16_t> half(nOut);
        for (int64_t c = 0; c < nIn; c++) {
            for (int64_t r = 0; r < nOut; r++) column[r] = dense[static_cast<size_t>(r) * nIn + c];
            ggml_fp32_to_fp16_row(column.data(), half.data(), nOut);
            ggml_backend_tensor_set(copies[i], half.data(), c * copies[i]->nb[1], nOut * sizeof(ggml_fp16_t));
        }
        transposed_[w] = copies[i];
    }
}

// ggml's autodiff writes dL/dx of y = W·x as out_prod(W, transpose(dL/dy)). For frozen F16/quantized W that kernel
// dominates a training step, so turn those nodes into mul_mat(W^T, dL/dy) on the pre-transposed F16 copy: the same
// [n_in, T] result from the fast kernel. ggml_tensor is a public struct; the graph is not yet allocated here.
void Trainer::rewriteFrozenOutProds(ggml_cgraph * graph) {
    if (transposed_.empty()) return;
    const int n = ggml_graph_n_nodes(graph);
    for (int i = 0; i < n; i++) {
        ggml_tensor * node = ggml_graph_node(graph, i);
        if (node->op != GGML_OP_OUT_PROD) continue;
        auto it = transposed_.find(node->src[0]);
        if (it == transposed_.end()) continue;
        ggml_tensor * gradT = node->src[1];
        if (gradT == nullptr || gradT->op != GGML_OP_TRANSPOSE || gradT->src[0] == nullptr) continue;
        ggml_tensor * grad = gradT->src[0];
        if (grad->nb[0] != sizeof(float) || grad->type != GGML_TYPE_F32) continue;
        node->op = GGML_OP_MUL_MAT;
        std::memset(node->op_params, 0, sizeof(node->op_params));
        node->src[0] = it->second;
        node->src[1] = grad;
    }
}

Trainer::~Trainer() {
    buckets_.clear();
    if (gallocTrain_ != nullptr) ggml_gallocr_free(gallocTrain_);
    if (gallocEval_ != nullptr) ggml_gallocr_free(gallocEval_);
    if (gallocOpt_ != nullptr) ggml_gallocr_free(gallocOpt_);
    if (ctxOpt_ != nullptr) ggml_free(ctxOpt_);
    if (bufGrads_ != nullptr) ggml_backend_buffer_free(bufGrads_);
    if (bufParams_ != nullptr) ggml_backend_buffer_free(bufParams_);
    if (ctxGrads_ != nullptr) ggml_free(ctxGrads_);
    if (ctxParams_ != nullptr) ggml_free(ctxParams_);
    if (backend_ != nullptr) ggml_backend_free(backend_);
    if (bufTransposed_ != nullptr) ggml_backend_buffer_free(bufTransposed_);
    if (ctxTransposed_ != nullptr) ggml_free(ctxTransposed_);
}

int64_t Trainer::trainableParams() const {
    int64_t n = 0;
    for (const NamedTensor & nt : named_) n += ggml_nelements(nt.param);
    return n;
}

static std::unique_ptr<GraphSet> buildGraphSet(const Model & model, const LoraWeights & lora, int L, bool backward,
                                               ggml_tensor * lossGrad,
                                               const std::map<const ggml_tensor *, ggml_tensor *> & gradOf) {
    auto gs = std::make_unique<GraphSet>();
    const size_t gsize = graphSizeFor(model.hp().nLayer) * (backward ? 4 : 1);
    ggml_init_params ip{};
    ip.mem_size = ggml_tensor_overhead() * gsize + ggml_graph_overhead_custom(gsize, backward);
    ip.no_alloc = true;
    gs->ctx.reset(ggml_init(ip));
    ggml_context * ctx = gs->ctx.get();
    const int V = model.hp().nVocab;
    gs->tokens = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, L);
    gs->positions = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, L);
    gs->rowMask = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 1, L);
    gs->labels = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, V, L);
    gs->lossScale = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 1);
    for (ggml_tensor * t : {gs->tokens, gs->positions, gs->rowMask, gs->labels, gs->lossScale}) ggml_set_input(t);

    ggml_tensor * logits = buildForward(ctx, model, &lora, gs->tokens, gs->positions, L);
    // ggml's cross-entropy backward gives every row softmax(logits) - labels, even rows whose labels are all zero;
    // multiplying the logits by a 0/1 row mask first stops any gradient from prompt and padding rows.
    ggml_tensor * masked = ggml_mul(ctx, logits, gs->rowMask);
    ggml_tensor * ce = ggml_cross_entropy_loss(ctx, masked, gs->labels); // sum over rows / L
    gs->loss = ggml_mul(ctx, ce, gs->lossScale);                          // -> sum over completion rows / N_batch
    ggml_set_output(gs->loss);
    ggml_set_loss(gs->loss);

    gs->graph = ggml_new_graph_custom(ctx, gsize, backward);
    ggml_build_forward_expand(gs->graph, gs->loss);
    if (backward) {
        const int n = ggml_graph_n_nodes(gs->graph);
        std::vector<ggml_tensor *> accs(n, nullptr);
        for (int i = 0; i < n; i++) {
            ggml_tensor * node = ggml_graph_node(gs->graph, i);
            if (node == gs->loss) {
                accs[i] = lossGrad;
            } else if (node->flags & GGML_TENSOR_FLAG_PARAM) {
                auto it = gradOf.find(node);
                if (it != gradOf.end()) accs[i] = it->second;
            }
        }
        // Gradients are added in place into the persistent accumulators, so a batch is a sum over sequences.
        ggml_build_backward_expand(ctx, gs->graph, accs.data());
    }
    return gs;
}

Trainer::Bucket & Trainer::bucketFor(int length) {
    int L = ((length + kBucketStep - 1) / kBucketStep) * kBucketStep;
    L = std::min(L, opts_.maxLength);
    auto it = buckets_.find(L);
    if (it == buckets_.end()) {
        auto b = std::make_unique<Bucket>();
        b->length = L;
        it = buckets_.emplace(L, std::move(b)).first;
    }
    return *it->second;
}

void Trainer::validate(const std::vector<TrainExample> & batch) const {
    if (batch.empty()) throw NativeError("BAD_REQUEST", "empty batch");
    for (size_t i = 0; i < batch.size(); i++) {
        const TrainExample & ex = batch[i];
        const std::string where = "example " + std::to_string(i) + ": ";
        const int n = static_cast<int>(ex.tokens.size());
        if (n < 2) throw NativeError("BAD_REQUEST", where + "needs at least 2 tokens");
        if (n > opts_.maxLength) {
            throw NativeError("BAD_REQUEST", where + std::to_string(n) + " tokens exceed maxLength " + std::to_string(opts_.maxLength));
        }
        if (ex.completionStart < 1 || ex.completionStart >= n) {
            throw NativeError("BAD_REQUEST", where + "completionStart must be between 1 and the token count - 1");
        }
        for (int32_t t : ex.tokens) {
            if (t < 0 || t >= model_->hp().nVocab) throw NativeError("BAD_REQUEST", where + "token id out of range: " + std::to_string(t));
        }
        if (!ex.labels.empty()) {
            if (ex.labels.size() != ex.tokens.size()) throw NativeError("BAD_REQUEST", where + "labels must have as many entries as tokens");
            for (int32_t t : ex.labels) {
                if (t < 0 || t >= model_->hp().nVocab) throw NativeError("BAD_REQUEST", where + "label id out of range: " + std::to_string(t));
            }
        }
    }
}

StepResult Trainer::runBatch(const std::vector<TrainExample> & batch, bool backward) {
    validate(batch);
    int64_t nTotal = 0;
    for (const TrainExample & ex : batch) nTotal += static_cast<int64_t>(ex.tokens.size()) - ex.completionStart;
    const int V = model_->hp().nVocab;
    std::map<const ggml_tensor *, ggml_tensor *> gradOf;
    for (const NamedTensor & nt : named_) gradOf[nt.param] = nt.grad;

    StepResult res;
    res.tokens = nTotal;
    std::vector<const TrainExample *> order;
    for (const TrainExample & ex : batch) order.push_back(&ex);
    std::stable_sort(order.begin(), order.end(), [](const TrainExample * a, const TrainExample * b) { return a->tokens.size() < b->tokens.size(); });
    std::vector<int32_t> tokens, positions;
    std::vector<float> rowMask, labels;
    for (const TrainExample * exp : order) {
        const TrainExample & ex = *exp;
        const int n = static_cast<int>(ex.tokens.size());
        Bucket & bucket = bucketFor(n);
        std::unique_ptr<GraphSet> & slot = backward ? bucket.train : bucket.eval;
        if (!slot) {
            slot = buildGraphSet(*model_, lora_, bucket.length, backward, lossGrad_, gradOf);
            if (backward) rewriteFrozenOutProds(slot->graph);
        }
        GraphSet & gs = *slot;
        const int L = bucket.length;

        tokens.assign(L, 0);
        positions.resize(L);
        rowMask.assign(L, 0.0f);
        labels.assign(static_cast<size_t>(L) * V, 0.0f);
        for (int i = 0; i < L; i++) positions[i] = i;
        std::copy(ex.tokens.begin(), ex.tokens.end(), tokens.begin());
        // row i predicts token i+1; only completion tokens count
        for (int i = ex.completionStart - 1; i < n - 1; i++) {
            rowMask[i] = 1.0f;
            const int32_t target = ex.labels.empty() ? ex.tokens[i + 1] : ex.labels[i + 1];
            labels[static_cast<size_t>(i) * V + target] = 1.0f;
        }
        const float scale = static_cast<float>(L) / static_cast<float>(nTotal);

        ggml_gallocr_t galloc = backward ? gallocTrain_ : gallocEval_;
        GraphSet *& current = backward ? currentTrain_ : currentEval_;
        if (current != &gs) {
            // The shared allocator last laid out another bucket's graph: forget this graph's old addresses so the
            // allocator plans it afresh instead of trusting pointers into a buffer it may since have reallocated.
            for (ggml_tensor * t = ggml_get_first_tensor(gs.ctx.get()); t != nullptr; t = ggml_get_next_tensor(gs.ctx.get(), t)) {
                t->data = nullptr;
                t->buffer = nullptr;
            }
            current = &gs;
        }
        if (!ggml_gallocr_alloc_graph(galloc, gs.graph)) throw NativeError("INTERNAL", "out of memory allocating the training graph");
        ggml_backend_tensor_set(gs.tokens, tokens.data(), 0, tokens.size() * sizeof(int32_t));
        ggml_backend_tensor_set(gs.positions, positions.data(), 0, positions.size() * sizeof(int32_t));
        ggml_backend_tensor_set(gs.rowMask, rowMask.data(), 0, rowMask.size() * sizeof(float));
        ggml_backend_tensor_set(gs.labels, labels.data(), 0, labels.size() * sizeof(float));
        ggml_backend_tensor_set(gs.lossScale, &scale, 0, sizeof scale);
        if (ggml_backend_graph_compute(backend_, gs.graph) != GGML_STATUS_SUCCESS) throw NativeError("INTERNAL", "training graph failed");
        float loss = 0;
        ggml_backend_tensor_get(gs.loss, &loss, 0, sizeof loss);
        res.loss += loss;
    }
    res.step = steps_;
    return res;
}

void Trainer::optimizerStep() {
    steps_++;
    const float t = static_cast<float>(steps_);
    const float params[7] = {opts_.lr, opts_.beta1, opts_.beta2, opts_.eps, opts_.weightDecay,
                             1.0f / (1.0f - std::pow(opts_.beta1, t)), 1.0f / (1.0f - std::pow(opts_.beta2, t))};
    ggml_backend_tensor_set(adamwParams_, params, 0, sizeof params);
    if (ggml_backend_graph_compute(backend_, graphOpt_) != GGML_STATUS_SUCCESS) throw NativeError("INTERNAL", "optimizer step failed");
}

// Global-norm clipping on the host: LoRA gradients are small (a few MB even for billion-parameter bases).
double Trainer::clipGradients() {
    double sumSq = 0;
    std::vector<std::vector<float>> host(named_.size());
    for (size_t i = 0; i < named_.size(); i++) {
        host[i].resize(ggml_nelements(named_[i].grad));
        ggml_backend_tensor_get(named_[i].grad, host[i].data(), 0, host[i].size() * sizeof(float));
        for (float g : host[i]) sumSq += static_cast<double>(g) * g;
    }
    const double norm = std::sqrt(sumSq);
    if (opts_.gradClip > 0 && norm > opts_.gradClip) {
        const float k = static_cast<float>(opts_.gradClip / norm);
        for (size_t i = 0; i < named_.size(); i++) {
            for (float & g : host[i]) g *= k;
            ggml_backend_tensor_set(named_[i].grad, host[i].data(), 0, host[i].size() * sizeof(float));
        }
    }
    return norm;
}

void Trainer::setLearningRate(float lr) {
    if (!(lr > 0)) throw NativeError("BAD_REQUEST", "learning rate must be positive");
    opts_.lr = lr;
}

StepResult Trainer::trainStep(const std::vector<TrainExample> & batch) {
    ggml_backend_buffer_clear(bufGrads_, 0);
    StepResult res = runBatch(batch, true);
    if (!std::isfinite(res.loss)) throw NativeError("INTERNAL", "loss is not finite; lower the learning rate");
    res.gradNorm = clipGradients();
    if (!std::isfinite(res.gradNorm)) throw NativeError("INTERNAL", "gradient is not finite; lower the learning rate");
    optimizerStep();
    res.step = steps_;
    return res;
}

StepResult Trainer::evalLoss(const std::vector<TrainExample> & batch) { return runBatch(batch, false); }

std::vector<LoraGradEntry> Trainer::computeGradients(const std::vector<TrainExample> & batch, StepResult * out) {
    ggml_backend_buffer_clear(bufGrads_, 0);
    StepResult res = runBatch(batch, true);
    if (out != nullptr) *out = res;
    std::vector<LoraGradEntry> grads;
    for (const NamedTensor & nt : named_) {
        LoraGradEntry e;
        e.name = nt.name;
        e.grad.resize(ggml_nelements(nt.grad));
        ggml_backend_tensor_get(nt.grad, e.grad.data(), 0, e.grad.size() * sizeof(float));
        grads.push_back(std::move(e));
    }
    return grads;
}

std::vector<float> Trainer::forwardLogits(const std::vector<int32_t> & tokens) {
    return runForward(*model_, &lora_, tokens, threads_);
}

std::vector<int32_t> Trainer::predictTokens(const std::vector<int32_t> & tokens) {
    const std::vector<float> logits = runForward(*model_, &lora_, tokens, threads_);
    const int V = model_->hp().nVocab;
    std::vector<int32_t> out(tokens.size());
    for (size_t p = 0; p < tokens.size(); p++) {
        const float * row = logits.data() + p * V;
        out[p] = static_cast<int32_t>(std::max_element(row, row + V) - row);
    }
    return out;
}

std::pair<std::vector<float>, std::vector<float>> Trainer::getMoments(const std::string & name) const {
    for (const NamedTensor & nt : named_) {
        if (nt.name != name) continue;
        std::vector<float> m(ggml_nelements(nt.m)), v(ggml_nelements(nt.v));
        ggml_backend_tensor_get(nt.m, m.data(), 0, m.size() * sizeof(float));
        ggml_backend_tensor_get(nt.v, v.data(), 0, v.size() * sizeof(float));
        return {std::move(m), std::move(v)};
    }
    throw NativeError("NOT_FOUND", "no LoRA tensor named " + name);
}

void Trainer::setMoments(const std::string & name, const std::vector<float> & m, const std::vector<float> & v) {
    for (const NamedTensor & nt : named_) {
        if (nt.name != name) continue;
        if (static_cast<int64_t>(m.size()) != ggml_nelements(nt.m) || static_cast<int64_t>(v.size()) != ggml_nelements(nt.v)) {
            throw NativeError("BAD_REQUEST", "wrong moment element count for " + name);
        }
        ggml_backend_tensor_set(nt.m, m.data(), 0, m.size() * sizeof(float));
        ggml_backend_tensor_set(nt.v, v.data(), 0, v.size() * sizeof(float));
        return;
    }
    throw NativeError("NOT_FOUND", "no LoRA tensor named " + name);
}

void Trainer::setSteps(int64_t steps) {
    if (steps < 0) throw NativeError("BAD_REQUEST", "steps must be non-negative");
    steps_ = steps;
}

std::vector<std::string> Trainer::tensorNames() const {
    std::vector<std::string> names;
    for (const NamedTensor & nt : named_) names.push_back(nt.name);
    return names;
}

std::vector<float> Trainer::getTensor(const std::string & name) const {
    for (const NamedTensor & nt : named_) {
        if (nt.name != name) continue;
        std::vector<float> out(ggml_nelements(nt.param));
        ggml_backend_tensor_get(nt.param, out.data(), 0, out.size() * sizeof(float));
        return out;
    }
    throw NativeError("NOT_FOUND", "no LoRA tensor named " + name);
}

void Trainer::setTensor(const std::string & name, const std::vector<float> & values) {
    for (const NamedTensor & nt : named_) {
        if (nt.name != name) continue;
        if (static_cast<int64_t>(values.size()) != ggml_nelements(nt.param)) {
            throw NativeError("BAD_REQUEST", "wrong element count for " + name);
        }
        ggml_backend_tensor_set(nt.param, values.data(), 0, values.size() * sizeof(float));
        return;
    }
    throw NativeError("NOT_FOUND", "no LoRA tensor named " + name);
}

void Trainer::loadAdapter(const std::string & path) {
    ggml_context * ctxRaw = nullptr;
    GgufPtr g = openGguf(path, &ctxRaw);
    ContextPtr ctx(ctxRaw);
    auto str = [&](const char * key) -> std::string {
        const int64_t id = gguf_find_key(g.get(), key);
        return id >= 0 && gguf_get_kv_type(g.get(), id) == GGUF_TYPE_STRING ? gguf_get_val_str(g.get(), id) : "";
    };
    if (str("general.type") != "adapter" || str("adapter.type") != "lora") throw NativeError("NOT_A_MODEL", "not a LoRA adapter: " + path);
    if (str("general.architecture") != model_->hp().arch) {
        throw NativeError("BAD_REQUEST", "adapter is for architecture '" + str("general.architecture") + "', the model is " + model_->hp().arch);
    }
    // check everything before changing anything, so a bad file leaves the trainer as it was
    const int64_t nFile = gguf_get_n_tensors(g.get());
    if (nFile != static_cast<int64_t>(named_.size())) {
        throw NativeError("BAD_REQUEST", "adapter has " + std::to_string(nFile) + " tensors, this trainer has " +
                                             std::to_string(named_.size()) + " (different targets?)");
    }
    std::vector<std::pair<const NamedTensor *, int64_t>> plan;
    for (const NamedTensor & nt : named_) {
        const int64_t id = gguf_find_tensor(g.get(), nt.name.c_str());
        ggml_tensor * t = ggml_get_tensor(ctx.get(), nt.name.c_str());
        if (id < 0 || t == nullptr) throw NativeError("BAD_REQUEST", "adapter lacks " + nt.name + " (different targets?)");
        if (t->type != GGML_TYPE_F32 || !ggml_are_same_shape(t, nt.param)) {
            throw NativeError("BAD_REQUEST", "adapter tensor " + nt.name + " has a different type or shape (different rank?)");
        }
        plan.emplace_back(&nt, id);
    }
    FILE * f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) throw NativeError("NOT_FOUND", "cannot open adapter file: " + path);
    std::vector<std::vector<float>> data;
    for (const auto & p : plan) {
        std::vector<float> v(ggml_nelements(p.first->param));
        const size_t off = gguf_get_data_offset(g.get()) + gguf_get_tensor_offset(g.get(), p.second);
        if (fseeko(f, static_cast<off_t>(off), SEEK_SET) != 0 || std::fread(v.data(), sizeof(float), v.size(), f) != v.size()) {
            std::fclose(f);
            throw NativeError("NOT_A_MODEL", "adapter file is truncated: " + path);
        }
        data.push_back(std::move(v));
    }
    std::fclose(f);
    for (size_t i = 0; i < plan.size(); i++) {
        ggml_backend_tensor_set(plan[i].first->param, data[i].data(), 0, data[i].size() * sizeof(float));
        ggml_backend_tensor_memset(plan[i].first->m, 0, 0, ggml_nbytes(plan[i].first->m));
        ggml_backend_tensor_memset(plan[i].first->v, 0, 0, ggml_nbytes(plan[i].first->v));
    }
    steps_ = 0;
}

void Trainer::saveAdapter(const std::string & path, const std::map<std::string, std::string> & extraMeta) {
    GgufPtr g(gguf_init_empty());
    gguf_set_val_str(g.get(), "general.type", "adapter");
    gguf_set_val_str(g.get(), "general.architecture", model_->hp().arch.c_str());
    gguf_set_val_str(g.get(), "adapter.type", "lora");
    gguf_set_val_f32(g.get(), "adapter.lora.alpha", opts_.alpha);
    gguf_set_val_u32(g.get(), "sqlstill.lora.rank", static_cast<uint32_t>(opts_.rank));
    std::string targets;
    for (const std::string & t : opts_.targets) targets += (targets.empty() ? "" : ",") + t;
    gguf_set_val_str(g.get(), "sqlstill.lora.targets", targets.c_str());
    gguf_set_val_u64(g.get(), "sqlstill.train.steps", static_cast<uint64_t>(steps_));
    for (const auto & kv : extraMeta) gguf_set_val_str(g.get(), ("sqlstill." + kv.first).c_str(), kv.second.c_str());

    size_t bytes = 0;
    for (const NamedTensor & nt : named_) bytes += ggml_nbytes(nt.param) + ggml_tensor_overhead();
    ggml_init_params ip{};
    ip.mem_size = bytes + 1024;
    ip.no_alloc = false;
    ContextPtr ctx(ggml_init(ip));
    for (const NamedTensor & nt : named_) {
        ggml_tensor * copy = ggml_dup_tensor(ctx.get(), nt.param);
        ggml_set_name(copy, nt.name.c_str());
        ggml_backend_tensor_get(nt.param, copy->data, 0, ggml_nbytes(nt.param));
        gguf_add_tensor(g.get(), copy);
    }
    // write next to the target and rename, so a crash never leaves a half-written adapter under the real name
    const std::string tmp = path + ".tmp";
    FILE * f = std::fopen(tmp.c_str(), "wb");
    if (f == nullptr) throw NativeError("NOT_FOUND", "cannot write adapter file " + path + ": " + std::strerror(errno));
    bool ok = gguf_write_to_file_ptr(g.get(), f, false);
    ok = std::fflush(f) == 0 && ok;
    ok = fsync(fileno(f)) == 0 && ok; // durable before the rename makes it visible
    const int savedErrno = errno;
    ok = std::fclose(f) == 0 && ok;
    if (!ok) {
        std::remove(tmp.c_str());
        throw NativeError("INTERNAL", "cannot write adapter file " + path + ": " + std::strerror(savedErrno));
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        std::remove(tmp.c_str());
        throw NativeError("INTERNAL", "cannot move adapter into place at " + path);
    }
}

} // namespace sqlstill
