#include "pack.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>

namespace sqlstill {

namespace {

// The prefix tree of one sequence under construction.
class TreeBuilder {
public:
    explicit TreeBuilder(PackedSequence & seq) : seq_(seq) {}

    // Nodes `tokens` would add to the tree (its length minus the longest prefix already present).
    int newNodes(const std::vector<int32_t> & tokens) const {
        int32_t node = -1;
        size_t i = 0;
        for (; i < tokens.size(); i++) {
            auto it = children_.find(key(node, tokens[i]));
            if (it == children_.end()) break;
            node = it->second;
        }
        return static_cast<int>(tokens.size() - i);
    }

    // Inserts the example's tokens; returns the node of every position.
    std::vector<int32_t> insert(const std::vector<int32_t> & tokens) {
        std::vector<int32_t> path(tokens.size());
        int32_t node = -1;
        for (size_t i = 0; i < tokens.size(); i++) {
            const uint64_t k = key(node, tokens[i]);
            auto it = children_.find(k);
            if (it == children_.end()) {
                const int32_t id = static_cast<int32_t>(seq_.tokens.size());
                seq_.tokens.push_back(tokens[i]);
                seq_.positions.push_back(static_cast<int32_t>(i));
                seq_.parent.push_back(node);
                it = children_.emplace(k, id).first;
            }
            node = it->second;
            path[i] = node;
        }
        return path;
    }

private:
    static uint64_t key(int32_t parent, int32_t token) {
        return (static_cast<uint64_t>(static_cast<uint32_t>(parent + 1)) << 32) | static_cast<uint32_t>(token);
    }
    PackedSequence & seq_;
    std::unordered_map<uint64_t, int32_t> children_;
};

void addLossRows(PackedSequence & seq, const TrainExample & ex, int exampleIndex, std::vector<int32_t> path) {
    const int n = static_cast<int>(ex.tokens.size());
    for (int i = ex.completionStart - 1; i < n - 1; i++) {
        const int32_t label = ex.labels.empty() ? ex.tokens[i + 1] : ex.labels[i + 1];
        seq.rows.push_back({path[i], label, exampleIndex, i});
    }
    seq.exampleTokens += n;
    seq.paths.push_back(std::move(path));
}

int roundUp(int x, int to) { return ((x + to - 1) / to) * to; }

// Branch groups: branches sorted by length, a new group where the next branch is longer than kGroupStretch × the
// group's shortest (so padding stays small), at most kMaxGroups.
constexpr double kGroupStretch = 1.3;
constexpr int kMaxGroups = 4;

// Plans the tree layout (PackedSequence::Tree) and keeps it when it is worth it (or when asked for).
void planTree(PackedSequence & seq, AttentionLayout layout, int window) {
    if (layout == AttentionLayout::Mask || seq.paths.empty()) return;
    const int T = seq.length();
    // the trunk: the longest prefix all examples of the sequence share
    int trunk = static_cast<int>(seq.paths[0].size());
    for (const auto & p : seq.paths) {
        int i = 0;
        while (i < trunk && i < static_cast<int>(p.size()) && p[i] == seq.paths[0][i]) i++;
        trunk = i;
    }
    std::vector<const std::vector<int32_t> *> branches;
    for (const auto & p : seq.paths) {
        if (static_cast<int>(p.size()) > trunk) branches.push_back(&p);
    }
    std::stable_sort(branches.begin(), branches.end(), [](const auto * a, const auto * b) { return a->size() < b->size(); });
    std::vector<std::vector<const std::vector<int32_t> *>> grouped;
    for (const auto * b : branches) {
        const int len = static_cast<int>(b->size()) - trunk;
        const bool fits = !grouped.empty() && (len <= kGroupStretch * (static_cast<int>(grouped.back().front()->size()) - trunk) ||
                                               static_cast<int>(grouped.size()) == kMaxGroups);
        if (!fits) grouped.emplace_back();
        grouped.back().push_back(b);
    }
    const int trunkKeys = std::min(roundUp(trunk, 16), T);
    // each group's product has the inner dimension trunk + width: a multiple of 16, like the sequence itself
    auto widthOf = [&](const auto & g) { return roundUp(trunk + static_cast<int>(g.back()->size()) - trunk, 16) - trunk; };
    double treeCost = static_cast<double>(trunk) * trunkKeys;
    for (const auto & g : grouped) treeCost += static_cast<double>(g.size()) * (trunk + widthOf(g)) * widthOf(g);
    const double maskCost = static_cast<double>(T) * T;
    if (layout == AttentionLayout::Auto && treeCost > 0.7 * maskCost) return;

    PackedSequence::Tree & t = seq.tree;
    t.trunk = trunk;
    t.trunkKeys = trunkKeys;
    // within the window: the query's position minus the key's is less than it (positions are depths here)
    auto inWindow = [&](int queryPos, int keyPos) { return window <= 0 || queryPos - keyPos < window; };
    t.trunkMask.assign(static_cast<size_t>(trunk) * trunkKeys, -INFINITY);
    if (window > 0) t.trunkMaskLocal.assign(t.trunkMask.size(), -INFINITY);
    for (int q = 0; q < trunk; q++) {
        for (int k = 0; k <= q; k++) {
            t.trunkMask[static_cast<size_t>(q) * trunkKeys + k] = 0.0f;
            if (window > 0 && inWindow(q, k)) t.trunkMaskLocal[static_cast<size_t>(q) * trunkKeys + k] = 0.0f;
        }
    }
    t.trunkIdx.resize(trunkKeys);
    for (int i = 0; i < trunkKeys; i++) t.trunkIdx[i] = i;
    t.trunkOut.assign(T, 0);
    t.isTrunk.assign(T, 0.0f);
    for (int i = 0; i < trunk; i++) {
        t.trunkOut[i] = i;
        t.isTrunk[i] = 1.0f;
    }
    std::vector<bool> placed(T, false);
    for (const auto & members : grouped) {
        PackedSequence::BranchGroup g;
        const int nb = static_cast<int>(members.size());
        const int width = widthOf(members);
        const int keys = trunk + width;
        g.branches = nb;
        g.width = width;
        g.queryIdx.assign(static_cast<size_t>(nb) * width, 0);
        g.keyIdx.assign(static_cast<size_t>(nb) * keys, 0);
        g.mask.assign(static_cast<size_t>(nb) * width * keys, -INFINITY);
        if (window > 0) g.maskLocal.assign(g.mask.size(), -INFINITY);
        g.out.assign(T, 0);
        g.isOwn.assign(T, 0.0f);
        for (int b = 0; b < nb; b++) {
            const std::vector<int32_t> & path = *members[b];
            const int len = static_cast<int>(path.size()) - trunk;
            for (int j = 0; j < keys; j++) g.keyIdx[static_cast<size_t>(b) * keys + j] = j < trunk ? j : (j - trunk < len ? path[j] : 0);
            for (int c = 0; c < width; c++) {
                const size_t at = (static_cast<size_t>(b) * width + c) * keys;
                float * row = g.mask.data() + at;
                float * local = window > 0 ? g.maskLocal.data() + at : nullptr;
                if (c >= len) { // a padding query: one visible key keeps its softmax finite; its output is never used
                    g.queryIdx[static_cast<size_t>(b) * width + c] = path[trunk];
                    row[trunk > 0 ? 0 : trunk] = 0.0f;
                    if (local) local[trunk > 0 ? 0 : trunk] = 0.0f;
                    continue;
                }
                const int32_t node = path[trunk + c];
                g.queryIdx[static_cast<size_t>(b) * width + c] = node;
                for (int j = 0; j < trunk; j++) {
                    row[j] = 0.0f;
                    if (local && inWindow(trunk + c, j)) local[j] = 0.0f;
                }
                for (int j = 0; j <= c; j++) {
                    row[trunk + j] = 0.0f;
                    if (local && inWindow(c, j)) local[trunk + j] = 0.0f;
                }
                if (!placed[node]) { // a node shared by several branches takes its output from the first
                    placed[node] = true;
                    g.out[node] = b * width + c;
                    g.isOwn[node] = 1.0f;
                }
            }
        }
        t.groups.push_back(std::move(g));
    }
    seq.hasTree = true;
}

// Pads a sequence to a multiple of kPadTo nodes: token 0 at position 0 that sees only itself and that nothing sees,
// with no loss. Row counts that are multiples of 16 (AVX-512) let ggml's CPU use its tiled GEMM for the attention
// products, whose inner dimension is the sequence length; GPUs like aligned shapes too.
constexpr int kPadTo = 32;

void pad(PackedSequence & seq) {
    while (seq.tokens.size() % kPadTo != 0) {
        seq.tokens.push_back(0);
        seq.positions.push_back(0);
        seq.parent.push_back(-1);
    }
}

} // namespace

std::vector<PackedSequence> packBatch(const std::vector<TrainExample> & batch, int packLength, bool share, AttentionLayout layout, int window) {
    std::vector<PackedSequence> out;
    if (!share) {
        for (size_t e = 0; e < batch.size(); e++) {
            PackedSequence seq;
            TreeBuilder tree(seq);
            addLossRows(seq, batch[e], static_cast<int>(e), tree.insert(batch[e].tokens));
            pad(seq);
            planTree(seq, layout, window);
            out.push_back(std::move(seq));
        }
        return out;
    }
    // Lexicographic order puts examples with long common prefixes next to each other, so a sequence that fills up
    // starts the next one with the examples most like its last.
    std::vector<int> order(batch.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        return std::lexicographical_compare(batch[a].tokens.begin(), batch[a].tokens.end(), batch[b].tokens.begin(), batch[b].tokens.end());
    });
    std::unique_ptr<TreeBuilder> tree;
    for (int e : order) {
        const TrainExample & ex = batch[e];
        if (tree && out.back().length() + tree->newNodes(ex.tokens) > packLength) tree.reset();
        if (!tree) {
            out.emplace_back();
            tree = std::make_unique<TreeBuilder>(out.back());
        }
        addLossRows(out.back(), ex, e, tree->insert(ex.tokens));
    }
    for (PackedSequence & seq : out) {
        pad(seq);
        planTree(seq, layout, window);
    }
    return out;
}

PackedSequence everyPosition(const std::vector<int32_t> & tokens) {
    PackedSequence seq;
    TreeBuilder tree(seq);
    tree.insert(tokens);
    for (size_t i = 0; i < tokens.size(); i++) seq.rows.push_back({static_cast<int32_t>(i), 0, 0, static_cast<int32_t>(i)});
    seq.exampleTokens = static_cast<int64_t>(tokens.size());
    pad(seq);
    return seq;
}

void attentionMask(const PackedSequence & seq, std::vector<float> & out, int window) {
    const size_t T = seq.tokens.size();
    out.assign(T * T, -INFINITY);
    for (size_t q = 0; q < T; q++) {
        float * row = out.data() + q * T;
        for (int32_t k = static_cast<int32_t>(q); k >= 0; k = seq.parent[k]) {
            if (window > 0 && seq.positions[q] - seq.positions[k] >= window) break; // ancestors only get farther
            row[k] = 0.0f;
        }
    }
}

} // namespace sqlstill
