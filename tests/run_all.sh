#!/usr/bin/env bash
# The README's second command: set up the machine (Debian 12, root: apt-get
# what is missing), build, and run every Bazel test target; then the tests
# that must run outside Bazel's sandbox (the container image, issue #7's
# scope, skipped with STS_SKIP_CONTAINER_TEST=1 for quick local runs, never in
# CI). Ends with the line "N passed, N failed" (test targets) and exits
# non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

sts/dev/setup_host.sh || exit 1

log=$(mktemp)
bazel test //... 2>&1 | tee "$log"
bazel_status=${PIPESTATUS[0]}

# One summary line per test target: "//pkg:target   PASSED in 1.2s".
passed=$(grep -cE '^//[^ ]+ +(\(cached\) )?PASSED' "$log")
failed=$(grep -cE '^//[^ ]+ +(\(cached\) )?(FAILED|TIMEOUT|NO STATUS|INCOMPLETE|FLAKY)|^//[^ ]+ +FAILED TO BUILD' "$log")
rm -f "$log"
if ((bazel_status != 0 && failed == 0)); then
  echo "bazel test exited with status $bazel_status before reporting test results" >&2
  failed=1
fi

echo "$passed passed, $failed failed"
((failed == 0))
