#!/usr/bin/env bash
# Runs every benchmark with binaries already built, writing raw results to
# OUT (JSON per measurement, logs). run_benchmarks.sh builds and then calls
# this; bench_quick_test calls it with --quick from Bazel's runfiles.
#
#   bench_suite.sh --bin_dir DIR --pki_script make_pki.sh --out OUT [options]
#
# DIR holds tests/bench/{noop_server,minimal_noop_server,protected_echo_server,
# load_generator,micro_benchmark,keyring_memory} and sts/{sts_server,sts_keyset}
# (a bazel-bin, or a runfiles tree). --boringssl_bin_dir DIR2 (optional)
# holds tests/bench/{primitive_benchmark,message_protection_benchmark} built
# with --config=boringssl: they run after the micro-benchmarks, with the same
# settings, into OUT/micro_boringssl/.
#
# Every load point starts a fresh server (so each starts from the same
# state: an empty keyring, an empty replay cache), pinned to --server_cpu,
# and load_generator, pinned to --client_cpu, drives it for --warmup then
# --duration. Sections, in order (OUT/load/SECTION/*.json):
#
#  closed     The headline concurrency, --repeat times, interleaved: the no-op
#             ceiling (noop_server) and Issue, Validate, Renew (sts_server)
#             each with every completion-queue count of --queues (default 1
#             and one per CPU), and the independent minimal_noop_server with
#             one queue. The ceiling is the fastest no-op configuration, each
#             STS row is taken at its own fastest; the report shows all and
#             which won. Then the --sweep concurrencies at the default
#             configuration, for the plot. Names: ROW_qQUEUES_cIN_FLIGHT_rREP.
#  open       Issue open loop at half the highest closed-loop Issue
#             throughput, at Issue's fastest configuration, and the no-op at
#             the same offered rate at the ceiling's configuration.
#  protected  A unary call on protected_echo_server, unprotected (plain) and
#             protected (warm Verifier cache; and miss, one Validate forced
#             per --forget_every calls) at each --protected_in_flight, against
#             one sts_server (pinned beside the load generator).
#  scale      Per --scale N: one sts_server pre-filled with N live contexts,
#             then Validate over all of them, then Issue, on that server.
#  variants   Issue, Validate and Renew on sts_server with one configuration
#             change each (variant_rows below: stateless cookies with their
#             replica state in process, and with a local Redis).
#  sustained  (--sustained) Issue, Validate, Renew each for
#             --sustained_minutes, throughput and the server's RSS per minute.
# Then the micro-benchmarks and the memory benchmark.
#
# Options (defaults in brackets):
#   --quick                 seconds, not minutes: a harness check only
#   --sections "closed open protected scale variants micro memory"
#   --sweep "1 4 16 32 64"  calls in flight per sweep point
#   --headline 32           the concurrency targets are checked at
#   --repeat 3              measurements of each headline configuration
#   --queues "1 NPROC"      completion-queue counts tried at the headline
#   --duration 10 --warmup 2   seconds per point
#   --open_duration 30      seconds per open-loop point: one VM stall of
#                           0.1-0.2 s sets the p99 of a short window
#   --channels 1            connections per load generator
#   --no_pin                no taskset
#   --server_cpu 0 --client_cpu 1
#   --protected_in_flight "1 32" --protected_repeat REPEAT
#   --protected_payload 64 --forget_every 10000
#   --scale "1000 100000 1000000"
#   --variant_repeat 1
#   --sustained --sustained_minutes 6 --sustained_interval 60s
#   --sustained_issue_lifetime 60s
#   --micro_min_time 0.2 --micro_repetitions 9
#   --memory_tokens 1000000
#   --rpcs "noop issue validate renew"   rows of the closed section
set -euo pipefail

