#include "runner.h"

#include "model.h"

#include <algorithm>
#include <cmath>
#include <type_traits>

namespace sqlstill {

namespace {

constexpr size_t kSchedGraphSize = 16384;    // tensors per graph the scheduler can place (forward of ~300 layers)
constexpr size_t kBlockGraphSize = 4096;     // one block recomputed + its backward
constexpr size_t kHeadGraphSize = 1024;      // norm + head + loss (+ backward)
constexpr size_t kHeadFloatsPerChunk = 1 << 24; // logits per head graph (64 MiB): a 152k vocabulary gets ~110 rows
constexpr int kCapacityStep = 64;

size_t forwardGraphSize(int nLayer) { return 512 + static_cast<size_t>(nLayer) * 256; }

} // namespace

Runner::Runner(const std::string & modelPath, const std::string & backend, int threads, bool transposedBackward,
               const std::string & transposedType) {
    device_ = std::make_unique<Device>(backend, threads, kSchedGraphSize);
    model_ = std::make_unique<Model>(modelPath, device_->buft());
    if (transposedBackward) {
        std::vector<ggml_tensor *> frozen;
        for (int il = 0; il < model_->hp().nLayer; il++) {
            for (int ti = 0; ti < kLayerTargetCount; ti++) frozen.push_back(model_->weight(il, ti));
        }
        frozen.push_back(model_->output);
        transposed_ = std::make_unique<TransposedWeights>(frozen, transposedType, device_->buft(), device_->threads());
    }
}

void Runner::ensureCapacity(int T, size_t maskFloats, size_t indexCount, size_t flagRows) {
    if (T <= capacity_ && maskFloats <= maskCapacity_ && indexCount <= indexCapacity_ && flagRows <= flagRows_) return;
    const int cap = std::max(capacity_, ((T + kCapacityStep - 1) / kCapacityStep) * kCapacityStep);
    const size_t maskCap = std::max({maskCapacity_, maskFloats, static_cast<size_t>(cap) * cap});
    const size_t indexCap = std::max({indexCapacity_, indexCount, static_cast<size_t>(4) * cap});
    const size_t rows = std::max({flagRows_, flagRows, static_cast<size_t>(2)});
    const Hparams & hp = model_->hp();
    bufState_.reset();
    ggml_init_params ip{};
    ip.mem_size = ggml_tensor_overhead() * (hp.nLayer + 8);
    ip.no_alloc = true;
    ctxState_.reset(ggml_init(ip));
    blockInput_.assign(hp.nLayer + 1, nullptr);
    for (int l = 0; l <= hp.nLayer; l++) {
        blockInput_[l] = ggml_new_tensor_2d(ctxState_.get(), GGML_TYPE_F32, hp.nEmbd, cap);
        ggml_format_name(blockInput_[l], "block_input.%d", l);
    }
    gradA_ = ggml_new_tensor_2d(ctxState_.get(), GGML_TYPE_F32, hp.nEmbd, cap);
    gradB_ = ggml_new_tensor_2d(ctxState_.get(), GGML_TYPE_F32, hp.nEmbd, cap);
    positions_ = ggml_new_tensor_1d(ctxState_.get(), GGML_TYPE_I32, cap);
    mask_ = ggml_new_tensor_1d(ctxState_.get(), GGML_TYPE_F32, static_cast<int64_t>(maskCap));
    index_ = ggml_new_tensor_1d(ctxState_.get(), GGML_TYPE_I32, static_cast<int64_t>(indexCap));
    rowFlags_ = ggml_new_tensor_1d(ctxState_.get(), GGML_TYPE_F32, static_cast<int64_t>(rows) * cap);
    bufState_.reset(ggml_backend_alloc_ctx_tensors_from_buft(ctxState_.get(), device_->buft()));
    if (!bufState_) throw NativeError("INTERNAL", "out of memory allocating activations for " + std::to_string(cap) + "-token sequences");
    capacity_ = cap;
    maskCapacity_ = maskCap;
    indexCapacity_ = indexCap;
    flagRows_ = rows;
}

void Runner::uploadLayout(const PackedSequence & seq) {
    const int T = seq.length();
    const int window = model_->hp().slidingWindow;
    const size_t H = static_cast<size_t>(model_->hp().nHead);
    LayoutOffsets & o = layout_;
    o = LayoutOffsets{};
    if (!seq.hasTree) {
        const size_t n = static_cast<size_t>(T) * T;
        ensureCapacity(T, window > 0 ? 2 * n : n, 0, 0);
        attentionMask(seq, hostMask_);
        ggml_backend_tensor_set(mask_, hostMask_.data(), 0, sizeof(float) * n);
        if (window > 0) {
            attentionMask(seq, hostMask_, window);
            ggml_backend_tensor_set(mask_, hostMask_.data(), sizeof(float) * n, sizeof(float) * n);
            o.localMask = n;
        }
        ggml_backend_tensor_set(positions_, seq.positions.data(), 0, sizeof(int32_t) * T);
        return;
    }
    const PackedSequence::Tree & t = seq.tree;
    size_t maskFloats = t.trunkMask.size(), indexCount = t.trunkIdx.size() + T;
    for (const auto & g : t.groups) {
        maskFloats += g.mask.size() * H;
        indexCount += g.queryIdx.size() + g.keyIdx.size() + T;
    }
    ensureCapacity(T, window > 0 ? 2 * maskFloats : maskFloats, indexCount, 1 + t.groups.size());
    auto put = [](ggml_tensor * dst, size_t & at, const auto & v) {
        using Elem = typename std::decay_t<decltype(v)>::value_type;
        if (!v.empty()) ggml_backend_tensor_set(dst, v.data(), at * sizeof(Elem), v.size() * sizeof(Elem));
        at += v.size();
    };
    // masks: the trunk's, then each group's (one copy per head: the batch dimension is head-major within a
    // branch); the same again within the sliding window
    size_t m = 0, i = 0, f = 0;
    auto putMasks = [&](bool local) {
        put(mask_, m, local ? t.trunkMaskLocal : t.trunkMask);
        for (const auto & g : t.groups) {
            const std::vector<float> & mask = local ? g.maskLocal : g.mask;
            const size_t block = static_cast<size_t>(g.width) * (t.trunk + g.width);
            hostMask_.resize(mask.size() * H);
            for (int b = 0; b < g.branches; b++) {
                for (size_t h = 0; h < H; h++) std::copy_n(mask.data() + b * block, block, hostMask_.data() + (b * H + h) * block);
            }
            put(mask_, m, hostMask_);
        }
    };
    putMasks(false);
    if (window > 0) {
        o.localMask = m;
        putMasks(true);
    }
    put(index_, i, t.trunkIdx);
    put(index_, i, t.trunkOut);
    put(rowFlags_, f, t.isTrunk);
    for (const auto & g : t.groups) {
        put(index_, i, g.queryIdx);
        put(index_, i, g.keyIdx);
        put(index_, i, g.out);
        put(rowFlags_, f, g.isOwn);
    }
    ggml_backend_tensor_set(positions_, seq.positions.data(), 0, sizeof(int32_t) * T);
}

AttentionInputs Runner::attentionInputs(ggml_context * ctx, const PackedSequence & seq) const {
    AttentionInputs att = layoutInputs(ctx, seq, 0);
    if (model_->hp().slidingWindow > 0) att.local = std::make_shared<AttentionInputs>(layoutInputs(ctx, seq, layout_.localMask));
    return att;
}

AttentionInputs Runner::layoutInputs(ggml_context * ctx, const PackedSequence & seq, size_t maskOffset) const {
    const int64_t T = seq.length();
    AttentionInputs att;
    att.positions = ggml_view_1d(ctx, positions_, T, 0);
    if (!seq.hasTree) {
        att.mask = ggml_view_2d(ctx, mask_, T, T, sizeof(float) * T, sizeof(float) * maskOffset);
        return att;
    }
    const PackedSequence::Tree & t = seq.tree;
    att.trunk = t.trunk;
    att.trunkKeys = t.trunkKeys;
    size_t m = maskOffset, i = 0, f = 0;
    auto view1 = [&](ggml_tensor * src, size_t & at, int64_t n, size_t elem) {
        ggml_tensor * v = ggml_view_1d(ctx, src, n, at * elem);
        at += static_cast<size_t>(n);
        return v;
    };
    auto flags = [&]() {
        ggml_tensor * v = ggml_view_2d(ctx, rowFlags_, 1, T, sizeof(float), sizeof(float) * f);
        f += static_cast<size_t>(T);
        return v;
    };
    if (t.trunk > 0) att.trunkMask = ggml_view_2d(ctx, mask_, t.trunkKeys, t.trunk, sizeof(float) * t.trunkKeys, sizeof(float) * m);
    m += t.trunkMask.size();
    att.trunkIdx = view1(index_, i, static_cast<int64_t>(t.trunkIdx.size()), sizeof(int32_t));
    att.trunkOut = view1(index_, i, T, sizeof(int32_t));
    att.isTrunk = flags();
    const int64_t H = model_->hp().nHead;
    for (const auto & g : t.groups) {
        AttentionInputs::Group ag;
        ag.branches = g.branches;
        ag.width = g.width;
        const int64_t K = t.trunk + g.width;
        ag.mask = ggml_view_3d(ctx, mask_, K, g.width, H * g.branches, sizeof(float) * K, sizeof(float) * K * g.width, sizeof(float) * m);
        m += g.mask.size() * static_cast<size_t>(H);
        ag.queryIdx = view1(index_, i, static_cast<int64_t>(g.queryIdx.size()), sizeof(int32_t));
        ag.keyIdx = view1(index_, i, static_cast<int64_t>(g.keyIdx.size()), sizeof(int32_t));
        ag.out = view1(index_, i, T, sizeof(int32_t));
        ag.isOwn = flags();
        att.groups.push_back(ag);
    }
    return att;
}

ggml_tensor * Runner::preset(ggml_context * ctx, ggml_tensor * storage, int T) {
    ggml_tensor * t = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, model_->hp().nEmbd, T);
    if (ggml_backend_tensor_alloc(bufState_.get(), t, storage->data) != GGML_STATUS_SUCCESS) {
        throw NativeError("INTERNAL", "cannot place a tensor on the activation buffer");
    }
    return t;
}

