#!/usr/bin/env bash
# The README's second command. On a Debian 12 machine, as root: installs what
# is missing (apt-get), builds, runs every Bazel test target, then the crypto,
# wire and protect tests again on BoringSSL (--config=boringssl), the suite
# under ASan+UBSan and its concurrency-bearing targets under TSan, then the
# container test, which cannot run under Bazel (it needs root, podman and
# Debian's registry), and the kube-play test of the Kubernetes manifests
# (tests/ops/kube_play_test.sh), on images built once for both. Set
# STS_SKIP_CONTAINER_TEST=1 to skip those for quick local runs; CI never
# does. Ends with the line "N passed, N failed" (test targets, each podman
# test counting as one) and exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

container=1
[[ ${STS_SKIP_CONTAINER_TEST:-0} == 1 ]] && container=0

if ((container)); then
  sts/dev/setup_host.sh --container || exit 1
else
  sts/dev/setup_host.sh || exit 1
fi

passed=0 failed=0
# Runs one `bazel test` pass and adds its test targets to the totals.
bazel_test_pass() {
  local log status pass_passed pass_failed
  log=$(mktemp)
  bazel test "$@" 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  # One summary line per test target: "//pkg:target   PASSED in 1.2s".
  pass_passed=$(grep -cE '^//[^ ]+ +(\(cached\) )?PASSED' "$log")
  pass_failed=$(grep -cE '^//[^ ]+ +(\(cached\) )?(FAILED|TIMEOUT|NO STATUS|INCOMPLETE|FLAKY)|^//[^ ]+ +FAILED TO BUILD' "$log")
  rm -f "$log"
  if ((status != 0 && pass_failed == 0)); then
    echo "bazel test $* exited with status $status before reporting test results" >&2
    pass_failed=1
  fi
  passed=$((passed + pass_passed))
  failed=$((failed + pass_failed))
}

bazel_test_pass //...
# The crypto module and the layers above it that link no gRPC, on BoringSSL
# (README.md, "Folder map"); the rest links Debian's gRPC, hence OpenSSL 3.
bazel_test_pass --config=boringssl //client/crypto/... //client/wire/... //client/protect/...
# The sanitizer passes (.bazelrc): the whole suite under AddressSanitizer +
# UndefinedBehaviorSanitizer, then the concurrency-bearing targets (tagged
# "tsan") under ThreadSanitizer. Any report fails its test. Both build only
# what tests need; the ASan pass leaves out the benchmark harness, whose
# figures mean nothing under a sanitizer (its servers' code paths are the
# ones the e2e tests, drills and soak run under ASan).
bazel_test_pass --config=asan --build_tests_only -- //... -//tests/bench/...
bazel_test_pass --config=tsan --test_tag_filters=tsan --build_tests_only //...

# The out-of-tree Bazel workspace of docs/USING.md ("Bazel"): it runs a nested
# Bazel (own output base outside the checkout, offline), which `bazel test` cannot,
# so it runs here and counts as one test target.
consumer_started=$SECONDS
if tests/consumers/bazel/bazel_consumer_test.sh; then
  echo "//tests/consumers/bazel:bazel_consumer_test.sh                   PASSED in $((SECONDS - consumer_started))s"
  passed=$((passed + 1))
else
  echo "//tests/consumers/bazel:bazel_consumer_test.sh                   FAILED in $((SECONDS - consumer_started))s"
  failed=$((failed + 1))
fi

# Steps that cannot run under Bazel (root, podman, the images), each
# counted as one test: the image is built once (tests/ops/build_images.sh)
# for the container test and the kube-play test, and removed at the end.
# Reports each step's time.
podman_step() {  # name, then the command
  local name=$1 start=$SECONDS; shift
  if "$@"; then
    printf '%-72s PASSED in %ss\n' "$name" $((SECONDS - start))
    passed=$((passed + 1))
  else
    printf '%-72s FAILED in %ss\n' "$name" $((SECONDS - start))
    failed=$((failed + 1))
  fi
}
if ((container)); then
  images_made=$(mktemp)
  trap 'tests/ops/remove_images.sh "$images_made"' EXIT
  export STS_TEST_IMAGE=localhost/sts-run-all-$$:latest
  export STS_TEST_REDIS_IMAGE=localhost/sts-run-all-$$-redis:latest
  echo "tests/ops/build_images.sh: building the STS and Redis images (several minutes)"
  images_start=$SECONDS
  if ! tests/ops/build_images.sh "$STS_TEST_IMAGE" "$STS_TEST_REDIS_IMAGE" "$images_made"; then
    # Both podman tests fail without their images, and say so once.
    echo "tests/ops/build_images.sh: the images did not build" >&2
    echo "//tests/container:container_test.sh                              FAILED"
    echo "//tests/ops:kube_play_test.sh                                    FAILED"
    failed=$((failed + 2))
    container=0
  fi
  echo "tests/ops/build_images.sh: $((SECONDS - images_start)) s"
fi

if ((container)); then
  echo "tests/container/container_test.sh: running the image"
  if tests/container/container_test.sh; then
    echo "//tests/container:container_test.sh                              PASSED"
    passed=$((passed + 1))
  else
    echo "//tests/container:container_test.sh                              FAILED"
    failed=$((failed + 1))
  fi
elif [[ -z ${STS_TEST_IMAGE:-} ]]; then
  echo "tests/container/container_test.sh: skipped (STS_SKIP_CONTAINER_TEST=1)"
fi

# The Kubernetes manifests (docker/k8s/), brought up with podman kube play.
if ((container)); then
  echo "tests/ops/kube_play_test.sh: Redis and three STS replicas from docker/k8s/"
  podman_step //tests/ops:kube_play_test.sh tests/ops/kube_play_test.sh
elif [[ -z ${STS_TEST_IMAGE:-} ]]; then
  echo "tests/ops/kube_play_test.sh: skipped (STS_SKIP_CONTAINER_TEST=1)"
fi

echo "$passed passed, $failed failed"
((failed == 0))
