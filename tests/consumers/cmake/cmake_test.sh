#!/usr/bin/env bash
# The CMake examples against the installed Debian packages, dpkg -x'd into a
# scratch root (never the machine's) found with CMAKE_PREFIX_PATH:
# CMakeLists.txt beside this script builds orders_example (the team's own
# service's stubs from Debian's protoc, StsClient::sts-client) and
# soap/CMakeLists.txt builds soap_example (COMPONENTS soap, shared and static
# targets); all three run against a real sts_server. Refusals: the soap
# component before its package is installed, a version the package is not,
# and a machine without a -dev package it needs.
set -euo pipefail
RUNFILES=$TEST_SRCDIR/sts
CHECKOUT=$RUNFILES
STS_SERVER=$RUNFILES/sts/sts_server
WORK=$TEST_TMPDIR
source "$RUNFILES/tests/consumers/consumer_lib.sh"

version=$(tr -d '[:space:]' <"$RUNFILES/VERSION")
abi=$(abi_version "$version")
root=$WORK/root
# A project that only asks for the package: find_package(StsClient ARGS)
# (no language, so no compiler checks: configuring takes seconds; the
# compiler checks are what would tell CMake the multiarch directory).
probe() {
  local prefix=$root/usr
  if [[ $1 == --prefix ]]; then prefix=$2; shift 2; fi
  mkdir -p "$WORK/probe"
  printf 'cmake_minimum_required(VERSION 3.16)\nproject(probe LANGUAGES NONE)\nfind_package(StsClient %s)\n' \
    "$*" >"$WORK/probe/CMakeLists.txt"
  rm -rf "$WORK/probe/build"
  cmake -S "$WORK/probe" -B "$WORK/probe/build" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_LIBRARY_ARCHITECTURE="$(dpkg-architecture -qDEB_HOST_MULTIARCH)"
}
# configure_and_build SOURCE BUILD: an example project, built.
configure_and_build() {
  cmake -S "$1" -B "$2" -DCMAKE_PREFIX_PATH="$root/usr" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_FLAGS_RELEASE=-O1 >"$2.log" 2>&1 || { cat "$2.log" >&2; fail "cmake $1"; }
  cmake --build "$2" -j2 >>"$2.log" 2>&1 || { cat "$2.log" >&2; fail "cmake --build $2"; }
}

step "dpkg -x sts-client; find_package(StsClient) and its refusals"
dpkg -x "$RUNFILES/packaging/sts-client.deb" "$root"
probe "$version REQUIRED" >"$WORK/probe.log" 2>&1 || { cat "$WORK/probe.log" >&2; fail "find_package"; }
expect_failure "$WORK/probe.log" "component soap is not installed" probe "$version REQUIRED COMPONENTS soap"
expect_failure "$WORK/probe.log" "version: $version" probe "99.0 REQUIRED"
if [[ $version == 0.* ]]; then
  # Before 1.0 a minor version may break the API: 0.(MINOR+1) is refused.
  minor=${version#0.}; minor=${minor%%.*}
  expect_failure "$WORK/probe.log" "version: $version" probe "0.$((minor + 1)) REQUIRED"
fi

# The same install on a machine without one of the -dev packages it needs.
cp -a "$root" "$WORK/broken"
config=$WORK/broken/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/cmake/StsClient/StsClientConfig.cmake
grpc_pc=$(grep -m 1 -o '/[^";]*/grpc++\.pc' "$config")
[[ -n $grpc_pc ]] || fail "StsClientConfig.cmake does not check for grpc++.pc"
sed -i "s|$grpc_pc|$WORK/absent/grpc++.pc|" "$config"
expect_failure "$WORK/probe.log" "$WORK/absent/grpc++.pc" probe --prefix "$WORK/broken/usr" "$version REQUIRED"

step "cmake: orders_example"
project=$WORK/orders
mkdir -p "$project"
cp "$RUNFILES/tests/consumers/cmake/CMakeLists.txt" "$RUNFILES/tests/consumers/example/orders_example.cc" \
  "$RUNFILES/tests/consumers/example/warehouse.proto" "$project/"
configure_and_build "$project" "$WORK/orders-build"
readelf -d "$WORK/orders-build/orders_example" | grep -F "[libsts-client.so.$abi]" >/dev/null ||
  fail "orders_example does not load libsts-client.so.$abi"

step "dpkg -x sts-client-soap; cmake: soap_example, shared and static"
dpkg -x "$RUNFILES/packaging/sts-client-soap.deb" "$root"
mkdir -p "$WORK/soap"
cp "$RUNFILES/tests/consumers/cmake/soap/CMakeLists.txt" "$RUNFILES/tests/consumers/example/soap_example.cc" \
  "$WORK/soap/"
configure_and_build "$WORK/soap" "$WORK/soap-build"
readelf -d "$WORK/soap-build/soap_example" | grep -F "[libsts-client-soap.so.$abi]" >/dev/null ||
  fail "soap_example does not load libsts-client-soap.so.$abi"
if readelf -d "$WORK/soap-build/soap_example_static" | grep "libsts-client" >/dev/null; then
  fail "soap_example_static loads a shared libsts-client"
fi

step "run them against sts_server"
start_sts
# CMake gave the programs an RPATH to the scratch root's libraries.
run_example "$WORK/orders.log" "$WORK/orders-build/orders_example" "$STS_ADDRESS" "$WORK/pki"
expect_output "$WORK/orders.log" "sts client library $version"
run_example "$WORK/soap.log" "$WORK/soap-build/soap_example" "$STS_ADDRESS" "$WORK/pki"
run_example "$WORK/soap-static.log" "$WORK/soap-build/soap_example_static" "$STS_ADDRESS" "$WORK/pki"
step "done"
