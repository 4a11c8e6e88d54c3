#!/usr/bin/env bash
# The out-of-tree Bazel example (docs/USING.md, "Bazel"): a separate
# workspace, the files beside this script plus the sources of
# tests/consumers/example, laid out next to a link to this checkout (../sts)
# in a directory outside the checkout (STS_CONSUMER_CACHE, by default
# ~/.cache/sts-bazel-consumer/<checkout hash>), and built there by its own
# Bazel server (own output base, kept for the next run; offline). It runs orders_test (InProcessSts from
# @sts//tests/harness:in_process_sts) and orders_example against a real
# sts_server built by this checkout's workspace; it checks that a library of
# a group the workspace did not ask for fails with what to change, and that a
# workspace asking for an unknown group is refused. First, that docs/USING.md
# shows exactly these files (tests/consumers/using_md_test.py).
#
# A nested Bazel cannot run inside `bazel test` (its sandbox and output
# base), so tests/run_all.sh runs this script and counts it as one test.
# Run it from anywhere: tests/consumers/bazel/bazel_consumer_test.sh
set -euo pipefail
CHECKOUT=$(cd "$(dirname "$0")/../../.." && pwd)
source "$CHECKOUT/tests/consumers/consumer_lib.sh"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sts-bazel-consumer.XXXXXX")  # logs, PKI; removed at exit
# The consumer's workspaces and Bazel output bases, kept between runs outside
# the checkout (one directory per checkout), so that a second run rebuilds
# only what changed. Remove the directory to start from nothing.
CACHE=${STS_CONSUMER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sts-bazel-consumer/$(
  printf %s "$CHECKOUT" | md5sum | cut -c1-12)}
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock -w 600 9 || fail "another run holds $CACHE/.lock"
consumer_bazel() {  # the consumer's own Bazel server
  bazel --output_base="$CACHE/output_base" --max_idle_secs=300 "$@"
}
cleanup() {
  (cd "$CACHE/orders" 2>/dev/null && consumer_bazel shutdown 2>/dev/null) || true
  (cd "$CACHE/unknown_group" 2>/dev/null &&
    bazel --output_base="$CACHE/unknown_group_base" shutdown 2>/dev/null) || true
  rm -rf "$WORK"
}
at_exit cleanup

step "docs/USING.md shows this workspace's files"
/usr/bin/python3 "$CHECKOUT/tests/consumers/using_md_test.py" --checkout "$CHECKOUT" ||
  fail "docs/USING.md's Bazel blocks are not this workspace's files"

step "sts_server, from this checkout's workspace"
(cd "$CHECKOUT" && bazel build //sts:sts_server) >"$WORK/main_build.log" 2>&1 ||
  { cat "$WORK/main_build.log" >&2; fail "bazel build //sts:sts_server"; }
STS_SERVER=$(cd "$CHECKOUT" && bazel info bazel-bin 2>/dev/null)/sts/sts_server
[[ -x $STS_SERVER ]] || fail "no $STS_SERVER"

step "the consumer workspace, beside ../sts"
ln -sfn "$CHECKOUT" "$CACHE/sts"
rm -rf "$CACHE/orders" "$CACHE/unknown_group"
mkdir "$CACHE/orders"
cp "$CHECKOUT/tests/consumers/bazel/"{WORKSPACE,.bazelrc,BUILD.bazel,orders_test.cc} \
  "$CHECKOUT/tests/consumers/example/"{orders_example.cc,warehouse.proto} "$CACHE/orders/"
cd "$CACHE/orders"

step "bazel test //:orders_test (the client library and InProcessSts from @sts)"
consumer_bazel test --test_output=errors //:orders_test >"$WORK/test.log" 2>&1 ||
  { cat "$WORK/test.log" >&2; fail "bazel test //:orders_test"; }
grep -E '^//:orders_test ' "$WORK/test.log"

step "bazel build //:orders_example, run against sts_server"
consumer_bazel build //:orders_example >"$WORK/build.log" 2>&1 ||
  { cat "$WORK/build.log" >&2; fail "bazel build //:orders_example"; }
start_sts
run_example "$WORK/example.log" "$(consumer_bazel info bazel-bin 2>/dev/null)/orders_example" \
  "$STS_ADDRESS" "$WORK/pki"

step "a group the workspace did not ask for"
expect_failure "$WORK/server_group.log" 'is in the "server" group' \
  consumer_bazel build @sts_system//:hiredis

step "a workspace asking for an unknown group"
mkdir "$CACHE/unknown_group"
sed 's/"test",/"tset",/' WORKSPACE >"$CACHE/unknown_group/WORKSPACE"
grep -q '"tset"' "$CACHE/unknown_group/WORKSPACE" || fail "could not make the unknown-group WORKSPACE"
cp .bazelrc "$CACHE/unknown_group/"
touch "$CACHE/unknown_group/BUILD.bazel"
(cd "$CACHE/unknown_group" &&
  expect_failure "$WORK/unknown_group.log" 'unknown group "tset"' \
    bazel --output_base="$CACHE/unknown_group_base" --max_idle_secs=60 query @sts_system//:all)
step "done"
