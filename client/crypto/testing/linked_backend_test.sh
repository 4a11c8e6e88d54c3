#!/usr/bin/env bash
# Checks which libcrypto the given binaries load, with ldd (the dynamic
# loader's own resolution, so an rpath or a missing library shows):
#   boringssl  Android's BoringSSL (.../android/libcrypto.so.0) and never
#              OpenSSL 3's libcrypto.so.3: two libcrypto in one process clash;
#   openssl    OpenSSL 3's libcrypto.so.3 and never BoringSSL.
# Usage: linked_backend_test.sh boringssl|openssl BINARY...
set -euo pipefail

backend=$1
shift
(($#)) || { echo "usage: $0 boringssl|openssl BINARY..." >&2; exit 2; }
status=0
for binary in "$@"; do
  libs=$(ldd "$binary") || { echo "FAIL: ldd $binary failed" >&2; exit 1; }
  if grep -q "not found" <<<"$libs"; then
    echo "FAIL: $binary has unresolved libraries:" >&2
    grep "not found" <<<"$libs" >&2
    status=1
    continue
  fi
  crypto=$(grep -E '^\s*libcrypto\.so' <<<"$libs" || true)
  echo "$binary:"
  echo "${crypto:-  (no libcrypto)}"
  boringssl=$(grep -cE '^\s*libcrypto\.so\.0 => /usr/lib/[^ ]*/android/libcrypto\.so\.0 ' <<<"$crypto" || true)
  openssl=$(grep -cE '^\s*libcrypto\.so\.3 => ' <<<"$crypto" || true)
  case $backend in
    boringssl) expected=$boringssl unexpected=$openssl other="OpenSSL 3's libcrypto.so.3" ;;
    openssl) expected=$openssl unexpected=$boringssl other="BoringSSL" ;;
    *) echo "unknown backend $backend" >&2; exit 2 ;;
  esac
  if ((expected != 1)); then
    echo "FAIL: $binary does not load the $backend libcrypto" >&2
    status=1
  fi
  if ((unexpected != 0)); then
    echo "FAIL: $binary also loads $other" >&2
    status=1
  fi
done
((status == 0)) && echo "PASS: every binary loads the $backend libcrypto, and only it"
exit "$status"
