#!/usr/bin/env bash
# The Kubernetes manifests (docker/k8s/) brought up for real with
# `podman kube play`: Redis and three STS replicas in stateless (cookie) mode,
# configuration from the ConfigMap, PKI, keyset and Redis password from the
# Secrets (make_secrets.sh), the init container that copies them owner-only,
# non-root, read-only root filesystems, and the exec probes (podman runs them
# on demand: `podman healthcheck run`). Then: a context issued on one
# replica is validated and renewed on others; one pod is deleted and the
# others keep serving, its renewals and cancellation included; every replica
# exposes its metrics; `podman kube down` removes it all.
#
# What podman 4.3 cannot do as Kubernetes does is changed by
# tests/ops/podman_overlay.py, and only that (README.md, "Operating the
# STS"). Run as root from tests/run_all.sh, never under Bazel (it needs
# root, podman and the images). STS_TEST_IMAGE and STS_TEST_REDIS_IMAGE name
# images already built by tests/ops/build_images.sh (run_all.sh builds them
# once for this test and the container test); without them this script
# builds its own, and removes them.
set -euo pipefail
cd "$(dirname "$0")/../.."

readonly tag="sts-kube-$$"
readonly work=$(mktemp -d)
sts_image=${STS_TEST_IMAGE:-}
redis_image=${STS_TEST_REDIS_IMAGE:-}
export CONTAINERS_CONF=$work/containers.conf
cat >"$CONTAINERS_CONF" <<'CONF'
# kube play has no --ulimit, --runtime or --cgroup-manager flags.
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
CONF

log() { echo "kube_play_test: $(date +%T) $*" >&2; }
# kube play keeps each ConfigMap in a named volume, and kube down leaves them:
# these hold the test's secrets, so they go before the play and after it.
# Likewise each emptyDir (one named volume per name, shared by the pods that
# name it), and the anonymous volumes of the images' VOLUMEs, listed once the
# pods run (record_volumes).
remove_volumes() {
  local v
  for v in sts-config sts-pki sts-keyset sts-redis-auth sts-run sts-redis-data \
           $(cat "$work/volumes" 2>/dev/null); do
    podman volume rm -f "$v" >/dev/null 2>&1 || true
  done
}
record_volumes() {
  local c
  for c in $(podman ps -aq --filter "pod=sts-pod-0" --filter "pod=sts-pod-1" --filter "pod=sts-pod-2" \
             --filter "pod=sts-redis-pod-0"); do
    podman inspect -f '{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}}{{"\n"}}{{end}}{{end}}' "$c"
  done >>"$work/volumes"
}
cleanup() {
  if [[ -f $work/play.yaml ]]; then
    podman kube down "$work/play.yaml" >/dev/null 2>&1 || true
    # What a half-finished play leaves, kube down may not know of.
    for pod in sts-pod-0 sts-pod-1 sts-pod-2 sts-redis-pod-0; do
      podman pod rm -f -t 0 "$pod" >/dev/null 2>&1 || true
    done
  fi
  remove_volumes
  tests/ops/remove_images.sh "$work/made"  # only what this script built
  rm -rf "$work"
}
trap cleanup EXIT
fail() { log "FAILED: $*"; for p in $(podman ps -a --filter "label=app.kubernetes.io/name" --format '{{.Names}}' 2>/dev/null); do echo "--- $p" >&2; podman logs "$p" 2>&1 | tail -20 >&2; done; exit 1; }
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Built in the default configuration and found through bazel info: bazel-bin
# may point at another one (tests/run_all.sh runs a BoringSSL pass earlier).
bazel build //client/stsctl:stsctl //sts:sts_keyset >&2 || fail "stsctl and sts_keyset did not build"
bin=$(bazel info bazel-bin 2>/dev/null)
stsctl=$bin/client/stsctl/stsctl
sts_keyset=$bin/sts/sts_keyset
[[ -x $stsctl && -x $sts_keyset ]] || fail "no stsctl or sts_keyset under $bin"

# 1. Images: the ones tests/run_all.sh built for every podman test, or our own.
if [[ -z $sts_image || -z $redis_image ]]; then
  sts_image=localhost/$tag:latest redis_image=localhost/$tag-redis:latest
  log "building the STS and Redis images (several minutes)"
  tests/ops/build_images.sh "$sts_image" "$redis_image" "$work/made" || fail "the images did not build"
fi
podman image exists "$sts_image" || fail "no image $sts_image"
podman image exists "$redis_image" || fail "no image $redis_image"

