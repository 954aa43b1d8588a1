#!/usr/bin/env bash
# Installs what the project needs from Debian's packages, and never removes anything.
# Safe to run repeatedly. README.md ("Dependencies") says why each package is here.
#
#   scripts/setup.sh               build, test and run from the source tree (+ test peers)
#   scripts/setup.sh --packaging   also what scripts/package.sh needs (debhelper, lintian)
#   scripts/setup.sh --plan        say what would be installed or left out; change nothing
#
# Before installing, apt's resolver is asked what it would do (`apt-get -s`). A required
# package whose installation would remove an installed one (Debian declares hylafax-server
# in conflict with mgetty-fax, for instance) stops the set-up with a message naming both;
# an optional test peer that would remove something is left out, and the suites that use
# it skip with that reason. The install itself runs with --no-remove as a last guard.
# FAX_SETUP_ADMINDIR=DIR reads the installed-package state from DIR/status instead of
# dpkg's (tests/scripts use it to stage a station that runs HylaFAX).
set -euo pipefail

# What the programs need at run time beyond the shared libraries the -dev packages
# bring (the faxstack package's Depends: debian/control).
RUNTIME=(
  fonts-dejavu-core       # the cover sheet's and the transmission report's typeface
)
# What building from source needs.
BUILD=(
  build-essential cmake ninja-build pkg-config git
  ccache                  # compiler cache: rebuilds after a branch switch or a clean (CMake uses it when present)
  libspandsp-dev          # T.30, T.31 (t31 modem), V.17/V.29/V.27ter, T.4/T.6 codecs
  libtiff-dev             # fax page images in and out
  libusb-1.0-0-dev        # USB CDC-ACM and vendor-bulk modems (hal/)
  libsqlite3-dev          # recipient directory, audit trail, job queue (the embedded default store)
  libpq-dev               # the shared store: PostgreSQL's client library (docs/multi-station.md)
  libssl-dev              # SHA-256 (audit chain, page hashes), Ed25519 (signed audit checkpoints)
  libcli11-dev            # command-line parsing for the tools
  nlohmann-json3-dev      # release request files, --json output
  libsimdjson-dev         # audit trail verification: every stored body parsed and validated fast
  libtomlplusplus-dev     # configuration, policy and modem profile files
  libfreetype-dev         # cover sheet rendering
  libpoppler-cpp-dev      # PDF documents
  libqpdf-dev             # PDF pages that are one scanned image: read from the PDF's objects, not rasterised
  libcairo2-dev           # transmission reports: PNG and PDF confirmation pages
)
# What the suites and the demo need.
TEST=(
  libgtest-dev libgmock-dev  # test suites
  clang libclang-rt-14-dev   # the fuzz preset: libFuzzer and the sanitizer runtimes (scripts/fuzz.sh)
  libtiff-tools           # tiffcp: faxbench's TIFF reference; tiffinfo for looking at faxes
  netpbm                  # the demo's page images
  postgresql              # the PostgreSQL suites start a throw-away server (initdb + pg_ctl) of their own
)
# Independent programs the interoperability suites and faxbench talk to. Optional: one
# that cannot be installed without removing something is left out and its suites skip.
PEERS=(
  efax                    # independent Class 1 and Class 2.0 fax program (tests/integration, tests/interop)
  mgetty-fax              # sendfax: independent Class 2.0 sender (tests/interop); conflicts with hylafax-server
  ghostscript             # faxbench: PDF -> TIFF G4 reference for page preparation
  qpdf                    # tests: a password-protected PDF proves encrypted input is refused
  umockdev libumockdev-dev  # an emulated USB fax modem for the USB suites (tests/hal)
)
PACKAGING=(
  debhelper               # builds the .debs from debian/ (scripts/package.sh)
  lintian                 # checks them (scripts/package-check.sh)
)

mode=install
required=("${RUNTIME[@]}" "${BUILD[@]}" "${TEST[@]}")
for a in "$@"; do
  case "$a" in
    --packaging) required+=("${PACKAGING[@]}") ;;
    --plan) mode=plan ;;
    *) echo "setup: unknown option '$a' (--packaging, --plan)" >&2; exit 2 ;;
  esac
done

dpkg_opts=()
apt_opts=()
if [ -n "${FAX_SETUP_ADMINDIR:-}" ]; then
  dpkg_opts=(--admindir="$FAX_SETUP_ADMINDIR")
  apt_opts=(-o "Dir::State::status=$FAX_SETUP_ADMINDIR/status")
fi
SUDO=""
if [ "$(id -u)" -ne 0 ] && [ "$mode" = install ]; then SUDO="sudo"; fi

installed() {
  dpkg-query "${dpkg_opts[@]}" -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}
missing_of() {
  local p
  for p in "$@"; do installed "$p" || echo "$p"; done
}
# The packages apt would remove to install "$@" (empty: none).
removals_for() {
  apt-get "${apt_opts[@]}" -s -qq --no-install-recommends install "$@" 2>/dev/null \
    | sed -n 's/^Remv \([^ ]*\).*/\1/p' | sort -u | tr '\n' ' '
}

mapfile -t need < <(missing_of "${required[@]}")
mapfile -t peers < <(missing_of "${PEERS[@]}")
if [ "${#need[@]}" -eq 0 ] && [ "${#peers[@]}" -eq 0 ]; then
  echo "setup: all packages present"
  exit 0
fi
if [ "$mode" = install ] && [ -z "${FAX_SETUP_NO_UPDATE:-}" ]; then
  $SUDO apt-get update -qq
fi

if [ "${#need[@]}" -gt 0 ]; then
  gone=$(removals_for "${need[@]}")
  if [ -n "$gone" ]; then
    echo "setup: installing ${need[*]} would remove ${gone}(a declared conflict with what this machine has)." >&2
    echo "setup: nothing was installed or removed. The project needs those packages; decide yourself whether" >&2
    echo "setup: to remove ${gone}or to build on another machine." >&2
    exit 1
  fi
fi
take=("${need[@]}")
for p in "${peers[@]}"; do
  gone=$(removals_for "${take[@]}" "$p")
  if [ -n "$gone" ]; then
    echo "setup: leaving out $p: installing it would remove ${gone}(Debian declares them in conflict)." \
         "The suites that need $p skip and say so."
  else
    take+=("$p")
  fi
done

if [ "${#take[@]}" -eq 0 ]; then
  echo "setup: nothing to install"
  exit 0
fi
if [ "$mode" = plan ]; then
  echo "setup: would install ${take[*]}"
  exit 0
fi
echo "setup: installing ${take[*]}"
DEBIAN_FRONTEND=noninteractive $SUDO apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends --no-remove "${take[@]}"
