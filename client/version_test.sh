#!/usr/bin/env bash
# client/version.h comes from the repository's VERSION (make_version_h.sh),
# which refuses what is not a version.
set -euo pipefail
RUNFILES=$TEST_SRCDIR/sts
fail() { echo "FAIL: $*" >&2; exit 1; }
make_h=$RUNFILES/client/make_version_h.sh
template=$RUNFILES/client/version.h.in
version=$(tr -d '[:space:]' <"$RUNFILES/VERSION")

grep -qx "#define STS_CLIENT_VERSION \"$version\"" "$RUNFILES/client/version.h" ||
  fail "client/version.h does not say $version"

# make_version_h VERSION_TEXT: the header made from a VERSION holding it.
make_version_h() {
  printf '%s\n' "$1" >"$TEST_TMPDIR/VERSION"
  "$make_h" "$TEST_TMPDIR/VERSION" "$template" "$TEST_TMPDIR/version.h"
}
make_version_h "1.20.3-rc1"
for line in '#define STS_CLIENT_VERSION "1.20.3-rc1"' '#define STS_CLIENT_VERSION_MAJOR 1' \
    '#define STS_CLIENT_VERSION_MINOR 20' '#define STS_CLIENT_VERSION_PATCH 3'; do
  grep -qxF "$line" "$TEST_TMPDIR/version.h" || fail "1.20.3-rc1 did not give: $line"
done
make_version_h "0.09.0"  # not octal
grep -qxF '#define STS_CLIENT_VERSION_MINOR 9' "$TEST_TMPDIR/version.h" || fail "0.09.0: minor is not 9"

for bad in "" "0.9" "v0.9.0" "0.9.0 beta" "0.9.x" "0.9.0/1"; do
  if make_version_h "$bad" 2>"$TEST_TMPDIR/err"; then fail "'$bad' was accepted as a version"; fi
  grep -q "does not hold a version like 1.2.3" "$TEST_TMPDIR/err" || fail "'$bad': $(cat "$TEST_TMPDIR/err")"
done
echo "PASS"
