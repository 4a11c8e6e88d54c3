#!/usr/bin/env bash
# Where a server spends its time under one RPC's load: perf (cpu-clock) of
# sts_server, or of the no-op ceiling, pinned to one CPU beside the load
# generator on another, as bench_suite.sh pins them. Prints the top symbols
# (self time) and the shares by library. Not a benchmark: no verdicts, and
# perf's overhead lowers the QPS it prints. Needs perf (linux-perf) and the
# --config=opt binaries:
#   bazel build --config=opt //sts:sts_server //tests/bench:load_generator \
#     //tests/bench:minimal_noop_server
#   tests/bench/profile_server.sh issue            # or validate, renew, noop
#   PROFILE_SECONDS=10 PROFILE_IN_FLIGHT=32 tests/bench/profile_server.sh renew
set -euo pipefail
cd "$(dirname "$0")/../.."

rpc=${1:?usage: profile_server.sh issue|validate|renew|noop}
seconds=${PROFILE_SECONDS:-8}
in_flight=${PROFILE_IN_FLIGHT:-32}
server_cpu=${PROFILE_SERVER_CPU:-0}
client_cpu=${PROFILE_CLIENT_CPU:-1}
bin=$(bazel info --config=opt bazel-bin 2>/dev/null)
work=${PROFILE_DIR:-/tmp/sts-profile}
mkdir -p "$work"
pki=$work/pki
if [[ ! -f $pki/relying-party.pem ]]; then
  sts/dev/make_pki.sh ca "$pki" ca
  sts/dev/make_pki.sh leaf "$pki" ca server --server --cn localhost --dns localhost --ip 127.0.0.1
  sts/dev/make_pki.sh leaf "$pki" ca client --cn client --uri spiffe://bench.example/client
  sts/dev/make_pki.sh leaf "$pki" ca relying-party --cn relying-party \
    --uri spiffe://bench.example/relying-party
fi >/dev/null
client=spiffe://bench.example/client
audience=spiffe://bench.example/relying-party

port_file=$work/port
rm -f "$port_file"
if [[ $rpc == noop ]]; then
  taskset -c "$server_cpu" "$bin/tests/bench/minimal_noop_server" --client_ca="$pki/ca.pem" \
    --cert="$pki/server.pem" --key="$pki/server.key" --listen=127.0.0.1:0 \
    --port_file="$port_file" >"$work/server.out" 2>&1 &
else
  # The benchmark's configuration, defaults otherwise: one completion queue
  # on one pinned CPU.
  # shellcheck source=tests/bench/sts_bench_config.sh
  source tests/bench/sts_bench_config.sh
  sts_bench_config "$pki" "$work/audit.log" "$client" "$audience" >"$work/sts.textproto"
  taskset -c "$server_cpu" "$bin/sts/sts_server" --config="$work/sts.textproto" \
    --port_file="$port_file" >"$work/server.out" 2>&1 &
fi
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 200); do [[ -s $port_file ]] && break; sleep 0.05; done
[[ -s $port_file ]] || { cat "$work/server.out" >&2; exit 1; }

identity=(--cert="$pki/client.pem" --key="$pki/client.key")
if [[ $rpc == validate ]]; then
  identity=(--cert="$pki/relying-party.pem" --key="$pki/relying-party.key"
            --issuer_cert="$pki/client.pem" --issuer_key="$pki/client.key")
fi
taskset -c "$client_cpu" "$bin/tests/bench/load_generator" --target="127.0.0.1:$(cat "$port_file")" \
  --rpc="$rpc" --ca="$pki/ca.pem" --applies_to="$audience" --in_flight="$in_flight" \
  --warmup=2s --duration="$((seconds + 3))s" --progress=false "${identity[@]}" \
  >"$work/load.out" 2>&1 &
load=$!
sleep 3  # past the warm-up and the Validate contexts' issue
perf record -q -e cpu-clock -F ${PROFILE_HZ:-4999} ${PROFILE_CALL_GRAPH:--g} -p "$server" -o "$work/perf.data" -- sleep "$seconds" \
  2>/dev/null
wait $load || { cat "$work/load.out" >&2; exit 1; }
tail -2 "$work/load.out"

echo "== shares by library (self time)"
perf report -i "$work/perf.data" --no-children --sort dso --stdio 2>/dev/null |
  grep -E '^ +[0-9]' | head -12
echo "== top symbols (self time)"
perf report -i "$work/perf.data" --no-children --sort dso,sym --stdio -g none 2>/dev/null |
  grep -E '^ +[0-9]' | head -${PROFILE_TOP:-30}
