#!/usr/bin/env bash
# soname.sh VERSION_FILE LIBRARY OUT: writes the linker option that names the
# shared library LIBRARY by its SONAME, libLIBRARY.so.MAJOR.MINOR while MAJOR
# is 0 and libLIBRARY.so.MAJOR from 1.0 (docs/USING.md, "Versions").
set -euo pipefail
version=$(tr -d '[:space:]' <"$1")
if [[ ! $version =~ ^([0-9]+)\.([0-9]+)\.([0-9]+)([.+-][0-9A-Za-z.+-]+)?$ ]]; then
  echo "soname.sh: $1 does not hold a version like 1.2.3: '$version'" >&2
  exit 1
fi
major=$((10#${BASH_REMATCH[1]})) minor=$((10#${BASH_REMATCH[2]}))
if ((major == 0)); then abi=$major.$minor; else abi=$major; fi
echo "-soname=lib$2.so.$abi" >"$3"
