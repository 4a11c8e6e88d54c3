#!/usr/bin/env bash
# The pkg-config example against the installed Debian packages: dpkg -x of
# sts-client and sts-client-soap into a scratch root (never the machine's),
# every installed header compiled against the flags pkg-config gives, the
# Makefile beside this script building orders_example (shared and static
# library) with Debian's protoc for the team's own service, and both runs
# against a real sts_server. Refusals: a version the package is not, and the
# soap module without the package it requires.
set -euo pipefail
RUNFILES=$TEST_SRCDIR/sts
CHECKOUT=$RUNFILES
STS_SERVER=$RUNFILES/sts/sts_server
WORK=$TEST_TMPDIR
source "$RUNFILES/tests/consumers/consumer_lib.sh"

version=$(tr -d '[:space:]' <"$RUNFILES/VERSION")
abi=$(abi_version "$version")
root=$WORK/root
arch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
export PKG_CONFIG_PATH=$root/usr/lib/$arch/pkgconfig

step "soap alone: its module names the one it requires"
dpkg -x "$RUNFILES/packaging/sts-client-soap.deb" "$root"
expect_failure "$WORK/pc.log" "Package 'sts-client', required by 'sts-client-soap', not found" \
  pkg-config --print-errors --cflags sts-client-soap

step "dpkg -x sts-client; the modules and their versions"
dpkg -x "$RUNFILES/packaging/sts-client.deb" "$root"
modules=(sts-client sts-client-static sts-client-soap sts-client-soap-static)
# (pkg-config walks Abseil's many modules for each call: one call for all.)
[[ $(pkg-config --modversion "${modules[@]}" | sort -u) == "$version" ]] ||
  fail "the modules are not all version $version: $(pkg-config --modversion "${modules[@]}")"
pkg-config --libs "${modules[@]}" >/dev/null || fail "pkg-config --libs ${modules[*]}"
expect_failure "$WORK/pc.log" "Package 'sts-client' has version '$version', required version is '>= 99.0'" \
  pkg-config --print-errors --exists "sts-client >= 99.0"

step "every installed header, with pkg-config --cflags"
include=$root/usr/include/sts-client
# One translation unit per component holding all of its headers: each
# include of ours must resolve inside the install, the rest in the Debian
# packages the module requires.
for component in sts-client sts-client-soap; do
  {
    (cd "$include" && find . -name '*.h' | sort | sed 's|^\./||') | while read -r header; do
      if [[ $component == sts-client && $header == client/soap/* ]]; then continue; fi
      echo "#include \"$header\""
    done
  } >"$WORK/$component-headers.cc"
  [[ -s $WORK/$component-headers.cc ]] || fail "no headers installed"
  # shellcheck disable=SC2046
  g++ -std=c++17 -fsyntax-only $(pkg-config --cflags $component) "$WORK/$component-headers.cc" ||
    fail "the installed headers of $component do not compile"
done

step "make: orders_example against the shared and the static library"
project=$WORK/orders
mkdir -p "$project"
cp "$RUNFILES/tests/consumers/pkgconfig/Makefile" "$RUNFILES/tests/consumers/example/orders_example.cc" \
  "$RUNFILES/tests/consumers/example/warehouse.proto" "$project/"
make -C "$project" -j2 CXXFLAGS=-O1 >"$WORK/make.log" 2>&1 || { cat "$WORK/make.log" >&2; fail "make"; }
readelf -d "$project/orders_example" | grep -F "[libsts-client.so.$abi]" >/dev/null ||
  fail "orders_example does not load libsts-client.so.$abi"
if readelf -d "$project/orders_example_static" | grep "libsts-client" >/dev/null; then
  fail "orders_example_static loads libsts-client"
fi

step "run both against sts_server"
start_sts
LD_LIBRARY_PATH=$root/usr/lib/$arch run_example "$WORK/shared.log" "$project/orders_example" \
  "$STS_ADDRESS" "$WORK/pki"
run_example "$WORK/static.log" "$project/orders_example_static" "$STS_ADDRESS" "$WORK/pki"
expect_output "$WORK/static.log" "sts client library $version"
step "done"
