#include "transpose.h"

#include <algorithm>
#include <cstring>
#include <thread>

namespace sqlstill {

namespace {

constexpr int64_t kBlock = 32; // rows of W per pass = one Q8_0 block of every row of Wᵀ

ggml_type copyType(const ggml_tensor * w, const std::string & type) {
    if (w->type == GGML_TYPE_F32) return GGML_TYPE_F32; // exact, and out_prod would be slower or missing
    const bool q8ok = w->ne[1] % ggml_blck_size(GGML_TYPE_Q8_0) == 0;
    if (type == "f16") return GGML_TYPE_F16;
    // Q8_0 blocks run along W's rows: where their count is not a multiple of 32, F16 (as llama.cpp's quantizer
    // falls back per tensor)
    if (type == "q8_0") return q8ok ? GGML_TYPE_Q8_0 : GGML_TYPE_F16;
    if (type != "auto") throw NativeError("BAD_REQUEST", "transposedType must be auto, f16 or q8_0");
    return w->type == GGML_TYPE_F16 || !q8ok ? GGML_TYPE_F16 : GGML_TYPE_Q8_0;
}

// Fills the host image of Wᵀ ([nOut, nIn], type of `wt`) for W rows [rBegin, rEnd) (multiples of kBlock but the end).
void transposeRows(const ggml_tensor * w, const ggml_tensor * wt, uint8_t * image, int64_t rBegin, int64_t rEnd) {
    const int64_t nIn = w->ne[0], nOut = w->ne[1];
    const ggml_type_traits * traits = ggml_get_type_traits(w->type);
    if (w->type != GGML_TYPE_F32 && traits->to_float == nullptr) {
        throw NativeError("UNSUPPORTED", std::string("cannot dequantize ") + ggml_type_name(w->type));
    }
    const bool host = w->buffer == nullptr || ggml_backend_buffer_is_host(w->buffer);
    std::vector<uint8_t> raw;
    std::vector<float> dense(static_cast<size_t>(kBlock * nIn));
    std::vector<float> columns(static_cast<size_t>(nIn * kBlock)); // [nIn][kBlock]: the block's values per Wᵀ row
    std::vector<uint8_t> quantized;
    const size_t outRow = wt->nb[1];
    for (int64_t r0 = rBegin; r0 < rEnd; r0 += kBlock) {
        const int64_t B = std::min(kBlock, nOut - r0);
        const uint8_t * src;
        if (host) {
            src = static_cast<const uint8_t *>(w->data) + r0 * w->nb[1];
        } else {
            raw = tensorBytes(w, r0 * w->nb[1], B * w->nb[1]);
            src = raw.data();
        }
        for (int64_t j = 0; j < B; j++) {
            if (w->type == GGML_TYPE_F32) {
                std::memcpy(dense.data() + j * nIn, src + j * w->nb[1], nIn * sizeof(float));
            } else {
                traits->to_float(src + j * w->nb[1], dense.data() + j * nIn, nIn);
            }
        }
        if (wt->type == GGML_TYPE_Q8_0) {
            for (int64_t c = 0; c < nIn; c++) {
                for (int64_t j = 0; j < kBlock; j++) columns[c * kBlock + j] = dense[j * nIn + c];
            }
            const size_t blockBytes = ggml_row_size(GGML_TYPE_Q8_0, kBlock);
            quantized.resize(nIn * blockBytes);
            ggml_quantize_chunk(GGML_TYPE_Q8_0, columns.data(), quantized.data(), 0, nIn, kBlock, nullptr);
            for (int64_t c = 0; c < nIn; c++) {
                std::memcpy(image + c * outRow + (r0 / kBlock) * blockBytes, quantized.data() + c * blockBytes, blockBytes);
            }
        } else if (wt->type == GGML_TYPE_F16) {
            for (int64_t c = 0; c < nIn; c++) {
                ggml_fp16_t * row = reinterpret_cast<ggml_fp16_t *>(image + c * outRow) + r0;
                for (int64_t j = 0; j < B; j++) row[j] = ggml_fp32_to_fp16(dense[j * nIn + c]);
            }
        } else {
            for (int64_t c = 0; c < nIn; c++) {
                float * row = reinterpret_cast<float *>(image + c * outRow) + r0;
                for (int64_t j = 0; j < B; j++) row[j] = dense[j * nIn + c];
            }
        }
    }
}

} // namespace

TransposedWeights::TransposedWeights(const std::vector<ggml_tensor *> & frozen, const std::string & type,
                                     ggml_backend_buffer_type_t buft, int threads) {
    std::vector<ggml_tensor *> todo;
    for (ggml_tensor * w : frozen) {
        if (w != nullptr && std::find(todo.begin(), todo.end(), w) == todo.end()) todo.push_back(w);
    }
    if (todo.empty()) return;
    ggml_init_params ip{};
    ip.mem_size = ggml_tensor_overhead() * (todo.size() + 1);
    ip.no_alloc = true;
    ctx_.reset(ggml_init(ip));
    std::vector<ggml_tensor *> copies;
    for (ggml_tensor * w : todo) {
        ggml_tensor * t = ggml_new_tensor_2d(ctx_.get(), copyType(w, type), w->ne[1], w->ne[0]);
        ggml_format_name(t, "%s.T", w->name);
        copies.push_back(t);
    }
    buf_.reset(ggml_backend_alloc_ctx_tensors_from_buft(ctx_.get(), buft));
    if (!buf_) throw NativeError("INTERNAL", "out of memory allocating transposed weights");
    ggml_quantize_init(GGML_TYPE_Q8_0);
    const int nThreads = std::max(1, threads);
    std::vector<uint8_t> staging;
    for (size_t i = 0; i < todo.size(); i++) {
        ggml_tensor * w = todo[i];
        ggml_tensor * wt = copies[i];
        const bool host = ggml_backend_buffer_is_host(buf_.get());
        uint8_t * image;
        if (host) {
            image = static_cast<uint8_t *>(wt->data);
        } else {
            staging.resize(ggml_nbytes(wt));
            image = staging.data();
        }
        const int64_t blocks = (w->ne[1] + kBlock - 1) / kBlock;
        const int64_t perThread = (blocks + nThreads - 1) / nThreads;
        std::vector<std::thread> pool;
        std::vector<std::exception_ptr> errors(nThreads);
        for (int t = 0; t < nThreads; t++) {
            const int64_t b0 = t * perThread, b1 = std::min(blocks, b0 + perThread);
            if (b0 >= b1) break;
            pool.emplace_back([&, t, b0, b1] {
                try {
                    transposeRows(w, wt, image, b0 * kBlock, std::min(w->ne[1], b1 * kBlock));
                } catch (...) {
                    errors[t] = std::current_exception();
                }
            });
        }
        for (std::thread & th : pool) th.join();
        for (const std::exception_ptr & e : errors) {
            if (e) std::rethrow_exception(e);
        }
        if (!host) ggml_backend_tensor_set(wt, staging.data(), 0, staging.size());
        copies_[w] = wt;
    }
}

ggml_tensor * TransposedWeights::of(const ggml_tensor * w) const {
    auto it = copies_.find(w);
    return it == copies_.end() ? nullptr : it->second;
}

ggml_cgraph * TransposedWeights::rewriteBackward(ggml_context * ctx, ggml_cgraph * graph, size_t graphSize) const {
    const int n = ggml_graph_n_nodes(graph);
    bool inserted = false;
    for (int i = 0; i < n; i++) {
        ggml_tensor * node = ggml_graph_node(graph, i);
        if (node->op != GGML_OP_OUT_PROD) continue;
        ggml_tensor * gradT = node->src[1];
        if (gradT == nullptr || gradT->op != GGML_OP_TRANSPOSE || gradT->src[0] == nullptr) continue;
        ggml_tensor * grad = gradT->src[0];
        if (grad->type != GGML_TYPE_F32 || !ggml_is_contiguous(grad)) continue;
        ggml_tensor * x = node->src[0];
        ggml_tensor * xt = of(x);
        if (xt == nullptr) {
            if (x->type != GGML_TYPE_F32) continue; // a frozen weight without a copy keeps ggml's out_prod
            xt = ggml_cont(ctx, ggml_transpose(ctx, x));
            inserted = true;
        }
        // out_prod(X [n, m, h], gᵀ) = [n, p, h] = mul_mat(Xᵀ [m, n, h], g [m, p, h']), X broadcast over h' as in the
        // forward mul_mat; ggml_tensor is a public struct, and the node keeps its shape, type and place
        node->op = GGML_OP_MUL_MAT;
        std::memset(node->op_params, 0, sizeof(node->op_params));
        node->src[0] = xt;
        node->src[1] = grad;
    }
    if (!inserted) return graph;
    // the same nodes in the same order, each inserted copy just before its first use
    ggml_cgraph * out = ggml_new_graph_custom(ctx, graphSize, false);
    for (int i = 0; i < n; i++) ggml_build_forward_expand(out, ggml_graph_node(graph, i));
    return out;
}

} // namespace sqlstill
