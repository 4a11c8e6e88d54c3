#!/usr/bin/env bash
# Writes the three Secrets docker/k8s/sts.yaml and redis.yaml mount, as one
# YAML stream on stdout (the same as `kubectl create secret generic
# --from-file` would make):
#   sts-pki         ca.pem, server.pem, server.key (tls.* of the STS)
#   sts-keyset      keyset.textproto (the master keyset, sts_keyset create)
#   sts-redis-auth  password (the STS's redis.password_file) and users.acl
#                   (Redis's ACL file, docker/redis/make_users_acl.sh)
#
#   make_secrets.sh PKI_DIR KEYSET_FILE REDIS_PASSWORD_FILE | kubectl apply -f -
#
# The output holds every secret of the deployment: pipe it, never commit it.
set -euo pipefail
cd "$(dirname "$0")/../.."
(($# == 3)) || { echo "usage: make_secrets.sh PKI_DIR KEYSET_FILE REDIS_PASSWORD_FILE" >&2; exit 2; }
pki=$1 keyset=$2 password=$3
for f in "$pki/ca.pem" "$pki/server.pem" "$pki/server.key" "$keyset" "$password"; do
  [[ -r $f ]] || { echo "make_secrets.sh: cannot read $f" >&2; exit 1; }
done

b64() { base64 -w0 <"$1"; }
secret() {  # name, then key=file pairs
  local name=$1; shift
  printf -- '---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\n  labels: {app.kubernetes.io/part-of: sts}\ntype: Opaque\ndata:\n' "$name"
  for pair in "$@"; do printf '  %s: %s\n' "${pair%%=*}" "$(b64 "${pair#*=}")"; done
}

acl=$(mktemp)
trap 'rm -f "$acl"' EXIT
docker/redis/make_users_acl.sh "$password" >"$acl"
secret sts-pki "ca.pem=$pki/ca.pem" "server.pem=$pki/server.pem" "server.key=$pki/server.key"
secret sts-keyset "keyset.textproto=$keyset"
secret sts-redis-auth "password=$password" "users.acl=$acl"
