// Backends and devices. The CPU backend lives in one of several libggml-cpu-<variant>.so files next to libggml; ggml
// picks the best one for this CPU when asked to load everything from that directory (SQLSTILL_GGML_CPU_VARIANT
// loads a named one instead, so tests can run on another kernel variant). GPU backends (libggml-vulkan.so,
// libggml-cuda.so, Metal) are loaded by path from node-llama-cpp's GPU packages; they link the same libggml-base.
#include "device.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>
#ifdef __linux__
#include <signal.h>
#include <sys/prctl.h>
#endif

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>
#include <mutex>
#include <set>
#include <thread>

namespace sqlstill {

namespace {

std::string g_libDir;
std::mutex g_loadMutex;
std::set<std::string> g_loadedLibraries;
std::atomic<int> g_watchedParent{0};

std::string dirOfLibrary(const void * symbol) {
    Dl_info info{};
    if (dladdr(symbol, &info) == 0 || info.dli_fname == nullptr) return "";
    char resolved[PATH_MAX];
    std::string path = realpath(info.dli_fname, resolved) != nullptr ? resolved : info.dli_fname;
    const size_t slash = path.rfind('/');
    return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

template <typename Fn>
Fn cpuProc(const char * name) {
    ggml_backend_dev_t dev = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU);
    if (dev == nullptr) return nullptr;
    return reinterpret_cast<Fn>(ggml_backend_reg_get_proc_address(ggml_backend_dev_backend_reg(dev), name));
}

// Ops that only reinterpret memory: they run nowhere, so they never count as falling back.
bool isViewOp(const ggml_tensor * t) {
    switch (t->op) {
        case GGML_OP_NONE:
        case GGML_OP_VIEW:
        case GGML_OP_RESHAPE:
        case GGML_OP_PERMUTE:
        case GGML_OP_TRANSPOSE: return true;
        default: return false;
    }
}

ggml_backend_dev_t pickDevice(const std::string & backend) {
    const std::string want = lower(backend);
    if (want == "cpu") return ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU);
    std::string available;
    for (size_t i = 0; i < ggml_backend_dev_count(); i++) {
        ggml_backend_dev_t d = ggml_backend_dev_get(i);
        const std::string reg = lower(ggml_backend_reg_name(ggml_backend_dev_backend_reg(d)));
        const std::string name = lower(ggml_backend_dev_name(d));
        const bool gpu = ggml_backend_dev_type(d) == GGML_BACKEND_DEVICE_TYPE_GPU || ggml_backend_dev_type(d) == GGML_BACKEND_DEVICE_TYPE_IGPU;
        available += (available.empty() ? "" : ", ") + std::string(ggml_backend_dev_name(d));
        if (want == "auto" && gpu) return d;
        if (want == name || (gpu && want == reg)) return d;
    }
    if (want == "auto") return ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU);
    throw NativeError("UNSUPPORTED", "no ggml device matches '" + backend + "' (available: " + available +
                                         "); is the backend's library loaded and a driver installed?");
}

} // namespace

void ensureBackends() {
    static std::once_flag once;
    std::call_once(once, [] {
        g_libDir = dirOfLibrary(reinterpret_cast<const void *>(&ggml_backend_load_all_from_path));
        // node-llama-cpp may share this process (and these very libraries); loading twice would register the CPU
        // backend twice, so only load when no CPU device is registered yet.
        if (ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU) != nullptr) return;
        const char * variant = std::getenv("SQLSTILL_GGML_CPU_VARIANT");
        if (variant != nullptr && *variant != '\0') {
            const std::string lib = g_libDir + "/libggml-cpu-" + variant + ".so";
            if (ggml_backend_load(lib.c_str()) == nullptr) {
                throw NativeError("UNSUPPORTED", "cannot load the CPU variant " + lib + " (SQLSTILL_GGML_CPU_VARIANT)");
            }
            return;
        }
        ggml_backend_load_all_from_path(g_libDir.empty() ? nullptr : g_libDir.c_str());
    });
    if (ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU) == nullptr) {
        throw NativeError("UNSUPPORTED", "no ggml CPU backend could be loaded from " + g_libDir);
    }
}

void loadBackendLibrary(const std::string & path) {
    ensureBackends();
    std::lock_guard<std::mutex> lock(g_loadMutex);
    char resolved[PATH_MAX];
    const std::string key = realpath(path.c_str(), resolved) != nullptr ? std::string(resolved) : path;
    if (g_loadedLibraries.count(key) != 0) return;
    if (access(key.c_str(), R_OK) != 0) throw NativeError("NOT_FOUND", "backend library not found: " + path);
    if (ggml_backend_load(key.c_str()) == nullptr) {
        const char * err = dlerror();
        throw NativeError("UNSUPPORTED", "cannot load the ggml backend " + path + (err != nullptr ? std::string(": ") + err : std::string()));
    }
    g_loadedLibraries.insert(key);
}

