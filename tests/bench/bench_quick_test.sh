#!/usr/bin/env bash
# The benchmark harness in quick mode (about a minute): every section of
# bench_suite.sh (ceiling and STS rows in each completion-queue
# configuration, open loop, the protected call, live-context scaling,
# stateless variants with Redis, sustained runs, micro-benchmarks, memory)
# runs for a fraction of a second, and the test passes when report.py
# --check finds every figure and zero failed calls. It never asserts a speed.
# First, the harness's own tools must refuse bad input clearly.
set -euo pipefail
root=$TEST_SRCDIR/sts
out=$TEST_TMPDIR/bench
bench=$root/tests/bench

# expect_refusal TEXT COMMAND...: COMMAND fails, saying TEXT.
expect_refusal() {
  local want=$1 said status=0; shift
  said=$("$@" 2>&1) || status=$?
  if ((status == 0)); then echo "accepted, should have refused: $*" >&2; exit 1; fi
  if [[ $said != *"$want"* ]]; then
    echo "refused without saying \"$want\": $*: $said" >&2; exit 1
  fi
}
expect_refusal "needs --sts_target" "$bench/load_generator" --target=127.0.0.1:1 \
  --rpc=protected_echo
expect_refusal "--prefill must not be negative" "$bench/load_generator" --target=127.0.0.1:1 \
  --rpc=validate --prefill=-1
expect_refusal "are required" "$bench/protected_echo_server" --client_ca=/nonexistent
expect_refusal "readable PEM files" "$bench/minimal_noop_server" --client_ca=/nonexistent \
  --cert=/nonexistent --key=/nonexistent
expect_refusal "unknown option" "$bench/bench_suite.sh" --no_such_option
mkdir -p "$TEST_TMPDIR/empty"
expect_refusal "not a bench_suite.sh result" /usr/bin/python3 "$bench/report.py" \
  --results "$TEST_TMPDIR/empty" --check

# Bazel runs tests beside others: pinning to fixed CPUs would only make
# them compete for the same core.
"$bench/bench_suite.sh" --quick --no_pin --bin_dir "$root" \
  --pki_script "$root/sts/dev/make_pki.sh" --out "$out"
/usr/bin/python3 "$bench/report.py" --results "$out" --json "$out/report.json" \
  --markdown "$out/BENCHMARKS.md" --check
# The open-loop window is its own (--open_duration), and the report says it.
grep -q "0.5 s per repetition" "$out/BENCHMARKS.md" ||
  { echo "the report does not give the open-loop window" >&2; exit 1; }
