#!/bin/sh
# Runs a whole Vastsky cluster on this machine: installs what is missing,
# builds, starts vas_sm (embedded PostgreSQL), four storage servers on
# $NET.11-14 (ssvr_agent + tgtd + two sparse-file disks each) and a head
# server on $NET.21, waits until the disks are FREE, narrates a volume life
# cycle with the CLI and leaves the cluster running.
#   vas-local.sh [start] | up | stop | status [--watch]
# start replaces a running cluster; up is start without the narrated life
# cycle (returns once every disk is FREE).
# Environment: VAS_LOCAL_DIR (/var/tmp/vas-local), VAS_BUILD_DIR (skip the
# build, use these binaries), VAS_LOCAL_QUICK=1 (smaller disks, no
# narration), VAS_SM_PORT/VAS_SSVR_PORT/VAS_HSVR_PORT (8881/8883/8882),
# VAS_LOCAL_NET (127.0.0), VAS_TGT_CTL (10: tgtd control ports 11-14),
# VAS_HSVR_BACKEND (kernel|simulated; default: kernel if dm and md exist),
# VAS_LOCAL_DISK_SIZE (20G, quick 8G: each of the 8 sparse file disks),
# VAS_LOCAL_SM_CONF, VAS_LOCAL_SSVR_CONF, VAS_LOCAL_HSVR_CONF (extra
# "key = value" lines for that daemon's section, e.g. a test's timings),
# VAS_LOCAL_DISK_DM=1 (each disk file behind a loop device and a dm map
# /dev/mapper/vaslocal-<server>-<k>, so a test can fail it: kernel only),
# VAS_LOCAL_PG_TEMPLATE (an initdb'd data directory of the same PostgreSQL
# major, "-A trust -U vas -E UTF8": copied instead of vas_sm running
# initdb, which an emulated CPU takes minutes for).
# VAS_LOCAL_TLS=1 (every daemon, the CLI and the helpers speak HTTPS with
# client certificates of a CA made in $DIR/tls by scripts/vas-ca.sh; the CLI
# then needs --config $DIR/vas.conf, which holds [tls]), VAS_LOCAL_MANAGERS=2
# (a second vas_sm on 127.0.0.2 on the first one's database: one leads the
# background work, both serve; every host_list names both), VAS_LOCAL_CHAP=1
# (iscsi_chap = on: every login needs its target's CHAP secret, SECURITY.md).
#   vas-local.sh respawn KIND ADDR   starts KIND_agent on ADDR again
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DIR=${VAS_LOCAL_DIR:-/var/tmp/vas-local}
BUILD=${VAS_BUILD_DIR:-$ROOT/build/release}
SM_PORT=${VAS_SM_PORT:-8881}
SSVR_PORT=${VAS_SSVR_PORT:-8883}
HSVR_PORT=${VAS_HSVR_PORT:-8882}
NET=${VAS_LOCAL_NET:-127.0.0}
CTL=${VAS_TGT_CTL:-10}
QUICK=${VAS_LOCAL_QUICK:-}
NSSVR=4
HIP=$NET.21
IQN=2010-01.local.vastsky
TLS=${VAS_LOCAL_TLS:-}
export VAS_SM="127.0.0.1:$SM_PORT" PATH="$BUILD/cli:$PATH"
SM_HOSTS=127.0.0.1
if [ "${VAS_LOCAL_MANAGERS:-1}" = 2 ]; then
	SM_HOSTS=127.0.0.1,127.0.0.2
	VAS_SM="$VAS_SM,127.0.0.2:$SM_PORT"
fi
PY="$ROOT/scripts/vas_local.py"

die() {
	echo "vas-local: $*" >&2
	exit 1
}

# failed DAEMON-ADDR: the end of a daemon's log, then exit
failed() {
	tail -5 "$DIR/logs/$1.log" >&2
	die "$1 failed: see $DIR/logs/$1.log"
}

