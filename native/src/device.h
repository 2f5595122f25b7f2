// A compute device for our graphs: one ggml backend (the CPU, or a GPU through Vulkan, CUDA or Metal) plus the CPU
// backend, with ggml's scheduler between them, so an op the device cannot run falls back to the CPU.
#pragma once

#include "internal.h"

#include <atomic>
#include <functional>
#include <map>
#include <string>

namespace sqlstill {

class Device {
public:
    // backend: "cpu", "auto" (the first GPU ggml has registered, else the CPU), a backend name ("vulkan", "cuda",
    // "metal", case-insensitive) or a device name ("Vulkan0"). Throws UNSUPPORTED when nothing matches.
    Device(const std::string & backend, int threads, size_t maxGraphNodes);
    ~Device();
    Device(const Device &) = delete;
    Device & operator=(const Device &) = delete;

    bool isCpu() const { return primaryIsCpu_; }
    ggml_backend_buffer_type_t buft() const; // where weights and trainer state live (the device's memory)
    void setThreads(int threads);
    int threads() const { return threads_; }

    // Allocates `graph` on the scheduler, calls setInputs (inputs can be written only once allocated), computes.
    // abortable: the CPU may stop between ops when the parent went away (then throws CANCELLED); never pass true for
    // a graph that must not be interrupted halfway (the optimizer step).
    void compute(ggml_cgraph * graph, const std::function<void()> & setInputs, bool abortable);

    DeviceInfo info() const;

private:
    ggml_backend_ptr cpu_;
    ggml_backend_ptr primary_; // empty when the CPU is the device
    bool primaryIsCpu_ = true;
    ggml_backend_sched_ptr sched_;
    ggml_backend_dev_t dev_ = nullptr;
    std::string backendName_;
    int threads_ = 1;
    std::map<std::string, int64_t> fallbackOps_;
    std::atomic<bool> abortable_{false};

    static bool abortCallback(void * data);
    // SQLSTILL_PROFILE_OPS=1: every node is computed alone and timed; the totals per op go to stderr at the end
    struct OpTime {
        int64_t count = 0;
        double seconds = 0;
    };
    std::map<std::string, OpTime> profile_;
    bool profiling_ = false;
    double profileMark_ = 0;
    static bool profileCallback(ggml_tensor * t, bool ask, void * data);
};

// True once the watched parent (watchParent) is gone; cheap enough to poll between graph ops.
bool parentGone();

} // namespace sqlstill
