// Result<T>: a value or a typed Error, in the spirit of LLVM's Expected<T>
// (std::expected is C++23; this project is C++20).
#pragma once

#include <cassert>
#include <utility>
#include <variant>

#include "fax/base/error.h"

namespace fax {

struct Unexpected {
    Error error;
};

inline Unexpected fail(Errc code, std::string message) { return Unexpected{Error{code, std::move(message)}}; }
inline Unexpected fail(Error e) { return Unexpected{std::move(e)}; }

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(implicit)
    Result(Unexpected u) : v_(std::in_place_index<1>, std::move(u.error)) {}  // NOLINT(implicit)

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { assert(ok()); return std::get<0>(v_); }
    const T& value() const& { assert(ok()); return std::get<0>(v_); }
    T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const { assert(!ok()); return std::get<1>(v_); }
    Error&& take_error() { assert(!ok()); return std::get<1>(std::move(v_)); }

private:
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Unexpected u) : err_(std::move(u.error)), failed_(true) {}  // NOLINT(implicit)

    bool ok() const { return !failed_; }
    explicit operator bool() const { return ok(); }
    const Error& error() const { assert(failed_); return err_; }
    Error&& take_error() { assert(failed_); return std::move(err_); }

private:
    Error err_{Errc::Internal, {}};
    bool failed_ = false;
};

using Status = Result<void>;

}  // namespace fax

// Propagate an error from an expression returning Result<...>.
#define FAX_TRY(expr)                                              \
    do {                                                           \
        auto fax_try_r_ = (expr);                                  \
        if (!fax_try_r_.ok()) return ::fax::fail(fax_try_r_.take_error()); \
    } while (0)