# daemon NAME ADDR CMD...: runs CMD in the background, logs/NAME-ADDR.log
daemon() {
	n=$1-$2
	shift 2
	"$@" >>"$DIR/logs/$n.log" 2>&1 &
	echo $! >"$DIR/run/$n.pid"
}

# agent_conf KIND ADDR PORT DIR <TEXT: an agent's config (manager, IQN
# prefix, its address, port and state), then TEXT in its section
agent_conf() {
	printf '[iscsi]\niqn_prefix = %s\n' "$IQN"
	printf '[storage_manager]\nhost_list = %s\nport = %s\n' "$SM_HOSTS" "$SM_PORT"
	printf 'shredder_count = 4\n[%s_agent]\nlisten_address = %s\n' "$1" "$2"
	printf 'ip_data = %s\nport = %s\nstate_dir = %s/state\n' "$2" "$3" "$4"
	cat
	tls_conf
}

# tls_conf: the [tls] section of every config (nothing without TLS)
tls_conf() {
	[ -n "$TLS" ] || return 0
	printf '[tls]\nca_file = %s/tls/ca.pem\n' "$DIR"
	printf 'cert_file = %s/tls/node.pem\nkey_file = %s/tls/node.key\n' "$DIR" "$DIR"
}

# cli CMD ARGS...: a CLI command; with TLS it reads [tls] from the config
cli() {
	c=$1
	shift
	if [ -n "$TLS" ]; then "$c" --config "$DIR/vas.conf" "$@"; else "$c" "$@"; fi
}

# agent_up KIND ADDR PORT CONF: KIND_agent as a daemon, answering
agent_up() {
	daemon "$1_agent" "$2" "$BUILD/agents/$1/$1_agent" --config "$4"
	"$PY" wait-port "$2" "$3" 120 || failed "$1_agent-$2"
}

# report KIND ADDR CONF: KIND_reporter once (registers with the manager)
report() {
	timeout 300 "$BUILD/agents/$1/$1_reporter" --config "$3" \
		>>"$DIR/logs/$1_reporter-$2.log" 2>&1 || failed "$1_reporter-$2"
}

# all_ok PID...: waits for every background job; fails if one failed
all_ok() {
	ok=0
	for p in "$@"; do wait "$p" || ok=1; done
	[ $ok -eq 0 ] || die "start-up failed (see above)"
}

# dm_disk FILE NAME: FILE behind a loop device and a dm linear map NAME
dm_disk() {
	loop=$(flock "$DIR/run/losetup.lock" losetup -f --show "$1") || die "losetup $1"
	echo "0 $(blockdev --getsz "$loop") linear $loop 0" | dmsetup create "$2" ||
		die "dmsetup create $2"
	echo "$loop" >"$DIR/run/dm-$2"
	echo "/dev/mapper/$2"
}

# halt PIDFILE [SIGNAL]: stops one daemon, bounded (60 s, then SIGKILL)
halt() {
	pid=$(cat "$1" 2>/dev/null) || return 0
	rm -f "$1"
	kill -"${2:-TERM}" "$pid" 2>/dev/null || return 0
	for _ in $(seq 300); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.2
	done
	kill -KILL "$pid" 2>/dev/null || true
}

