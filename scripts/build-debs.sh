#!/bin/sh
# Builds the Debian packages (debian/, dpkg-buildpackage + debhelper) from a
# clean copy of this source tree and leaves them in OUTDIR (default
# build/debs): vastsky-{common,sm,ssvr,hsvr,cli} and their -dbgsym.
# Extra arguments go to dpkg-buildpackage (e.g. -j1).
set -eu
cd "$(dirname "$0")/.."
src=$PWD
out=${1:-build/debs}
[ $# -gt 0 ] && shift
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/vas-debs.XXXXXX")
trap 'rm -rf "$work"' EXIT
# The files git knows (committed or not, never build trees), else all.
mkdir "$work/vastsky"
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$src" ls-files -z -co --exclude-standard |
		(cd "$src" && xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh) |
		tar -C "$src" --null -T - -cf - | tar -C "$work/vastsky" -xf -
else
	tar -C "$src" --exclude='./build*' -cf - . | tar -C "$work/vastsky" -xf -
fi
cd "$work/vastsky"
DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:+$DEB_BUILD_OPTIONS }parallel=$(nproc 2>/dev/null || echo 2)" \
	dpkg-buildpackage -b -uc -us "$@" >"$work/build.log" 2>&1 || {
	tail -n 60 "$work/build.log" >&2
	echo "build-debs: dpkg-buildpackage failed" >&2
	exit 1
}
rm -f "$out"/*.deb "$out"/*.changes "$out"/*.buildinfo
mv "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo "$out"/
cp "$work/build.log" "$out/build.log"
ls "$out"
