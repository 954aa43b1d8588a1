#!/usr/bin/env bash
# The main job, end to end, on the embedded defaults (README, first command):
#
#   simulated Class 1 modem --- simulated exchange --- simulated receiving fax terminal
#        ^ faxctl (the station)                          (faxsim)
#
#   1. install what is needed (scripts/setup.sh), configure and build the release preset;
#   2. start faxsim with a modem on a pty and a fax machine answering the number of the
#      directory entry that examples/request-treatment.json names;
#   3. import examples/directory.json into a fresh data directory and verify that entry
#      (test fax, then the telephone confirmation);
#   4. `faxctl check` the treatment request (cleared) and the attorney request (refused,
#      with the Release of Information referral);
#   5. `faxctl send` the treatment request; `faxctl audit verify`;
#   6. show where the received fax is, and its page 1 (the rendered cover) as a PNG.
#
# Everything lives in a temporary work directory (printed at the end, kept for you to
# look at). The documents are synthetic pages made here: no patient data anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# Runs faxctl, showing the command line; the exit status is the caller's to check.
ctl() {
  printf '$ faxctl %s\n' "$*"
  "$faxctl" --config "$work/faxstack.toml" "$@"
}
expect_status() {  # expected actual what
  if [ "$2" -ne "$1" ]; then
    echo "demo: $3 exited $2, expected $1" >&2
    exit 1
  fi
}

say "setup and build (release preset)"
./scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release
faxctl=$root/build/release/tools/faxctl/faxctl
faxsim=$root/build/release/tools/faxsim/faxsim
faxd=$root/build/release/tools/faxd/faxd

work=$(mktemp -d "${TMPDIR:-/tmp}/faxstack-demo.XXXXXX")
faxsim_pid=""
stop_faxsim() {
  if [ -n "$faxsim_pid" ]; then
    kill -INT "$faxsim_pid" 2>/dev/null || true
    wait "$faxsim_pid" 2>/dev/null || true
    faxsim_pid=""
  fi
}
trap stop_faxsim EXIT
trap 'exit 130' INT TERM

entry=kp-cardiology-seattle  # the recipient of examples/request-treatment.json
dial=12065550142              # what the modem dials for its fax number, 206-555-0142
staff=(--staff-id E104233 --staff-name "Dana Whitfield")

say "work directory $work"
# The request files, verbatim; their documents (relative paths) next to them. Where the
# examples ship no documents, synthetic pages are made with netpbm.
mkdir -p "$work/requests/documents" "$work/rx"
cp examples/request-treatment.json examples/request-refused-attorney.json "$work/requests/"
make_doc() {  # name title pages
  local name=$1 title=$2 pages=$3 out="$work/requests/documents/$1" i
  if [ -f "examples/documents/$name" ]; then cp "examples/documents/$name" "$out"; return; fi
  rm -f "$out"
  for i in $(seq 1 "$pages"); do
    printf '%s\n' "SYNTHETIC DEMO DOCUMENT - NO PATIENT DATA" "" "$title" "page $i of $pages" |
      pbmtext -builtin fixed | pamenlarge 3 | pnmpad -white -left 120 -top 160 |
      pnmpad -white -width 1728 -height 2200 -halign 0 -valign 0 >"$work/page.pbm"
    pnmtotiff -g4 -xresolution 204 -yresolution 196 $([ "$i" -gt 1 ] && echo -append) \
      -output "$out" "$work/page.pbm"
  done
  rm -f "$work/page.pbm"
}
make_doc discharge-summary.tif "Discharge summary" 2
make_doc lab-results.tif "Laboratory results" 3

cat >"$work/faxstack.toml" <<TOML
format = "faxstack-config/1"
[station]
data_dir = "data"
ident = "+1 206 555 0199"
[modem]
device = "$work/modem"
flow_control = "software"
[cover]
zone_label = "UTC"
utc_offset = "Z"
[sender]
name = "Dana Whitfield"
department = "Health Information Management - Release of Information"
phone = "206-555-0100"
fax = "206-555-0199"
TOML
echo "configuration: $work/faxstack.toml"

say "faxsim: a modem at $work/modem, a fax machine answering $dial"
"$faxsim" --modem "$work/modem=5551001" --receiver "$dial=$work/rx" >"$work/faxsim.log" 2>&1 &
faxsim_pid=$!
for _ in $(seq 1 300); do
  grep -q "faxsim: ready" "$work/faxsim.log" 2>/dev/null && break
  kill -0 "$faxsim_pid" 2>/dev/null || { cat "$work/faxsim.log" >&2; exit 1; }
  sleep 0.1
done
grep -q "faxsim: ready" "$work/faxsim.log" || { echo "demo: faxsim did not start" >&2; exit 1; }
cat "$work/faxsim.log"

say "the recipient directory"
ctl directory import examples/directory.json
# faxsim's fax machines identify themselves (CSI) by their line number; the seed file
# expects the real station's "+1 206 555 0142". Adopt what the simulated station sends.
ctl directory set-csi "$entry" "$dial" --staff-id E104233 >/dev/null

say "verify $entry: 1. the cover-only test fax"
ctl directory test-fax "$entry" "${staff[@]}"
say "verify $entry: 2. the recipient confirmed receipt by telephone"
ctl directory confirm "$entry" "${staff[@]}" --contact "Front desk, Capitol Hill Cardiology"

say "check the treatment request (a dry run: decided and recorded, nothing sent)"
status=0; ctl check "$work/requests/request-treatment.json" || status=$?
expect_status 0 "$status" "check of the treatment request"

say "check the attorney request (refused: not a situation the policy allows)"
status=0; ctl check "$work/requests/request-refused-attorney.json" || status=$?
expect_status 3 "$status" "check of the attorney request"

say "send the treatment request"
status=0; ctl send "$work/requests/request-treatment.json" || status=$?
expect_status 0 "$status" "send of the treatment request"

say "the station way: queue the same request, let the daemon (faxd) send it"
status=0; ctl send --queue "$work/requests/request-treatment.json" || status=$?
expect_status 0 "$status" "queueing of the treatment request"
ctl queue
status=0; "$faxd" --config "$work/faxstack.toml" --exit-when-idle -v 2>"$work/faxd.log" || status=$?
expect_status 0 "$status" "faxd"
grep -E "attempt|ended|queued" "$work/faxd.log" || true
job=$(ctl --json queue --all | sed -n 's/.*"job_id":"\([^"]*\)".*"state":"done".*/\1/p' | head -1)
[ -n "$job" ] || { echo "demo: the queued job was not delivered" >&2; cat "$work/faxd.log" >&2; exit 1; }
ctl status "$job"

say "the audit trail"
ctl audit verify
ctl directory list

stop_faxsim
say "what the fax machine received"
received=$(ls "$work"/rx/*.tif | sort -V | tail -1)  # NUMBER-<n>.tif: the last call
tiffinfo "$received" 2>/dev/null | grep -c "TIFF Directory" | sed 's/^/pages: /'
tifftopnm "$received" 2>/dev/null | pnmtopng >"$work/cover.png"
echo "received fax:           $received"
echo "its page 1 (the cover): $work/cover.png"
echo "faxsim's call log:      $work/faxsim.log"
echo "station data:           $work/data (directory.db, audit.db)"
