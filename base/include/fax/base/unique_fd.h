// UniqueFd: the one owner of a POSIX file descriptor (STYLE.md §5: every C
// resource lives in an RAII owner). Move-only, like std::unique_ptr: moving
// hands the descriptor over, the destructor closes it.
#pragma once

#include <unistd.h>

#include <utility>

namespace fax {

class UniqueFd {
public:
    UniqueFd() noexcept = default;
    // Takes ownership of `fd` (-1 means "nothing").
    explicit UniqueFd(int fd) noexcept : fd_(fd) {}
    ~UniqueFd() { reset(); }

    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other) reset(other.release());
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;

    int get() const noexcept { return fd_; }
    bool is_valid() const noexcept { return fd_ >= 0; }
    explicit operator bool() const noexcept { return is_valid(); }

    // Gives the descriptor up without closing it; the caller now owns it.
    [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }

    // Closes the current descriptor (if any) and takes `fd`. close() is not
    // retried on EINTR: on Linux the descriptor is released even then, and a
    // retry could close a descriptor another thread has just been given.
    void reset(int fd = -1) noexcept {
        const int old = std::exchange(fd_, fd);
        if (old >= 0 && old != fd) ::close(old);
    }

private:
    int fd_ = -1;
};

}  // namespace fax