ggml_cgraph * Runner::backwardRewrite(ggml_context * ctx, ggml_cgraph * graph, size_t graphSize) const {
    return transposed_ ? transposed_->rewriteBackward(ctx, graph, graphSize) : graph;
}

size_t Runner::headChunk() const {
    return std::clamp<size_t>(kHeadFloatsPerChunk / static_cast<size_t>(model_->hp().nVocab), 8, 4096);
}

void Runner::forward(const PackedSequence & seq, const LoraWeights * lora, bool saveBlockInputs) {
    const int T = seq.length();
    const Hparams & hp = model_->hp();
    uploadLayout(seq);

    const size_t gsize = forwardGraphSize(hp.nLayer);
    ggml_context_ptr ctx = graphContext(gsize, false);
    ggml_tensor * tokens = ggml_new_tensor_1d(ctx.get(), GGML_TYPE_I32, T);
    ggml_set_input(tokens);
    const AttentionInputs att = attentionInputs(ctx.get(), seq);
    ggml_cgraph * gf = ggml_new_graph_custom(ctx.get(), gsize, false);
    auto save = [&](ggml_tensor * x, int l) {
        ggml_tensor * dst = ggml_view_2d(ctx.get(), blockInput_[l], hp.nEmbd, T, blockInput_[l]->nb[1], 0);
        ggml_build_forward_expand(gf, ggml_cpy(ctx.get(), x, dst));
    };
    ggml_tensor * x = ggml_get_rows(ctx.get(), model_->tokEmbd, tokens);
    if (hp.embeddingScale != 1.0f) x = ggml_scale(ctx.get(), x, hp.embeddingScale);
    if (saveBlockInputs) save(x, 0);
    for (int il = 0; il < hp.nLayer; il++) {
        x = buildBlock(ctx.get(), *model_, lora, il, x, att);
        if (saveBlockInputs || il == hp.nLayer - 1) save(x, il + 1);
    }
    device_->compute(gf, [&] { ggml_backend_tensor_set(tokens, seq.tokens.data(), 0, sizeof(int32_t) * T); }, true);
}

