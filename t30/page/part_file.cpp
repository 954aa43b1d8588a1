#include "fax/t30/part_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

namespace fax::t30 {

namespace {

Unexpected io_error(const std::string& what, const std::string& path) {
    return fail(Errc::Io, what + " " + path + ": " + std::strerror(errno));
}

}  // namespace

PartFile::PartFile(std::string final_path, std::string part_path, UniqueFd fd, dev_t dev, ino_t ino)
    : final_path_(std::move(final_path)), part_path_(std::move(part_path)), fd_(std::move(fd)), dev_(dev), ino_(ino) {}

PartFile::PartFile(PartFile&& other) noexcept
    : final_path_(std::move(other.final_path_)),
      part_path_(std::move(other.part_path_)),
      fd_(std::move(other.fd_)),
      dev_(other.dev_),
      ino_(other.ino_),
      committed_(other.committed_),
      settled_(std::exchange(other.settled_, true)) {}

PartFile& PartFile::operator=(PartFile&& other) noexcept {
    if (this != &other) {
        discard();
        final_path_ = std::move(other.final_path_);
        part_path_ = std::move(other.part_path_);
        fd_ = std::move(other.fd_);
        dev_ = other.dev_;
        ino_ = other.ino_;
        committed_ = other.committed_;
        settled_ = std::exchange(other.settled_, true);
    }
    return *this;
}

PartFile::~PartFile() { discard(); }

Result<PartFile> PartFile::create(const std::string& final_path) {
    if (final_path.empty()) return fail(Errc::InvalidArgument, "no file name for the received fax");
    std::string part = final_path + ".part";
    // unlink() removes a symbolic link itself, never what it points to.
    if (::unlink(part.c_str()) != 0 && errno != ENOENT) return io_error("cannot remove the leftover", part);
    UniqueFd fd(::open(part.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd) return io_error("cannot create", part);
    // The umask can only take bits away: set exactly owner read/write (a umask such as
    // 0277 would otherwise leave a file the receiver cannot write).
    if (::fchmod(fd.get(), 0600) != 0) return io_error("cannot set the mode of", part);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return io_error("cannot stat", part);
    return PartFile(final_path, std::move(part), std::move(fd), st.st_dev, st.st_ino);
}

bool PartFile::still_ours() const {
    struct stat st {};
    if (::lstat(part_path_.c_str(), &st) != 0) return false;
    return S_ISREG(st.st_mode) && st.st_dev == dev_ && st.st_ino == ino_;
}

Status PartFile::commit() {
    if (committed_) return {};
    if (settled_) return fail(Errc::Io, part_path_ + " was already discarded");
    if (!still_ours()) return fail(Errc::Io, part_path_ + " is gone or was replaced while the fax was received");
    if (::rename(part_path_.c_str(), final_path_.c_str()) != 0) return io_error("cannot rename", part_path_);
    committed_ = true;
    settled_ = true;
    fd_.reset();
    return {};
}

void PartFile::discard() {
    if (settled_) return;
    if (still_ours()) ::unlink(part_path_.c_str());
    settled_ = true;
    fd_.reset();
}

}  // namespace fax::t30