# 2. The secrets, made here: a PKI whose identities the manifests' policy
# names, a master keyset, a Redis password.
pki=$work/pki
sts/dev/make_pki.sh ca "$pki" ca
sts/dev/make_pki.sh leaf "$pki" ca server --server --cn sts --dns sts --dns localhost --ip 127.0.0.1
sts/dev/make_pki.sh leaf "$pki" ca web --uri spiffe://example.org/ns/web/frontend
sts/dev/make_pki.sh leaf "$pki" ca api --uri spiffe://example.org/ns/api/orders
"$sts_keyset" create "$work/keyset.textproto" >/dev/null
( umask 077; /usr/bin/python3 -c 'import secrets; print(secrets.token_hex(24))' >"$work/redis.password" )
docker/k8s/make_secrets.sh "$pki" "$work/keyset.textproto" "$work/redis.password" >"$work/secrets.yaml"
grep -q "kind: Secret" "$work/secrets.yaml" || fail "make_secrets.sh wrote no Secret"

# 3. The manifests, as podman can run them, and up.
grpc_port=$(free_port) health_port=$(free_port) redis_port=$(free_port)
/usr/bin/python3 tests/ops/podman_overlay.py --sts_image "$sts_image" --redis_image "$redis_image" \
  --grpc_port "$grpc_port" --health_port "$health_port" --redis_port "$redis_port" \
  "$work/secrets.yaml" docker/k8s/redis.yaml docker/k8s/sts.yaml >"$work/play.yaml"
log "podman kube play (gRPC $grpc_port, health $health_port, Redis $redis_port)"
start=$(date +%s)
remove_volumes
podman kube play "$work/play.yaml" >"$work/play.out" 2>&1 || { record_volumes; cat "$work/play.out" >&2; fail "kube play"; }
record_volumes
replicas=(sts-pod-0-sts sts-pod-1-sts sts-pod-2-sts)
for c in sts-redis-pod-0-redis "${replicas[@]}"; do
  [[ $(podman inspect -f '{{.State.Running}}' "$c" 2>/dev/null) == true ]] || fail "$c is not running"
done
# Each replica serving, as its own log says, and its metrics port.
declare -A metrics_port
for c in "${replicas[@]}"; do
  for i in $(seq 1 100); do
    # (grep without -q reads to the end: no SIGPIPE for pipefail to see.)
    podman logs "$c" 2>/dev/null | grep "serving sts.v1" >/dev/null && break
    [[ $(podman inspect -f '{{.State.Running}}' "$c") == true ]] || fail "$c exited"
    sleep 0.2
  done
  metrics_port[$c]=$(podman logs "$c" 2>/dev/null | sed -n 's/.*metrics.* on port \([0-9]*\)$/\1/p' | tail -1)
  [[ -n ${metrics_port[$c]} ]] || fail "$c did not start serving"
done
log "three replicas serving in $(( $(date +%s) - start )) s"

