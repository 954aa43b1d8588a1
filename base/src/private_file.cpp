#include "fax/base/private_file.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

namespace fax {
namespace {

std::string octal_mode(mode_t m) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0%03o", static_cast<unsigned>(m & 07777));
    return buf;
}

std::string user_text(uid_t uid) {
    std::string s = "uid " + std::to_string(uid);
    // getpwuid_r: the name only helps the reader; no name is fine.
    char buf[1024];
    struct passwd pw {};
    struct passwd* found = nullptr;
    if (::getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found != nullptr) s += " (" + std::string(pw.pw_name) + ")";
    return s;
}

// "data" and "data/" name the same directory; O_NOFOLLOW only looks at the last
// component, which a trailing slash would hide.
std::filesystem::path without_trailing_slash(const std::filesystem::path& p) {
    std::string s = p.string();
    while (s.size() > 1 && s.back() == '/') s.pop_back();
    return s;
}

Status verify_open_dir(int fd, const std::filesystem::path& dir, std::string_view what) {
    struct stat st {};
    if (::fstat(fd, &st) != 0)
        return fail(Errc::Io, std::string(what) + " " + dir.string() + ": cannot inspect it: " + std::strerror(errno));
    const uid_t me = ::geteuid();
    if (st.st_uid != me)
        return fail(Errc::InvalidInput, std::string(what) + " " + dir.string() + " is owned by " + user_text(st.st_uid) +
                                            ", not by the station's user " + user_text(me) + " (mode " +
                                            octal_mode(st.st_mode) + "); run the station as its owner, or `chown " +
                                            std::to_string(me) + " " + dir.string() + "` and `chmod 0700 " +
                                            dir.string() + "`");
    if ((st.st_mode & 077) != 0)
        return fail(Errc::InvalidInput, std::string(what) + " " + dir.string() + " has mode " + octal_mode(st.st_mode) +
                                            " (owner " + user_text(st.st_uid) +
                                            "): other accounts can reach the station's records; run `chmod 0700 " +
                                            dir.string() + "`");
    return {};
}

Result<UniqueFd> open_dir_nofollow(const std::filesystem::path& dir, std::string_view what) {
    UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (fd) return fd;
    const int e = errno;
    if (e == ENOENT) return fail(Errc::NotFound, std::string(what) + " " + dir.string() + " does not exist");
    // With O_DIRECTORY a symbolic link is ENOTDIR (ELOOP without it): tell them apart.
    struct stat st {};
    const bool link = e == ELOOP || (e == ENOTDIR && ::lstat(dir.c_str(), &st) == 0 && S_ISLNK(st.st_mode));
    if (link)
        return fail(Errc::InvalidInput, std::string(what) + " " + dir.string() +
                                            " is a symbolic link; the station never follows one to its files: "
                                            "configure the real directory instead");
    if (e == ENOTDIR)
        return fail(Errc::InvalidInput, std::string(what) + " " + dir.string() + " is not a directory");
    return fail(Errc::Io, std::string(what) + " " + dir.string() + ": cannot open it: " + std::strerror(e));
}

std::string random_suffix() {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string s;
    for (int i = 0; i < 10; ++i) s.push_back(kChars[rng() % (sizeof kChars - 1)]);
    return s;
}

}  // namespace

Status check_private_dir(const std::filesystem::path& dir_in, std::string_view what) {
    const auto dir = without_trailing_slash(dir_in);
    auto fd = open_dir_nofollow(dir, what);
    if (!fd) return fail(fd.take_error());
    return verify_open_dir(fd->get(), dir, what);
}

Status make_private_dir(const std::filesystem::path& dir_in, std::string_view what) {
    const auto dir = without_trailing_slash(dir_in);
    // Missing parents first, each 0700 (mkdir's mode; the umask can only take bits away).
    std::filesystem::path partial;
    for (const auto& part : dir.parent_path()) {
        partial /= part;
        if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST)
            return fail(Errc::Io, std::string(what) + " " + dir.string() + ": cannot create " + partial.string() + ": " +
                                      std::strerror(errno));
    }
    bool created = false;
    if (::mkdir(dir.c_str(), 0700) == 0) created = true;
    else if (errno != EEXIST)
        return fail(Errc::Io, std::string(what) + " " + dir.string() + ": cannot create it: " + std::strerror(errno));
    auto fd = open_dir_nofollow(dir, what);
    if (!fd) return fail(fd.take_error());
    if (created) {
        // A umask such as 0277 takes owner bits too: give the owner back what it needs.
        // This only ever narrows to 0700 a directory made here with no group/other bits.
        struct stat st {};
        if (::fstat(fd->get(), &st) == 0 && st.st_uid == ::geteuid() && (st.st_mode & 0777) != 0700)
            (void)::fchmod(fd->get(), 0700);
    }
    return verify_open_dir(fd->get(), dir, what);
}

Result<PrivateFile> PrivateFile::create(const std::filesystem::path& dir, const std::string& name) {
    if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
        return fail(Errc::InvalidArgument, "private file: not a plain file name");
    for (int attempt = 0; attempt < 16; ++attempt) {
        auto temp = dir / ("." + name + "." + random_suffix() + ".tmp");
        UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!fd) {
            if (errno == EEXIST) continue;
            return fail(errno == ENOENT ? Errc::NotFound : Errc::Io,
                        "cannot create a file in " + dir.string() + ": " + std::strerror(errno));
        }
        // The umask can only take bits away; make it exactly owner read/write.
        if (::fchmod(fd.get(), 0600) != 0) {
            const int e = errno;
            ::unlink(temp.c_str());
            return fail(Errc::Io, "cannot set the mode of a file in " + dir.string() + ": " + std::strerror(e));
        }
        return PrivateFile(std::move(fd), std::move(temp), dir / name);
    }
    return fail(Errc::Io, "cannot create a file in " + dir.string() + ": no free temporary name");
}

PrivateFile::PrivateFile(PrivateFile&& other) noexcept
    : fd_(std::move(other.fd_)), temp_(std::move(other.temp_)), final_(std::move(other.final_)), done_(other.done_) {
    other.done_ = true;
}

PrivateFile::~PrivateFile() {
    if (!done_) ::unlink(temp_.c_str());
}

Status PrivateFile::write_all(std::string_view data) {
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd_.get(), data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return fail(Errc::Io, final_.string() + ": cannot write: " + std::strerror(errno));
        done += static_cast<std::size_t>(n);
    }
    return {};
}

Status PrivateFile::commit() {
    if (done_) return fail(Errc::Internal, "private file: committed twice");
    if (::fsync(fd_.get()) != 0) return fail(Errc::Io, final_.string() + ": cannot flush: " + std::strerror(errno));
    if (::close(fd_.release()) != 0) return fail(Errc::Io, final_.string() + ": cannot close: " + std::strerror(errno));
    if (::rename(temp_.c_str(), final_.c_str()) != 0)
        return fail(Errc::Io, final_.string() + ": cannot move into place: " + std::strerror(errno));
    done_ = true;
    // The rename itself is durable once the directory is.
    auto parent = final_.parent_path();
    if (parent.empty()) parent = ".";
    UniqueFd d(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (d) (void)::fsync(d.get());
    return {};
}

Status write_private_file(const std::filesystem::path& target, std::string_view data) {
    auto dir = target.parent_path();
    if (dir.empty()) dir = ".";
    auto f = PrivateFile::create(dir, target.filename().string());
    if (!f) return fail(f.take_error());
    FAX_TRY(f->write_all(data));
    return f->commit();
}

}  // namespace fax
