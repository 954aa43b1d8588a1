// Private files and directories: everything the station writes holds records (who was
// sent what, the pages themselves), so it is the station user's alone from the moment it
// exists. Directories are made 0700 and files 0600 with their final mode at creation (no
// chmod afterwards, so there is no window in which another account can open them), never
// through a symbolic link, and a file appears under its final name only when complete
// (a private temporary name in the same directory, renamed into place).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "fax/base/result.h"
#include "fax/base/unique_fd.h"

namespace fax {

// Verifies an existing directory: a directory (a symbolic link is refused, not
// followed), owned by the effective user, with no group or other permission bits.
// `what` names it in the error ("data directory"). Errors: NotFound (absent),
// InvalidInput naming the directory, its owner and mode, and the command that fixes it.
Status check_private_dir(const std::filesystem::path& dir, std::string_view what);

// Creates `dir` (and any missing parents) with mode 0700 if absent, then verifies it as
// check_private_dir does: an existing directory is never chmod-ed, only refused.
Status make_private_dir(const std::filesystem::path& dir, std::string_view what);

// A file being written under a private temporary name in its final directory:
// "<dir>/.<name>.<random>.tmp", created O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC with mode
// 0600 (exactly, whatever the umask). commit() flushes it to disk and renames it over
// `dir/name` (rename replaces a symbolic link there; it never writes through one). Not
// committed, the temporary file is removed. The directory must be private already
// (make_private_dir): then no other account can reach the temporary name either, and a
// library that opens files by path (libtiff, cairo) may be handed temp_path() to write.
class PrivateFile {
public:
    static Result<PrivateFile> create(const std::filesystem::path& dir, const std::string& name);

    PrivateFile(PrivateFile&& other) noexcept;
    PrivateFile& operator=(PrivateFile&&) = delete;
    PrivateFile(const PrivateFile&) = delete;
    PrivateFile& operator=(const PrivateFile&) = delete;
    ~PrivateFile();

    int fd() const { return fd_.get(); }
    const std::filesystem::path& temp_path() const { return temp_; }
    const std::filesystem::path& final_path() const { return final_; }

    Status write_all(std::string_view data);
    // fsync, close, rename into place, fsync the directory.
    Status commit();

private:
    PrivateFile(UniqueFd fd, std::filesystem::path temp, std::filesystem::path final_path)
        : fd_(std::move(fd)), temp_(std::move(temp)), final_(std::move(final_path)) {}
    UniqueFd fd_;
    std::filesystem::path temp_;
    std::filesystem::path final_;
    bool done_ = false;
};

// `data` as `target`, mode 0600, through a PrivateFile in target's directory (which must
// exist; it is not checked for privacy: the caller decides what the directory may be).
Status write_private_file(const std::filesystem::path& target, std::string_view data);

}  // namespace fax
