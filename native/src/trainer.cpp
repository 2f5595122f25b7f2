// LoRA trainer: frozen base weights in their stored types, F32 LoRA A/B, completion-only cross-entropy over packed
// sequences (runner.h), gradients summed over a batch, global-norm clipping and AdamW via ggml_opt_step_adamw, all on
// the device the runner chose.
#include "runner.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <set>

namespace sqlstill {

namespace {

// LoRA factors are stored with their rank rounded up to this. B·(A·x) is a matrix product whose inner dimension is the
// rank; ggml's CPU runs it through its tiled GEMM only when that is a multiple of 16 (AVX-512; 8 on AVX2), and
// otherwise through one short dot product per output element, 2-5x slower for rank 8. The padding rows of A and B
// start at zero, and then their gradients are exactly zero (dA rows need B's rows, dB rows need A·x's rows), so
// AdamW leaves them zero and the adapter is exactly of the requested rank.
constexpr int kRankAlign = 16;

int targetIndex(const std::string & name) {
    for (int i = 0; i < kLayerTargetCount; i++) {
        if (name == kLoraTargets[i]) return i;
    }
    return -1;
}

bool endsWith(const std::string & s, const char * suffix) {
    const size_t n = std::strlen(suffix);
    return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

} // namespace

Trainer::Trainer(const TrainerOptions & opts) : opts_(opts) {
    if (opts_.rank < 1 || opts_.rank > 4096) throw NativeError("BAD_REQUEST", "rank must be between 1 and 4096");
    if (!(opts_.alpha > 0)) throw NativeError("BAD_REQUEST", "alpha must be positive");
    if (!(opts_.lr > 0)) throw NativeError("BAD_REQUEST", "learning rate must be positive");
    if (opts_.targets.empty()) throw NativeError("BAD_REQUEST", "at least one LoRA target is required");
    if (opts_.packLength < 2) throw NativeError("BAD_REQUEST", "packLength must be at least 2");
    if (opts_.attention != "auto" && opts_.attention != "mask" && opts_.attention != "tree") {
        throw NativeError("BAD_REQUEST", "attention must be auto, mask or tree");
    }
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
    runner_ = std::make_unique<Runner>(opts_.modelPath, opts_.backend, opts_.threads, opts_.transposedBackward, opts_.transposedType);
    const Model & model = runner_->model();
    const Hparams & hp = model.hp();
    if (outputTarget && model.outputTied) {
        // llama.cpp looks the adapter's output.weight up by name; a tied head has no such tensor to attach it to
        throw NativeError("UNSUPPORTED", "the 'output' LoRA target needs a model with its own output.weight (this one ties it to the embeddings)");
    }
    if (opts_.maxLength < 2 || opts_.maxLength > hp.nCtxTrain) {
        throw NativeError("BAD_REQUEST", "maxLength must be between 2 and the model's context length (" + std::to_string(hp.nCtxTrain) + ")");
    }
    opts_.packLength = std::max(opts_.packLength, opts_.maxLength);

    const int r = opts_.rank;
    const int rStored = ((r + kRankAlign - 1) / kRankAlign) * kRankAlign;
    lora_.scale = opts_.alpha / static_cast<float>(r);
    lora_.pairs.assign(hp.nLayer, std::vector<LoraPair>(kLayerTargetCount));

    const size_t nTensors = (static_cast<size_t>(hp.nLayer) * targetSet.size() + (outputTarget ? 1 : 0)) * 2;
    ggml_init_params ip{};
    ip.mem_size = ggml_tensor_overhead() * (nTensors * 3 + 8);
    ip.no_alloc = true;
    ctxParams_.reset(ggml_init(ip));
    ip.mem_size = ggml_tensor_overhead() * (nTensors + 4);
    ctxGrads_.reset(ggml_init(ip));

    auto addNamed = [&](ggml_tensor * param, const std::string & name, bool rankInner, int64_t ne0, int64_t ne1) {
        ggml_set_name(param, name.c_str());
        ggml_tensor * grad = ggml_dup_tensor(ctxGrads_.get(), param);
        ggml_tensor * m = ggml_dup_tensor(ctxParams_.get(), param);
        ggml_tensor * v = ggml_dup_tensor(ctxParams_.get(), param);
        ggml_format_name(grad, "%s.grad", name.c_str());
        ggml_format_name(m, "%s.adam_m", name.c_str());
        ggml_format_name(v, "%s.adam_v", name.c_str());
        ggml_set_param(param);
        named_.push_back({name, param, grad, m, v, rankInner, ne0, ne1});
        gradOf_[param] = grad;
    };
    auto addPair = [&](LoraPair & p, const ggml_tensor * w, const std::string & base) {
        p.a = ggml_new_tensor_2d(ctxParams_.get(), GGML_TYPE_F32, w->ne[0], rStored);
        p.b = ggml_new_tensor_2d(ctxParams_.get(), GGML_TYPE_F32, rStored, w->ne[1]);
        addNamed(p.a, base + ".lora_a", false, w->ne[0], r);
        addNamed(p.b, base + ".lora_b", true, r, w->ne[1]);
    };
    for (int il = 0; il < hp.nLayer; il++) {
        for (int ti : targetSet) addPair(lora_.pairs[il][ti], model.weight(il, ti), "blk." + std::to_string(il) + "." + kLoraTargets[ti] + ".weight");
    }
    if (outputTarget) addPair(lora_.output, model.output, "output.weight");
    lossGrad_ = ggml_new_tensor_1d(ctxParams_.get(), GGML_TYPE_F32, 1);
    adamwParams_ = ggml_new_tensor_1d(ctxParams_.get(), GGML_TYPE_F32, 7);
    ggml_backend_buffer_type_t buft = runner_->device().buft();
    bufParams_.reset(ggml_backend_alloc_ctx_tensors_from_buft(ctxParams_.get(), buft));
    bufGrads_.reset(ggml_backend_alloc_ctx_tensors_from_buft(ctxGrads_.get(), buft));
    if (!bufParams_ || !bufGrads_) throw NativeError("INTERNAL", "out of memory allocating LoRA tensors");
    ggml_backend_buffer_clear(bufParams_.get(), 0);
    ggml_backend_buffer_clear(bufGrads_.get(), 0);

    // A ~ U(-1/sqrt(n_in), 1/sqrt(n_in)) from a seeded mt19937 (raw draws, so every platform gets the same values);
    // B = 0, so the adapter starts as an exact no-op.
    std::mt19937 rng(opts_.seed);
    for (NamedTensor & nt : named_) {
        if (!endsWith(nt.name, ".lora_a")) continue;
        const float bound = 1.0f / std::sqrt(static_cast<float>(nt.ne0));
        std::vector<float> values(static_cast<size_t>(nt.ne0 * nt.ne1)); // the true rows only: padding stays zero
        for (float & x : values) {
            const float u = static_cast<float>(rng() >> 8) * (1.0f / 16777216.0f); // [0, 1)
            x = (2.0f * u - 1.0f) * bound;
        }
        writeTrue(nt, nt.param, values);
    }
    const float one = 1.0f;
    ggml_backend_tensor_set(lossGrad_, &one, 0, sizeof one);

    const size_t optGraphSize = named_.size() * 6 + 16; // each step node has 5 leaf inputs
    ip.mem_size = ggml_tensor_overhead() * (named_.size() + 8) + ggml_graph_overhead_custom(optGraphSize, false);
    ctxOpt_.reset(ggml_init(ip));
    graphOpt_ = ggml_new_graph_custom(ctxOpt_.get(), optGraphSize, false);
    for (NamedTensor & nt : named_) {
        ggml_build_forward_expand(graphOpt_, ggml_opt_step_adamw(ctxOpt_.get(), nt.param, nt.grad, nt.m, nt.v, adamwParams_));
    }
}

Trainer::~Trainer() = default;

const Model & Trainer::model() const { return runner_->model(); }

AttentionLayout Trainer::layout() const {
    return opts_.attention == "mask" ? AttentionLayout::Mask : opts_.attention == "tree" ? AttentionLayout::Tree : AttentionLayout::Auto;
}

DeviceInfo Trainer::deviceInfo() const { return runner_->device().info(); }

void Trainer::setThreads(int threads) { runner_->device().setThreads(threads > 0 ? threads : defaultThreads()); }

int64_t Trainer::trainableParams() const {
    int64_t n = 0;
    for (const NamedTensor & nt : named_) n += nt.ne0 * nt.ne1;
    return n;
}

std::vector<float> Trainer::readTrue(const NamedTensor & nt, const ggml_tensor * t) const {
    std::vector<float> out(static_cast<size_t>(nt.ne0 * nt.ne1));
    if (!nt.rankInner) { // [n_in, r_stored]: the true rows come first
        ggml_backend_tensor_get(t, out.data(), 0, out.size() * sizeof(float));
        return out;
    }
    std::vector<float> full(ggml_nelements(t));
    ggml_backend_tensor_get(t, full.data(), 0, full.size() * sizeof(float));
    const int64_t stored = t->ne[0];
    for (int64_t o = 0; o < nt.ne1; o++) std::copy_n(full.data() + o * stored, nt.ne0, out.data() + o * nt.ne0);
    return out;
}

void Trainer::writeTrue(const NamedTensor & nt, ggml_tensor * t, const std::vector<float> & values) const {
    if (static_cast<int64_t>(values.size()) != nt.ne0 * nt.ne1) throw NativeError("BAD_REQUEST", "wrong element count for " + nt.name);
    if (!nt.rankInner) {
        ggml_backend_tensor_set(t, values.data(), 0, values.size() * sizeof(float));
        return;
    }
    const int64_t stored = t->ne[0];
    std::vector<float> full(ggml_nelements(t), 0.0f);
    for (int64_t o = 0; o < nt.ne1; o++) std::copy_n(values.data() + o * nt.ne0, nt.ne0, full.data() + o * stored);
    ggml_backend_tensor_set(t, full.data(), 0, full.size() * sizeof(float));
}

const Trainer::NamedTensor & Trainer::named(const std::string & name) const {
    for (const NamedTensor & nt : named_) {
        if (nt.name == name) return nt;
    }
    throw NativeError("NOT_FOUND", "no LoRA tensor named " + name);
}

void Trainer::validate(const std::vector<TrainExample> & batch) const {
    if (batch.empty()) throw NativeError("BAD_REQUEST", "empty batch");
    const int nVocab = model().hp().nVocab;
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
            if (t < 0 || t >= nVocab) throw NativeError("BAD_REQUEST", where + "token id out of range: " + std::to_string(t));
        }
        if (!ex.labels.empty()) {
            if (ex.labels.size() != ex.tokens.size()) throw NativeError("BAD_REQUEST", where + "labels must have as many entries as tokens");
            for (int32_t t : ex.labels) {
                if (t < 0 || t >= nVocab) throw NativeError("BAD_REQUEST", where + "label id out of range: " + std::to_string(t));
            }
        }
    }
}

