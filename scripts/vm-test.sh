#!/bin/bash
# Runs Vastsky on a real kernel: a Debian 12 QEMU guest (TCG, no network
# card) boots with this build tree shared read-only over 9p, starts the
# whole cluster inside with scripts/vas-local.sh (device_backend = kernel:
# open-iscsi, dm, multipath, md) and runs test/vm/scenario.py, each step
# checked against the kernel's own view. One PASS/FAIL line per step, then
# "N passed, M failed"; exit 0 only when nothing failed, 77 (one line) when
# QEMU cannot start at all.
#   vm-test.sh [run] | image | clean
# Environment: VAS_BUILD_DIR (build/release), VAS_VM_DIR (/var/tmp/vas-vm:
# cached image, run logs), VAS_VM_TIMEOUT (guest wall time, 2700 s),
# VAS_VM_MEM (3072 MiB), VAS_VM_STEPS (only the scenario steps whose names
# start so, comma separated: "create,data,kill hsvr"), VAS_VM_DEBUG=1 (the
# head agent logs at DEBUG), VAS_VM_CHAP=1 (the cluster runs with
# iscsi_chap on, plus the "chap" step), VAS_VM_MIRROR (Debian mirror;
# default: apt's sources).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${VAS_BUILD_DIR:-$ROOT/build/release}" 2>/dev/null && pwd) ||
	BUILD=${VAS_BUILD_DIR:-$ROOT/build/release}
D=${VAS_VM_DIR:-/var/tmp/vas-vm}
TMO=${VAS_VM_TIMEOUT:-2700}
MEM=${VAS_VM_MEM:-3072}
SUITE=bookworm
# What the guest needs besides the libraries of our binaries (added below).
BASE_PKGS="linux-image-amd64 udev kmod procps iproute2 e2fsprogs python3
mdadm dmsetup multipath-tools open-iscsi tgt postgresql-15 util-linux"

say() { echo "vm-test: $*" >&2; }
now() { date +%s; }

# QEMU cannot run here: one line, exit 77 (ctest: skipped).
skip() {
	echo "vm-test: SKIP: $*"
	exit 77
}

host_tools() {
	command -v qemu-system-x86_64 >/dev/null && command -v debootstrap >/dev/null &&
		command -v mke2fs >/dev/null && return 0
	local t
	t=$(now)
	say "installing qemu-system-x86, debootstrap, e2fsprogs"
	if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends qemu-system-x86 debootstrap e2fsprogs >/dev/null; }; then
		command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86 cannot be installed"
		return 1
	fi
	say "host tools installed in $(($(now) - t)) s"
}

