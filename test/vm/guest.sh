#!/bin/bash
# PID 1 of the vm-test guest (after /sbin/vas-vm-init mounted the shares):
# brings up what a Debian head/storage host has at boot - udev, the dm/md/
# iSCSI modules, iscsid with an initiator name, the loopback - then runs
# test/vm/scenario.py and powers off. No network card: everything talks
# over the guest's own 127.0.0.0/8.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
SRC=$(cd "$(dirname "$0")/../.." && pwd)
OUT=/vm-out

up() { cut -d' ' -f1 /proc/uptime; }
log() { echo "VAS-VM: [$(up)] $*"; }

finish() {
	log "scenario finished"
	mkdir -p "$OUT/logs"
	cp -r /var/tmp/vas-local/logs/. "$OUT/logs/" 2>/dev/null
	dmesg >"$OUT/logs/dmesg.txt" 2>/dev/null
	sync
	echo 1 >/proc/sys/kernel/sysrq
	echo o >/proc/sysrq-trigger
	sleep 10
}
trap finish EXIT

mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs run /run
mount -t tmpfs tmp /tmp
mount -t tmpfs shm /dev/shm
# The host's scratch disk (vm-test.sh) is /var/tmp: the cluster's disk
# files and database (vas-local.sh recreates /var/tmp/vas-local). The
# shares sit at the host's own paths; one under /var/tmp (a checkout
# there, as a CI clone may be) would be hidden by it, so those mounts are
# moved aside and back on top of it.
under=$(awk '$3 == "9p" && index($2, "/var/tmp/") == 1 {print $2}' /proc/mounts)
for d in $under; do
	mkdir -p "/mnt/keep$d" && mount --move "$d" "/mnt/keep$d"
done
mount -t ext4 /dev/vdb /var/tmp || log "no scratch disk: /var/tmp on the root image"
for d in $under; do
	mkdir -p "$d" && mount --move "/mnt/keep$d" "$d" || log "cannot put back $d"
done
mkdir -p /run/lock /run/udev /run/postgresql /var/tmp
chown postgres:postgres /run/postgresql 2>/dev/null
log "init: kernel $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ {print $2 / 1024 " MiB"}' /proc/meminfo)"
hostname vas-vm
ip link set lo up

# udevd for the devices made from here on (by-path links, dm and md
# rules); no coldplug: none of the boot's devices matter to the test, and
# replaying their events costs a minute on an emulated CPU.
/lib/systemd/systemd-udevd --daemon
for m in dm_mod dm_multipath dm_round_robin dm_snapshot raid1 md_mod iscsi_tcp loop; do
	modprobe "$m" || log "modprobe $m failed"
done
# Rebuilds are as fast as the emulated CPU allows.
echo 200000 >/proc/sys/dev/raid/speed_limit_min
echo 2000000 >/proc/sys/dev/raid/speed_limit_max

# open-iscsi as after a first boot: an initiator name, iscsid running. A
# lost session fails its I/O after 5 s (120 s by default), so md sees a
# dead storage server quickly - what a multipath setup configures anyway.
mkdir -p /etc/iscsi /run/lock/iscsi /var/lib/iscsi
echo "InitiatorName=$(iscsi-iname)" >/etc/iscsi/initiatorname.iscsi
sed -i 's/^node.session.timeo.replacement_timeout = .*/node.session.timeo.replacement_timeout = 5/' \
	/etc/iscsi/iscsid.conf
iscsid
log "udev, modules, iscsid up"

# VAS_VM_DEBUG: the daemons' logs reach the host while the guest runs.
if grep -q 'vas.debug=1' /proc/cmdline; then
	while sleep 15; do
		mkdir -p "$OUT/logs" && cp -r /var/tmp/vas-local/logs/. "$OUT/logs/" 2>/dev/null
		cp /proc/mdstat "$OUT/logs/mdstat.txt"
	done &
fi
python3 "$SRC/test/vm/scenario.py"
log "scenario exited $?"