nproc=$(nproc 2>/dev/null || echo 1)
bin_dir= boringssl_bin_dir= pki_script= out=
quick=0 sweep="1 4 16 32 64" headline=32 repeat=3 duration=10 warmup=2 channels=1
pin=1 server_cpu=0 client_cpu=1 micro_min_time=0.2 micro_repetitions=9
memory_tokens=1000000 rpcs="noop issue validate renew"
sections="closed open protected scale variants micro memory"
queues="1 $nproc" protected_in_flight="1 32" protected_repeat= protected_payload=64
forget_every=10000 scale="1000 100000 1000000" variant_repeat=1 open_duration=30
sustained=0 sustained_minutes=6 sustained_interval=60s sustained_issue_lifetime=60s
while (($#)); do
  case $1 in
    --bin_dir) bin_dir=$2; shift ;;
    --boringssl_bin_dir) boringssl_bin_dir=$2; shift ;;
    --pki_script) pki_script=$2; shift ;;
    --out) out=$2; shift ;;
    --quick) quick=1 ;;
    --sections) sections=$2; shift ;;
    --sweep) sweep=$2; shift ;;
    --headline) headline=$2; shift ;;
    --repeat) repeat=$2; shift ;;
    --queues) queues=$2; shift ;;
    --duration) duration=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    --open_duration) open_duration=$2; shift ;;
    --channels) channels=$2; shift ;;
    --no_pin) pin=0 ;;
    --server_cpu) server_cpu=$2; shift ;;
    --client_cpu) client_cpu=$2; shift ;;
    --protected_in_flight) protected_in_flight=$2; shift ;;
    --protected_repeat) protected_repeat=$2; shift ;;
    --protected_payload) protected_payload=$2; shift ;;
    --forget_every) forget_every=$2; shift ;;
    --scale) scale=$2; shift ;;
    --variant_repeat) variant_repeat=$2; shift ;;
    --sustained) sustained=1 ;;
    --sustained_minutes) sustained_minutes=$2; shift ;;
    --sustained_interval) sustained_interval=$2; shift ;;
    --sustained_issue_lifetime) sustained_issue_lifetime=$2; shift ;;
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
# The sustained runs are a flag of their own, as a section.
((sustained)) && sections="$sections sustained"
sustained_duration="${sustained_minutes}m"
load_flags=()
if ((quick)); then
  # Every section and row, each for a fraction of a second: figures
  # meaningless, but every code path of the harness runs.
  sweep=8 headline=8 repeat=1 duration=0.5 warmup=0.2 micro_min_time=0.01 micro_repetitions=1
  open_duration=0.5
  memory_tokens=100000 protected_in_flight=2 protected_repeat=1 forget_every=200
  scale="500 2000" sustained_duration=1.5s sustained_interval=0.5s
  load_flags=(--validate_tokens=64)
  [[ " $sections " == *" sustained "* ]] || sections="$sections sustained"
fi
protected_repeat=${protected_repeat:-$repeat}
# Each queue count once, in order.
queues=$(echo "$queues" | tr ' ' '\n' | awk 'NF && !seen[$1]++' | tr '\n' ' ')
has_section() { [[ " $sections " == *" $1 "* ]]; }

noop_server=$bin_dir/tests/bench/noop_server
minimal_noop_server=$bin_dir/tests/bench/minimal_noop_server
echo_server=$bin_dir/tests/bench/protected_echo_server
load_generator=$bin_dir/tests/bench/load_generator
micro_benchmark=$bin_dir/tests/bench/micro_benchmark
soap_benchmark=$bin_dir/tests/bench/soap_benchmark
keyring_memory=$bin_dir/tests/bench/keyring_memory
sts_server=$bin_dir/sts/sts_server
sts_keyset=$bin_dir/sts/sts_keyset
boringssl_benchmarks=()
if [[ -n $boringssl_bin_dir ]]; then
  boringssl_benchmarks=("$boringssl_bin_dir/tests/bench/primitive_benchmark"
                        "$boringssl_bin_dir/tests/bench/message_protection_benchmark")
fi
for b in "$noop_server" "$minimal_noop_server" "$echo_server" "$load_generator" \
         "$micro_benchmark" "$soap_benchmark" "$keyring_memory" "$sts_server" "$sts_keyset" \
         "${boringssl_benchmarks[@]}"; do
  [[ -x $b ]] || { echo "bench_suite.sh: missing binary $b" >&2; exit 2; }
done

mkdir -p "$out"/{load,logs,pki}
out=$(cd "$out" && pwd)
log() { echo "bench: $*" >&2; }
loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)

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
client_identity=(--cert="$pki/client.pem" --key="$pki/client.key")
# Validate is called by the relying party (which receives the keys) on
# contexts the client issued.
validator_identity=(--cert="$pki/relying-party.pem" --key="$pki/relying-party.key"
                    --issuer_cert="$pki/client.pem" --issuer_key="$pki/client.key")

