// One fuzz target = one function over a byte string. The same source builds two ways:
//  - with FAX_FUZZ_MAIN (the `fuzz` preset, clang -fsanitize=fuzzer): a libFuzzer
//    executable whose LLVMFuzzerTestOneInput calls the target;
//  - otherwise: a function registered with the corpus replay test (test_fuzz), which runs
//    every seed and every kept crash input under the normal and asan presets, so an input
//    that once crashed stays a regression test.
// Targets check their own properties with FAX_FUZZ_CHECK: a violated property aborts, which
// libFuzzer reports as a crash and the replay test as a failure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string_view>

namespace fax::fuzz {

using TargetFn = void (*)(std::span<const uint8_t>);

// Registers a target under its corpus name (tests/fuzz/corpus/<name>/).
bool register_target(std::string_view name, TargetFn fn);

[[noreturn]] inline void check_failed(const char* expr, const char* file, int line) {
    std::fprintf(stderr, "%s:%d: fuzz property violated: %s\n", file, line, expr);
    std::abort();
}

}  // namespace fax::fuzz

#define FAX_FUZZ_CHECK(cond) \
    ((cond) ? static_cast<void>(0) : ::fax::fuzz::check_failed(#cond, __FILE__, __LINE__))

#ifdef FAX_FUZZ_MAIN
#define FAX_FUZZ_TARGET(name)                                                           \
    static void fax_fuzz_##name(std::span<const uint8_t>);                              \
    extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {      \
        fax_fuzz_##name(std::span<const uint8_t>(data, size));                          \
        return 0;                                                                       \
    }                                                                                   \
    static void fax_fuzz_##name(std::span<const uint8_t> input)
#else
#define FAX_FUZZ_TARGET(name)                                                           \
    static void fax_fuzz_##name(std::span<const uint8_t>);                              \
    [[maybe_unused]] static const bool fax_fuzz_registered_##name =                     \
        ::fax::fuzz::register_target(#name, &fax_fuzz_##name);                          \
    static void fax_fuzz_##name(std::span<const uint8_t> input)
#endif
