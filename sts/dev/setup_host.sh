#!/usr/bin/env bash
# Installs, from Debian's package registry, whatever this project needs that
# the machine lacks. Idempotent; quick when nothing is missing. Debian 12, root.
#   setup_host.sh          build and test dependencies
#   setup_host.sh --container   also podman and friends for the container test
set -euo pipefail

packages=(
  bazel-bootstrap build-essential pkg-config openssl ca-certificates
  # //packaging and tests/consumers: cmake and make for the examples, dpkg-dev
  # (dpkg-architecture), binutils (ar, readelf, nm); build-essential has the last three.
  cmake make dpkg-dev binutils
  protobuf-compiler protobuf-compiler-grpc libprotobuf-dev libgrpc++-dev libabsl-dev
  libssl-dev android-libboringssl-dev libxml2-dev libxmlsec1-dev libgtest-dev libgmock-dev
  libbenchmark-dev libhiredis-dev redis-server prometheus-cpp-dev prometheus curl
  python3 python3-grpcio python3-protobuf python3-cryptography python3-yaml
  python3-venv python3-pip python3-setuptools python3-wheel
  xmlsec1 libxml2-utils xmltooling-schemas openjdk-17-jdk-headless
  libwss4j-java libxml-security-java libcommons-logging-java libslf4j-java
)
if [[ ${1:-} == --container ]]; then
  # catatonit: podman kube play builds its local pause image from it.
  packages+=(podman runc debootstrap catatonit)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: these packages are missing; run as root (or install them): ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
