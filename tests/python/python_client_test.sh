#!/usr/bin/env bash
# Debian's python3 (which sees python3-grpcio), never the first python3 on PATH.
exec /usr/bin/python3 "$TEST_SRCDIR/sts/tests/python/python_client_test.py" "$@"