void watchParent(int parentPid) {
    g_watchedParent.store(parentPid > 0 ? parentPid : 0);
#ifdef __linux__
    // The kernel tells us at once when the parent dies; the JS host turns SIGTERM into a checkpoint and an exit.
    prctl(PR_SET_PDEATHSIG, parentPid > 0 ? SIGTERM : 0);
#endif
}

bool parentGone() {
    const int parent = g_watchedParent.load(std::memory_order_relaxed);
    if (parent == 0) return false;
    // getppid is a cheap syscall, but ggml asks after every node: look at most every 20 ms
    using Clock = std::chrono::steady_clock;
    static thread_local Clock::time_point lastCheck{};
    static thread_local bool lastAnswer = false;
    const Clock::time_point now = Clock::now();
    if (now - lastCheck < std::chrono::milliseconds(20)) return lastAnswer;
    lastCheck = now;
    lastAnswer = getppid() != parent;
    return lastAnswer;
}

int defaultThreads() {
    const unsigned hw = std::thread::hardware_concurrency();
    return hw == 0 ? 1 : static_cast<int>(hw);
}

GgmlInfo ggmlInfo() {
    ensureBackends();
    GgmlInfo info;
    for (size_t i = 0; i < ggml_backend_reg_count(); i++) info.backends.push_back(ggml_backend_reg_name(ggml_backend_reg_get(i)));
    for (size_t i = 0; i < ggml_backend_dev_count(); i++) {
        ggml_backend_dev_t d = ggml_backend_dev_get(i);
        info.devices.push_back(std::string(ggml_backend_dev_name(d)) + ": " + ggml_backend_dev_description(d));
    }
    info.nThreads = defaultThreads();
    info.libDir = g_libDir;
    return info;
}

Device::Device(const std::string & backend, int threads, size_t maxGraphNodes) {
    ensureBackends();
    ggml_backend_dev_t cpuDev = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU);
    cpu_.reset(ggml_backend_dev_init(cpuDev, nullptr));
    if (!cpu_) throw NativeError("INTERNAL", "failed to initialise the ggml CPU backend");
    dev_ = pickDevice(backend);
    primaryIsCpu_ = dev_ == cpuDev;
    if (!primaryIsCpu_) {
        primary_.reset(ggml_backend_dev_init(dev_, nullptr));
        if (!primary_) throw NativeError("UNSUPPORTED", std::string("failed to initialise the ggml device ") + ggml_backend_dev_name(dev_));
    }
    backendName_ = lower(ggml_backend_reg_name(ggml_backend_dev_backend_reg(dev_)));
    setThreads(threads > 0 ? threads : defaultThreads());
    using SetAbort = void (*)(ggml_backend_t, ggml_abort_callback, void *);
    if (auto setAbort = cpuProc<SetAbort>("ggml_backend_set_abort_callback")) setAbort(cpu_.get(), &Device::abortCallback, this);

    ggml_backend_t backends[2];
    int n = 0;
    if (primary_) backends[n++] = primary_.get();
    backends[n++] = cpu_.get(); // the scheduler's last backend must be the CPU
    sched_.reset(ggml_backend_sched_new(backends, nullptr, n, maxGraphNodes, false, false));
    if (!sched_) throw NativeError("INTERNAL", "failed to create the ggml scheduler");
    const char * profile = std::getenv("SQLSTILL_PROFILE_OPS");
    // Mesa's software Vulkan driver (lavapipe, Mesa 22.3: what runs ggml's Vulkan backend on a machine without a GPU,
    // for tests) corrupts its heap, at random, when our backward graphs run as whole command buffers; one node at a
    // time (the scheduler's eval callback synchronizes after each) it runs them correctly. Its speed means nothing.
    const bool softwareVulkan = backendName_ == "vulkan" && std::strstr(ggml_backend_dev_description(dev_), "llvmpipe") != nullptr;
    if ((profile != nullptr && *profile != '\0' && *profile != '0') || softwareVulkan) {
        profiling_ = profile != nullptr && *profile != '\0' && *profile != '0';
        ggml_backend_sched_set_eval_callback(sched_.get(), &Device::profileCallback, this);
    }
}

namespace {
double nowSeconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
} // namespace

