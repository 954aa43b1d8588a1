#!/usr/bin/env bash
# Builds the release preset's tools and runs every benchmark suite of faxbench once:
# line time against the bound (in process), refused decisions and audit verification per
# second, page preparation against ghostscript and tiffcp, faxctl send to the first byte
# on the modem (faxctl and faxsim), concurrent calls in real time, line time against efax
# through faxsim in real time, and stations sharing one PostgreSQL server (on a throw-away
# server scripts/pg-scratch.sh starts here and stops at exit). Prints one table per suite
# and writes one JSON file.
#
#   scripts/bench.sh [OUT.json] [extra faxbench options...]    (default OUT: faxbench.json)
#
# Takes about 10-15 minutes (the efax and concurrency suites run in real time). The
# figures depend on the machine's load: each suite prints /proc/loadavg before and after,
# and the JSON keeps them. docs/benchmarks.md explains every column. Without the
# PostgreSQL server binaries the stations suite is skipped (it says why).
set -euo pipefail
cd "$(dirname "$0")/.."

out="${1:-faxbench.json}"
shift || true

./scripts/setup.sh
build=build/bench-rel
cmake --preset release -B "$build" -DFAX_TEST_DIRS="" >/dev/null
cmake --build "$build" --target faxbench faxsim faxctl

pg_dir=$(mktemp -d /tmp/faxbench-pg-XXXXXX)
trap './scripts/pg-scratch.sh stop "$pg_dir"' EXIT
pg=()
if url=$(./scripts/pg-scratch.sh start "$pg_dir"); then
    pg=(--pg-url "$url")
else
    echo "bench: no PostgreSQL server for the stations suite (see above); it is skipped"
fi

echo "bench: load average before: $(cat /proc/loadavg)"
"$build/tools/faxbench/faxbench" --suites all --line both --json "$out" "${pg[@]}" "$@"
echo "bench: load average after: $(cat /proc/loadavg)"
