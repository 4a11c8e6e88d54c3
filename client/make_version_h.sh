#!/usr/bin/env bash
# make_version_h.sh VERSION_FILE TEMPLATE OUT: the version header from the
# repository's VERSION (one line, MAJOR.MINOR.PATCH with an optional suffix,
# the shape client/python/codegen.py accepts too); anything else is refused.
set -euo pipefail
version_file=$1 template=$2 out=$3
version=$(tr -d '[:space:]' <"$version_file")
if [[ ! $version =~ ^([0-9]+)\.([0-9]+)\.([0-9]+)([.+-][0-9A-Za-z.+-]+)?$ ]]; then
  echo "make_version_h.sh: $version_file does not hold a version like 1.2.3: '$version'" >&2
  exit 1
fi
# Leading zeros would make the macros octal; 0 itself is fine.
major=$((10#${BASH_REMATCH[1]})) minor=$((10#${BASH_REMATCH[2]})) patch=$((10#${BASH_REMATCH[3]}))
sed -e "s/@VERSION@/$version/" -e "s/@MAJOR@/$major/" -e "s/@MINOR@/$minor/" \
    -e "s/@PATCH@/$patch/" "$template" >"$out"