bool Device::profileCallback(ggml_tensor * t, bool ask, void * data) {
    Device * self = static_cast<Device *>(data);
    if (!self->profiling_) return true; // one node at a time, nothing timed
    if (ask) {
        self->profileMark_ = nowSeconds();
        return true; // compute this node alone, then tell us
    }
    std::string key = ggml_op_desc(t);
    if (t->src[0] != nullptr && (t->op == GGML_OP_MUL_MAT || t->op == GGML_OP_OUT_PROD || t->op == GGML_OP_GET_ROWS)) {
        char shape[160];
        const ggml_tensor * a = t->src[0];
        const ggml_tensor * b = t->src[1];
        std::snprintf(shape, sizeof shape, " %s [%lld,%lld,%lld] x [%lld,%lld,%lld]%s", ggml_type_name(a->type), (long long)a->ne[0], (long long)a->ne[1],
                      (long long)a->ne[2], (long long)b->ne[0], (long long)b->ne[1], (long long)b->ne[2], ggml_is_contiguous(b) ? "" : " nc");
        key += shape;
    }
    OpTime & o = self->profile_[key];
    o.count++;
    o.seconds += nowSeconds() - self->profileMark_;
    return true;
}

Device::~Device() {
    if (profile_.empty()) return;
    std::vector<std::pair<std::string, OpTime>> rows(profile_.begin(), profile_.end());
    std::sort(rows.begin(), rows.end(), [](const auto & a, const auto & b) { return a.second.seconds > b.second.seconds; });
    double total = 0;
    for (const auto & r : rows) total += r.second.seconds;
    std::fprintf(stderr, "sqlstill op profile (%.2f s in ops):\n", total);
    for (const auto & r : rows) std::fprintf(stderr, "  %-28s %8lld nodes %9.3f s %5.1f%%\n", r.first.c_str(), static_cast<long long>(r.second.count), r.second.seconds, 100 * r.second.seconds / total);
}

bool Device::abortCallback(void * data) {
    const Device * self = static_cast<const Device *>(data);
    return self->abortable_.load(std::memory_order_relaxed) && parentGone();
}

ggml_backend_buffer_type_t Device::buft() const { return ggml_backend_dev_buffer_type(dev_); }

void Device::setThreads(int threads) {
    threads_ = std::max(1, threads);
    using SetThreads = void (*)(ggml_backend_t, int);
    if (auto set = cpuProc<SetThreads>("ggml_backend_set_n_threads")) set(cpu_.get(), threads_);
}

void Device::compute(ggml_cgraph * graph, const std::function<void()> & setInputs, bool abortable) {
    if (abortable && parentGone()) throw NativeError("CANCELLED", "the parent process went away");
    // Accumulate every matrix product in F32: GPU backends may otherwise accumulate in F16, an error gradients of
    // small LoRA updates should not carry. (Operands may still be converted: Vulkan multiplies F32 weights as F16 and
    // quantizes activations for quantized weights, see test/native/gpu.test.ts.) The CPU ignores it.
    for (int i = 0; i < ggml_graph_n_nodes(graph); i++) {
        ggml_tensor * node = ggml_graph_node(graph, i);
        if (node->op != GGML_OP_MUL_MAT) continue;
        ggml_prec_set_acc(node, GGML_PREC_F32);
    }
    ggml_backend_sched_reset(sched_.get());
    if (!ggml_backend_sched_alloc_graph(sched_.get(), graph)) {
        throw NativeError("INTERNAL", std::string("out of memory allocating a graph on ") + ggml_backend_dev_name(dev_));
    }
    if (!primaryIsCpu_) {
        for (int i = 0; i < ggml_graph_n_nodes(graph); i++) {
            ggml_tensor * node = ggml_graph_node(graph, i);
            if (isViewOp(node)) continue;
            if (ggml_backend_sched_get_tensor_backend(sched_.get(), node) == cpu_.get()) fallbackOps_[ggml_op_desc(node)]++;
        }
    }
    if (setInputs) setInputs();
    abortable_.store(abortable);
    const ggml_status status = ggml_backend_sched_graph_compute(sched_.get(), graph);
    abortable_.store(false);
    if (status == GGML_STATUS_ABORTED) throw NativeError("CANCELLED", "the parent process went away");
    if (status != GGML_STATUS_SUCCESS) {
        throw NativeError("INTERNAL", std::string("graph compute failed on ") + ggml_backend_dev_name(dev_) + " (status " + std::to_string(status) + ")");
    }
}

DeviceInfo Device::info() const {
    DeviceInfo di;
    di.backend = backendName_;
    di.name = ggml_backend_dev_name(dev_);
    di.description = ggml_backend_dev_description(dev_);
    ggml_backend_dev_memory(dev_, &di.memoryFree, &di.memoryTotal);
    di.threads = threads_;
    di.fallbackOps = fallbackOps_;
    return di;
}

} // namespace sqlstill