double Runner::loss(const PackedSequence & seq, const LoraWeights * lora, double rowWeight, const GradTargets * grads) {
    const bool backward = grads != nullptr;
    const int T = seq.length();
    const Hparams & hp = model_->hp();
    const int64_t V = hp.nVocab;
    forward(seq, lora, backward);
    if (backward) ggml_backend_tensor_memset(gradA_, 0, 0, sizeof(float) * hp.nEmbd * T);
    double total = 0;
    const size_t chunk = headChunk();
    std::vector<int32_t> at;
    for (size_t begin = 0; begin < seq.rows.size(); begin += chunk) {
        const size_t end = std::min(seq.rows.size(), begin + chunk);
        const int64_t n = static_cast<int64_t>(end - begin);
        at.clear();
        for (size_t i = begin; i < end; i++) at.push_back(seq.rows[i].at);

        ggml_context_ptr ctx = graphContext(kHeadGraphSize, backward);
        ggml_tensor * hidden = preset(ctx.get(), blockInput_[hp.nLayer], T);
        if (backward) ggml_set_param(hidden);
        ggml_tensor * rows = ggml_new_tensor_1d(ctx.get(), GGML_TYPE_I32, n);
        ggml_set_input(rows);
        ggml_tensor * labels = ggml_new_tensor_2d(ctx.get(), GGML_TYPE_F32, V, n);
        ggml_set_input(labels);
        // only the rows where the loss is go through the head: a 152k-wide logit row is the most expensive thing in
        // a small model's step
        ggml_tensor * logits = buildHead(ctx.get(), *model_, lora, ggml_get_rows(ctx.get(), hidden, rows));
        ggml_tensor * ce = ggml_cross_entropy_loss(ctx.get(), logits, labels); // mean over the n rows
        ggml_tensor * out = ggml_scale(ctx.get(), ce, static_cast<float>(static_cast<double>(n) * rowWeight));
        ggml_set_output(out);
        ggml_cgraph * gf = ggml_new_graph_custom(ctx.get(), kHeadGraphSize, backward);
        ggml_build_forward_expand(gf, out);
        if (backward) {
            ggml_set_loss(out);
            const int nNodes = ggml_graph_n_nodes(gf);
            std::vector<ggml_tensor *> accs(nNodes, nullptr);
            for (int i = 0; i < nNodes; i++) {
                ggml_tensor * node = ggml_graph_node(gf, i);
                if (node == out) {
                    accs[i] = grads->lossGrad;
                } else if (node == hidden) {
                    accs[i] = preset(ctx.get(), gradA_, T);
                } else if (node->flags & GGML_TENSOR_FLAG_PARAM) {
                    auto it = grads->gradOf->find(node);
                    if (it != grads->gradOf->end()) accs[i] = it->second;
                }
            }
            ggml_build_backward_expand(ctx.get(), gf, accs.data());
            gf = backwardRewrite(ctx.get(), gf, kHeadGraphSize);
        }
        hostLabels_.assign(static_cast<size_t>(V * n), 0.0f);
        for (int64_t i = 0; i < n; i++) hostLabels_[static_cast<size_t>(i * V + seq.rows[begin + i].label)] = 1.0f;
        device_->compute(gf, [&] {
            ggml_backend_tensor_set(rows, at.data(), 0, sizeof(int32_t) * n);
            ggml_backend_tensor_set(labels, hostLabels_.data(), 0, sizeof(float) * hostLabels_.size());
        }, true);
        float value = 0;
        ggml_backend_tensor_get(out, &value, 0, sizeof value);
        total += value;
    }
    if (backward) backwardBlocks(seq, lora, *grads);
    return total;
}

