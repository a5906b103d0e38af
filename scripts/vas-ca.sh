#!/bin/sh
# A small cluster CA for Vastsky's optional TLS (SECURITY.md), with openssl.
#   vas-ca.sh init DIR                 DIR/ca.pem + DIR/ca.key (the CA, 10 years)
#   vas-ca.sh host DIR NAME ADDR...    DIR/NAME.pem + DIR/NAME.key, signed by the
#                                      CA, for server and client use; ADDR: the
#                                      IPv4 addresses and names others call it by
# Then on every host, in /etc/vas.conf:
#   [tls]
#   ca_file = DIR/ca.pem      (only the CA certificate; ca.key stays offline)
#   cert_file = DIR/NAME.pem
#   key_file = DIR/NAME.key
set -eu
usage() {
	sed -n '2,12s/^# \{0,1\}//p' "$0" >&2
	exit 2
}
[ $# -ge 2 ] || usage
cmd=$1 dir=$2
shift 2
umask 077
case "$cmd" in
init)
	mkdir -p "$dir"
	[ -e "$dir/ca.key" ] && { echo "$dir/ca.key exists" >&2; exit 1; }
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$dir/ca.key" -out "$dir/ca.pem" -days 3650 -subj "/CN=Vastsky cluster CA" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
	chmod 644 "$dir/ca.pem"
	echo "$dir/ca.pem"
	;;
host)
	[ $# -ge 2 ] || usage
	name=$1
	shift
	case "$name" in */* | .*) echo "bad name: $name" >&2; exit 2 ;; esac
	san=""
	for a in "$@"; do
		if printf '%s' "$a" | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$'; then
			san="$san${san:+,}IP:$a"
		else
			san="$san${san:+,}DNS:$a"
		fi
	done
	ext=$(mktemp)
	trap 'rm -f "$ext" "$dir/$name.csr"' EXIT
	printf '%s\n' "subjectAltName=$san" "basicConstraints=CA:FALSE" \
		"keyUsage=critical,digitalSignature,keyEncipherment" \
		"extendedKeyUsage=serverAuth,clientAuth" >"$ext"
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$dir/$name.key" -out "$dir/$name.csr" -subj "/CN=$name" 2>/dev/null
	openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
		-CAcreateserial -days 825 -out "$dir/$name.pem" -extfile "$ext" 2>/dev/null
	chmod 644 "$dir/$name.pem"
	echo "$dir/$name.pem"
	;;
*) usage ;;
esac