stop() {
	[ -d "$DIR/run" ] || return 0
	for f in "$DIR"/run/hsvr_agent-*.pid "$DIR"/run/ssvr_agent-*.pid; do
		[ -f "$f" ] && halt "$f" &
	done
	wait
	# The second manager first: the first one's PostgreSQL stops with it.
	[ -f "$DIR/run/vas_sm-127.0.0.2.pid" ] && halt "$DIR/run/vas_sm-127.0.0.2.pid"
	[ -f "$DIR/run/vas_sm-127.0.0.1.pid" ] && halt "$DIR/run/vas_sm-127.0.0.1.pid"
	pg=$(head -1 "$DIR/sm/pg/postmaster.pid" 2>/dev/null) || pg=""
	[ -n "$pg" ] && kill -INT "$pg" 2>/dev/null && sleep 2
	for c in "$DIR"/ssvr*/ctl; do
		[ -f "$c" ] || continue
		ctl=$(cat "$c")
		for tid in $(tgtadm -C "$ctl" --lld iscsi --op show --mode target 2>/dev/null |
			sed -n 's/^Target \([0-9]*\):.*/\1/p'); do
			tgtadm -C "$ctl" --lld iscsi --op delete --force --mode target --tid "$tid" || true
		done
	done
	for f in "$DIR"/run/tgtd-*.pid; do
		[ -f "$f" ] && halt "$f" KILL & # tgtd ignores SIGTERM with targets
	done
	wait
	for m in "$DIR"/run/dm-*; do
		[ -f "$m" ] || continue
		dmsetup remove "$(basename "$m" | cut -c4-)" 2>/dev/null
		losetup -d "$(cat "$m")" 2>/dev/null
	done
	rm -rf "$DIR/run"
	echo "local cluster in $DIR stopped"
}

# step TEXT CMD...: runs one life-cycle step, shows its output and time
step() {
	what=$1
	shift
	t0=$(date +%s%N)
	if [ -n "$QUICK" ]; then
		"$@" >>"$DIR/logs/cli.log" 2>&1 || die "step '$what' failed: see $DIR/logs/cli.log"
	else
		printf '\n== %s\n$ %s\n' "$what" "$*"
		"$@" || die "step '$what' failed"
	fi
	ms=$((($(date +%s%N) - t0) / 1000000))
	printf 'step %-28s ok %d.%03d s\n' "$what" $((ms / 1000)) $((ms % 1000)) |
		tee -a "$DIR/timings"
}

case "${1:-start}" in
stop)
	stop
	exit 0
	;;
status)
	exec "$PY" status "$DIR" "${2:-}"
	;;
