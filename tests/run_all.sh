#!/usr/bin/env bash
# The README's second command. On a Debian 12 machine, as root: installs what
# is missing (apt-get), builds, runs every Bazel test target, then the
# container test, which cannot run under Bazel (it needs root, podman and
# Debian's registry). Set STS_SKIP_CONTAINER_TEST=1 to skip it for quick local
# runs; CI never does. Ends with the line "N passed, N failed" (test targets,
# the container test counting as one) and exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

container=1
[[ ${STS_SKIP_CONTAINER_TEST:-0} == 1 ]] && container=0

if ((container)); then
  sts/dev/setup_host.sh --container || exit 1
else
  sts/dev/setup_host.sh || exit 1
fi

log=$(mktemp)
bazel test //... 2>&1 | tee "$log"
bazel_status=${PIPESTATUS[0]}

# One summary line per test target: "//pkg:target   PASSED in 1.2s".
passed=$(grep -cE '^//[^ ]+ +(\(cached\) )?PASSED' "$log")
failed=$(grep -cE '^//[^ ]+ +(\(cached\) )?(FAILED|TIMEOUT|NO STATUS|INCOMPLETE|FLAKY)|^//[^ ]+ +FAILED TO BUILD' "$log")
rm -f "$log"
if ((bazel_status != 0 && failed == 0)); then
  echo "bazel test exited with status $bazel_status before reporting test results" >&2
  failed=$((failed + 1))
fi

if ((container)); then
  echo "tests/container/container_test.sh: building and running the image (several minutes)"
  if tests/container/container_test.sh; then
    echo "//tests/container:container_test.sh                              PASSED"
    passed=$((passed + 1))
  else
    echo "//tests/container:container_test.sh                              FAILED"
    failed=$((failed + 1))
  fi
else
  echo "tests/container/container_test.sh: skipped (STS_SKIP_CONTAINER_TEST=1)"
fi

echo "$passed passed, $failed failed"
((failed == 0))
