#!/usr/bin/env bash
# Makes X.509 material for the STS with the openssl command line: EC P-256
# keys, SHA-256 signatures. Used by the development run command and by the
# tests (which make their PKI at test time).
#
#   make_pki.sh dev DIR
#       A complete development PKI in DIR, unless DIR/ca.pem exists:
#       ca.pem/.key, server.pem/.key (localhost, 127.0.0.1, ::1),
#       client.pem/.key (spiffe://sts.dev/client), and
#       relying-party.pem/.key (spiffe://sts.dev/relying-party).
#   make_pki.sh ca DIR NAME
#       A self-signed CA: DIR/NAME.pem, DIR/NAME.key.
#   make_pki.sh leaf DIR CA NAME [--server] [--cn CN] [--uri URI]... [--dns NAME]... [--ip ADDR]...
#       A certificate signed by DIR/CA.pem: DIR/NAME.pem, DIR/NAME.key.
#       Client certificates by default (extendedKeyUsage clientAuth);
#       --server makes a server certificate (serverAuth).
set -euo pipefail

die() { echo "make_pki.sh: $*" >&2; exit 2; }
command -v openssl >/dev/null || die "openssl is missing (apt-get install -y openssl)"

new_key() {  # path
  ( umask 077; openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null )
}

make_ca() {  # dir name
  local dir=$1 name=$2
  mkdir -p "$dir"
  new_key "$dir/$name.key"
  openssl req -new -x509 -sha256 -days 3650 -key "$dir/$name.key" -out "$dir/$name.pem" \
    -subj "/O=sts development/CN=$name" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

make_leaf() {  # dir ca name [options]
  local dir=$1 ca=$2 name=$3; shift 3
  local cn=$name usage=clientAuth sans=()
  while (($#)); do
    case $1 in
      --server) usage=serverAuth ;;
      --cn) cn=$2; shift ;;
      --uri) sans+=("URI:$2"); shift ;;
      --dns) sans+=("DNS:$2"); shift ;;
      --ip) sans+=("IP:$2"); shift ;;
      *) die "unknown leaf option $1" ;;
    esac
    shift
  done
  [[ -f $dir/$ca.pem ]] || die "no CA $dir/$ca.pem"
  local ext
  ext=$(mktemp)
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature"
    echo "extendedKeyUsage=$usage"
    if ((${#sans[@]})); then (IFS=,; echo "subjectAltName=${sans[*]}"); fi
  } >"$ext"
  new_key "$dir/$name.key"
  local subject="/O=sts development"
  [[ -n $cn ]] && subject+="/CN=$cn"
  openssl req -new -sha256 -key "$dir/$name.key" -subj "$subject" 2>/dev/null |
    openssl x509 -req -sha256 -days 825 -CA "$dir/$ca.pem" -CAkey "$dir/$ca.key" \
      -CAcreateserial -CAserial "$dir/$ca.srl" -extfile "$ext" -out "$dir/$name.pem" 2>/dev/null
  rm -f "$ext"
}

case ${1:-} in
  dev)
    dir=${2:?make_pki.sh dev DIR}
    if [[ -f $dir/ca.pem ]]; then exit 0; fi
    make_ca "$dir" ca
    make_leaf "$dir" ca server --server --cn localhost --dns localhost --ip 127.0.0.1 --ip ::1
    make_leaf "$dir" ca client --cn client --uri spiffe://sts.dev/client
    make_leaf "$dir" ca relying-party --cn relying-party --uri spiffe://sts.dev/relying-party
    ;;
  ca) make_ca "${2:?DIR}" "${3:?NAME}" ;;
  leaf) make_leaf "${2:?DIR}" "${3:?CA}" "${4:?NAME}" "${@:5}" ;;
  *) sed -n '2,17p' "$0" >&2; exit 2 ;;
esac
