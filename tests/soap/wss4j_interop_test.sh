#!/usr/bin/env bash
# Debian's python3 (python3-protobuf), never the first python3 on PATH.
exec /usr/bin/python3 "$TEST_SRCDIR/sts/tests/soap/wss4j_interop_test.py" "$@"
