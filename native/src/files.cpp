// Durable writes and small ggml helpers shared by the trainer, the export and the model loader.
#include "internal.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace sqlstill {

namespace {

void fsyncPath(const std::string & path) {
    const int fd = open(path.c_str(), O_RDONLY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

std::string dirOf(const std::string & path) {
    const size_t slash = path.find_last_of('/');
    return slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
}

} // namespace

void commitFile(const std::string & tmp, const std::string & path) {
    fsyncPath(tmp);
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        std::remove(tmp.c_str());
        throw NativeError("INTERNAL", "cannot move the output into place at " + path + ": " + std::strerror(err));
    }
    fsyncPath(dirOf(path));
}

void writeGgufDurably(const gguf_context * g, const std::string & path, const std::string & what) {
    const std::string tmp = path + ".tmp";
    FILE * f = std::fopen(tmp.c_str(), "wb");
    if (f == nullptr) throw NativeError("NOT_FOUND", "cannot write " + what + " " + path + ": " + std::strerror(errno));
    bool ok = gguf_write_to_file_ptr(g, f, false);
    ok = std::fflush(f) == 0 && ok;
    ok = fsync(fileno(f)) == 0 && ok; // durable before the rename makes it visible
    const int savedErrno = errno;
    ok = std::fclose(f) == 0 && ok;
    if (!ok) {
        std::remove(tmp.c_str());
        throw NativeError("INTERNAL", "cannot write " + what + " " + path + ": " + std::strerror(savedErrno));
    }
    commitFile(tmp, path);
}

size_t graphSizeFor(int nLayer) { return 4096 + static_cast<size_t>(nLayer) * 1024; }

ggml_context_ptr graphContext(size_t graphSize, bool grads) {
    ggml_init_params ip{};
    // every node may bring a few leaf/view tensors of its own
    ip.mem_size = ggml_tensor_overhead() * graphSize * 2 + ggml_graph_overhead_custom(graphSize, grads);
    ip.no_alloc = true;
    ggml_context_ptr ctx(ggml_init(ip));
    if (!ctx) throw NativeError("INTERNAL", "out of memory for a graph context");
    return ctx;
}

std::vector<uint8_t> tensorBytes(const ggml_tensor * t, size_t offset, size_t size) {
    std::vector<uint8_t> out(size);
    ggml_backend_tensor_get(t, out.data(), offset, size);
    return out;
}

} // namespace sqlstill