StepResult Trainer::runBatch(const std::vector<TrainExample> & batch, bool backward) {
    validate(batch);
    const std::vector<PackedSequence> seqs = packBatch(batch, opts_.packLength, opts_.packing, layout(), model().hp().slidingWindow);
    StepResult res;
    for (const PackedSequence & s : seqs) {
        res.tokens += static_cast<int64_t>(s.rows.size());
        res.exampleTokens += s.exampleTokens;
        res.computedTokens += s.length();
    }
    res.sequences = static_cast<int64_t>(seqs.size());
    // every sequence adds its rows' loss / N, so the batch loss is the mean over all completion tokens
    const double rowWeight = 1.0 / static_cast<double>(res.tokens);
    const GradTargets grads{&gradOf_, lossGrad_};
    for (const PackedSequence & s : seqs) res.loss += runner_->loss(s, &lora_, rowWeight, backward ? &grads : nullptr);
    res.step = steps_;
    return res;
}

void Trainer::optimizerStep() {
    steps_++;
    const float t = static_cast<float>(steps_);
    const float params[7] = {opts_.lr, opts_.beta1, opts_.beta2, opts_.eps, opts_.weightDecay,
                             1.0f / (1.0f - std::pow(opts_.beta1, t)), 1.0f / (1.0f - std::pow(opts_.beta2, t))};
    // never interrupted halfway: a partly applied step would leave A and B out of step with the moments
    runner_->device().compute(graphOpt_, [&] { ggml_backend_tensor_set(adamwParams_, params, 0, sizeof params); }, false);
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
    ggml_backend_buffer_clear(bufGrads_.get(), 0);
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
    ggml_backend_buffer_clear(bufGrads_.get(), 0);
    StepResult res = runBatch(batch, true);
    if (out != nullptr) *out = res;
    std::vector<LoraGradEntry> grads;
    for (const NamedTensor & nt : named_) {
        LoraGradEntry e;
        e.name = nt.name;
        e.grad = readTrue(nt, nt.grad);
        grads.push_back(std::move(e));
    }
    return grads;
}