void Runner::backwardBlocks(const PackedSequence & seq, const LoraWeights * lora, const GradTargets & grads) {
    const Hparams & hp = model_->hp();
    const int T = seq.length();
    auto hasParams = [&](int il) {
        if (lora == nullptr) return false;
        for (const LoraPair & p : lora->pairs[il]) {
            if (p.a != nullptr) return true;
        }
        return false;
    };
    int lowest = -1; // nothing below the lowest adapted block needs a gradient
    for (int il = 0; il < hp.nLayer && lowest < 0; il++) {
        if (hasParams(il)) lowest = il;
    }
    if (lowest < 0) return;
    ggml_tensor * gIn = gradA_;  // dL/d(output of block il)
    ggml_tensor * gOut = gradB_; // dL/d(input of block il)
    for (int il = hp.nLayer - 1; il >= lowest; il--) {
        const bool needInput = il > lowest;
        ggml_context_ptr ctx = graphContext(kBlockGraphSize, true);
        ggml_tensor * x = preset(ctx.get(), blockInput_[il], T);
        if (needInput) ggml_set_param(x);
        ggml_tensor * upstream = preset(ctx.get(), gIn, T);
        ggml_tensor * y = buildBlock(ctx.get(), *model_, lora, il, x, attentionInputs(ctx.get(), seq));
        // d/dθ Σ y·g = (dy/dθ)ᵀ g: the chain rule through this block, with g the gradient arriving from above
        ggml_tensor * out = ggml_sum(ctx.get(), ggml_mul(ctx.get(), y, upstream));
        ggml_set_loss(out);
        ggml_cgraph * gf = ggml_new_graph_custom(ctx.get(), kBlockGraphSize, true);
        ggml_build_forward_expand(gf, out);
        const int nNodes = ggml_graph_n_nodes(gf);
        std::vector<ggml_tensor *> accs(nNodes, nullptr);
        for (int i = 0; i < nNodes; i++) {
            ggml_tensor * node = ggml_graph_node(gf, i);
            if (node == out) {
                accs[i] = grads.lossGrad;
            } else if (node == x) {
                accs[i] = preset(ctx.get(), gOut, T);
            } else if (node->flags & GGML_TENSOR_FLAG_PARAM) {
                auto it = grads.gradOf->find(node);
                if (it != grads.gradOf->end()) accs[i] = it->second;
            }
        }
        ggml_build_backward_expand(ctx.get(), gf, accs.data());
        gf = backwardRewrite(ctx.get(), gf, kBlockGraphSize);
        if (needInput) ggml_backend_tensor_memset(gOut, 0, 0, sizeof(float) * hp.nEmbd * T);
        device_->compute(gf, nullptr, true);
        std::swap(gIn, gOut);
    }
}