respawn)
	conf=$(grep -l "^listen_address = ${3:-}\$" "$DIR"/*/vas.conf | head -1)
	[ -n "$conf" ] || die "no $2 agent on ${3:-} in $DIR"
	daemon "$2_agent" "$3" "$BUILD/agents/$2/$2_agent" --config "$conf"
	exec "$PY" wait-port "$3" "$(sed -n 's/^port = //p' "$conf" | tail -1)" 30
	;;
start) ;;
up) QUICK=1 ;;
*)
	echo "usage: $0 [start|up|stop|status [--watch]]" >&2
	exit 2
	;;
esac

T0=$(date +%s)
if [ -z "${VAS_BUILD_DIR:-}" ]; then
	scripts/install-deps.sh
	echo "building in $BUILD ..."
	cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$BUILD" -j"$(nproc)" >/dev/null
fi
stop >/dev/null
rm -rf "$DIR"
mkdir -p "$DIR/logs" "$DIR/run"
chmod 755 "$DIR" # PostgreSQL runs as postgres under $DIR/sm/pg
if [ -n "$QUICK" ]; then SIZE=8G; VOLGB=2; else SIZE=20G; VOLGB=4; fi
SIZE=${VAS_LOCAL_DISK_SIZE:-$SIZE}
BACKEND=${VAS_HSVR_BACKEND:-simulated}
if [ -z "${VAS_HSVR_BACKEND:-}" ] && { [ -d /sys/module/dm_mod ] || dmsetup version >/dev/null 2>&1; } &&
	[ -e /proc/mdstat ] && command -v iscsiadm >/dev/null; then
	BACKEND=kernel
fi

if [ -n "$TLS" ]; then
	# One certificate for every local daemon and the CLI: all their addresses.
	addrs="127.0.0.1 $HIP"
	for i in $(seq $NSSVR); do addrs="$addrs $NET.$((10 + i))"; done
	# shellcheck disable=SC2086 # one address a word
	{ scripts/vas-ca.sh init "$DIR/tls" && scripts/vas-ca.sh host "$DIR/tls" node $addrs; } \
		>/dev/null || die "cannot make the TLS certificates"
	export VAS_LOCAL_TLS_DIR="$DIR/tls"
fi
cat >"$DIR/vas.conf" <<EOC
# The local cluster's manager (and CLI: --config $DIR/vas.conf). Every
# option is documented in packaging/vas.conf.
[storage_manager]
host_list = $SM_HOSTS
port = $SM_PORT
listen_address = 127.0.0.1
state_dir = $DIR/sm
extentsize = 1
sched_period_ms = 1000
shred_poll_ms = 1000
resync_poll_ms = 1000
attach_poll_ms = 500
iscsi_chap = $([ "${VAS_LOCAL_CHAP:-}" = 1 ] && echo on || echo off)
${VAS_LOCAL_SM_CONF:-}
[ssvr_agent]
port = $SSVR_PORT
[hsvr_agent]
port = $HSVR_PORT
[iscsi]
iqn_prefix = $IQN
EOC
tls_conf >>"$DIR/vas.conf"
# The manager creates its database while the servers come up; every
# storage server starts in parallel, reporters once the manager answers.
if [ -n "${VAS_LOCAL_PG_TEMPLATE:-}" ]; then
	mkdir -p "$DIR/sm/pg"
	cp -a "$VAS_LOCAL_PG_TEMPLATE" "$DIR/sm/pg/data" || die "cannot copy $VAS_LOCAL_PG_TEMPLATE"
fi
daemon vas_sm 127.0.0.1 "$BUILD/sm/vas_sm" --config "$DIR/vas.conf"

# ssvr_up I: storage server I's tgtd, disks, config and agent
ssvr_up() {
	ip=$NET.$((10 + $1)) d=$DIR/ssvr$1 ctl=$((CTL + $1))
	mkdir -p "$d/state"
	echo "$ctl" >"$d/ctl"
	daemon tgtd "$ip" tgtd -f -C "$ctl" --iscsi portal="$ip:3260"
	for _ in $(seq 300); do
		tgtadm -C "$ctl" --lld iscsi --op show --mode target >/dev/null 2>&1 && break
		sleep 0.1
	done
	: >"$d/state/register_device_list"
	for k in 1 2; do
		truncate -s "$SIZE" "$d/disk$k.img"
		disk=$d/disk$k.img
		[ -n "${VAS_LOCAL_DISK_DM:-}" ] && disk=$(dm_disk "$disk" "vaslocal-ssvr$1-$k")
		echo "pdsk,$disk" >>"$d/state/register_device_list"
	done
	# The targets accept the registered head servers' addresses; on one
	# host a kernel login comes from 127.0.0.1 whatever the head's address.
	acl=""
	[ "$BACKEND" = kernel ] && acl="initiator_address = 127.0.0.1"
	agent_conf ssvr "$ip" "$SSVR_PORT" "$d" >"$d/vas.conf" <<EOC
tgt_control_port = $ctl
tgt_portal = $ip:3260
initiator_refresh_interval = 1
$acl
${VAS_LOCAL_SSVR_CONF:-}
EOC
	agent_up ssvr "$ip" "$SSVR_PORT" "$d/vas.conf"
}

pids=""
for i in $(seq $NSSVR); do
	ssvr_up "$i" &
	pids="$pids $!"
done
d=$DIR/hsvr
mkdir -p "$d/state"
agent_conf hsvr "$HIP" "$HSVR_PORT" "$d" >"$d/vas.conf" <<EOC
device_backend = $BACKEND
register_retry_s = 1
monitor_interval_ms = 1000
sim_resync_ms = 3000
${VAS_LOCAL_HSVR_CONF:-}
EOC
agent_up hsvr "$HIP" "$HSVR_PORT" "$d/vas.conf" &
# shellcheck disable=SC2086 # one pid a word
all_ok $pids $!
"$PY" wait-port 127.0.0.1 "$SM_PORT" 300 || failed vas_sm-127.0.0.1
echo "vas_sm up on $VAS_SM (embedded PostgreSQL in $DIR/sm/pg)"
if [ "$SM_HOSTS" != 127.0.0.1 ]; then
	sed -e 's/^listen_address = .*/listen_address = 127.0.0.2/' \
		-e "s|^state_dir = .*|state_dir = $DIR/sm2\ndsn = host=$DIR/sm/pg user=vas dbname=postgres|" \
		"$DIR/vas.conf" >"$DIR/vas2.conf"
	daemon vas_sm 127.0.0.2 "$BUILD/sm/vas_sm" --config "$DIR/vas2.conf"
	"$PY" wait-port 127.0.0.2 "$SM_PORT" 60 || failed vas_sm-127.0.0.2
	echo "second vas_sm up on 127.0.0.2:$SM_PORT (same database)"
fi

# In order: ids (ssvr-00000001 on $NET.11, ...) stay the same every time.
for i in $(seq $NSSVR); do
	report ssvr "$NET.$((10 + i))" "$DIR/ssvr$i/vas.conf"
done
echo "storage servers $NET.11-$((10 + NSSVR)) up: tgtd -C $((CTL + 1))-$((CTL + NSSVR)), 2 x $SIZE disks each registered"
report hsvr "$HIP" "$d/vas.conf"
HSVR=$(cat "$d/state/hsvrid")
echo "head server $HIP up: $HSVR, device back end $BACKEND"

"$PY" wait-free $((NSSVR * 2)) 600 || die "disks not FREE after 600 s"
echo "cluster ready $(($(date +%s) - T0)) s after start" | tee "$DIR/timings"
[ "${1:-start}" = up ] && exit 0

[ -z "$QUICK" ] && echo "
Now a volume's life cycle, with the CLI (VAS_SM=$VAS_SM, PATH=$BUILD/cli:...):"
step "create" cli lvol_create --redundancy 3 demo "$VOLGB"
step "list" cli lvol_list
step "pools" cli pool_list
step "show" cli lvol_show demo
step "attach" cli lvol_attach demo "$HSVR"
step "snapshot" cli snap_create demo demo-snap
step "grow, attached" cli lvol_extend demo $((VOLGB + 1))
# shellcheck disable=SC2046 # "ssvrid ip"
set -- $("$PY" victim demo)
SSVRID=$1 IP=$2
[ -z "$QUICK" ] && echo "
== a storage server dies: kill -9 ssvr_agent on $IP, then report it like a
   health check would (notifyFailure target=SSVR; the manager's own polling
   of helloWorld, [storage_manager] server_check_interval, does this too)"
step "kill ssvr_agent $IP" kill -KILL "$(cat "$DIR/run/ssvr_agent-$IP.pid")"
step "notifyFailure $IP" "$PY" fail "$SSVRID"
step "show (legs SPARE)" cli lvol_show demo
step "re-mirroring" "$PY" wait-remirror "$SSVRID" 300
step "show (legs INSYNC)" cli lvol_show demo
step "detach" cli lvol_detach demo
step "delete snapshot" cli lvol_delete demo-snap
step "delete" cli lvol_delete demo

cat <<EOM

The cluster keeps running (storage server $IP stays failed). Use it:
  export VAS_SM=$VAS_SM PATH=$BUILD/cli:\$PATH
  lvol_create myvol 10; lvol_attach myvol $HSVR; lvol_list; pdsk_list
${TLS:+  (TLS: every command with --config $DIR/vas.conf, which holds [tls])
}  $ROOT/scripts/vas-local.sh status [--watch]   # daemons, servers, disks, volumes
Logs: $DIR/logs/. Stop everything: $ROOT/scripts/vas-local.sh stop
EOM