std::vector<float> Trainer::forwardLogits(const std::vector<int32_t> & tokens) {
    if (tokens.empty()) throw NativeError("BAD_REQUEST", "no tokens to evaluate");
    for (int32_t t : tokens) {
        if (t < 0 || t >= model().hp().nVocab) throw NativeError("BAD_REQUEST", "token id out of range: " + std::to_string(t));
    }
    return runner_->logits(everyPosition(tokens), &lora_);
}

std::vector<int32_t> Trainer::predictTokens(const std::vector<int32_t> & tokens) {
    if (tokens.empty()) throw NativeError("BAD_REQUEST", "no tokens to evaluate");
    for (int32_t t : tokens) {
        if (t < 0 || t >= model().hp().nVocab) throw NativeError("BAD_REQUEST", "token id out of range: " + std::to_string(t));
    }
    return runner_->argmaxRows(everyPosition(tokens), &lora_);
}

std::vector<std::vector<int32_t>> Trainer::predictCompletions(const std::vector<TrainExample> & batch) {
    validate(batch);
    std::vector<std::vector<int32_t>> out(batch.size());
    for (size_t e = 0; e < batch.size(); e++) out[e].assign(batch[e].tokens.size(), -1);
    for (const PackedSequence & s : packBatch(batch, opts_.packLength, opts_.packing, layout(), model().hp().slidingWindow)) {
        const std::vector<int32_t> best = runner_->argmaxRows(s, &lora_);
        for (size_t i = 0; i < s.rows.size(); i++) out[s.rows[i].example][s.rows[i].position] = best[i];
    }
    return out;
}