// The head at the sequence's rows, in chunks of headChunk() rows (the full-vocabulary logits of every row at once
// would not fit): `head` builds what each chunk yields from its logits, `width` values per row of type Value.
template <typename Value, typename Head>
std::vector<Value> Runner::headRows(const PackedSequence & seq, const LoraWeights * lora, int64_t width, Head head) {
    const int T = seq.length();
    const Hparams & hp = model_->hp();
    forward(seq, lora, false);
    std::vector<Value> out(seq.rows.size() * width);
    const size_t chunk = headChunk();
    std::vector<int32_t> at;
    for (size_t begin = 0; begin < seq.rows.size(); begin += chunk) {
        const size_t end = std::min(seq.rows.size(), begin + chunk);
        const int64_t n = static_cast<int64_t>(end - begin);
        at.clear();
        for (size_t i = begin; i < end; i++) at.push_back(seq.rows[i].at);
        ggml_context_ptr ctx = graphContext(kHeadGraphSize, false);
        ggml_tensor * hidden = preset(ctx.get(), blockInput_[hp.nLayer], T);
        ggml_tensor * rows = ggml_new_tensor_1d(ctx.get(), GGML_TYPE_I32, n);
        ggml_set_input(rows);
        ggml_tensor * result = head(ctx.get(), buildHead(ctx.get(), *model_, lora, ggml_get_rows(ctx.get(), hidden, rows)));
        ggml_set_output(result);
        ggml_cgraph * gf = ggml_new_graph_custom(ctx.get(), kHeadGraphSize, false);
        ggml_build_forward_expand(gf, result);
        device_->compute(gf, [&] { ggml_backend_tensor_set(rows, at.data(), 0, sizeof(int32_t) * n); }, true);
        ggml_backend_tensor_get(result, out.data() + begin * width, 0, sizeof(Value) * width * n);
    }
    return out;
}

std::vector<int32_t> Runner::argmaxRows(const PackedSequence & seq, const LoraWeights * lora) {
    return headRows<int32_t>(seq, lora, 1, [](ggml_context * ctx, ggml_tensor * logits) { return ggml_argmax(ctx, logits); });
}

std::vector<float> Runner::logits(const PackedSequence & seq, const LoraWeights * lora) {
    return headRows<float>(seq, lora, model_->hp().nVocab, [](ggml_context *, ggml_tensor * logits) { return logits; });
}

std::vector<float> forwardLogits(const std::string & modelPath, const std::vector<int32_t> & tokens, int nThreads) {
    if (tokens.empty()) throw NativeError("BAD_REQUEST", "no tokens to evaluate");
    Runner runner(modelPath, "cpu", nThreads, false, "auto");
    for (int32_t t : tokens) {
        if (t < 0 || t >= runner.model().hp().nVocab) throw NativeError("BAD_REQUEST", "token id out of range: " + std::to_string(t));
    }
    return runner.logits(everyPosition(tokens), nullptr);
}

} // namespace sqlstill
