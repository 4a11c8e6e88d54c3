#!/usr/bin/env bash
# The benchmark harness in quick mode (seconds): starts noop_server and
# sts_server, drives each RPC for about a second, runs the micro-benchmarks
# and the memory benchmark briefly, and passes when report.py --check finds
# every figure and zero failed calls. It never asserts a speed.
set -euo pipefail
root=$TEST_SRCDIR/sts
out=$TEST_TMPDIR/bench
# Bazel runs tests beside others: pinning to fixed CPUs would only make
# them compete for the same core.
"$root/tests/bench/bench_suite.sh" --quick --no_pin --bin_dir "$root" \
  --pki_script "$root/sts/dev/make_pki.sh" --out "$out"
/usr/bin/python3 "$root/tests/bench/report.py" --results "$out" --json "$out/report.json" \
  --markdown "$out/BENCHMARKS.md" --check
