#!/usr/bin/env bash
# Installs what is needed, builds with a CMake preset and runs the test suites.
#   scripts/test.sh          every suite under AddressSanitizer + UndefinedBehaviorSanitizer
#                            (the README's test command; CI runs it)
#   scripts/test.sh debug    the same suites without sanitizers (quicker to build while working)
#   scripts/test.sh tsan     ThreadSanitizer on tests/job (concurrent writers on the stores)
# ctest runs 8 tests at once (the test presets): most of the suite's wall time is calls in
# real time on simulated lines, which wait on the clock, not on the CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-asan}"
./scripts/setup.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j"$(nproc)"
# setup.sh installed the PostgreSQL server: its suites (ctest -R postgres) start a
# throw-away cluster each and must not skip for want of one.
export FAXSTACK_REQUIRE_POSTGRES=1
ctest --preset "$preset"
