#!/usr/bin/env bash
# Builds the Debian packages from this tree (debian/): faxstack (faxctl, faxd, their data,
# service account, data directory, udev rule, faxd.service, /etc/faxstack/faxstack.toml)
# and faxstack-sim (faxsim, faxbench, the ITU charts). The .debs land in build/package/.
# The build runs in a copy of the tree under build/package/src/, so nothing is written
# beside or outside the repository (dpkg-buildpackage puts its results in the parent).
#   scripts/package.sh            then: sudo scripts/package-check.sh (install, check, purge)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --packaging

version=$(dpkg-parsechangelog -S Version)
cmake_version=$(sed -n 's/^project(faxstack VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
if [ "$version" != "$cmake_version" ]; then
  echo "package: debian/changelog says $version but CMakeLists.txt says $cmake_version: make them agree" >&2
  exit 1
fi

out="$PWD/build/package"
rm -rf "$out"
src="$out/src/faxstack-$version"
mkdir -p "$src"
tar -C . --exclude=./build --exclude=./.git -cf - . | tar -C "$src" -xf -
(cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -us -uc -b)
mkdir -p "$out/dbgsym"
mv "$out"/src/*-dbgsym_*.deb "$out/dbgsym/"  # detached debug symbols, for a station's crash dumps
mv "$out"/src/*.deb "$out"/src/*.changes "$out"/src/*.buildinfo "$out"/
rm -rf "$out/src"
ls -l "$out"/*.deb "$out"/dbgsym/*.deb