# ------------------------------------------------------------------ configurations
# write_sts_config FILE QUEUES [EXTRA TOP-LEVEL CONFIG] [EXTRA tokens FIELDS]:
# sts_server's benchmark configuration (sts_bench_config.sh) for this run.
# shellcheck source=tests/bench/sts_bench_config.sh
source "$(dirname "${BASH_SOURCE[0]}")/sts_bench_config.sh"
write_sts_config() {
  sts_bench_config "$pki" "$out/logs/audit.log" "$client" "$audience" "$2" "${3:-}" "${4:-}" \
    >"$1"
}

# Variant rows: the STS with one configuration change, Issue/Validate/Renew at
# the headline concurrency beside the stateful default. One line each:
#   NAME|RPCS|EXTRA CONFIGURATION
# evaluated once the keyset and Redis exist; report.py's VARIANT_TITLES names
# each NAME. A row is added here and there, nothing else.
# The Redis timeout is raised from its 250 ms default: on a shared machine a
# starved local Redis can stall longer, and these rows measure throughput,
# not failing closed (which the cluster tests cover).
variant_rows() {
  local stateless="stateless { enabled: true keyset_file: \"$keyset\" }"
  local redis="redis { address: \"127.0.0.1:$redis_port\" timeout: \"2s\" }"
  echo "cookie|issue validate renew|$stateless"
  echo "cookie_redis|issue validate renew|$stateless $redis"
  # The cost of metrics: Issue with them on and scraped every second, beside
  # Issue with them off measured just before it (paired, same conditions).
  echo "metrics_off|issue|"
  echo "metrics_on|issue|metrics { listen_address: \"127.0.0.1:0\" }"
}

# scrape_metrics NAME: while the server runs, fetches its /metrics every
# second, as Prometheus would (the server prints the port it bound).
scrape_metrics() {
  local port
  port=$(sed -n 's/.*metrics.* on port \([0-9]*\)$/\1/p' "$out/logs/$1.server.out")
  [[ -n $port ]] || { log "no metrics port in $out/logs/$1.server.out"; return 1; }
  ( while kill -0 "$server_pid" 2>/dev/null; do
      curl -sf "http://127.0.0.1:$port/metrics" >/dev/null || true
      sleep 1
    done ) &
  scraper_pid=$!
}

# ------------------------------------------------------------------ processes
server_pid= server_port=
# start_server KIND NAME [flags...]: KIND noop, noopmin, sts (flags: the
# config file), echo; pinned to the server CPU unless PIN=client.
start_server() {
  local kind=$1 name=$2; shift 2
  local port_file="$out/logs/$name.port" pin_cmd=("${server_pin[@]}") binary
  [[ ${PIN:-server} == client ]] && pin_cmd=("${client_pin[@]}")
  rm -f "$port_file"
  case $kind in
    noop) binary=$noop_server ;;
    noopmin) binary=$minimal_noop_server ;;
    echo) binary=$echo_server ;;
    sts) binary=$sts_server ;;
  esac
  if [[ $kind == sts ]]; then
    "${pin_cmd[@]}" "$binary" --config="$1" --port_file="$port_file" \
      >"$out/logs/$name.server.out" 2>&1 &
  else
    "${pin_cmd[@]}" "$binary" --client_ca="$pki/ca.pem" --cert="$pki/server.pem" \
      --key="$pki/server.key" --listen=127.0.0.1:0 --port_file="$port_file" "$@" \
      >"$out/logs/$name.server.out" 2>&1 &
  fi
  server_pid=$!
  for _ in $(seq 400); do
    if [[ -s $port_file ]]; then server_port=$(cat "$port_file"); return 0; fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.05
  done
  log "server $kind ($name) did not start:"; cat "$out/logs/$name.server.out" >&2
  return 1
}
stop_pid() {
  [[ -n ${1:-} ]] || return 0
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
stop_server() { stop_pid "$server_pid"; server_pid=; }
sts_pid= redis_pid=
trap 'stop_server; stop_pid "$sts_pid"; stop_pid "$redis_pid"' EXIT

# run_load FILE RPC IN_FLIGHT [load_generator flags...]: drives the running
# server (server_pid, server_port).
run_load() {
  local file=$1 rpc=$2 in_flight=$3; shift 3
  local name
  name=$(basename "$file" .json)
  mkdir -p "$(dirname "$file")"
  local status=0
  "${client_pin[@]}" "$load_generator" --target="127.0.0.1:$server_port" --rpc="$rpc" \
    --ca="$pki/ca.pem" --applies_to="$audience" --in_flight="$in_flight" \
    --channels="$channels" --warmup="${warmup}s" --duration="${duration}s" \
    --server_pid="$server_pid" --label="$name" --json_out="$file" "${load_flags[@]}" "$@" \
    2>"$out/logs/$name.load.err" || status=$?
  tail -1 "$out/logs/$name.load.err" >&2
  if ((status != 0)); then
    log "load_generator failed on $name (status $status):"
    tail -5 "$out/logs/$name.load.err" >&2
    return "$status"
  fi
}

identity_for() {  # RPC: the identity flags its calls are made with
  if [[ $1 == validate ]]; then echo "${validator_identity[@]}"; else echo "${client_identity[@]}"; fi
}

# measure_row ROW QUEUES IN_FLIGHT FILE [load_generator flags...]: a fresh
# server for one closed- or open-loop point of a ceiling or STS row.
measure_row() {
  local row=$1 queue_count=$2 in_flight=$3 file=$4; shift 4
  local name rpc=$row
  name=$(basename "$file" .json)
  case $row in
    noop) start_server noop "$name" --completion_queues="$queue_count"; rpc=noop ;;
    noopmin) start_server noopmin "$name" --completion_queues="$queue_count"; rpc=noop ;;
    *) write_sts_config "$out/logs/$name.textproto" "$queue_count"
       start_server sts "$name" "$out/logs/$name.textproto" ;;
  esac
  local status=0
  # shellcheck disable=SC2046  # identity flags are words
  run_load "$file" "$rpc" "$in_flight" $(identity_for "$rpc") "$@" || status=$?
  stop_server
  return "$status"
}

