// Packing a batch of training examples into few sequences. Examples of one database share their prompt up to the
// question (the schema), so the batch is laid out as a prefix tree over tokens: every shared prefix is computed once,
// each token attends to its own ancestors only (the mask), and its RoPE position is its depth. The hidden state of a
// token is then exactly what it would be in its own example's sequence, so the loss and its gradient are those of
// the examples trained one by one.
#pragma once

#include "internal.h"

namespace sqlstill {

struct PackedSequence {
    std::vector<int32_t> tokens;    // input ids, one per tree node
    std::vector<int32_t> positions; // depth of the node = position in its example
    std::vector<int32_t> parent;    // the node before it in its examples, -1 for a first token
    // Where the loss is: the hidden state of node `at` predicts `label` (once per example that passes through it, so a
    // node shared by examples that continue differently appears once for each of them).
    struct LossRow {
        int32_t at;
        int32_t label;
        int32_t example; // index into the batch
        int32_t position; // the predicting position within that example
    };
    std::vector<LossRow> rows;
    int64_t exampleTokens = 0; // sum of the lengths of the examples in it
    std::vector<std::vector<int32_t>> paths; // per example in the sequence: its node at every position

    // Attention laid out along the tree, when that is cheaper than one T×T masked product: the trunk (the prefix
    // every example of the sequence shares: nodes 0..trunk-1) attends causally to itself, once; every example's
    // remaining nodes (its branch) are gathered into batches of branches of similar length (`groups`, each padded
    // to its own width) whose queries attend to the trunk and to their own branch. Shared nodes below the trunk are
    // gathered once per branch (same values, and only one copy's output is used), so the result is the masked
    // attention exactly; the cost is trunk² + Σ branches · (trunk + width) · width instead of T².
    struct BranchGroup {
        int branches = 0, width = 0;
        std::vector<int32_t> queryIdx;  // [branches][width]: node of each query slot
        std::vector<int32_t> keyIdx;    // [branches][trunk + width]: node of each key slot
        std::vector<float> mask;        // [branches][width][trunk + width]
        std::vector<float> maskLocal;   // the same within the sliding window (models that have one)
        std::vector<int32_t> out;       // [T]: row of a node's output in this group's result (0 where unused)
        std::vector<float> isOwn;       // [T]: 1 for the nodes whose output comes from this group, else 0
    };
    struct Tree {
        int trunk = 0, trunkKeys = 0; // trunkKeys: trunk rounded up to 16 (masked)
        std::vector<float> trunkMask;   // [trunkKeys keys][trunk queries]
        std::vector<float> trunkMaskLocal; // the same within the sliding window (models that have one)
        std::vector<int32_t> trunkIdx;  // 0 .. trunkKeys-1
        std::vector<int32_t> trunkOut;  // [T]: row of a node's output in the trunk's result (0 where unused)
        std::vector<float> isTrunk;     // [T]: 1 for trunk nodes, else 0
        std::vector<BranchGroup> groups;
    };
    bool hasTree = false;
    Tree tree;

    int length() const { return static_cast<int>(tokens.size()); }
};

enum class AttentionLayout { Auto, Mask, Tree }; // declared in sqlstill_train.h

// Lays the batch out in sequences of at most `packLength` nodes (a longer example gets a sequence of its own), each
// padded to a multiple of 32 nodes with tokens no other token sees. With share = false, every example is its own
// sequence (the reference layout). Auto attention takes the tree layout where it costs well under the full mask.
// window: the model's sliding window (0: none); the tree layout then also gets masks within it.
std::vector<PackedSequence> packBatch(const std::vector<TrainExample> & batch, int packLength, bool share,
                                      AttentionLayout layout = AttentionLayout::Auto, int window = 0);

// One example's tokens as a sequence with a row at every position (labels unused): for logits and argmax everywhere.
PackedSequence everyPosition(const std::vector<int32_t> & tokens);

// The attention mask of a sequence: [T keys][T queries] row-major by query, 0 where the key is the query itself or
// one of its ancestors (and, with a window, less than `window` positions back), -inf elsewhere.
void attentionMask(const PackedSequence & seq, std::vector<float> & out, int window = 0);

} // namespace sqlstill
