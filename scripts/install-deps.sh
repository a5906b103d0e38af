#!/bin/sh
# Installs every Debian package needed to build, test and run Vastsky.
set -eu
PKGS="build-essential cmake pkg-config libxmlrpc-core-c3-dev libcurl4-openssl-dev
libpq-dev libmicrohttpd-dev postgresql-15 libvirt-dev check tgt libiscsi-bin libiscsi-dev
python3 valgrind clang-format iproute2 debhelper lintian debootstrap clang
libclang-rt-14-dev wrk"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "installing:$missing" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