std::pair<std::vector<float>, std::vector<float>> Trainer::getMoments(const std::string & name) const {
    const NamedTensor & nt = named(name);
    return {readTrue(nt, nt.m), readTrue(nt, nt.v)};
}

void Trainer::setMoments(const std::string & name, const std::vector<float> & m, const std::vector<float> & v) {
    const NamedTensor & nt = named(name);
    if (static_cast<int64_t>(m.size()) != nt.ne0 * nt.ne1 || static_cast<int64_t>(v.size()) != nt.ne0 * nt.ne1) {
        throw NativeError("BAD_REQUEST", "wrong moment element count for " + name);
    }
    writeTrue(nt, nt.m, m);
    writeTrue(nt, nt.v, v);
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
    const NamedTensor & nt = named(name);
    return readTrue(nt, nt.param);
}

void Trainer::setTensor(const std::string & name, const std::vector<float> & values) {
    writeTrue(named(name), named(name).param, values);
}

void Trainer::loadAdapter(const std::string & path) {
    ggml_context * ctxRaw = nullptr;
    gguf_context_ptr g = openGguf(path, &ctxRaw);
    ggml_context_ptr ctx(ctxRaw);
    auto str = [&](const char * key) -> std::string {
        const int64_t id = gguf_find_key(g.get(), key);
        return id >= 0 && gguf_get_kv_type(g.get(), id) == GGUF_TYPE_STRING ? gguf_get_val_str(g.get(), id) : "";
    };
    if (str("general.type") != "adapter" || str("adapter.type") != "lora") throw NativeError("NOT_A_MODEL", "not a LoRA adapter: " + path);
    if (str("general.architecture") != model().hp().arch) {
        throw NativeError("BAD_REQUEST", "adapter is for architecture '" + str("general.architecture") + "', the model is " + model().hp().arch);
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
        if (t->type != GGML_TYPE_F32 || t->ne[0] != nt.ne0 || t->ne[1] != nt.ne1 || t->ne[2] != 1 || t->ne[3] != 1) {
            throw NativeError("BAD_REQUEST", "adapter tensor " + nt.name + " has a different type or shape (different rank?)");
        }
        plan.emplace_back(&nt, id);
    }
    FILE * f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) throw NativeError("NOT_FOUND", "cannot open adapter file: " + path);
    std::vector<std::vector<float>> data;
    for (const auto & p : plan) {
        std::vector<float> v(static_cast<size_t>(p.first->ne0 * p.first->ne1));
        const size_t off = gguf_get_data_offset(g.get()) + gguf_get_tensor_offset(g.get(), p.second);
        if (fseeko(f, static_cast<off_t>(off), SEEK_SET) != 0 || std::fread(v.data(), sizeof(float), v.size(), f) != v.size()) {
            std::fclose(f);
            throw NativeError("NOT_A_MODEL", "adapter file is truncated: " + path);
        }
        data.push_back(std::move(v));
    }
    std::fclose(f);
    for (size_t i = 0; i < plan.size(); i++) {
        writeTrue(*plan[i].first, plan[i].first->param, data[i]);
        ggml_backend_tensor_memset(plan[i].first->m, 0, 0, ggml_nbytes(plan[i].first->m));
        ggml_backend_tensor_memset(plan[i].first->v, 0, 0, ggml_nbytes(plan[i].first->v));
    }
    steps_ = 0;
}