# The completion-queue count sts_server's default configuration resolves to
# (whatever rule sts/config applies): the explicit count whose idle process
# has as many threads of its own, each queue having one polling thread.
# gRPC names its own threads (timer_manager, event_engine, ...), and starts
# more of some under load, so only the threads still carrying the process's
# name are counted. 0 when none of --queues matches.
threads_of() { cat /proc/"$1"/task/*/comm | grep -cxF "$(cat "/proc/$1/comm")"; }
sts_default_queue_count() {
  local threads q
  write_sts_config "$out/logs/default_sts.textproto" 0
  start_server sts default_sts "$out/logs/default_sts.textproto"
  sleep 0.3; threads=$(threads_of "$server_pid"); stop_server
  for q in $queues; do
    write_sts_config "$out/logs/queues_sts_$q.textproto" "$q"
    start_server sts "queues_sts_$q" "$out/logs/queues_sts_$q.textproto"
    sleep 0.3
    if [[ $(threads_of "$server_pid") == "$threads" ]]; then stop_server; echo "$q"; return; fi
    stop_server
  done
  echo 0
}

# best_config ROW...: "ROW QUEUES QPS" of the fastest configuration (median
# of its headline repetitions) among the rows named.
best_config() {
  /usr/bin/python3 - "$out/load/closed" "$headline" "$@" <<'PY'
import glob, json, os, re, statistics, sys
directory, headline, rows = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
runs = {}
for path in glob.glob(os.path.join(directory, "*.json")):
    m = re.match(r"^([a-z]+)_q(\d+)_c(\d+)_r(\d+)$", os.path.basename(path)[:-5])
    if m and m.group(1) in rows and int(m.group(3)) == headline:
        with open(path) as f:
            runs.setdefault((m.group(1), m.group(2)), []).append(json.load(f)["qps"])
if runs:
    (row, q), samples = max(runs.items(), key=lambda kv: statistics.median(kv[1]))
    print(row, q, int(statistics.median(samples)))
PY
}

# ------------------------------------------------------------------ closed
sts_default_queues=0
if has_section closed || has_section open; then
  sts_default_queues=$(sts_default_queue_count)
  log "sts_server's default completion queues: $sts_default_queues (0: none of [$queues])"
fi
default_q=$sts_default_queues
if has_section closed; then
  log "closed loop: headline $headline in flight x $repeat, queues [$queues], RPCs [$rpcs];" \
    "sweep [$sweep] at the default; ${warmup}s warm-up + ${duration}s each, $channels" \
    "channel(s), pinned: $pin (server CPU $server_cpu, client CPU $client_cpu)"
  # The default configuration is measured even when it matches none of the
  # explicit counts (as q0: server.completion_queues left unset).
  headline_queues=$queues
  ((default_q == 0)) && headline_queues="0 $queues"
  for ((r = 1; r <= repeat; r++)); do
    for q in $headline_queues; do
      for row in $rpcs; do
        measure_row "$row" "$q" "$headline" "$out/load/closed/${row}_q${q}_c${headline}_r$r.json"
      done
    done
    if [[ " $rpcs " == *" noop "* ]]; then
      measure_row noopmin 1 "$headline" "$out/load/closed/noopmin_q1_c${headline}_r$r.json"
    fi
  done
  for in_flight in $sweep; do
    ((in_flight == headline)) && continue
    for row in $rpcs; do
      measure_row "$row" "$default_q" "$in_flight" \
        "$out/load/closed/${row}_q${default_q}_c${in_flight}_r1.json"
    done
  done
fi

# ------------------------------------------------------------------ open
if has_section open && [[ -d $out/load/closed ]]; then
  read -r _ issue_q issue_best < <(best_config issue) || true
  # Half the highest Issue throughput any closed-loop point reached.
  max_issue=$(/usr/bin/python3 - "$out/load/closed" <<'PY'
import glob, json, sys
print(int(max([json.load(open(p))["qps"] for p in glob.glob(sys.argv[1] + "/issue_*.json")]
              or [0])))
PY
)
  rate=$((max_issue / 2))
  if ((rate > 0)) && [[ -n ${issue_q:-} ]]; then
    log "open loop: Issue (queues $issue_q) and the no-op on both servers at $rate calls/s" \
      "(half of $max_issue)"
    # --repeat times, interleaved: this VM stalls now and then for 0.1-0.2 s,
    # which alone sets a p99 over a few seconds, so the report takes each
    # row's median p99. The no-op runs on both servers (each at its fastest
    # closed-loop queue count) and the report takes the lower: one server's
    # stall cannot flatter Issue.
    noop_q=$(best_config noop | cut -d' ' -f2) noopmin_q=$(best_config noopmin | cut -d' ' -f2)
    for ((rep = 1; rep <= repeat; rep++)); do
      measure_row issue "$issue_q" 1024 \
        "$out/load/open/issue_q${issue_q}_rate${rate}_r$rep.json" --rate="$rate" \
        --duration="${open_duration}s"
      if [[ -n $noop_q ]]; then
        measure_row noop "$noop_q" 1024 \
          "$out/load/open/noop_q${noop_q}_rate${rate}_r$rep.json" --rate="$rate" \
          --duration="${open_duration}s"
      fi
      if [[ -n $noopmin_q ]]; then
        measure_row noopmin "$noopmin_q" 1024 \
          "$out/load/open/noopmin_q${noopmin_q}_rate${rate}_r$rep.json" --rate="$rate" \
          --duration="${open_duration}s"
      fi
    done
  else
    log "open loop skipped: no closed-loop Issue and no-op figures"
  fi
fi

# ------------------------------------------------------------------ protected
if has_section protected; then
  log "protected call: plain / empty interceptor / warm / ProtectCall / miss" \
    "(1 per $forget_every) at [$protected_in_flight]" \
    "in flight, $protected_payload-byte payload, x $protected_repeat"
  write_sts_config "$out/logs/protected_sts.textproto" 0
  PIN=client start_server sts protected_sts "$out/logs/protected_sts.textproto"
  sts_pid=$server_pid sts_port=$server_port server_pid=
  for ((r = 1; r <= protected_repeat; r++)); do
    for in_flight in $protected_in_flight; do
      # plain: unprotected; empty: unprotected through an interceptor that
      # does nothing; warm, miss: CreateProtectedChannel; call: ProtectCall.
      for mode in plain empty warm call miss; do
        name=${mode}_c${in_flight}_r$r
        extra=() client_extra=()
        [[ $mode == miss ]] && extra=(--forget_every="$forget_every")
        start_server echo "protected_$name" --sts_target="127.0.0.1:$sts_port" \
          --rp_cert="$pki/relying-party.pem" --rp_key="$pki/relying-party.key" \
          --stats_file="$out/load/protected/$name.stats" "${extra[@]}"
        rpc=protected_echo
        case $mode in
          plain) rpc=echo ;;
          empty) rpc=echo client_extra=(--empty_interceptor) ;;
          call) client_extra=(--protection=call) ;;
        esac
        status=0
        run_load "$out/load/protected/$name.json" "$rpc" "$in_flight" "${client_identity[@]}" \
          --sts_target="127.0.0.1:$sts_port" --payload_bytes="$protected_payload" \
          "${client_extra[@]}" || status=$?
        stop_server
        ((status == 0)) || exit "$status"
      done
    done
  done
  stop_pid "$sts_pid"; sts_pid=
fi

# ------------------------------------------------------------------ scale
if has_section scale; then
  for n in $scale; do
    log "scale: $n live contexts, then Validate over them and Issue"
    write_sts_config "$out/logs/scale_$n.textproto" 0
    start_server sts "scale_$n" "$out/logs/scale_$n.textproto"
    status=0
    run_load "$out/load/scale/validate_n$n.json" validate "$headline" "${validator_identity[@]}" \
      --prefill="$n" || status=$?
    ((status == 0)) && { run_load "$out/load/scale/issue_n$n.json" issue "$headline" \
      "${client_identity[@]}" || status=$?; }
    stop_server
    ((status == 0)) || exit "$status"
  done
fi

# ------------------------------------------------------------------ variants
redis_port=
start_redis() {
  redis_port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  mkdir -p "$out/redis"
  # A benchmark Redis keeps nothing on disk (tests/bench/README.md).
  "${client_pin[@]}" /usr/bin/redis-server --port "$redis_port" --bind 127.0.0.1 \
    --save "" --appendonly no --dir "$out/redis" --daemonize no \
    >"$out/logs/redis.out" 2>&1 &
  redis_pid=$!
  for _ in $(seq 100); do
    if /usr/bin/redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG; then return 0; fi
    sleep 0.05
  done
  log "redis-server did not start:"; cat "$out/logs/redis.out" >&2
  return 1
}
if has_section variants; then
  keyset=$out/keyset
  [[ -f $keyset ]] || "$sts_keyset" create "$keyset" >"$out/logs/keyset.out" 2>&1 ||
    { log "sts_keyset failed:"; cat "$out/logs/keyset.out" >&2; exit 1; }
  [[ -x /usr/bin/redis-server ]] ||
    { log "redis-server is missing (sts/dev/setup_host.sh installs it)"; exit 2; }
  start_redis
  log "variants: $(variant_rows | cut -d'|' -f1 | tr '\n' ' ')at $headline in flight," \
    "x $variant_repeat"
  for ((r = 1; r <= variant_repeat; r++)); do
    while IFS='|' read -r vname vrpcs vextra; do
      for rpc in $vrpcs; do
        name=${vname}_${rpc}_r$r
        # Each point starts from an empty Redis, as from an empty keyring.
        /usr/bin/redis-cli -p "$redis_port" flushall >/dev/null
        write_sts_config "$out/logs/variant_$name.textproto" 0 "$vextra"
        start_server sts "variant_$name" "$out/logs/variant_$name.textproto"
        scraper_pid=
        if [[ $vextra == *"metrics {"* ]]; then scrape_metrics "variant_$name" || exit 1; fi
        status=0
        # shellcheck disable=SC2046
        run_load "$out/load/variants/$name.json" "$rpc" "$headline" $(identity_for "$rpc") ||
          status=$?
        stop_server
        [[ -z $scraper_pid ]] || wait "$scraper_pid" 2>/dev/null || true
        ((status == 0)) || exit "$status"
      done
    done < <(variant_rows)
  done
  stop_pid "$redis_pid"; redis_pid=
fi

# ------------------------------------------------------------------ sustained
if has_section sustained; then
  log "sustained: Issue, Validate, Renew for $sustained_duration each, figures every" \
    "$sustained_interval (Issue asks for a $sustained_issue_lifetime lifetime)"
  for rpc in issue validate renew; do
    # Issue's records are forgotten a lifetime after they expire, not after
    # the 10-minute default retention, so its live set levels off within
    # the run (at about rate x (lifetime + retention)) and the run measures
    # a steady state, not a store that only grows.
    tokens_extra=
    [[ $rpc == issue ]] && tokens_extra="retention: \"$sustained_issue_lifetime\""
    write_sts_config "$out/logs/sustained_$rpc.textproto" 0 "" "$tokens_extra"
    start_server sts "sustained_$rpc" "$out/logs/sustained_$rpc.textproto"
    extra=()
    [[ $rpc == issue ]] && extra=(--lifetime="$sustained_issue_lifetime")
    status=0
    # shellcheck disable=SC2046
    run_load "$out/load/sustained/$rpc.json" "$rpc" "$headline" $(identity_for "$rpc") \
      --duration="$sustained_duration" --interval="$sustained_interval" "${extra[@]}" ||
      status=$?
    stop_server
    ((status == 0)) || exit "$status"
  done
fi

# ------------------------------------------------------------------ micro
if has_section micro; then
  log "micro-benchmarks (min time ${micro_min_time}s, $micro_repetitions repetition(s))"
  micro_flags=(--benchmark_min_time="$micro_min_time" --benchmark_out_format=json)
  if ((micro_repetitions > 1)); then
    # Repetitions in random order across all benchmarks of the binary: each
    # ratio's two sides then sample the same stretch of this drifting machine
    # instead of minutes apart (run back to back, Seal at 1 KiB gave 0.59 and
    # 1.17 in two runs of the same build; interleaved, 0.79 and 0.87).
    micro_flags+=(--benchmark_repetitions="$micro_repetitions"
                  --benchmark_enable_random_interleaving=true
                  --benchmark_report_aggregates_only=true)
  fi
  "$micro_benchmark" "${micro_flags[@]}" --benchmark_out="$out/micro.json" \
    >"$out/logs/micro.txt" 2>&1 ||
    { log "micro_benchmark failed:"; tail -20 "$out/logs/micro.txt" >&2; exit 1; }
  # The SOAP profile beside bare libxmlsec1 (its own binary: it links libxml2
  # and xmlsec1).
  "$soap_benchmark" "${micro_flags[@]}" --benchmark_out="$out/soap.json" \
    >"$out/logs/soap.txt" 2>&1 ||
    { log "soap_benchmark failed:"; tail -20 "$out/logs/soap.txt" >&2; exit 1; }

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
fi

# ------------------------------------------------------------------ memory
if has_section memory; then
  log "memory: $memory_tokens live contexts in a keyring"
  "$keyring_memory" --tokens="$memory_tokens" --json_out="$out/memory.json" \
    2>"$out/logs/memory.txt" ||
    { log "keyring_memory failed:"; cat "$out/logs/memory.txt" >&2; exit 1; }
fi

words() { echo "$1" | /usr/bin/python3 -c 'import json, sys; print(json.dumps(sys.stdin.read().split()))'; }
numbers() { echo "[$(echo "$1" | xargs | tr ' ' ',')]"; }
cat >"$out/run.json" <<EOF
{"quick": $quick, "sections": $(words "$sections"), "sweep": $(numbers "$sweep"),
 "headline": $headline, "repeat": $repeat, "duration_s": $duration, "warmup_s": $warmup,
 "open_duration_s": $open_duration,
 "channels": $channels, "pinned": $pin, "server_cpu": $server_cpu, "client_cpu": $client_cpu,
 "cpus": $nproc, "queues": $(numbers "$queues"), "sts_default_queues": $sts_default_queues,
 "protected_in_flight": $(numbers "$protected_in_flight"),
 "protected_repeat": $protected_repeat, "protected_payload_bytes": $protected_payload,
 "forget_every": $forget_every, "scale": $(numbers "$scale"), "variant_repeat": $variant_repeat,
 "variants": $(keyset=x redis_port=0 variant_rows | /usr/bin/python3 -c '
import json, sys
print(json.dumps({l.split("|")[0]: l.split("|")[1].split() for l in sys.stdin if "|" in l}))'),
 "sustained": $sustained, "sustained_duration": "$sustained_duration",
 "sustained_interval": "$sustained_interval",
 "sustained_issue_lifetime": "$sustained_issue_lifetime",
 "micro_min_time_s": $micro_min_time, "micro_repetitions": $micro_repetitions,
 "micro_interleaved": $((micro_repetitions > 1)),
 "memory_tokens": $memory_tokens, "boringssl": $((${#boringssl_benchmarks[@]} > 0)),
 "loadavg": {"start": "$loadavg_start", "end": "$(cut -d' ' -f1-3 /proc/loadavg)"}}
EOF
log "raw results in $out"
