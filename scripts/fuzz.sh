#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) and runs each for a bounded time over a
# scratch copy of its seed corpus (tests/fuzz/corpus/<target>/).
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     default: 30 s, every target
# FUZZ_SEED=N makes a run reproducible (libFuzzer -seed; 0, the default, picks one).
# A crash fails the script and leaves the input in build/fuzz/findings/<target>/; fix the
# bug, then copy the input into tests/fuzz/corpus/<target>/ so test_fuzz replays it forever.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
shift || true
./scripts/setup.sh
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j"$(nproc)"
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
  for d in tests/fuzz/corpus/*/; do targets+=("$(basename "$d")"); done
fi
failed=()
for t in "${targets[@]}"; do
  work="build/fuzz/work/$t"; findings="build/fuzz/findings/$t"
  rm -rf "$work"; mkdir -p "$work" "$findings"
  cp tests/fuzz/corpus/"$t"/* "$work"/
  # The document readers run under 512 MB (malloc and RSS): a reader that allocates before
  # it checks the limits is a finding (issue #14). The others keep 2 GB.
  rss=2048
  case "$t" in document_read|tiff_read) rss=512 ;; esac
  echo "fuzz: $t for ${seconds}s"
  if ! ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp" \
       "build/fuzz/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -rss_limit_mb="$rss" -timeout=20 \
       -seed="${FUZZ_SEED:-0}" -print_final_stats=1 -artifact_prefix="$findings/" "$work" > "build/fuzz/$t.log" 2>&1; then
    echo "fuzz: $t FOUND A CRASH (inputs in $findings/, log build/fuzz/$t.log)"
    tail -30 "build/fuzz/$t.log"
    failed+=("$t")
  else
    grep -E "^stat::number_of_executed_runs|^Done" "build/fuzz/$t.log" | tr '\n' ' '; echo
  fi
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: crashes in ${failed[*]}"
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, no crash"
