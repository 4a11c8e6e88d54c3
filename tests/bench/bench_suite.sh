#!/usr/bin/env bash
# Runs every benchmark with binaries already built, writing raw results to
# OUT (JSON per measurement, logs). run_benchmarks.sh builds and then calls
# this; bench_quick_test calls it with --quick from Bazel's runfiles.
#
#   bench_suite.sh --bin_dir DIR --pki_script make_pki.sh --out OUT [options]
#
# DIR holds tests/bench/{noop_server,load_generator,micro_benchmark,
# keyring_memory} and sts/sts_server (a bazel-bin, or a runfiles tree).
# --boringssl_bin_dir DIR2 (optional) holds tests/bench/{primitive_benchmark,
# message_protection_benchmark} built with --config=boringssl: they run after
# the micro-benchmarks, with the same settings, into OUT/micro_boringssl/.
#
# Load: for each concurrency of --sweep, and each RPC in turn (noop ceiling,
# Issue, Validate, Renew), a fresh server (noop_server or sts_server) is
# started, pinned to --server_cpu, and load_generator, pinned to
# --client_cpu, drives it for --warmup then --duration. Fresh servers make
# every point start from the same state (an empty keyring, an empty replay
# cache). The --headline concurrency is measured --repeat times, interleaved,
# and the report takes medians. Then Issue runs open-loop at half the highest
# Issue throughput seen, for its latency at half load. Micro-benchmarks and
# the memory benchmark follow.
#
# Options (defaults in brackets):
#   --quick                 seconds, not minutes: a harness check only
#   --sweep "1 4 16 32 64 128"   calls in flight per point
#   --headline 32           the concurrency targets are checked at
#   --repeat 3              measurements of the headline point
#   --duration 10 --warmup 2   seconds per point
#   --channels 1            connections per load generator
#   --no_pin                no taskset
#   --server_cpu 0 --client_cpu 1
#   --micro_min_time 0.5 --micro_repetitions 3
#   --memory_tokens 1000000
#   --rpcs "noop issue issue_metrics validate renew"
#                           (issue_metrics: Issue against sts_server with
#                           metrics on, scraped every second: the cost of
#                           metrics, against issue in the same run)
set -euo pipefail

bin_dir= boringssl_bin_dir= pki_script= out=
quick=0 sweep="1 4 16 32 64 128" headline=32 repeat=3 duration=10 warmup=2 channels=1
pin=1 server_cpu=0 client_cpu=1 micro_min_time=0.5 micro_repetitions=3
memory_tokens=1000000 rpcs="noop issue issue_metrics validate renew"
while (($#)); do
  case $1 in
    --bin_dir) bin_dir=$2; shift ;;
    --boringssl_bin_dir) boringssl_bin_dir=$2; shift ;;
    --pki_script) pki_script=$2; shift ;;
    --out) out=$2; shift ;;
    --quick) quick=1 ;;
    --sweep) sweep=$2; shift ;;
    --headline) headline=$2; shift ;;
    --repeat) repeat=$2; shift ;;
    --duration) duration=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    --channels) channels=$2; shift ;;
    --no_pin) pin=0 ;;
    --server_cpu) server_cpu=$2; shift ;;
    --client_cpu) client_cpu=$2; shift ;;
    --micro_min_time) micro_min_time=$2; shift ;;
    --micro_repetitions) micro_repetitions=$2; shift ;;
    --memory_tokens) memory_tokens=$2; shift ;;
    --rpcs) rpcs=$2; shift ;;
    *) echo "bench_suite.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[[ -n $bin_dir && -n $pki_script && -n $out ]] ||
  { echo "bench_suite.sh: --bin_dir, --pki_script and --out are required" >&2; exit 2; }
if ((quick)); then
  sweep=8 headline=8 repeat=1 duration=1 warmup=0.5 micro_min_time=0.01 micro_repetitions=1
  memory_tokens=100000
fi

noop_server=$bin_dir/tests/bench/noop_server
load_generator=$bin_dir/tests/bench/load_generator
micro_benchmark=$bin_dir/tests/bench/micro_benchmark
keyring_memory=$bin_dir/tests/bench/keyring_memory
sts_server=$bin_dir/sts/sts_server
boringssl_benchmarks=()
if [[ -n $boringssl_bin_dir ]]; then
  boringssl_benchmarks=("$boringssl_bin_dir/tests/bench/primitive_benchmark"
                        "$boringssl_bin_dir/tests/bench/message_protection_benchmark")
