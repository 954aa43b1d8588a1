#!/usr/bin/env bash
# Installs what is needed, builds with a CMake preset and runs the test suites.
#   scripts/test.sh            debug preset
#   scripts/test.sh asan       AddressSanitizer + UndefinedBehaviorSanitizer
#   scripts/test.sh tsan       ThreadSanitizer (tests/job: concurrent writers on the stores)
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-debug}"
./scripts/setup.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j"$(nproc)"
ctest --preset "$preset" -j2
