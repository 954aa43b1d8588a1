#include "document_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace fax::t30 {

std::string limit_text(std::string_view what, std::string_view key, uint64_t limit) {
    return std::string(what) + " exceeds " + std::string(key) + " (" + std::to_string(limit) + ")";
}

bool is_limit_error(const Error& e) {
    return e.code == Errc::InvalidInput && e.message.find(" exceeds limits.") != std::string::npos;
}

Bitmap* DocumentPages::find(int number) {
    for (std::size_t i = 0; i < numbers.size(); ++i)
        if (numbers[i] == number) return &pages[i];
    return nullptr;
}

std::vector<int> normalise_selection(const std::vector<int>& wanted) {
    std::vector<int> w;
    for (int p : wanted)
        if (p >= 1) w.push_back(p);
    std::sort(w.begin(), w.end());
    w.erase(std::unique(w.begin(), w.end()), w.end());
    return w;
}

namespace detail {
namespace {

std::string kind_of(mode_t m) {
    if (S_ISFIFO(m)) return "a FIFO";
    if (S_ISDIR(m)) return "a directory";
    if (S_ISCHR(m)) return "a character device";
    if (S_ISBLK(m)) return "a block device";
    if (S_ISSOCK(m)) return "a socket";
    if (S_ISLNK(m)) return "a symbolic link";
    return "not a regular file";
}

Unexpected not_regular(const std::string& path, mode_t m) {
    return fail(Errc::InvalidInput, path + ": is " + kind_of(m) + ", not a regular file; give the document file itself");
}

}  // namespace

Result<DocumentFile> open_document_file(const std::string& path, const DocumentLimits& limits) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        const int err = errno;
        if (err == ENOENT || err == ENOTDIR) return fail(Errc::NotFound, path + ": no such file");
        return fail(Errc::Io, path + ": cannot open: " + std::strerror(err));
    }
    if (!S_ISREG(st.st_mode)) return not_regular(path, st.st_mode);
    // O_NONBLOCK: if the path was swapped for a FIFO since lstat, open() must not wait for a writer.
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
        const int err = errno;
        if (err == ENOENT) return fail(Errc::NotFound, path + ": no such file");
        if (err == ELOOP) return not_regular(path, S_IFLNK);
        return fail(Errc::Io, path + ": cannot open: " + std::strerror(err));
    }
    if (::fstat(fd.get(), &st) != 0) return fail(Errc::Io, path + ": cannot open: " + std::strerror(errno));
    if (!S_ISREG(st.st_mode)) return not_regular(path, st.st_mode);
    const int flags = ::fcntl(fd.get(), F_GETFL);
    if (flags >= 0) ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
    const auto size = static_cast<uint64_t>(st.st_size);
    if (size > limits.max_file_bytes)
        return fail(Errc::InvalidInput,
                    path + ": " + limit_text("a file of " + std::to_string(size) + " bytes", kLimitFileBytes,
                                             limits.max_file_bytes));
    DocumentFile f;
    f.fd = std::move(fd);
    f.size = size;
    return f;
}

double thread_cpu_seconds() {
    timespec ts{};
    if (::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace detail
}  // namespace fax::t30