fi
for b in "$noop_server" "$load_generator" "$micro_benchmark" "$keyring_memory" "$sts_server" \
         "${boringssl_benchmarks[@]}"; do
  [[ -x $b ]] || { echo "bench_suite.sh: missing binary $b" >&2; exit 2; }
done

mkdir -p "$out"/{load,logs,pki}
out=$(cd "$out" && pwd)
log() { echo "bench: $*" >&2; }

server_pin=() client_pin=()
if ((pin)); then
  if command -v taskset >/dev/null && taskset -c "$server_cpu,$client_cpu" true 2>/dev/null; then
    server_pin=(taskset -c "$server_cpu") client_pin=(taskset -c "$client_cpu")
  else
    log "taskset cannot pin to CPUs $server_cpu and $client_cpu here: running unpinned"
    pin=0
  fi
fi

# ------------------------------------------------------------------ PKI
pki=$out/pki
if [[ ! -f $pki/relying-party.pem ]]; then
  "$pki_script" ca "$pki" ca
  "$pki_script" leaf "$pki" ca server --server --cn localhost --dns localhost --ip 127.0.0.1
  "$pki_script" leaf "$pki" ca client --cn client --uri spiffe://bench.example/client
  "$pki_script" leaf "$pki" ca relying-party --cn relying-party \
    --uri spiffe://bench.example/relying-party
fi
client=spiffe://bench.example/client
audience=spiffe://bench.example/relying-party

# ------------------------------------------------------------------ servers
# The STS under load accumulates contexts (Issue) and proofs (Renew): quotas
# are raised far above what one point creates, and the audit log goes to a
# file, as in production, never to a terminal.
cat >"$out/sts.textproto" <<EOF
listen_address: "127.0.0.1:0"
tls { client_ca_file: "$pki/ca.pem" cert_file: "$pki/server.pem" key_file: "$pki/server.key" }
audit { path: "$out/logs/audit.log" }
tokens {
  max_tokens_per_principal: 100000000
  max_tokens_total: 100000000
  replay_cache_entries: 20000000
  # One principal drives the whole load: its share and rate limit are lifted.
  replay_entries_per_principal: 20000000
  proof_rate_per_principal: 1000000
  proof_burst_per_principal: 1000000
}
policy {
  issue { principal: "$client" applies_to: "$audience" }
  validate { principal: "$audience" release_keys_to_audience: true }
}
EOF
# The same with metrics on (any free port; the server prints it).
{ cat "$out/sts.textproto"; echo 'metrics { listen_address: "127.0.0.1:0" }'; } \
  >"$out/sts_metrics.textproto"

server_pid=
server_port=
start_server() {  # kind name
  local kind=$1 name=$2 port_file="$out/logs/$2.port"
  rm -f "$port_file"
  local config=$out/sts.textproto
  [[ $kind == sts_metrics ]] && config=$out/sts_metrics.textproto
  if [[ $kind == noop ]]; then
    "${server_pin[@]}" "$noop_server" --client_ca="$pki/ca.pem" --cert="$pki/server.pem" \
      --key="$pki/server.key" --listen=127.0.0.1:0 --port_file="$port_file" \
      >"$out/logs/$name.server.out" 2>&1 &
  else
    "${server_pin[@]}" "$sts_server" --config="$config" --port_file="$port_file" \
      >"$out/logs/$name.server.out" 2>&1 &
  fi
  server_pid=$!
  for _ in $(seq 200); do
    if [[ -s $port_file ]]; then server_port=$(cat "$port_file"); return 0; fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.05
  done
  log "server $kind did not start:"; cat "$out/logs/$name.server.out" >&2
  return 1
}
stop_server() {
  [[ -n $server_pid ]] || return 0
  kill -TERM "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=
}
trap stop_server EXIT

