#!/bin/sh
# Runs Vastsky on this machine: installs what is missing, builds, and starts
# vas_sm on its embedded PostgreSQL under $VAS_LOCAL_DIR (default
# /var/tmp/vas-local). "vas-local.sh stop" stops it, "status" shows it.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DIR=${VAS_LOCAL_DIR:-/var/tmp/vas-local}
PORT=${VAS_SM_PORT:-8881}
BUILD="$ROOT/build/release"

stop() {
	if [ -f "$DIR/vas_sm.pid" ]; then
		kill "$(cat "$DIR/vas_sm.pid")" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$(cat "$DIR/vas_sm.pid")" 2>/dev/null || break
			sleep 0.2
		done
		rm -f "$DIR/vas_sm.pid"
		echo "vas_sm stopped"
	fi
}

case "${1:-start}" in
stop)
	stop
	exit 0
	;;
status)
	if [ -f "$DIR/vas_sm.pid" ] && kill -0 "$(cat "$DIR/vas_sm.pid")" 2>/dev/null; then
		echo "vas_sm running (pid $(cat "$DIR/vas_sm.pid")), port $PORT, logs $DIR/logs"
	else
		echo "vas_sm not running"
	fi
	exit 0
	;;
start) ;;
*)
	echo "usage: $0 [start|stop|status]" >&2
	exit 2
	;;
esac

scripts/install-deps.sh
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j"$(nproc)" >/dev/null
stop
mkdir -p "$DIR/logs"
chmod 755 "$DIR"
cat >"$DIR/vas.conf" <<EOC
# Local single-machine Vastsky: every option is documented in packaging/vas.conf.
[storage_manager]
host_list = 127.0.0.1
port = $PORT
listen_address = 127.0.0.1
state_dir = $DIR/sm
[iscsi]
iqn_prefix = 2010-01.local.vastsky
EOC
"$BUILD/sm/vas_sm" --config "$DIR/vas.conf" >"$DIR/logs/vas_sm.out" 2>"$DIR/logs/vas_sm-127.0.0.1.log" &
echo $! >"$DIR/vas_sm.pid"
for _ in $(seq 150); do
	grep -q "Listening" "$DIR/logs/vas_sm.out" 2>/dev/null && break
	kill -0 "$(cat "$DIR/vas_sm.pid")" 2>/dev/null || {
		cat "$DIR/logs/vas_sm-127.0.0.1.log" >&2
		exit 1
	}
	sleep 0.2
done
cat <<EOM
vas_sm is running on 127.0.0.1:$PORT with its embedded PostgreSQL ($DIR/sm/pg).
Logs: $DIR/logs/. Talk to it, e.g.:
  python3 -c "import xmlrpc.client as x; s = x.ServerProxy('http://127.0.0.1:$PORT/RPC2'); print(s.listStorageServers({'ver': 5}))"
Stop it with: $0 stop
EOM
