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

# One openssl process per certificate (OpenSSL 3's `req -x509 -CA`): key,
# request and signature at once, with a config file that holds exactly the
# extensions wanted (the system openssl.cnf would add CA ones).
issue() {  # dir name subject extensions... [-- extra req args]
  local dir=$1 name=$2 subject=$3; shift 3
  local config
  config=$(mktemp)
  {
    printf '[req]\ndistinguished_name=dn\nx509_extensions=ext\nprompt=no\n[dn]\n[ext]\n'
    while (($#)) && [[ $1 != -- ]]; do echo "$1"; shift; done
  } >"$config"
  [[ ${1:-} == -- ]] && shift
  ( umask 077
    openssl req -x509 -config "$config" -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
      -sha256 -subj "$subject" -keyout "$dir/$name.key" -out "$dir/$name.pem" "$@" 2>/dev/null ) ||
    { rm -f "$config"; die "openssl could not issue $name"; }
  rm -f "$config"
  chmod 644 "$dir/$name.pem"
}

make_ca() {  # dir name
  local dir=$1 name=$2
  mkdir -p "$dir"
  issue "$dir" "$name" "/O=sts development/CN=$name" \
    "basicConstraints=critical,CA:TRUE" "keyUsage=critical,keyCertSign,cRLSign" \
    "subjectKeyIdentifier=hash" -- -days 3650
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
  local extensions=("basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature"
                    "extendedKeyUsage=$usage" "authorityKeyIdentifier=keyid")
  if ((${#sans[@]})); then extensions+=("subjectAltName=$(IFS=,; echo "${sans[*]}")"); fi
  local subject="/O=sts development"
  # '/' separates -subj fields: a CN that contains one is escaped.
  [[ -n $cn ]] && subject+="/CN=${cn//\//\\/}"
  issue "$dir" "$name" "$subject" "${extensions[@]}" -- \
    -days 825 -CA "$dir/$ca.pem" -CAkey "$dir/$ca.key"
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
