#!/usr/bin/env bash
# Builds the images the podman tests run, once for all of them
# (tests/run_all.sh): the STS (docker/Dockerfile) and Redis
# (docker/redis/Dockerfile), on a debian:bookworm base made with debootstrap
# when the machine has none (no registry here; README.md, "Building the
# image without a registry").
#
#   build_images.sh STS_TAG REDIS_TAG MADE_FILE
#
# Appends to MADE_FILE every image it made, base images included, one a line,
# so the caller removes exactly those (remove_images.sh MADE_FILE).
set -euo pipefail
cd "$(dirname "$0")/../.."
sts_tag=$1 redis_tag=$2 made=$3
log() { echo "build_images: $(date +%T) $*" >&2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! podman image exists docker.io/library/debian:bookworm-slim; then
  log "making the debian:bookworm base image with debootstrap"
  debootstrap --variant=minbase bookworm "$work/rootfs" http://deb.debian.org/debian >/dev/null
  tar -C "$work/rootfs" -c . | podman import - localhost/debian:bookworm >/dev/null
  rm -rf "$work/rootfs"
  echo localhost/debian:bookworm >>"$made"
  for t in docker.io/library/debian:bookworm docker.io/library/debian:bookworm-slim; do
    podman tag localhost/debian:bookworm "$t"
    echo "$t" >>"$made"
  done
fi
build=(podman build --format docker --pull=never --network host --isolation chroot
       --label "sts.test=$sts_tag")
for spec in "$sts_tag docker/Dockerfile" "$redis_tag docker/redis/Dockerfile"; do
  read -r tag dockerfile <<<"$spec"
  log "building $tag from $dockerfile"
  start=$(date +%s)
  echo "$tag" >>"$made"
  "${build[@]}" -t "$tag" -f "$dockerfile" . >"$work/build.log" 2>&1 ||
    { tail -40 "$work/build.log" >&2; exit 1; }
  log "$tag built in $(( $(date +%s) - start )) s," \
    "$(podman image inspect --format '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}')"
done