# 4. The probes, run as Kubernetes would run them (on demand here), and the
# security context as the runtime applied it.
for c in "${replicas[@]}"; do
  # Inside initialDelaySeconds podman reports "starting": bounded retries.
  for i in $(seq 1 30); do
    probe=$(podman healthcheck run "$c" 2>&1) && break
    sleep 1
  done
  podman healthcheck run "$c" >/dev/null 2>&1 || fail "$c: the health probe failed: $probe"
  [[ $(podman inspect -f "{{.Config.User}}" "$c") =~ ^10001(:10001)?$ ]] || fail "$c does not run as uid 10001"
  [[ $(podman inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$c") == true ]] || fail "$c: root filesystem writable"
  if podman exec "$c" /bin/sh -c 'echo x > /etc/sts/x' 2>/dev/null; then fail "$c: wrote to its root filesystem"; fi
  podman exec "$c" /bin/sh -c 'stat -c "%a %u" /run/sts/keyset.textproto' | grep -qx "600 10001" ||
    fail "$c: the keyset is not owner-only"
done
[[ $(podman inspect -f "{{.Config.User}}" sts-redis-pod-0-redis) =~ ^10002(:10002)?$ ]] || fail "Redis does not run as uid 10002"

# 5. Issue on one replica; validate and renew on others. Each stsctl run is
# a new connection, which the kernel gives to one of the three listeners;
# the audit lines in each replica's log say which served a call.
as_web=(--ca "$pki/ca.pem" --addr "localhost:$grpc_port" --cert "$pki/web.pem" --key "$pki/web.key")
as_api=(--ca "$pki/ca.pem" --addr "localhost:$grpc_port" --cert "$pki/api.pem" --key "$pki/api.key")
export STSCTL_STATE=$work/stsctl/context
served_by() {  # op identifier: the replicas whose audit log has that call
  local c
  for c in "${replicas[@]}"; do
    if podman logs "$c" 2>&1 | grep -F "\"op\":\"$1\"" | grep -F "$2" >/dev/null; then echo "$c"; fi
  done
  return 0
}
"$stsctl" issue "${as_web[@]}" --applies-to spiffe://example.org/ns/api/orders >"$work/issue.out" ||
  fail "issue"
id=$(sed -n 's/^identifier: *//p' "$work/issue.out")
[[ -n $id ]] || { cat "$work/issue.out" >&2; fail "no identifier issued"; }
issuer=$(served_by Issue "$id")
[[ -n $issuer ]] || fail "no replica logged the Issue"
log "issued $id on $issuer"
elsewhere() {  # op: until a replica other than the issuer served op (bounded)
  local op=$1 cmd=("${@:2}") i
  for i in $(seq 1 40); do
    "${cmd[@]}" >"$work/$op.out" 2>&1 || { cat "$work/$op.out" >&2; fail "$op"; }
    if [[ -n $(served_by "$op" "$id" | grep -v "^$issuer$") ]]; then return 0; fi
  done
  fail "40 ${op}s never reached a replica other than $issuer"
}
elsewhere Validate "$stsctl" validate "${as_api[@]}"
grep -q '^status:     valid' "$work/Validate.out" || fail "validate on another replica: not valid"
grep -q '^keys:       1 released$' "$work/Validate.out" || fail "validate: no key released to the audience"
elsewhere Renew "$stsctl" renew "${as_web[@]}"
"$stsctl" validate "${as_api[@]}" >"$work/after-renew.out"
grep -q '^instance:   [2-9]' "$work/after-renew.out" || fail "the renewal is not seen"
log "validated and renewed on other replicas"

# 6. One pod deleted: the others keep serving, Redis-backed renewals and the
# cancellation included.
podman pod rm -f -t 0 sts-pod-2 >/dev/null 2>&1
replicas=(sts-pod-0-sts sts-pod-1-sts)
for i in $(seq 1 10); do
  "$stsctl" validate "${as_api[@]}" >"$work/v$i.out" 2>&1 || { cat "$work/v$i.out" >&2; fail "validate $i after the deletion"; }
  grep -q '^status:     valid' "$work/v$i.out" || fail "validate $i after the deletion: not valid"
done
"$stsctl" renew "${as_web[@]}" >/dev/null || fail "renew after the deletion"
"$stsctl" cancel "${as_web[@]}" >/dev/null || fail "cancel after the deletion"
for i in 1 2 3 4; do
  "$stsctl" validate "${as_api[@]}" >"$work/c$i.out" 2>&1 || true
  grep -q '^status:     invalid (cancelled)' "$work/c$i.out" || { cat "$work/c$i.out" >&2; fail "a replica did not see the cancellation"; }
done
"$stsctl" health --insecure --addr "127.0.0.1:$health_port" | grep -qx SERVING || fail "health after the deletion"
log "one pod deleted: the other two served 10 validations, a renewal and a cancellation"

# 7. Metrics of each remaining replica: stateless, Redis up, the calls counted.
for c in "${replicas[@]}"; do
  m=$(curl -sf "http://127.0.0.1:${metrics_port[$c]}/metrics") || fail "$c: no metrics"
  grep -q '^sts_info{mode="stateless"} 1$' <<<"$m" || fail "$c: not stateless"
  grep -q '^sts_redis_up 1$' <<<"$m" || fail "$c: Redis not up"
  grep -q '^sts_master_keyset_keys 1$' <<<"$m" || fail "$c: keyset"
done

# 8. Down: nothing of it is left. Podman has no controller to recreate the
# pod step 6 deleted, and kube down stops at a pod it cannot find: it is
# given the manifests as they now stand, the Deployment at two replicas.
sed 's/^  replicas: 3$/  replicas: 2/' "$work/play.yaml" >"$work/down.yaml"
grep -q '^  replicas: 2$' "$work/down.yaml" || fail "no three-replica Deployment in the manifests"
podman kube down "$work/down.yaml" >"$work/down.out" 2>&1 || { cat "$work/down.out" >&2; fail "kube down"; }
left=$(podman ps -a --format '{{.Names}}' | grep -E '^(sts-pod|sts-redis-pod)' || true)
[[ -z $left ]] || fail "left after kube down: $left"
remove_volumes
left=$(podman volume ls --format '{{.Name}}' | grep -xF -f <(printf '%s\n' sts-config sts-pki sts-keyset sts-redis-auth sts-run sts-redis-data $(cat "$work/volumes")) || true)
[[ -z $left ]] || fail "volumes left: $left"
rm -f "$work/play.yaml"
log "PASSED"