# measure rpc in_flight name [load_generator options...]
measure() {
  local rpc=$1 in_flight=$2 name=$3; shift 3
  local kind=sts identity=(--cert="$pki/client.pem" --key="$pki/client.key")
  [[ $rpc == noop ]] && kind=noop
  if [[ $rpc == issue_metrics ]]; then kind=sts_metrics rpc=issue; fi
  if [[ $rpc == validate ]]; then
    identity=(--cert="$pki/relying-party.pem" --key="$pki/relying-party.key"
              --issuer_cert="$pki/client.pem" --issuer_key="$pki/client.key")
  fi
  start_server "$kind" "$name"
  local status=0 scraper=
  if [[ $kind == sts_metrics ]]; then
    # Prometheus's part: a scrape every second while the load runs.
    local metrics_port
    metrics_port=$(sed -n 's/.*metrics.* on port \([0-9]*\)$/\1/p' "$out/logs/$name.server.out")
    [[ -n $metrics_port ]] || { log "no metrics port for $name"; stop_server; return 1; }
    ( while kill -0 "$server_pid" 2>/dev/null; do
        curl -sf "http://127.0.0.1:$metrics_port/metrics" >/dev/null || true
        sleep 1
      done ) &
    scraper=$!
  fi
  "${client_pin[@]}" "$load_generator" --target="127.0.0.1:$server_port" --rpc="$rpc" \
    --ca="$pki/ca.pem" "${identity[@]}" --applies_to="$audience" --in_flight="$in_flight" \
    --channels="$channels" --warmup="${warmup}s" --duration="${duration}s" \
    --server_pid="$server_pid" --label="$name" --json_out="$out/load/$name.json" "$@" ||
    status=$?
  stop_server
  if [[ -n $scraper ]]; then wait "$scraper" 2>/dev/null || true; fi
  if ((status != 0)); then
    log "load_generator failed on $name (status $status)"
    return "$status"
  fi
}

# ------------------------------------------------------------------ load
log "load: sweep [$sweep] in flight, RPCs [$rpcs], ${warmup}s warm-up + ${duration}s each," \
  "$channels channel(s), pinned: $pin (server CPU $server_cpu, client CPU $client_cpu)"
for in_flight in $sweep; do
  for rpc in $rpcs; do measure "$rpc" "$in_flight" "${rpc}_c${in_flight}_r1"; done
done
for ((r = 2; r <= repeat; r++)); do
  for rpc in $rpcs; do measure "$rpc" "$headline" "${rpc}_c${headline}_r$r"; done
done

# Half the highest Issue throughput any closed-loop point reached, open loop.
if [[ " $rpcs " == *" issue "* ]]; then
  max_issue=$(/usr/bin/python3 - "$out/load" <<'PY'
import glob, json, sys
best = 0.0
for path in glob.glob(sys.argv[1] + "/issue_c*_r*.json"):
    with open(path) as f:
        best = max(best, json.load(f)["qps"])
print(int(best))
PY
)
  rate=$((max_issue / 2))
  if ((rate > 0)); then
    log "open loop: Issue at $rate calls/s (half of $max_issue)"
    measure issue 1024 issue_open_half --rate="$rate"
  fi
fi

# ------------------------------------------------------------------ micro
log "micro-benchmarks (min time ${micro_min_time}s, $micro_repetitions repetition(s))"
micro_flags=(--benchmark_min_time="$micro_min_time" --benchmark_out_format=json)
if ((micro_repetitions > 1)); then
  micro_flags+=(--benchmark_repetitions="$micro_repetitions"
                --benchmark_report_aggregates_only=true)
fi
"$micro_benchmark" "${micro_flags[@]}" --benchmark_out="$out/micro.json" \
  >"$out/logs/micro.txt" 2>&1 ||
  { log "micro_benchmark failed:"; tail -20 "$out/logs/micro.txt" >&2; exit 1; }

# The primitives and message protection again, on BoringSSL.
if ((${#boringssl_benchmarks[@]})); then
  log "micro-benchmarks on BoringSSL: primitives and message protection"
  mkdir -p "$out/micro_boringssl"
  for b in "${boringssl_benchmarks[@]}"; do
    name=$(basename "$b")
    "$b" "${micro_flags[@]}" --benchmark_out="$out/micro_boringssl/$name.json" \
      >"$out/logs/boringssl_$name.txt" 2>&1 ||
      { log "$name (BoringSSL) failed:"; tail -20 "$out/logs/boringssl_$name.txt" >&2; exit 1; }
  done
fi

# ------------------------------------------------------------------ memory
log "memory: $memory_tokens live contexts in a keyring"
"$keyring_memory" --tokens="$memory_tokens" --json_out="$out/memory.json" \
  2>"$out/logs/memory.txt" || { log "keyring_memory failed:"; cat "$out/logs/memory.txt" >&2; exit 1; }

cat >"$out/run.json" <<EOF
{"quick": $quick, "sweep": [$(echo "$sweep" | tr ' ' ',')], "headline": $headline,
 "repeat": $repeat, "duration_s": $duration, "warmup_s": $warmup, "channels": $channels,
 "pinned": $pin, "server_cpu": $server_cpu, "client_cpu": $client_cpu,
 "micro_min_time_s": $micro_min_time, "micro_repetitions": $micro_repetitions,
 "memory_tokens": $memory_tokens, "boringssl": $((${#boringssl_benchmarks[@]} > 0))}
EOF
log "raw results in $out"
