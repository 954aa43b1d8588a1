#!/usr/bin/env bash
# Installs everything the project needs to build, test and run from Debian's
# packages. Safe to run repeatedly. README.md says why each package is here.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libspandsp-dev          # T.30, T.31 (t31 modem), V.17/V.29/V.27ter, T.4/T.6 codecs
  libtiff-dev libtiff-tools  # fax page images in and out
  libusb-1.0-0-dev        # USB CDC-ACM modems (hal/)
  libsqlite3-dev          # recipient directory and audit trail
  libssl-dev              # SHA-256 for the audit hash chain and page hashes
  libcli11-dev            # command-line parsing for the tools
  nlohmann-json3-dev      # release request files, --json output
  libsimdjson-dev         # audit trail verification: every stored body parsed and validated fast
  libtomlplusplus-dev     # configuration files
  libfreetype-dev fonts-dejavu-core  # cover sheet rendering
  libpoppler-cpp-dev      # PDF documents
  qpdf                    # tests: makes a password-protected PDF to prove encrypted input is refused
  libcairo2-dev           # transmission reports: PNG and PDF confirmation pages
  libgtest-dev libgmock-dev  # test suites
  clang libclang-rt-14-dev   # the fuzz preset: libFuzzer and the sanitizer runtimes (scripts/fuzz.sh)
  efax                    # independent Class 1 fax program for interoperability tests
  ghostscript             # faxbench: PDF -> TIFF G4 reference for page preparation (docs/benchmarks.md)
  mgetty-fax              # sendfax: independent Class 2.0 fax sender for tests/interop (Class 2.0 modem)
  netpbm                  # pbm tools used by the README demo
  umockdev libumockdev-dev  # emulated USB CDC-ACM modem (sysfs + usbdevfs ioctls) for the hal USB tests
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all packages present"
fi
