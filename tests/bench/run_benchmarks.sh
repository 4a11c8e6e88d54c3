#!/usr/bin/env bash
# The benchmark command (README.md, "Benchmarks"). On a Debian 12 machine, as
# root, from the checkout:
#
#   tests/bench/run_benchmarks.sh              # full run, about 25 minutes
#   tests/bench/run_benchmarks.sh --sustained  # and 6-minute Issue, Validate, Renew
#                                              # runs (about 20 minutes more)
#   tests/bench/run_benchmarks.sh --quick      # a minute: checks the harness only
#
# Installs what is missing (sts/dev/setup_host.sh, and python3-matplotlib for
# the plot), builds the optimised binaries (--config=opt, and the primitive
# and message-protection benchmarks again with --config=opt --config=boringssl
# for the report's BoringSSL columns), runs tests/bench/bench_suite.sh (load
# sweep with the server and load generator pinned to different CPUs,
# micro-benchmarks on both backends, memory), and writes
#   docs/benchmarks.json   every figure, ratio and verdict, the machine, the date
#   docs/BENCHMARKS.md     the tables, the verdicts, docs/benchmarks.png
# A quick run writes to $BENCH_OUT (default /tmp/sts-bench/report) instead, so
# the checked-in report is only ever replaced by a full run; a full run
# writes there too when BENCH_OUT is set (e.g. a trial run on a busy machine).
#
# Prints a verdict per target (PASS / FAIL / NOT MEASURED). Exits 0 whatever
# the verdicts: a benchmark reports, it does not fail a build. Non-zero means
# the harness itself failed (a build, a server that would not start, a call
# that returned an error).
#
# Options are passed to bench_suite.sh (see its header), e.g. --sustained,
# --sustained_minutes 8, --no_pin, --sweep "1 8 32", --duration 5,
# --sections "closed open", --scale "1000 100000". Environment:
#   BAZEL_STARTUP_OPTIONS   e.g. "--output_base=/tmp/bazel_bench"
#   BENCH_RESULTS           raw results directory (default /tmp/sts-bench/raw)
#   BENCH_OUT               where the report goes (default: docs/ for a full
#                           run, /tmp/sts-bench/report for --quick)
#   BENCH_SKIP_SETUP=1      do not run setup_host.sh / apt-get
set -euo pipefail
cd "$(dirname "$0")/../.."

quick=0
for a in "$@"; do [[ $a == --quick ]] && quick=1; done

if [[ ${BENCH_SKIP_SETUP:-0} != 1 ]]; then
  sts/dev/setup_host.sh
  if ! /usr/bin/python3 -c 'import matplotlib' 2>/dev/null; then
    if [[ $(id -u) -eq 0 ]]; then
      echo "bench: installing python3-matplotlib for the plot" >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        python3-matplotlib >/dev/null
    else
      echo "bench: python3-matplotlib is missing; the report will have no plot" >&2
    fi
  fi
fi

# shellcheck disable=SC2086  # startup options are words
bazel ${BAZEL_STARTUP_OPTIONS:-} build --config=opt \
  //tests/bench:noop_server //tests/bench:minimal_noop_server \
  //tests/bench:protected_echo_server //tests/bench:load_generator \
  //tests/bench:micro_benchmark //tests/bench:soap_benchmark //tests/bench:keyring_memory \
  //sts:sts_server //sts:sts_keyset
# shellcheck disable=SC2086
bin_dir=$(bazel ${BAZEL_STARTUP_OPTIONS:-} info --config=opt bazel-bin 2>/dev/null)
# The same primitives and message protection on BoringSSL (its own output
# directory, so neither build evicts the other).
# shellcheck disable=SC2086
bazel ${BAZEL_STARTUP_OPTIONS:-} build --config=opt --config=boringssl \
  //tests/bench:primitive_benchmark //tests/bench:message_protection_benchmark
# shellcheck disable=SC2086
boringssl_bin_dir=$(bazel ${BAZEL_STARTUP_OPTIONS:-} info --config=opt --config=boringssl \
  bazel-bin 2>/dev/null)

results=${BENCH_RESULTS:-/tmp/sts-bench/raw}
rm -rf "$results"
echo "bench: load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)" \
  "(figures are only meaningful on a quiet machine)" >&2
tests/bench/bench_suite.sh --bin_dir "$bin_dir" --boringssl_bin_dir "$boringssl_bin_dir" \
  --pki_script sts/dev/make_pki.sh --out "$results" "$@"

if ((quick)); then
  report_dir=${BENCH_OUT:-/tmp/sts-bench/report}
else
  report_dir=${BENCH_OUT:-docs}
fi
mkdir -p "$report_dir"
commit=$(git rev-parse HEAD 2>/dev/null || true)
/usr/bin/python3 tests/bench/report.py --results "$results" --commit "$commit" \
  --json "$report_dir/benchmarks.json" --markdown "$report_dir/BENCHMARKS.md" \
  --plot "$report_dir/benchmarks.png" --notes tests/bench/ANALYSIS.md
echo "bench: report in $report_dir/BENCHMARKS.md and $report_dir/benchmarks.json" >&2