void Trainer::saveAdapter(const std::string & path, const std::map<std::string, std::string> & extraMeta) {
    gguf_context_ptr g(gguf_init_empty());
    gguf_set_val_str(g.get(), "general.type", "adapter");
    gguf_set_val_str(g.get(), "general.architecture", model().hp().arch.c_str());
    gguf_set_val_str(g.get(), "adapter.type", "lora");
    gguf_set_val_f32(g.get(), "adapter.lora.alpha", opts_.alpha);
    gguf_set_val_u32(g.get(), "sqlstill.lora.rank", static_cast<uint32_t>(opts_.rank));
    std::string targets;
    for (const std::string & t : opts_.targets) targets += (targets.empty() ? "" : ",") + t;
    gguf_set_val_str(g.get(), "sqlstill.lora.targets", targets.c_str());
    gguf_set_val_u64(g.get(), "sqlstill.train.steps", static_cast<uint64_t>(steps_));
    for (const auto & kv : extraMeta) gguf_set_val_str(g.get(), ("sqlstill." + kv.first).c_str(), kv.second.c_str());

    size_t bytes = 0;
    for (const NamedTensor & nt : named_) bytes += nt.ne0 * nt.ne1 * sizeof(float) + ggml_tensor_overhead() + GGML_MEM_ALIGN;
    ggml_init_params ip{};
    ip.mem_size = bytes + 1024;
    ip.no_alloc = false;
    ggml_context_ptr ctx(ggml_init(ip));
    for (const NamedTensor & nt : named_) {
        ggml_tensor * copy = ggml_new_tensor_2d(ctx.get(), GGML_TYPE_F32, nt.ne0, nt.ne1); // the true rank
        ggml_set_name(copy, nt.name.c_str());
        const std::vector<float> values = readTrue(nt, nt.param);
        std::copy(values.begin(), values.end(), static_cast<float *>(copy->data));
        gguf_add_tensor(g.get(), copy);
    }
    writeGgufDurably(g.get(), path, "adapter file");
}

} // namespace sqlstill