# Debian packages holding the shared libraries our programs load.
lib_pkgs() {
	local bins=() f
	for f in sm/vas_sm agents/hsvr/hsvr_agent agents/hsvr/hsvr_reporter \
		agents/ssvr/ssvr_agent agents/ssvr/ssvr_reporter cli/vas; do
		[ -x "$BUILD/$f" ] && bins+=("$BUILD/$f")
	done
	[ ${#bins[@]} -gt 0 ] || { say "no binaries in $BUILD (build first)"; exit 1; }
	ldd "${bins[@]}" | awk '$3 ~ /^\// {print $3}' | sort -u |
		xargs -r readlink -f | xargs -r dpkg -S 2>/dev/null |
		sed 's/:.*//; s/,.*//' | sort -u | tr '\n' ' '
}

mirror() {
	[ -n "${VAS_VM_MIRROR:-}" ] && { echo "$VAS_VM_MIRROR"; return; }
	local u
	u=$(awk '/^URIs:/ {for (i = 2; i <= NF; i++) if ($i ~ /\/debian\/?$/) {print $i; exit}}' \
		/etc/apt/sources.list.d/*.sources 2>/dev/null || true)
	[ -z "$u" ] && u=$(grep -hE '^deb +(\[[^]]*\] +)?https?://\S+/debian/? ' \
		/etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		head -1 | sed -E 's/^deb +(\[[^]]*\] +)?//' | awk '{print $1}')
	[ -n "$u" ] || { say "no Debian mirror in the apt sources; set VAS_VM_MIRROR"; exit 1; }
	echo "$u"
}

# The guest's PID 1 as baked into the image: mounts the shares at the
# host's own paths (so every absolute path of the build works) and hands
# over to test/vm/guest.sh from the source share.
stub_init() {
	cat <<'EOF'
#!/bin/sh
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mount -o remount,rw /
for m in 9pnet_virtio 9p; do modprobe $m; done
for arg in $(cat /proc/cmdline); do
	case $arg in
	vas.src=*) src=${arg#*=} ;;
	vas.build=*) build=${arg#*=} ;;
	esac
done
for s in src:$src:ro build:$build:ro out:/vm-out:rw; do
	tag=${s%%:*} rest=${s#*:} dir=${rest%:*} mode=${rest##*:}
	mkdir -p "$dir"
	mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,$mode "$tag" "$dir" ||
		echo "VAS-VM: cannot mount $tag at $dir"
done
[ -x "$src/test/vm/guest.sh" ] || { echo "VAS-VM: no $src/test/vm/guest.sh"; echo o >/proc/sysrq-trigger; }
exec "$src/test/vm/guest.sh"
EOF
}

# Slims a fresh rootfs: no docs, locales, firmware, sound/gpu/media/
# wireless drivers; no PostgreSQL cluster of the package's own.
slim_rootfs() {
	local r=$1 k
	rm -rf "$r"/usr/share/doc/* "$r"/usr/share/man/* "$r"/usr/share/locale/* \
		"$r"/usr/share/info/* "$r"/var/cache/apt/archives/*.deb \
		"$r"/var/lib/apt/lists/* "$r"/usr/lib/firmware "$r"/lib/firmware \
		"$r"/var/lib/postgresql/15/main "$r"/etc/postgresql/15/main "$r"/boot/initrd.img-*
	for k in "$r"/usr/lib/modules/*/kernel; do
		rm -rf "$k"/sound "$k"/drivers/gpu "$k"/drivers/media \
			"$k"/drivers/net/wireless "$k"/drivers/infiniband \
			"$k"/drivers/staging "$k"/drivers/bluetooth "$k"/net/wireless \
			"$k"/net/bluetooth "$k"/drivers/usb "$k"/drivers/hid \
			"$k"/drivers/input/joystick "$k"/drivers/isdn
	done
	stub_init >"$r/sbin/vas-vm-init"
	chmod 755 "$r/sbin/vas-vm-init"
	echo vas-vm >"$r/etc/hostname"
	printf '127.0.0.1 localhost vas-vm\n' >"$r/etc/hosts"
}

# pg_template ROOT: an initdb'd PostgreSQL data directory in the image
# (/var/lib/vas-vm/pgdata), made with the host's initdb of the same major
# version as vas_sm makes it; the guest copies it instead of running
# initdb, which takes minutes on an emulated CPU. Without PostgreSQL 15 on
# the host the guest runs initdb itself.
pg_template() {
	local r=$1 bin=/usr/lib/postgresql/15/bin tmp own
	if [ ! -x "$bin/initdb" ] || [ ! -x "$r$bin/postgres" ] || ! id postgres >/dev/null 2>&1; then
		say "no PostgreSQL 15 on this host: the guest will run initdb"
		return 0
	fi
	tmp=$(mktemp -d /var/tmp/vas-vm-pg.XXXXXX)
	chown postgres "$tmp"
	if ! runuser -u postgres -- env LC_ALL=C "$bin/initdb" -D "$tmp/data" -A trust \
		-U vas -E UTF8 --no-instructions >"$tmp.log" 2>&1; then
		cat "$tmp.log" >&2
		rm -rf "$tmp" "$tmp.log"
		say "initdb failed: the guest will run initdb"
		return 0
	fi
	own=$(awk -F: '$1 == "postgres" {print $3 ":" $4}' "$r/etc/passwd")
	mkdir -p "$r/var/lib/vas-vm"
	cp -a "$tmp/data" "$r/var/lib/vas-vm/pgdata"
	chown -R "$own" "$r/var/lib/vas-vm/pgdata"
	rm -rf "$tmp" "$tmp.log"
}

# small_initrd ROOT OUT: the guest's initramfs, a few MiB: a static /init
# (test/vm/initrd_init.c) and the modules of the root disk, dependencies
# first (test/vm/mkinitrd.py). Debian's (133 MiB, udev coldplug) costs
# half a minute of boot on an emulated CPU.
small_initrd() {
	local r=$1 out=$2 kdir m d mods=() seen=" "
	kdir=$(ls -d "$r"/usr/lib/modules/* | sort -V | tail -1)
	for m in crypto/crc32c_generic fs/ext4/ext4 drivers/block/virtio_blk \
		drivers/virtio/virtio_pci; do
		for d in $(awk -v m="kernel/$m.ko:" '$1 == m {
			for (i = NF; i > 1; i--) print $i; print substr($1, 1, length($1) - 1) }' \
			"$kdir/modules.dep"); do
			case $seen in *" $d "*) continue ;; esac
			seen="$seen$d "
			mods+=("$kdir/$d")
		done
	done
	[ ${#mods[@]} -ge 8 ] || { say "modules for the initrd not found in $kdir"; return 1; }
	cc -static -Os -Wall -Wextra -Werror -o "$out.init" "$ROOT/test/vm/initrd_init.c" &&
		python3 "$ROOT/test/vm/mkinitrd.py" "$out" "$out.init" "${mods[@]}"
	local rc=$?
	rm -f "$out.init"
	return $rc
}

# image: debootstrap + slim + mke2fs, cached under $D/image-<key>; the key
# covers the package list and this recipe, nothing else.
image() {
	local pkgs key dir t m
	pkgs=$(echo "$BASE_PKGS $(lib_pkgs)" | tr ' \n' '\n\n' | sed '/^$/d' | sort -u | tr '\n' ',')
	pkgs=${pkgs%,}
	key=$( (echo "$SUITE $pkgs"; declare -f stub_init slim_rootfs pg_template small_initrd image
		cat "$ROOT/test/vm/initrd_init.c" "$ROOT/test/vm/mkinitrd.py") | sha256sum | cut -c1-16)
	dir=$D/image-$key
	IMG=$dir/root.img
	if [ -f "$dir/ok" ]; then
		say "image cached: $dir"
		return 0
	fi
	mkdir -p "$D"
	# Other keys' images stay (another tree may be using one); the two
	# newest of them are kept.
	ls -dt "$D"/image-* 2>/dev/null | tail -n +3 | xargs -r rm -rf
	rm -rf "$dir"
	mkdir -p "$dir"
	m=$(mirror)
	t=$(now)
	say "building the guest image (debootstrap $SUITE from $m) ..."
	if ! debootstrap --variant=minbase --include="$pkgs" "$SUITE" "$dir/root" "$m" \
		>"$dir/debootstrap.log" 2>&1; then
		tail -20 "$dir/debootstrap.log" >&2
		say "debootstrap failed: $dir/debootstrap.log"
		exit 1
	fi
	slim_rootfs "$dir/root"
	pg_template "$dir/root"
	cp "$(ls "$dir"/root/boot/vmlinuz-* | sort -V | tail -1)" "$dir/vmlinuz"
	small_initrd "$dir/root" "$dir/initrd" || { say "cannot make the initrd"; exit 1; }
	mke2fs -q -t ext4 -L vasroot -d "$dir/root" "$IMG.tmp" 6G >/dev/null
	mv "$IMG.tmp" "$IMG"
	rm -rf "$dir/root"
	echo "$pkgs" >"$dir/ok"
	say "image built in $(($(now) - t)) s ($(du -sh "$IMG" | cut -f1) used)"
}

# cpu_s PID: CPU seconds a process has used (user + system).
cpu_s() {
	awk -v hz="$(getconf CLK_TCK)" '{printf "%d", ($14 + $15) / hz}' "/proc/$1/stat" 2>/dev/null
}

# CPU seconds of QEMU, the child of the timeout process $1; fails when gone
# (the callers keep their last figure then).
qemu_cpu_s() {
	local q
	q=$(pgrep -P "$1" | head -1)
	[ -n "$q" ] && cpu_s "$q"
}

# The guest's serial console, followed while it runs: step lines pass
# through as they come, each PASS/FAIL with the CPU seconds QEMU used for
# it and the host's load: on a shared host the wall time says little, the
# CPU time is what the step costs (2 quiet cores: wall >= CPU / 2).
follow() {
	local log=$1 pid=$2 line prev=0 now c
	tail -n +1 -F "$log" 2>/dev/null --pid="$pid" |
		grep --line-buffered -aE '^(PASS|FAIL|INFO) |^VAS-VM: ' |
		while IFS= read -r line; do
			line=${line%$'\r'}
			case $line in
			PASS* | FAIL*)
				now=$prev
				c=$(qemu_cpu_s "$pid") && now=$c
				line="$line [qemu $((now - prev)) CPU-s, load $(cut -d' ' -f1 /proc/loadavg)]"
				prev=$now
				;;
			esac
			echo "$line"
		done
}

run() {
	local run out log t rc acc steps=${VAS_VM_STEPS:-}
	image
	run=$D/run-$(date +%Y%m%d-%H%M%S)-$$
	out=$run/out
	log=$run/console.log
	mkdir -p "$out"
	chmod 777 "$out"
	ln -sfn "$run" "$D/last"
	# The last three runs' logs stay, and any of the last two hours (a
	# run of another tree may still be writing there).
	local old
	for old in $(ls -d "$D"/run-* 2>/dev/null | sort | head -n -3); do
		if [ -n "$(find "$old" -maxdepth 0 -mmin +120)" ]; then rm -rf "$old"; fi
	done
	acc=(-accel tcg,thread=multi -cpu max)
	# The cluster's disk files and database on a disk of their own, sparse
	# on the host and gone with the run: resyncs write whole legs, which
	# would fill the root image (and its copy-on-write overlay).
	truncate -s 64G "$run/scratch.img"
	mke2fs -q -t ext4 -L vasscratch -E lazy_itable_init=1,lazy_journal_init=1 \
		"$run/scratch.img" >/dev/null
	t=$(now)
	say "booting (TCG, $MEM MiB, 2 CPUs, no NIC) -> $log"
	set +e
	TMPDIR=$run timeout --kill-after=10 "$TMO" qemu-system-x86_64 "${acc[@]}" \
		-m "$MEM" -smp 2 -nographic -nodefaults -serial stdio -nic none \
		-no-reboot -snapshot \
		-kernel "$(dirname "$IMG")/vmlinuz" -initrd "$(dirname "$IMG")/initrd" \
		-append "root=/dev/vda rw console=ttyS0 panic=-1 quiet init=/sbin/vas-vm-init vas.src=$ROOT vas.build=$BUILD vas.steps=${steps// /_} vas.debug=${VAS_VM_DEBUG:-} vas.chap=${VAS_VM_CHAP:-}" \
		-drive file="$IMG",format=raw,if=virtio,cache=unsafe \
		-drive file="$run/scratch.img",format=raw,if=virtio,cache=unsafe,snapshot=off \
		-virtfs local,path="$ROOT",mount_tag=src,security_model=none,readonly=on \
		-virtfs local,path="$BUILD",mount_tag=build,security_model=none,readonly=on \
		-virtfs local,path="$out",mount_tag=out,security_model=none \
		</dev/null >"$log" 2>&1 &
	local qpid=$!
	follow "$log" "$qpid" &
	local fpid=$!
	# QEMU's CPU time (the child of timeout), read before it is reaped.
	local cpu=0 c
	while kill -0 "$qpid" 2>/dev/null; do
		c=$(qemu_cpu_s "$qpid") && cpu=$c
		sleep 1
	done
	wait "$qpid"
	rc=$?
	wait "$fpid" 2>/dev/null
	rm -f "$run/scratch.img"
	set -e
	say "guest ended after $(($(now) - t)) s, $cpu CPU-s (qemu exit $rc, load now $(cut -d' ' -f1-3 /proc/loadavg)); logs in $run"
	# grep on the file itself: under pipefail, `tr | grep -q` fails when
	# grep quits before tr has written all (SIGPIPE) - a passing run was
	# once reported as "QEMU did not start". Lines end in \r, not begin.
	if ! grep -aq 'VAS-VM: ' "$log"; then
		grep -aiE 'qemu|error' "$log" | head -3 >&2
		skip "QEMU did not start a guest here (exit $rc): see $log"
	fi
	summary "$log" "$rc" "$out"
}

# summary LOG QEMU_RC OUT: "N passed, M failed" from the step lines.
summary() {
	local log=$1 rc=$2 out=$3 np nf
	np=$(grep -ac '^PASS ' "$log" || true)
	nf=$(grep -ac '^FAIL ' "$log" || true)
	if ! grep -aq 'VAS-VM: .*scenario finished' "$log"; then
		echo "FAIL guest: scenario did not finish (qemu exit $rc, timeout ${TMO}s?); end of console:"
		tr -d '\r' <"$log" | tail -15 | sed 's/^/    /'
		nf=$((nf + 1))
	elif ! grep -aq 'VAS-VM: .*scenario exited 0' "$log" || [ "$np" -eq 0 ]; then
		# A scenario that could not start (no steps) is no pass.
		echo "FAIL guest: the scenario ran no step or did not exit 0; end of console:"
		tr -d '\r' <"$log" | tail -15 | sed 's/^/    /'
		nf=$((nf + 1))
	fi
	[ -d "$out/logs" ] && say "daemon logs: $out/logs"
	echo "$np passed, $nf failed"
	[ "$nf" -eq 0 ]
}

case ${1:-run} in
run)
	host_tools || exit 1
	run
	;;
image)
	host_tools || exit 1
	image
	;;
clean) rm -rf "$D" ;;
*)
	echo "usage: $0 [run|image|clean]" >&2
	exit 2
	;;
esac
