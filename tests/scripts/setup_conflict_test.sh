#!/usr/bin/env bash
# scripts/setup.sh never removes a package: staged on a copy of this machine's dpkg state
# (FAX_SETUP_ADMINDIR), with apt's real resolver, in --plan mode (nothing is installed).
#   1. a station that runs HylaFAX: hylafax-server installed, mgetty-fax not. Debian
#      declares them in conflict, so setup leaves the test peer mgetty-fax out, says why,
#      and goes on (status 0).
#   2. an installed package that conflicts with a required one (netpbm): setup stops
#      (status 1) with a message naming both, and installs nothing.
# Exit 77 (skipped) where apt knows no hylafax-server (no package lists on this machine).
set -uo pipefail
repo="$1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! apt-cache show hylafax-server >/dev/null 2>&1; then
  echo "apt has no package lists with hylafax-server (run apt-get update): skipped"
  exit 77
fi

# dpkg's status file with the stanzas of $1 removed and stanza $2 added.
stage() {
  local dir="$1" drop="$2" add="$3"
  mkdir -p "$dir"
  awk -v RS= -v ORS='\n\n' -v drop="$drop" '$0 !~ ("(^|\n)Package: (" drop ")\n")' /var/lib/dpkg/status > "$dir/status"
  printf '%s\n\n' "$add" >> "$dir/status"
}
fail() { echo "FAIL: $*"; exit 1; }

stage "$work/hylafax" "mgetty-fax" "Package: hylafax-server
Status: install ok installed
Priority: optional
Section: comm
Maintainer: stand-in <nobody@example.org>
Architecture: $(dpkg --print-architecture)
Version: $(apt-cache show hylafax-server | sed -n 's/^Version: //p' | head -1)
$(apt-cache show hylafax-server | grep -m1 '^Conflicts: ')
Description: stand-in for an installed HylaFAX server (its real Conflicts: field)"
out=$(FAX_SETUP_ADMINDIR="$work/hylafax" "$repo/scripts/setup.sh" --plan 2>&1); rc=$?
echo "$out"
[ "$rc" -eq 0 ] || fail "a conflicting test peer must not stop the set-up (status $rc)"
grep -q "leaving out mgetty-fax: installing it would remove hylafax-server" <<<"$out" || fail "mgetty-fax not left out with its reason"
grep -q "would install.*mgetty-fax" <<<"$out" && fail "mgetty-fax planned although it would remove hylafax-server"

stage "$work/blocker" "netpbm" "Package: faxstack-test-blocker
Status: install ok installed
Priority: optional
Section: misc
Maintainer: stand-in <nobody@example.org>
Architecture: all
Version: 1.0
Conflicts: netpbm
Description: stand-in for an installed package that conflicts with a required one"
out=$(FAX_SETUP_ADMINDIR="$work/blocker" "$repo/scripts/setup.sh" --plan 2>&1); rc=$?
echo "$out"
[ "$rc" -eq 1 ] || fail "a conflicting required package must stop the set-up with status 1 (got $rc)"
grep -q "installing .*netpbm.* would remove faxstack-test-blocker" <<<"$out" || fail "the message does not name both packages"
grep -q "would install" <<<"$out" && fail "a plan was made although a required package conflicts"
echo "PASS"
