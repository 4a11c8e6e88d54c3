#!/usr/bin/env bash
# The container image, built and run for real with podman (no Docker engine or
# registry here; recipe: README.md, "Building the image without a registry"):
# build docker/Dockerfile, run
# it with a PKI and a configuration mounted read-only, wait for the gRPC health
# service to report SERVING, issue and validate a token from the host with
# stsctl, then SIGTERM it and require a clean exit within a bound. Removes
# every container and image it made, pass or fail. Run as root, from
# tests/run_all.sh (not under Bazel: it needs root, podman and the registry).
# STS_TEST_IMAGE names an image run_all.sh already built from the same
# Dockerfile (tests/ops/build_images.sh, shared with the kube-play test):
# then it is run as it is, and left to its builder to remove.
set -euo pipefail
cd "$(dirname "$0")/../.."

readonly STOP_BOUND_SECONDS=12
readonly tag="sts-test-$$"
readonly image="${STS_TEST_IMAGE:-localhost/$tag:latest}"
readonly name="$tag"
readonly work=$(mktemp -d)
podman_run=(podman --runtime runc --cgroup-manager cgroupfs)
made_base=()

log() { echo "container_test: $*" >&2; }
cleanup() {
  "${podman_run[@]}" rm -f -t 0 "$name" >/dev/null 2>&1 || true
  [[ -n ${STS_TEST_IMAGE:-} ]] || podman rmi -f "$image" >/dev/null 2>&1 || true
  # Build-stage images of this build (labelled below), then base images made here.
  podman images -q --filter "label=sts.test=$tag" | xargs -r podman rmi -f >/dev/null 2>&1 || true
  podman image prune -f --filter "label=sts.test=$tag" >/dev/null 2>&1 || true
  for base in "${made_base[@]}"; do podman rmi -f "$base" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# 1. A Debian base image without a registry, unless the machine has one.
if [[ -n ${STS_TEST_IMAGE:-} ]]; then
  log "running $image, built by tests/ops/build_images.sh"
elif ! podman image exists docker.io/library/debian:bookworm-slim; then
  log "making the debian:bookworm base image with debootstrap"
  debootstrap --variant=minbase bookworm "$work/rootfs" http://deb.debian.org/debian >/dev/null
  tar -C "$work/rootfs" -c . | podman import - localhost/debian:bookworm >/dev/null
  rm -rf "$work/rootfs"
  for t in docker.io/library/debian:bookworm docker.io/library/debian:bookworm-slim; do
    podman tag localhost/debian:bookworm "$t"
    made_base+=("$t")
  done
  made_base+=(localhost/debian:bookworm)
fi

# 2. The image, exactly as users build it (context: the repository root).
if [[ -z ${STS_TEST_IMAGE:-} ]]; then
log "building the image"
start=$(date +%s)
if ! podman build --format docker --pull=never --network host --isolation chroot \
    --label "sts.test=$tag" -t "$image" -f docker/Dockerfile . 2>&1 |
    while IFS= read -r line; do echo "$(date +%T) $line"; done >"$work/build.log"; then
  tail -40 "$work/build.log" >&2
  exit 1
fi
grep -E "STEP|INFO: (Elapsed|Build completed)" "$work/build.log" >&2 || true
log "image built in $(( $(date +%s) - start )) s, size $(podman image inspect --format '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}')"
fi

# 3. PKI and configuration, mounted read-only; the image runs as uid 10001.
sts/dev/make_pki.sh dev "$work/pki"
chown -R 10001 "$work/pki"
port=$(free_port)
health_port=$(free_port)
cat >"$work/sts.textproto" <<CONFIG
listen_address: "127.0.0.1:$port"
health_listen_address: "127.0.0.1:$health_port"
tls { client_ca_file: "/etc/sts/pki/ca.pem" cert_file: "/etc/sts/pki/server.pem" key_file: "/etc/sts/pki/server.key" }
policy {
  issue { principal: "spiffe://sts.dev/*" applies_to: "*" }
  validate { principal: "spiffe://sts.dev/*" release_keys_to_audience: true }
}
CONFIG
chmod 644 "$work/sts.textproto"

"${podman_run[@]}" run -d --name "$name" --network host -e "STS_HEALTH_PORT=$health_port" \
  --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
  -v "$work/pki:/etc/sts/pki:ro" -v "$work/sts.textproto:/etc/sts/sts.textproto:ro" \
  "$image" >/dev/null

# 4. Healthy: the health service answers SERVING, from the host and as the
# image's own HEALTHCHECK.
# The host's stsctl, built in the default configuration: bazel-bin may point at
# another one (tests/run_all.sh runs a BoringSSL pass just before this test).
bazel build //client/stsctl:stsctl >&2
stsctl="$(bazel info bazel-bin 2>/dev/null)/client/stsctl/stsctl"
for i in $(seq 1 100); do
  if "$stsctl" health --insecure --addr "127.0.0.1:$health_port" --timeout 1s >/dev/null 2>&1; then break; fi
  if [[ $(podman inspect -f '{{.State.Running}}' "$name") != true ]]; then
    podman logs "$name" >&2; log "the container exited during start-up"; exit 1
  fi
  sleep 0.2
done
"$stsctl" health --insecure --addr "127.0.0.1:$health_port" | grep -qx SERVING
"${podman_run[@]}" healthcheck run "$name" || { log "HEALTHCHECK failed"; exit 1; }
[[ $(podman inspect -f '{{.Config.User}}' "$name") == 10001 ]] || { log "not running as uid 10001"; exit 1; }

# 5. A token from the host, validated by its audience.
pki=(--ca "$work/pki/ca.pem" --addr "localhost:$port")
export STSCTL_STATE="$work/stsctl/context"
"$stsctl" issue "${pki[@]}" --cert "$work/pki/client.pem" --key "$work/pki/client.key" \
  --applies-to spiffe://sts.dev/relying-party | tee "$work/issue.out" >&2
grep -q '^principal:  spiffe://sts.dev/client$' "$work/issue.out"
"$stsctl" validate "${pki[@]}" --cert "$work/pki/relying-party.pem" --key "$work/pki/relying-party.key" \
  | tee "$work/validate.out" >&2
grep -q '^status:     valid' "$work/validate.out"
grep -q '^keys:       1 released$' "$work/validate.out"

# 6. SIGTERM: graceful, bounded, exit code 0, keys zeroized.
start=$(date +%s%N)
"${podman_run[@]}" stop -t 30 "$name" >/dev/null
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
code=$(podman inspect -f '{{.State.ExitCode}}' "$name")
podman logs "$name" >"$work/container.log" 2>&1
log "stopped in ${elapsed_ms} ms with exit code $code"
# The keyring's own counters: every issued context erased, nothing left.
grep -Eq "stopped; [1-9][0-9]* contexts erased with their keys zeroized; 0 records and 0 key slots left" \
  "$work/container.log" || { cat "$work/container.log" >&2; exit 1; }
(( code == 0 )) || exit 1
(( elapsed_ms < STOP_BOUND_SECONDS * 1000 )) || { log "stop took longer than ${STOP_BOUND_SECONDS} s"; exit 1; }
log "PASSED"
