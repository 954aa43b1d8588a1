#!/usr/bin/env bash
# The layering rules of the tree, checked on the sources (README "Layout"):
#   1. only ModemPort (station/core/src/modem_port.cpp) makes a transport or a session in
#      station/ and tools/: every program reaches a modem through it;
#   2. driver/ (below t30/) includes nothing of t30/, the station or the simulator, and
#      t30/ nothing of the station;
#   3. no SpanDSP header or T30_ERR_* code outside t30/ and firmware-host/ (the simulator's
#      own adapter);
#   4. faxd and faxctl are thin programs over station/: neither uses the other's code.
set -uo pipefail
shopt -s lastpipe  # report() runs in this shell, so its status counts
cd "$1"
status=0
report() {  # what, then the offending lines on stdin
  local lines
  lines=$(cat)
  if [ -n "$lines" ]; then
    echo "FAIL: $1"
    echo "$lines" | sed 's/^/  /'
    status=1
  fi
}
src() { grep -rnE --include='*.cpp' --include='*.h' "$@"; }

src -e 'SerialTransport[ ({<]|UsbTransport[ ({<]|open_candidate\(|FaxSession::(transmit|receive)\(|Class2Session::(transmit|receive)\(' \
    station tools | grep -v '^station/core/src/modem_port.cpp:' | grep -vE ':[0-9]+:\s*//' |
  report "a transport or a session made outside ModemPort"
src -e '#include "fax/(t30|gate|job|report|station|store|sim)/' driver |
  report "driver/ includes a layer above it"
src -e '#include "fax/(gate|job|report|station|store)/' t30 |
  report "t30/ includes the station"
src -e '#include <spandsp|#include "spandsp|T30_ERR_' base hal driver station tools |
  report "SpanDSP outside t30/ and firmware-host/"
{ src -e '#include "(commands|printer|transmit_ui|exit_codes)\.h"' tools/faxd; grep -n 'faxctl' tools/faxd/CMakeLists.txt; } |
  report "faxd uses faxctl's code"
{ src -e '#include ".*faxd' tools/faxctl; grep -n 'faxd' tools/faxctl/CMakeLists.txt; } |
  report "faxctl uses faxd's code"
[ "$status" -eq 0 ] && echo "PASS"
exit "$status"
