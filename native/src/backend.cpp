// Backend bootstrap: the CPU backend lives in one of several libggml-cpu-<variant>.so files next to libggml; ggml picks
// the best one for this CPU when asked to load everything from that directory.
#include "internal.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>

#include <mutex>
#include <thread>

namespace sqlstill {

static std::string g_libDir;

static std::string dirOfLibrary(const void * symbol) {
    Dl_info info{};
    if (dladdr(symbol, &info) == 0 || info.dli_fname == nullptr) return "";
    char resolved[PATH_MAX];
    std::string path = realpath(info.dli_fname, resolved) != nullptr ? resolved : info.dli_fname;
    const size_t slash = path.rfind('/');
    return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

void ensureBackends() {
    static std::once_flag once;
    std::call_once(once, [] {
        g_libDir = dirOfLibrary(reinterpret_cast<const void *>(&ggml_backend_load_all_from_path));
        // node-llama-cpp may share this process (and these very libraries); loading twice would register the CPU
        // backend twice, so only load when no CPU device is registered yet.
        if (ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU) == nullptr) {
            ggml_backend_load_all_from_path(g_libDir.empty() ? nullptr : g_libDir.c_str());
        }
    });
    if (ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU) == nullptr) {
        throw NativeError("UNSUPPORTED", "no ggml CPU backend could be loaded from " + g_libDir);
    }
}

int defaultThreads() {
    const unsigned hw = std::thread::hardware_concurrency();
    return hw == 0 ? 1 : static_cast<int>(hw);
}

BackendPtr makeCpuBackend(int nThreads) {
    ensureBackends();
    ggml_backend_dev_t dev = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU);
    ggml_backend_t backend = ggml_backend_dev_init(dev, nullptr);
    if (backend == nullptr) throw NativeError("INTERNAL", "failed to initialise the ggml CPU backend");
    auto setThreads = reinterpret_cast<ggml_backend_set_n_threads_t>(
        ggml_backend_reg_get_proc_address(ggml_backend_dev_backend_reg(dev), "ggml_backend_set_n_threads"));
    if (setThreads != nullptr) setThreads(backend, nThreads > 0 ? nThreads : defaultThreads());
    return BackendPtr(backend);
}

ggml_backend_buffer_type_t cpuBufferType() {
    ensureBackends();
    return ggml_backend_dev_buffer_type(ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU));
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

} // namespace sqlstill
