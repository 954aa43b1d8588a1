#!/usr/bin/env bash
# Builds the release preset's tools and runs every benchmark suite of faxbench once:
# line time against the bound (in process), gate and audit throughput, page preparation
# against ghostscript and tiffcp, concurrent calls in real time, and line time against
# efax through faxsim in real time. Prints one table per suite and writes one JSON file.
#
#   scripts/bench.sh [OUT.json] [extra faxbench options...]    (default OUT: faxbench.json)
#
# Takes about 10-15 minutes (the efax and concurrency suites run in real time). The
# figures depend on the machine's load: each suite prints /proc/loadavg before and after,
# and the JSON keeps them. docs/benchmarks.md explains every column.
set -euo pipefail
cd "$(dirname "$0")/.."

out="${1:-faxbench.json}"
shift || true

./scripts/setup.sh
build=build/bench-rel
cmake --preset release -B "$build" -DFAX_TEST_DIRS="" >/dev/null
cmake --build "$build" --target faxbench faxsim

echo "bench: load average before: $(cat /proc/loadavg)"
"$build/tools/faxbench/faxbench" --suites all --json "$out" "$@"
echo "bench: load average after: $(cat /proc/loadavg)"
