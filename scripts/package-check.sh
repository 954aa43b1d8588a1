#!/usr/bin/env bash
# Installs the packages scripts/package.sh built (dpkg -i), checks them as a station
# would use them, runs lintian, and purges them again. Needs root (CI runs it).
#   - the service account, the data directory 0700, the conffile, the unit
#     (systemd-analyze verify) and the udev rule are where the package says;
#   - every program answers --version with the project's version;
#   - `faxctl check` run as the service account against the installed configuration and
#     policy refuses a request the policy does not allow, with the Release of Information
#     referral, and creates its stores privately in /var/lib/faxstack;
#   - lintian finds no error or warning (debian/*.lintian-overrides explain any override);
#   - purge removes the programs and the configuration; the data directory is kept
#     (it holds the audit trail: removing a package must not destroy records).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then echo "package-check: run as root (it installs packages)" >&2; exit 2; fi
shopt -s nullglob
debs=(build/package/*.deb)
if [ "${#debs[@]}" -ne 2 ]; then echo "package-check: expected two .debs in build/package (scripts/package.sh)" >&2; exit 1; fi
version=$(dpkg-parsechangelog -S Version)
fail() { echo "package-check: FAIL: $*" >&2; exit 1; }
step() { echo "package-check: $*"; }

# A station that already has a data directory keeps it; a fresh one gets the package's.
fresh_data=0
[ -e /var/lib/faxstack ] || fresh_data=1

step "dpkg -i ${debs[*]}"
dpkg -i "${debs[@]}"
cleanup() {
  dpkg --purge faxstack-sim faxstack >/dev/null 2>&1 || true
  if [ "$fresh_data" -eq 1 ]; then rm -rf /var/lib/faxstack; fi
  rm -rf "${work:-}"
}
trap cleanup EXIT

step "service account, data directory, conffile, unit, udev rule"
id faxstack >/dev/null || fail "no faxstack user after install (sysusers.d)"
[ "$(stat -c '%a %U %G' /var/lib/faxstack)" = "700 faxstack faxstack" ] ||
  fail "/var/lib/faxstack is $(stat -c '%a %U %G' /var/lib/faxstack), want 700 faxstack faxstack"
dpkg-query -W -f='${Conffiles}\n' faxstack | grep -q ' /etc/faxstack/faxstack.toml ' ||
  fail "/etc/faxstack/faxstack.toml is not a conffile"
[ -f /lib/udev/rules.d/60-faxstack.rules ] || fail "no udev rule"
systemd-analyze verify /lib/systemd/system/faxd.service
for p in /lib/systemd/system/faxd.service; do
  for key in NoNewPrivileges=yes ProtectSystem=strict ReadWritePaths=/var/lib/faxstack DevicePolicy=closed \
             User=faxstack UMask=0077; do
    grep -qx "$key" "$p" || fail "$p lacks $key"
  done
done

step "--version"
for t in faxctl faxd faxsim faxbench; do
  out=$("/usr/bin/$t" --version)
  [ "$out" = "$t $version" ] || fail "$t --version printed '$out', want '$t $version'"
  echo "  $out"
done

step "faxctl check as the service account, installed configuration and policy"
work=$(mktemp -d)
chmod 0755 "$work"
cp /usr/share/doc/faxstack/examples/request-refused-attorney.json "$work/request.json"
chmod 0644 "$work/request.json"
set +e
out=$(cd / && runuser -u faxstack -- faxctl --config /etc/faxstack/faxstack.toml check "$work/request.json" 2>&1)
rc=$?
set -e
echo "$out" | sed 's/^/  /'
[ "$rc" -eq 3 ] || fail "faxctl check exited $rc, want 3 (refused)"
for n in 866-656-4184 877-848-6896 509-241-7824 855-414-1751 "Release of Information"; do
  grep -q "$n" <<<"$out" || fail "the refusal does not give '$n'"
done
grep -q "MRN-0000-DEMO" <<<"$out" && fail "the member reference was printed"
for db in audit.db directory.db; do
  [ "$(stat -c '%U %a' "/var/lib/faxstack/$db")" = "faxstack 600" ] ||
    fail "/var/lib/faxstack/$db is $(stat -c '%U %a' "/var/lib/faxstack/$db"), want faxstack 600"
done
runuser -u faxstack -- faxctl --config /etc/faxstack/faxstack.toml audit verify >/dev/null ||
  fail "the audit trail of that decision does not verify"
runuser -u faxstack -- faxsim --help >/dev/null

step "lintian"
lintian --fail-on error,warning --display-info "${debs[@]}"

step "purge"
dpkg --purge faxstack-sim faxstack
for f in /usr/bin/faxctl /usr/bin/faxd /usr/bin/faxsim /usr/bin/faxbench /etc/faxstack/faxstack.toml \
         /lib/systemd/system/faxd.service; do
  [ ! -e "$f" ] || fail "$f is still there after purge"
done
[ -d /var/lib/faxstack ] || fail "purge removed the data directory (it holds the audit trail)"
step "ok"
