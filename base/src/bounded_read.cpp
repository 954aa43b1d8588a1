#include "fax/base/bounded_read.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "fax/base/unique_fd.h"

namespace fax {

Result<std::string> read_bounded_regular_file(const std::filesystem::path& path, std::size_t max_bytes,
                                              std::string_view what) {
    const std::string name = path.string();
    const std::string w(what);
    auto not_regular = [&] { return fail(Errc::InvalidInput, name + ": the " + w + " is not a regular file"); };
    auto too_large = [&] {
        return fail(Errc::InvalidInput, name + ": the " + w + " file is larger than " + std::to_string(max_bytes) + " bytes");
    };
    // A FIFO would block open() and a device may act on being opened: look first, and
    // open without blocking; fstat() then checks what was opened (it may have changed).
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        const int e = errno;
        return fail(e == ENOENT || e == ENOTDIR ? Errc::NotFound : Errc::Io, name + ": cannot open the " + w + " file");
    }
    if (!S_ISREG(st.st_mode)) return not_regular();
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
    if (!fd) return fail(errno == ENOENT ? Errc::NotFound : Errc::Io, name + ": cannot open the " + w + " file");
    if (::fstat(fd.get(), &st) != 0) return fail(Errc::Io, name + ": cannot read the " + w + " file");
    if (!S_ISREG(st.st_mode)) return not_regular();
    if (static_cast<unsigned long long>(st.st_size) > max_bytes) return too_large();
    std::string text;
    char buf[65536];
    while (true) {
        const ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail(Errc::Io, name + ": cannot read the " + w + " file");
        }
        if (n == 0) break;
        text.append(buf, static_cast<std::size_t>(n));
        if (text.size() > max_bytes) return too_large();  // grew while being read
    }
    return text;
}

}  // namespace fax
