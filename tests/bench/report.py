#!/usr/bin/python3
"""Turns the raw results of bench_suite.sh into the benchmark report.

  report.py --results DIR [--json F] [--markdown F] [--plot F] [--notes F]
            [--commit SHA] [--check]

Reads DIR/run.json (bench_suite.sh settings), DIR/load/SECTION/*.json
(load_generator; sections closed, open, protected, scale, variants,
sustained, as bench_suite.sh describes them), DIR/load/protected/*.stats
(protected_echo_server's counters), DIR/micro.json (Google Benchmark),
DIR/memory.json (keyring_memory), and, when the run had them,
DIR/micro_boringssl/*.json: primitive_benchmark and
message_protection_benchmark built with --config=boringssl, for the
BoringSSL columns.
Writes one JSON report with every figure, ratio and verdict, the machine and
the date; a Markdown page with the tables; a PNG of throughput and p99
latency against calls in flight (when matplotlib is installed). Prints a
verdict per target: PASS, FAIL, or NOT MEASURED when a figure is absent
(e.g. a run limited with --sections or --rpcs, or without --sustained).

Exit status: 0 whatever the verdicts (benchmarks never fail a build). With
--check (the quick-mode test) it is 1 when a figure the harness must produce
is missing or any call failed: that is a broken harness, not a slow one.
"""

import argparse
import datetime
import glob
import json
import os
import platform
import re
import statistics
import subprocess
import sys

# Rows of the closed-loop section. The ceiling is the fastest of the no-op
# rows' configurations; every other row is reported against it.
CEILING_ROWS = ["noop", "noopmin"]
STS_ROWS = ["issue", "validate", "renew"]
ROW_TITLES = {
    "noop": "No-op (noop_server)",
    "noopmin": "No-op (minimal_noop_server)",
    "issue": "Issue",
    "validate": "Validate",
    "renew": "Renew with proof",
    "health": "Health Check on sts_server",
}
# What each headline row must reach, as a share of the ceiling.
ROW_TARGETS = {"issue": 0.80, "validate": 0.85, "renew": 0.70}

# Variant rows (bench_suite.sh variant_rows): name -> title.
VARIANT_TITLES = {
    "cookie": "Stateless cookies, replica state in process",
    "cookie_redis": "Stateless cookies, replica state and replay cache in a local Redis",
    "metrics_off": "Metrics off (paired with the next row)",
    "metrics_on": "Metrics on, scraped every second",
}

# Protected-call modes (bench_suite.sh, protected section).
PROTECTED_MODES = {
    "plain": "Unprotected (bench.v1.Plain/Echo)",
    "empty": "Unprotected, through a client interceptor that does nothing",
    "warm": "Protected, warm Verifier cache",
    "call": "Protected by ProtectCall (no interceptor), warm Verifier cache",
    "miss": "Protected, one Validate per forget_every calls",
}

SIZES = [64, 1024, 16384]

# Message protection (client/protect), compared with the raw primitive; the
# targets per payload size. The verdicts are on the view API (message_view.h,
# no protobuf built or parsed), the figures of the sts.v1.ProtectedMessage API
# are reported beside them.
PROTECT = {
    "Sign": ("BM_ProtectView_Sign", "BM_Raw_HmacSha256_Sign"),
    "Verify": ("BM_ProtectView_Verify", "BM_Raw_HmacSha256_Verify"),
    "Seal": ("BM_ProtectView_Seal", "BM_Raw_Aes256Gcm_Seal"),
    "Open": ("BM_ProtectView_Open", "BM_Raw_Aes256Gcm_Open"),
}
PROTECT_MESSAGE = {
    "Sign": ("BM_Protect_Sign", "BM_Raw_HmacSha256_Sign"),
    "Verify": ("BM_Protect_Verify", "BM_Raw_HmacSha256_Verify"),
    "Seal": ("BM_Protect_Seal", "BM_Raw_Aes256Gcm_Seal"),
    "Open": ("BM_Protect_Open", "BM_Raw_Aes256Gcm_Open"),
}
PROTECT_TARGETS = {1024: 0.85, 64: 0.6}

# The SOAP profile against bare libxmlsec1 on the same ~2 KiB envelope
# (//tests/bench:soap_benchmark): operation -> (ours, bare); target ours >= 0.7x.
# (Google Benchmark names them with their C++ namespace.)
SOAP_PAIRS = {"Sign + verify": ("sts::soap::BM_Soap_SignVerify", "sts::soap::BM_Bare_SignVerify"),
              "Encrypt + decrypt": ("sts::soap::BM_Soap_EncryptDecrypt",
                                    "sts::soap::BM_Bare_EncryptDecrypt")}
SOAP_TARGET = 0.7

# Module vs raw backend, informational.
MODULE_PAIRS = [
    ("HMAC-SHA256 sign", "BM_Module_HmacSha256Key_Sign", "BM_Raw_HmacSha256_Sign", SIZES),
    ("HMAC-SHA256 verify", "BM_Module_HmacSha256Key_Verify", "BM_Raw_HmacSha256_Verify", SIZES),
    ("AES-256-GCM seal", "BM_Module_AesGcmKey_SealInto", "BM_Raw_Aes256Gcm_Seal", SIZES),
    ("AES-256-GCM open", "BM_Module_AesGcmKey_OpenInto", "BM_Raw_Aes256Gcm_Open", SIZES),
    ("P_SHA1, 32-byte derived key", "BM_Module_PSha1", "BM_Raw_PSha1", [32]),
    ("HKDF-SHA256, 32 bytes", "BM_Module_HkdfSha256", "BM_Raw_HkdfSha256", [32]),
]

ASYMMETRIC = ["BM_Rsa2048_Sign", "BM_Rsa2048_Verify", "BM_EcdsaP256_Sign", "BM_EcdsaP256_Verify"]

KEYRING_PAIRS = [
    ("Insert", "BM_Keyring_Insert", "BM_Raw_ShardedMap_Insert"),
    ("Find with keys", "BM_Keyring_Find", "BM_Raw_ShardedMap_Find"),
    ("Expire (sweep erases)", "BM_Keyring_Expire", "BM_Raw_ShardedMap_Expire"),
]

# Published figures of what a user would pick instead. Theirs are HTTP/OAuth
# (or Vault token) issuance, most with asymmetric signing or password
# hashing, on other hardware: context for the reader, never a verdict.
PEERS = [
    {"system": "HashiCorp Vault, AppRole login",
     "figure": "4,397 logins/s",
     "per_core": None,
     "setup": "vault-benchmark's own example run: a 2-second approle_auth test against a local "
              "dev-mode server; hardware not stated",
     "source": "https://github.com/hashicorp/vault-benchmark/blob/main/docs/tests/auth-approle.md"},
    {"system": "Keycloak, client-credentials grant",
     "figure": "120 grants/s per vCPU (200 in earlier versions of the guide)",
     "per_core": [120, 200],
     "setup": "Keycloak's sizing guide; measured up to 2,000 grants/s, most CPU spent on new TLS "
              "connections (one request per client); JWT signing",
     "source": "https://www.keycloak.org/high-availability/concepts-memory-and-cpu-sizing"},
    {"system": "Ory Hydra, client-credentials grant",
     "figure": "513 grants/s on 2 CPU cores",
     "per_core": [257, 257],
     "setup": "Hydra's benchmark page: in-memory store, BCrypt cost 8 for client secrets, "
              "10,000 requests at 100 concurrent (hey), CircleCI 2-core machine",
     "source": "https://github.com/ory/docs/blob/master/docs/hydra/benchmark.md"},
    {"system": "Cloudentity, client-credentials flow",
     "figure": "79,000 requests/s on 8 nodes of 8 vCPUs (about 1.2 k/s per vCPU)",
     "per_core": [1234, 1234],
     "setup": "Cloudentity's performance page: AWS c5.2xlarge nodes, Hazelcast and PostgreSQL "
              "behind, load generator on separate instances, p90 2 ms",
     "source": "https://docs.authorization.cloudentity.com/performance/"},
]


# ---------------------------------------------------------------- reading

def read_json(path):
    with open(path) as f:
        return json.load(f)


def load_section(results, section):
    """The load_generator results of one section, each with its file's name."""
    points = []
    for path in sorted(glob.glob(os.path.join(results, "load", section, "*.json"))):
        p = read_json(path)
        p["name"] = os.path.splitext(os.path.basename(path))[0]
        stats = os.path.splitext(path)[0] + ".stats"
        if os.path.exists(stats):
            p["server_stats"] = read_json(stats)
        points.append(p)
    return points


def micro_figures(paths):
    """name -> {ops_per_s, ns_per_op, threads, samples} from Google Benchmark
    JSON files (one binary's output each), and the first file's context."""
    benchmarks, context = [], {}
    for path in paths:
        if os.path.exists(path):
            data = read_json(path)
            benchmarks += data.get("benchmarks", [])
            context = context or data.get("context", {})
    scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
    runs = {}
    for b in benchmarks:
        if b.get("error_occurred"):
            runs.setdefault(b.get("run_name", b["name"]), {"error": b.get("error_message", "error")})
            continue
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        name = b.get("run_name", b["name"])
        ns = b["real_time"] * scale[b.get("time_unit", "ns")]
        ops = b.get("items_per_second")
        if not ops:
            ops = 1e9 / ns * b.get("threads", 1) if ns > 0 else 0.0
        entry = runs.setdefault(name, {"samples": []})
        entry["samples"].append({"ops_per_s": ops, "ns_per_op": 1e9 / ops if ops else 0.0,
                                 "bytes_per_s": b.get("bytes_per_second"),
                                 "threads": b.get("threads", 1),
                                 "aggregate": b.get("run_type") == "aggregate"})
    figures = {}
    for name, entry in runs.items():
        if "error" in entry:
            figures[name] = {"error": entry["error"]}
            continue
        samples = [s for s in entry["samples"] if s["aggregate"]] or entry["samples"]
        ops = statistics.median(s["ops_per_s"] for s in samples)
        figures[name] = {"ops_per_s": ops, "ns_per_op": 1e9 / ops if ops else 0.0,
                         "threads": samples[0]["threads"],
                         "bytes_per_s": samples[0]["bytes_per_s"]}
    return figures, context


def find_micro(figures, base, arg=None, threads=None):
    """The figure of benchmark `base` (optionally /arg, /threads:N), any suffix."""
    for name, fig in figures.items():
        parts = name.split("/")
        if parts[0] != base:
            continue
        if arg is not None and str(arg) not in parts[1:]:
            continue
        if threads is not None and f"threads:{threads}" not in parts[1:]:
            continue
        if threads is None and any(p.startswith("threads:") and p != "threads:1"
                                   for p in parts[1:]):
            continue
        if "error" in fig:
            return None
        return fig
    return None




def command_output(args):
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine_info(micro_context):
    info = {"system": platform.system(), "kernel": platform.release(),
            "machine": platform.machine(), "cpus": os.cpu_count()}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu_model"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            info["memory_kb"] = int(f.readline().split()[1])
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    info["os"] = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    if micro_context.get("mhz_per_cpu"):
        info["mhz_per_cpu"] = micro_context["mhz_per_cpu"]
    versions = {}
    for package in ["libgrpc++1.51", "libssl3", "android-libboringssl", "libabsl20220623",
                    "libprotobuf32", "libbenchmark1debian", "g++-12"]:
        v = command_output(["dpkg-query", "-W", "-f", "${Version}", package])
        if v:
            versions[package] = v
    info["packages"] = versions
    return info


# ---------------------------------------------------------------- load analysis

def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarize(chosen):
    """Medians over repetitions of one point."""
    if not chosen:
        return None
    m = lambda key: med([key(p) for p in chosen])
    return {
        "repetitions": len(chosen),
        "qps": m(lambda p: p["qps"]),
        "qps_samples": [round(p["qps"], 1) for p in chosen],
        "p50_us": m(lambda p: p["latency_us"]["p50"]),
        "p99_us": m(lambda p: p["latency_us"]["p99"]),
        "p999_us": m(lambda p: p["latency_us"]["p999"]),
        "server_cpu_cores": m(lambda p: p["server_cpu_cores"]),
        "client_cpu_cores": m(lambda p: p["client_cpu_cores"]),
        # The server's CPU time per call: what a call costs the server even
        # when the load generator, not the server, set the pace.
        "server_us_per_call": m(lambda p: p["server_cpu_cores"] * 1e6 / p["qps"]
                                if p["qps"] and p.get("server_cpu_cores", -1) > 0 else None),
        "calls": sum(p["calls"] for p in chosen),
        "errors": sum(p["errors"] for p in chosen),
        "loadavg_before": [p["loadavg"]["before"] for p in chosen],
        "points": [p["name"] for p in chosen],
    }


CLOSED_NAME = re.compile(r"^([a-z]+)_q(\d+)_c(\d+)_r(\d+)$")


def analyse_closed(results, run):
    points = load_section(results, "closed")
    headline = run.get("headline", 32)
    default_q = run.get("sts_default_queues", 0)
    by = {}  # (row, q, in_flight) -> [points]
    for p in points:
        m = CLOSED_NAME.match(p["name"])
        if not m:
            continue
        p["row"], p["queues"], p["repetition"] = m.group(1), int(m.group(2)), int(m.group(4))
        by.setdefault((p["row"], p["queues"], int(m.group(3))), []).append(p)

    # Every configuration of every row at the headline, and the fastest.
    configs, best = {}, {}
    for (row, q, c), chosen in sorted(by.items()):
        if c == headline:
            configs.setdefault(row, {})[str(q)] = summarize(chosen)
    for row, qs in configs.items():
        q, s = max(qs.items(), key=lambda kv: kv[1]["qps"])
        best[row] = {"queues": int(q), **s}
    ceiling = None
    for row in CEILING_ROWS:
        if row in best and (ceiling is None or best[row]["qps"] > ceiling["qps"]):
            ceiling = {"row": row, **best[row]}
    # Paired per repetition: each row's winning configuration against the
    # ceiling's winning configuration in the same repetition.
    def rep_qps(row, q):
        return {p["repetition"]: p["qps"] for p in by.get((row, q, headline), [])}
    headline_rows = {}
    for row in STS_ROWS + ["health"]:
        if row not in best:
            continue
        h = dict(best[row])
        if ceiling:
            h["ratio_to_ceiling"] = h["qps"] / ceiling["qps"]
            # A ceiling whose server is not saturated (the load generator's
            # core is) understates what the no-op can do, and so flatters
            # the QPS ratio. The same ratio by server CPU per call does not;
            # the verdict takes the lower of the two.
            if ceiling.get("server_us_per_call") and h.get("server_us_per_call"):
                h["cpu_ratio_to_ceiling"] = (ceiling["server_us_per_call"] /
                                             h["server_us_per_call"])
            h["judged_ratio"] = min(r for r in (h["ratio_to_ceiling"],
                                                h.get("cpu_ratio_to_ceiling")) if r is not None)
            ours, theirs = rep_qps(row, h["queues"]), rep_qps(ceiling["row"], ceiling["queues"])
            h["paired_ratios"] = [round(ours[r] / theirs[r], 3)
                                  for r in sorted(ours) if theirs.get(r)]
        d = configs[row].get(str(default_q))
        h["default_queues"] = default_q
        h["default_qps"] = d["qps"] if d else None
        h["default_share_of_best"] = d["qps"] / h["qps"] if d else None
        headline_rows[row] = h
    # The sweep: the default configuration at every concurrency.
    sweep = {}
    order = {row: i for i, row in enumerate(CEILING_ROWS + STS_ROWS + ["health"])}
    for (row, q, c), chosen in sorted(by.items(),
                                      key=lambda kv: (order.get(kv[0][0], 99), kv[0][2])):
        if q == default_q and row != "noopmin":
            s = summarize([p for p in chosen if p["repetition"] == 1] or chosen)
            sweep.setdefault(row, []).append({"in_flight": c, **s})
    return {"headline_in_flight": headline, "default_queues": default_q,
            "configs": configs, "best": best, "ceiling": ceiling, "headline": headline_rows,
            "sweep": sweep, "points": points}


def analyse_open(results):
    points = load_section(results, "open")
    out = {"points": points}
    runs = {}
    for p in points:
        m = re.match(r"^([a-z]+)_q(\d+)_rate(\d+)(?:_r(\d+))?$", p["name"])
        if m:
            runs.setdefault((m.group(1), int(m.group(2))), []).append(p)
    rows = []
    for (row, queues), chosen in sorted(runs.items()):
        # The repetition with the median p99 stands for the row: this VM
        # stalls now and then, and one stall sets a p99 over a few seconds.
        chosen = sorted(chosen, key=lambda p: p["latency_us"]["p99"])
        p = chosen[(len(chosen) - 1) // 2]
        rows.append({"row": row, "queues": queues,
                     "target_rate": p["target_rate"], "qps": p["qps"],
                     "p50_us": p["latency_us"]["p50"], "p99_us": p["latency_us"]["p99"],
                     "p999_us": p["latency_us"]["p999"], "errors": p["errors"],
                     "missed": p["missed"], "max_outstanding": p["in_flight"],
                     "server_cpu_cores": p["server_cpu_cores"],
                     "p99_each_us": [c["latency_us"]["p99"] for c in chosen]})
    out["issue"] = next((r for r in rows if r["row"] == "issue"), None)
    out["noops"] = [r for r in rows if r["row"] != "issue"]
    # The no-op's figure is its better server's (the lower p99): a stall of
    # one no-op server must not make Issue look close to it.
    out["ceiling"] = min(out["noops"], key=lambda f: f["p99_us"]) if out["noops"] else None
    if out["issue"] and out["ceiling"] and out["ceiling"]["p99_us"] > 0:
        out["p99_ratio"] = out["issue"]["p99_us"] / out["ceiling"]["p99_us"]
    return out


def analyse_protected(results):
    points = load_section(results, "protected")
    by = {}
    for p in points:
        m = re.match(r"^([a-z]+)_c(\d+)_r(\d+)$", p["name"])
        if m:
            by.setdefault((int(m.group(2)), m.group(1)), []).append(p)
    rows = {}
    for (c, mode), chosen in sorted(by.items()):
        s = summarize(chosen)
        stats = [p.get("server_stats", {}) for p in chosen]
        s["validations"] = sum(x.get("validations", 0) for x in stats)
        s["forgotten"] = sum(x.get("forgotten", 0) for x in stats)
        s["guard_calls"] = sum(x.get("guard_calls", 0) for x in stats)
        s["plain_calls"] = sum(x.get("plain_calls", 0) for x in stats)
        rows.setdefault(str(c), {})[mode] = s
    for c, modes in rows.items():
        plain = modes.get("plain")
        for mode in ("empty", "warm", "call", "miss"):
            s = modes.get(mode)
            if s and plain and plain["qps"] and plain["p99_us"]:
                s["qps_ratio"] = s["qps"] / plain["qps"]
                s["p99_ratio"] = s["p99_us"] / plain["p99_us"]
    return {"by_in_flight": rows, "points": points}


def analyse_scale(results):
    points = load_section(results, "scale")
    rows = {}
    for p in points:
        m = re.match(r"^([a-z]+)_n(\d+)$", p["name"])
        if not m:
            continue
        rpc, n = m.group(1), int(m.group(2))
        s = summarize([p])
        # Live contexts: the pre-filled ones, plus what an Issue point adds.
        s["live_at_start"] = n + (p.get("completed_before_window", 0) if rpc == "issue" else 0)
        s["live_at_end"] = s["live_at_start"] + (p["calls"] + p["errors"] if rpc == "issue"
                                                 else 0)
        s["prepare_s"] = p.get("prepare_s")
        s["server_rss_after_bytes"] = p["server_rss_bytes"]["after"]
        rows.setdefault(rpc, {})[str(n)] = s
    for rpc, by_n in rows.items():
        ns = sorted(by_n, key=int)
        if len(ns) > 1 and by_n[ns[0]]["qps"]:
            for n in ns:
                by_n[n]["ratio_to_smallest"] = by_n[n]["qps"] / by_n[ns[0]]["qps"]
    return {"by_rpc": rows, "points": points}


def analyse_variants(results, closed):
    points = load_section(results, "variants")
    by = {}
    for p in points:
        m = re.match(r"^([a-z_]+?)_(issue|validate|renew)_r(\d+)$", p["name"])
        if m:
            by.setdefault((m.group(1), m.group(2)), []).append(p)
    rows = {}
    default_q = str(closed.get("default_queues", 0))
    ceiling = closed.get("ceiling")
    for (name, rpc), chosen in sorted(by.items()):
        s = summarize(chosen)
        stateful = closed.get("configs", {}).get(rpc, {}).get(default_q)
        s["stateful_qps"] = stateful["qps"] if stateful else None
        s["ratio_to_stateful"] = s["qps"] / stateful["qps"] if stateful else None
        s["ratio_to_ceiling"] = s["qps"] / ceiling["qps"] if ceiling else None
        rows.setdefault(name, {})[rpc] = s
    return {"rows": rows, "points": points}


def analyse_sustained(results, closed):
    points = load_section(results, "sustained")
    rows = {}
    default_q = str(closed.get("default_queues", 0))
    for p in points:
        rpc = p["name"]
        intervals = p.get("intervals", [])
        short = closed.get("configs", {}).get(rpc, {}).get(default_q)
        last = intervals[-1] if intervals else None
        # The steady state: the second half of the run, when the stores have
        # levelled off, as one figure (calls over seconds); a single
        # interval of a drifting machine is one sample, not a state.
        tail = intervals[len(intervals) // 2:]
        tail_seconds = sum(i["seconds"] for i in tail)
        steady = (sum(i["calls"] for i in tail) / tail_seconds) if tail_seconds > 0 else None
        row = {"window_s": p["window_s"], "qps": p["qps"], "errors": p["errors"],
               "intervals": intervals,
               "steady_qps": steady,
               "steady_intervals": len(tail),
               "last_interval_qps": last["qps"] if last else None,
               "min_interval_qps": min(i["qps"] for i in intervals) if intervals else None,
               "short_run_qps": short["qps"] if short else None,
               "rss_first_bytes": intervals[0]["server_rss_bytes"] if intervals else None,
               "rss_last_bytes": last["server_rss_bytes"] if last else None,
               "rss_before_bytes": p["server_rss_bytes"]["before"],
               "p99_us": p["latency_us"]["p99"]}
        if steady and short and short["qps"]:
            row["steady_to_short"] = steady / short["qps"]
        rows[rpc] = row
    return {"rows": rows, "points": points}


def analyse_peers(closed):
    issue = closed.get("headline", {}).get("issue")
    ours = None
    if issue and issue.get("server_cpu_cores") and issue["server_cpu_cores"] > 0:
        ours = issue["qps"] / issue["server_cpu_cores"]
    return {"ours_issue_per_server_core": ours,
            "ours_issue_qps": issue["qps"] if issue else None,
            "ours_server_cpu_cores": issue["server_cpu_cores"] if issue else None,
            "peers": PEERS}



def module_vs_raw(figures):
    rows = []
    for title, mod, raw, sizes in MODULE_PAIRS:
        for size in sizes:
            m, r = find_micro(figures, mod, size), find_micro(figures, raw, size)
            if m and r:
                rows.append({
                    "operation": title, "bytes": size, "module": mod, "raw": raw,
                    "module_ops_per_s": m["ops_per_s"], "raw_ops_per_s": r["ops_per_s"],
                    "ratio": m["ops_per_s"] / r["ops_per_s"]})
    return rows


def protect_vs_raw(figures, pairs=PROTECT):
    rows = []
    for op, (name, raw) in pairs.items():
        for size in SIZES:
            ours = find_micro(figures, name, size)
            r = find_micro(figures, raw, size)
            rows.append({
                "operation": op, "bytes": size, "raw": raw,
                "ops_per_s": ours["ops_per_s"] if ours else None,
                "raw_ops_per_s": r["ops_per_s"] if r else None,
                "ratio": ours["ops_per_s"] / r["ops_per_s"] if ours and r else None})
    return rows


def asymmetric(figures):
    out = {}
    for alg in ASYMMETRIC:
        for size in SIZES:
            f = find_micro(figures, alg, size)
            if f:
                out[f"{alg}/{size}"] = f["ops_per_s"]
    return out



# ---------------------------------------------------------------- targets

def target(tid, description, measured, threshold, comparison, unit="", note="", evidence=None):
    if measured is None:
        verdict = "NOT MEASURED"
    elif comparison == ">=":
        verdict = "PASS" if measured >= threshold else "FAIL"
    else:
        verdict = "PASS" if measured <= threshold else "FAIL"
    return {"id": tid, "target": description, "measured": measured, "threshold": threshold,
            "comparison": comparison, "unit": unit, "verdict": verdict, "note": note,
            "evidence": evidence or {}}


def config_name(row, queues):
    if row == "noopmin":
        return f"minimal server, {queues} queue(s)"
    return "default queues" if queues == 0 else f"{queues} queue(s)"


def load_targets(load, run):
    closed, targets = load["closed"], []
    headline = closed.get("headline_in_flight", run.get("headline", 32))
    ceiling = closed.get("ceiling")
    for row, threshold in ROW_TARGETS.items():
        h = closed.get("headline", {}).get(row)
        note = ""
        if h and ceiling:
            note = (f"{config_name(row, h['queues'])} against the ceiling's "
                    f"{ROW_TITLES[ceiling['row']].lower()}, {config_name(ceiling['row'], ceiling['queues'])}")
            if len(h.get("paired_ratios", [])) > 1:
                note += "; per repetition: " + ", ".join(f"{r:.2f}" for r in h["paired_ratios"])
            if h.get("cpu_ratio_to_ceiling") is not None:
                note += (f"; QPS ratio {h['ratio_to_ceiling']:.2f}x, by server CPU per call "
                         f"{h['cpu_ratio_to_ceiling']:.2f}x, the lower judged")
        targets.append(target(
            f"{row}_vs_ceiling",
            f"{ROW_TITLES[row]} QPS >= {threshold:.2f}x the ceiling ({headline} in flight, each "
            "at its fastest configuration)",
            h.get("judged_ratio") if h else None, threshold, ">=", "x", note,
            {"qps": h["qps"] if h else None, "ceiling_qps": ceiling["qps"] if ceiling else None}))
    shares = {row: closed["headline"][row].get("default_share_of_best")
              for row in STS_ROWS if row in closed.get("headline", {})}
    known = [v for v in shares.values() if v is not None]
    note = "; ".join(
        f"{row}: fastest {config_name(row, closed['headline'][row]['queues'])}, default "
        f"{fmt_ratio(share)} of it" for row, share in shares.items())
    targets.append(target(
        "default_config_wins",
        "The default server.completion_queues is every STS row's fastest configuration "
        "(default within 3 % of the fastest)",
        min(known) if known and len(known) == len(shares) else None, 0.97, ">=", "x", note))
    ol = load["open"]
    targets.append(target(
        "issue_p99_half_load",
        "p99 Issue at half load <= 2x the no-op's p99 at the same offered rate (open loop)",
        ol.get("p99_ratio"), 2.0, "<=", "x",
        (f"{ol['issue']['target_rate']:,.0f} calls/s: Issue p99 {ol['issue']['p99_us'] / 1000:.2f}"
         f" ms, no-op p99 {ol['ceiling']['p99_us'] / 1000:.2f} ms")
        if ol.get("p99_ratio") is not None else ""))
    protected = load["protected"]["by_in_flight"]
    for c in [str(c) for c in run.get("protected_in_flight", [1, 32])]:
        for mode, title in [("warm", "warm Verifier cache"),
                            ("miss", f"one miss per {run.get('forget_every', 10000):,} calls")]:
            s = protected.get(c, {}).get(mode)
            targets.append(target(
                f"protected_{mode}_c{c}_qps",
                f"Protected call QPS >= 0.90x unprotected, {c} in flight, {title}",
                s.get("qps_ratio") if s else None, 0.90, ">=", "x"))
            targets.append(target(
                f"protected_{mode}_c{c}_p99",
                f"Protected call p99 <= 1.2x unprotected, {c} in flight, {title}",
                s.get("p99_ratio") if s else None, 1.2, "<=", "x"))
    scale = load["scale"]["by_rpc"]
    for rpc in ("issue", "validate"):
        by_n = scale.get(rpc, {})
        ns = sorted(by_n, key=int)
        measured = by_n[ns[-1]].get("ratio_to_smallest") if len(ns) > 1 else None
        note = f"{int(ns[-1]):,} against {int(ns[0]):,} live contexts" if len(ns) > 1 else ""
        targets.append(target(
            f"scale_{rpc}", f"{ROW_TITLES[rpc]} QPS with 10^6 live contexts >= 0.9x with 10^3",
            measured, 0.9, ">=", "x", note))
    variants = load["variants"]["rows"]
    on = variants.get("metrics_on", {}).get("issue")
    off = variants.get("metrics_off", {}).get("issue")
    targets.append(target(
        "issue_metrics_vs_off",
        f"Issue QPS with metrics on (scraped every second) >= 0.97x metrics off ({headline} in "
        "flight, measured in pairs)",
        on["qps"] / off["qps"] if on and off and off["qps"] else None, 0.97, ">=", "x", "",
        {"qps_metrics_on": on["qps"] if on else None,
         "qps_metrics_off": off["qps"] if off else None}))
    sustained = load["sustained"]["rows"]
    for rpc in STS_ROWS:
        s = sustained.get(rpc)
        note = ""
        if s and s.get("short_run_qps"):
            note = (f"second half of a {s['window_s'] / 60:.1f}-min run "
                    f"{s['steady_qps']:,.0f} calls/s (last interval "
                    f"{s['last_interval_qps']:,.0f}), short run {s['short_run_qps']:,.0f}")
        targets.append(target(
            f"sustained_{rpc}",
            f"{ROW_TITLES[rpc]}: steady state (second half) of a sustained run >= 0.9x the short-run figure",
            s.get("steady_to_short") if s else None, 0.9, ">=", "x", note))
    return targets


def micro_targets(micro, figures, memory):
    targets = []
    for size, threshold in PROTECT_TARGETS.items():
        for row in micro["protect_vs_raw"]:
            if row["bytes"] != size:
                continue
            targets.append(target(
                f"protect_{row['operation'].lower()}_{size}",
                f"{row['operation']} at {size} B >= {threshold}x raw {row['raw'][7:]}",
                row["ratio"], threshold, ">=", "x",
                "" if row["ratio"] is not None else "message protection benchmark absent"))
    for row in micro.get("soap", []):
        targets.append(target(
            "soap_" + row["ours"].split("BM_Soap_")[-1].lower(),
            f"SOAP {row['operation'].lower()} of a ~2 KiB envelope >= {SOAP_TARGET}x bare "
            "libxmlsec1 on the same document",
            row["ratio"], SOAP_TARGET, ">=", "x",
            "" if row["ratio"] is not None else "soap_benchmark absent"))
    sct = find_micro(figures, PROTECT["Sign"][0], 1024)
    for alg, threshold, title in [("BM_Rsa2048_Sign", 250, "RSA-2048"),
                                  ("BM_EcdsaP256_Sign", 18, "ECDSA P-256")]:
        a = find_micro(figures, alg, 1024)
        measured = sct["ops_per_s"] / a["ops_per_s"] if sct and a else None
        targets.append(target(
            f"sct_sign_vs_{'rsa' if 'Rsa' in alg else 'ecdsa'}",
            f"SCT-key Sign at 1 KiB >= {threshold}x per-message {title} signing",
            measured, threshold, ">=", "x", "",
            {"sct_sign_ops_per_s": sct["ops_per_s"] if sct else None,
             "asymmetric_ops_per_s": a["ops_per_s"] if a else None}))
    mem_note = ""
    if memory and memory["tokens"] < 1_000_000:
        mem_note = f"measured at {memory['tokens']} contexts, not 1,000,000"
    targets.append(target(
        "rss_per_sct", "RSS per live SCT at 1,000,000 contexts <= 200 bytes",
        memory["rss_bytes_per_token"] if memory else None, 200, "<=", "bytes", mem_note,
        {"pool_bytes_per_token": memory.get("pool_bytes_per_token") if memory else None,
         "heap_bytes_per_token": memory.get("heap_bytes_per_token") if memory else None}))
    return targets


def analyse(results, commit):
    run = read_json(os.path.join(results, "run.json")) if os.path.exists(
        os.path.join(results, "run.json")) else {}
    figures, micro_context = micro_figures([os.path.join(results, "micro.json")])
    boringssl_figures, _ = micro_figures(
        sorted(glob.glob(os.path.join(results, "micro_boringssl", "*.json"))))
    soap_figures, _ = micro_figures([os.path.join(results, "soap.json")])
    memory_path = os.path.join(results, "memory.json")
    memory = read_json(memory_path) if os.path.exists(memory_path) else None

    report = {
        "generated_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "commit": commit,
        "machine": machine_info(micro_context),
        "run": run,
    }
    closed = analyse_closed(results, run)
    load = {"closed": closed, "open": analyse_open(results),
            "protected": analyse_protected(results), "scale": analyse_scale(results),
            "variants": analyse_variants(results, closed),
            "sustained": analyse_sustained(results, closed)}
    all_points = [p for section in load.values() for p in section["points"]]
    load["errors_total"] = sum(p["errors"] for p in all_points)
    report["load"] = load
    report["peers"] = analyse_peers(closed)

    micro = {"figures": figures, "context": micro_context,
             "module_vs_raw": module_vs_raw(figures), "keyring_vs_raw": [],
             "asymmetric": asymmetric(figures), "protect_vs_raw": protect_vs_raw(figures),
             "protect_message_vs_raw": protect_vs_raw(figures, PROTECT_MESSAGE)}
    for title, ours, raw in KEYRING_PAIRS:
        for threads in (1, 2):
            m = find_micro(figures, ours, threads=threads if threads > 1 else None)
            r = find_micro(figures, raw, threads=threads if threads > 1 else None)
            if m and r:
                micro["keyring_vs_raw"].append({
                    "operation": title, "threads": threads,
                    "keyring_ops_per_s": m["ops_per_s"], "raw_ops_per_s": r["ops_per_s"],
                    "ratio": m["ops_per_s"] / r["ops_per_s"]})
    micro["soap"] = []
    for title, (ours, bare) in SOAP_PAIRS.items():
        o, b = find_micro(soap_figures, ours), find_micro(soap_figures, bare)
        micro["soap"].append({
            "operation": title, "ours": ours, "bare": bare,
            "ours_ops_per_s": o["ops_per_s"] if o else None,
            "bare_ops_per_s": b["ops_per_s"] if b else None,
            "ratio": o["ops_per_s"] / b["ops_per_s"] if o and b and b["ops_per_s"] else None})
    micro["soap_figures"] = soap_figures
    scan = find_micro(figures, "BM_Keyring_SweepScan")
    raw_scan = find_micro(figures, "BM_Raw_ShardedMap_SweepScan")
    if scan:
        micro["sweep_scan_ns_per_live_token"] = scan["ns_per_op"]
        if raw_scan:
            micro["raw_sweep_scan_ns_per_live_token"] = raw_scan["ns_per_op"]
    # Shutdown's Keyring::Clear per record at each size measured: flat when
    # its cost grows with the records, rising when it grows faster.
    clear = {}
    for name, fig in figures.items():
        parts = name.split("/")
        if parts[0] == "BM_Keyring_Clear" and len(parts) > 1 and parts[1].isdigit():
            clear[int(parts[1])] = fig["ns_per_op"]
    micro["clear_ns_per_record"] = {str(n): clear[n] for n in sorted(clear)}
    # The same primitives and message protection on BoringSSL, informational:
    # the verdicts below stay on the default (OpenSSL 3) build.
    micro["boringssl"] = None
    if boringssl_figures:
        micro["boringssl"] = {
            "figures": boringssl_figures, "module_vs_raw": module_vs_raw(boringssl_figures),
            "asymmetric": asymmetric(boringssl_figures),
            "protect_vs_raw": protect_vs_raw(boringssl_figures),
            "protect_message_vs_raw": protect_vs_raw(boringssl_figures, PROTECT_MESSAGE)}
    report["micro"] = micro
    report["memory"] = memory
    report["targets"] = load_targets(load, run) + micro_targets(micro, figures, memory)
    return report


# ---------------------------------------------------------------- output

def fmt_qps(x):
    return "-" if x is None else f"{x:,.0f}"


def fmt_per_call(x):
    return "-" if x is None else f"{x:.1f}"


def fmt_ratio(x):
    return "-" if x is None else f"{x:.2f}x"


def fmt_us(x):
    return "-" if x is None else f"{x:,.0f}"


def fmt_mb(x):
    return "-" if x is None or x < 0 else f"{x / 1e6:,.1f}"


def fmt_seconds(x):
    return "-" if x is None else f"{x:,.1f}"


def fmt_cores(x):
    return "-" if x is None or x < 0 else f"{x:.2f}"


def fmt_measured(t):
    m = t["measured"]
    if m is None:
        return "not measured"
    if t["unit"] == "x":
        return f"{m:.2f}x" if m < 10 else f"{m:,.0f}x"
    if t["unit"] == "bytes":
        return f"{m:.0f} bytes"
    if t["unit"] == "ms":
        return f"{m:.2f} ms"
    return f"{m}"


def fmt_threshold(t):
    th = t["threshold"]
    unit = {"x": "x", "bytes": " bytes", "ms": " ms"}.get(t["unit"], "")
    return f"{t['comparison']} {th:g}{unit}"


def md_closed(add, report):
    closed, run = report["load"]["closed"], report["run"]
    headline = closed["headline_in_flight"]
    configs, ceiling = closed["configs"], closed["ceiling"]
    if not configs:
        return
    add("## The ceiling and each row's configurations")
    add("")
    qs = sorted({q for row in configs.values() for q in row}, key=int)
    add(f"Closed loop, {headline} calls in flight, median QPS of {run.get('repeat', 1)} "
        "interleaved repetition(s) per configuration. The ceiling is the fastest no-op "
        "configuration; each STS row is taken at its own fastest. `server.completion_queues` "
        f"resolves to {closed['default_queues'] or 'none of these'} by default for the "
        + (f"server pinned to one of this machine's {run.get('cpus', '?')} CPUs"
           if run.get("pinned") else f"server on this {run.get('cpus', '?')}-CPU machine")
        + " (one per CPU the process may run on; bench_suite.sh finds it by thread count); "
        "**bold**: the fastest configuration of the row, with each repetition in brackets.")
    add("")
    add("| row | " + " | ".join("default" if q == "0" else f"{q} queue(s)" for q in qs) +
        " | fastest | default's share |")
    add("|---|" + "---|" * (len(qs) + 2))
    for row in CEILING_ROWS + STS_ROWS + ["health"]:
        if row not in configs:
            continue
        best = closed["best"][row]
        cells = []
        for q in qs:
            s = configs[row].get(q)
            cell = "-" if not s else fmt_qps(s["qps"])
            if s and len(s["qps_samples"]) > 1:
                cell += " (" + ", ".join(fmt_qps(x) for x in s["qps_samples"]) + ")"
            if s and int(q) == best["queues"]:
                cell = f"**{cell}**"
            cells.append(cell)
        h = closed["headline"].get(row, {})
        share = fmt_ratio(h.get("default_share_of_best")) if row in STS_ROWS else ""
        winner = config_name(row, best["queues"])
        if ceiling and row == ceiling["row"]:
            winner += " (the ceiling)"
        add(f"| {ROW_TITLES[row]} | " + " | ".join(cells) + f" | {winner} | {share} |")
    add("")


def md_headline(add, report):
    closed, ol = report["load"]["closed"], report["load"]["open"]
    ceiling = closed["ceiling"]
    if not ceiling:
        return
    add(f"## gRPC load, {closed['headline_in_flight']} calls in flight")
    add("")
    add("| row | configuration | QPS | ratio to the ceiling | p50 µs | p99 µs | p99.9 µs "
        "| server CPU | client CPU | server CPU µs per call | ratio by server CPU | errors |")
    add("|---|---|---|---|---|---|---|---|---|---|---|---|")
    rows = [("ceiling", ceiling)] + [(r, closed["headline"][r]) for r in STS_ROWS + ["health"]
                                     if r in closed["headline"]]
    for name, h in rows:
        title = ROW_TITLES[ceiling["row"]] + ", the ceiling" if name == "ceiling" else ROW_TITLES[name]
        ratio = 1.0 if name == "ceiling" else h.get("ratio_to_ceiling")
        add(f"| {title} | {config_name(ceiling['row'] if name == 'ceiling' else name, h['queues'])}"
            f" | {fmt_qps(h['qps'])} | {fmt_ratio(ratio)} | {fmt_us(h['p50_us'])} | "
            f"{fmt_us(h['p99_us'])} | {fmt_us(h['p999_us'])} | {fmt_cores(h['server_cpu_cores'])}"
            f" | {fmt_cores(h['client_cpu_cores'])} | {fmt_per_call(h.get('server_us_per_call'))}"
            f" | {fmt_ratio(1.0 if name == 'ceiling' else h.get('cpu_ratio_to_ceiling'))}"
            f" | {h['errors']} |")
    add("")
    add("CPU columns are cores used over the window (1.00 = one core busy); a server below 1.00 "
        "while pinned to one core means the load generator, not the server, set the pace. "
        "Then the QPS ratio flatters the STS (its server is saturated, the ceiling's is not), "
        "so each verdict takes the lower of the QPS ratio and the ratio of server CPU time per "
        "call.")
    add("")
    if ol.get("issue") and ol.get("ceiling"):
        i, c = ol["issue"], ol["ceiling"]
        window = report["run"].get("open_duration_s")
        add(f"Open loop at half the highest closed-loop Issue throughput "
            f"({i['target_rate']:,.0f} calls/s scheduled, latency from the scheduled start, at "
            f"most {i['max_outstanding']} outstanding"
            + (f", {window} s per repetition" if window else "") + "):")
        add("")
        add("Each row is its repetition with the median p99 (every repetition's p99 in the "
            "last column).")
        add("")
        add("| row | configuration | served calls/s | p50 µs | p99 µs | p99.9 µs | errors "
            "| starts missed | p99 of each repetition, µs |")
        add("|---|---|---|---|---|---|---|---|---|")
        noops = sorted(ol.get("noops", [c]), key=lambda f: f["p99_us"])
        for title, x in [("Issue", i)] + [
                (ROW_TITLES[n["row"]] + (" (the no-op's figure: the lower p99)"
                                         if n is c and len(noops) > 1 else ""), n)
                for n in noops]:
            add(f"| {title} | {config_name(x['row'], x['queues'])} | {fmt_qps(x['qps'])} | "
                f"{fmt_us(x['p50_us'])} | {fmt_us(x['p99_us'])} | {fmt_us(x['p999_us'])} | "
                f"{x['errors']} | {x['missed']} | "
                f"{', '.join(fmt_us(v) for v in x.get('p99_each_us', []))} |")
        add("")


def md_protected(add, report):
    prot, run = report["load"]["protected"]["by_in_flight"], report["run"]
    if not prot:
        return
    add("## The protected gRPC call")
    add("")
    add(f"`protected_echo_server`: one synchronous gRPC server serving bench.v1.Plain/Echo as it "
        "is and bench.v1.Guard/Echo behind `ProtectService`; the load generator calls the first "
        "on a plain channel and the second through `CreateProtectedChannel` under one context "
        f"({run.get('protected_payload_bytes', '?')}-byte payload, closed loop, median of "
        f"{run.get('protected_repeat', 1)} repetition(s)). *Miss* forgets the context in the "
        f"Verifier every {run.get('forget_every', 10000):,} calls, so the next call waits for a "
        "Validate at the STS (pinned beside the load generator). The verdicts are on the "
        "protected channel's rows; two rows beside them say where its cost lies: the plain call "
        "through a client interceptor that does nothing (what gRPC's interceptor machinery costs "
        "by itself: every intercepted batch goes through the completion queue once more when it "
        "completes), and the same protection added to each call's `ClientContext` by "
        "`ProtectCall` on a channel without interceptor.")
    add("")
    add("| in flight | call | QPS | ratio to unprotected | p50 µs | p99 µs | p99 ratio "
        "| server CPU | Validate calls | errors |")
    add("|---|---|---|---|---|---|---|---|---|---|")
    for c in sorted(prot, key=int):
        for mode in PROTECTED_MODES:
            s = prot[c].get(mode)
            if not s:
                continue
            title = PROTECTED_MODES[mode].replace(
                "forget_every", f"{run.get('forget_every', 10000):,}")
            add(f"| {c} | {title} | {fmt_qps(s['qps'])} | "
                f"{fmt_ratio(s.get('qps_ratio', 1.0 if mode == 'plain' else None))} | "
                f"{fmt_us(s['p50_us'])} | {fmt_us(s['p99_us'])} | "
                f"{fmt_ratio(s.get('p99_ratio', 1.0 if mode == 'plain' else None))} | "
                f"{fmt_cores(s['server_cpu_cores'])} | "
                f"{s['validations'] if mode != 'plain' else '-'} | {s['errors']} |")
    add("")


def md_scale(add, report):
    scale = report["load"]["scale"]["by_rpc"]
    if not scale:
        return
    add("## Cost against live contexts")
    add("")
    add("A fresh sts_server per size, pre-filled with that many contexts (Issue, 64 in flight), "
        "then Validate round-robin over all of them, then Issue on the same server (which adds "
        "one live context per call).")
    add("")
    add("| RPC | live contexts | QPS | ratio to the smallest | p99 µs | server RSS after | "
        "pre-fill s | errors |")
    add("|---|---|---|---|---|---|---|---|")
    for rpc in ("validate", "issue"):
        for n, s in sorted(scale.get(rpc, {}).items(), key=lambda kv: int(kv[0])):
            live = (f"{s['live_at_start']:,}" if s["live_at_start"] == s["live_at_end"]
                    else f"{s['live_at_start']:,} to {s['live_at_end']:,}")
            add(f"| {ROW_TITLES[rpc]} | {live} | {fmt_qps(s['qps'])} | "
                f"{fmt_ratio(s.get('ratio_to_smallest'))} | {fmt_us(s['p99_us'])} | "
                f"{fmt_mb(s['server_rss_after_bytes'])} MB | "
                f"{fmt_seconds(s['prepare_s'])} | {s['errors']} |")
    add("")


def md_variants(add, report):
    rows = report["load"]["variants"]["rows"]
    if not rows:
        return
    add("## Stateless cookies beside the stateful store")
    add("")
    add("Each at the headline concurrency and the default configuration, a fresh server (and an "
        "emptied Redis) per point; *stateful* is the keyring row of the same configuration above.")
    add("")
    add("| variant | RPC | QPS | ratio to stateful | ratio to the ceiling | p99 µs | server CPU "
        "| errors |")
    add("|---|---|---|---|---|---|---|---|")
    for name, by_rpc in rows.items():
        for rpc in STS_ROWS:
            s = by_rpc.get(rpc)
            if s:
                add(f"| {VARIANT_TITLES.get(name, name)} | {ROW_TITLES[rpc]} | {fmt_qps(s['qps'])}"
                    f" | {fmt_ratio(s['ratio_to_stateful'])} | {fmt_ratio(s['ratio_to_ceiling'])}"
                    f" | {fmt_us(s['p99_us'])} | {fmt_cores(s['server_cpu_cores'])} | "
                    f"{s['errors']} |")
    add("")


def md_sustained(add, report):
    rows, run = report["load"]["sustained"]["rows"], report["run"]
    add("## Sustained load")
    add("")
    if not rows:
        add("Not measured in this run (`run_benchmarks.sh --sustained`).")
        add("")
        return
    add(f"Each RPC for {run.get('sustained_duration')} on a fresh server at the headline "
        f"concurrency and the default configuration, figures every "
        f"{run.get('sustained_interval')}. Issue asks for a "
        f"{run.get('sustained_issue_lifetime')} lifetime and its server forgets a record as "
        "long after expiry (tokens.retention), so its live set reaches a steady state (rate x "
        "twice the lifetime) inside the run; Renew's replay cache fills for its window "
        "(tokens.clock_skew, 5 min) and then holds.")
    add("")
    add("The steady state is the second half of the run (its intervals' calls over their "
        "seconds), against the short run of the closed section at the default configuration.")
    add("")
    add("| RPC | whole run calls/s | short run | steady state (second half) | last interval "
        "| lowest interval | server RSS before | RSS after the first interval | RSS at the end "
        "| errors |")
    add("|---|---|---|---|---|---|---|---|---|---|")
    for rpc in STS_ROWS:
        s = rows.get(rpc)
        if s:
            add(f"| {ROW_TITLES[rpc]} | {fmt_qps(s['qps'])} | {fmt_qps(s['short_run_qps'])} | "
                f"{fmt_qps(s['steady_qps'])} ({fmt_ratio(s.get('steady_to_short'))}) | "
                f"{fmt_qps(s['last_interval_qps'])} | "
                f"{fmt_qps(s['min_interval_qps'])} | {fmt_mb(s['rss_before_bytes'])} MB | "
                f"{fmt_mb(s['rss_first_bytes'])} MB | {fmt_mb(s['rss_last_bytes'])} MB | "
                f"{s['errors']} |")
    add("")
    longest = max((len(s["intervals"]) for s in rows.values()), default=0)
    if longest:
        add("Per interval, calls/s and the server's RSS:")
        add("")
        add("| interval | " + " | ".join(ROW_TITLES[r] for r in STS_ROWS if r in rows) + " |")
        add("|---|" + "---|" * len([r for r in STS_ROWS if r in rows]))
        for k in range(longest):
            cells = []
            for rpc in STS_ROWS:
                if rpc not in rows:
                    continue
                iv = rows[rpc]["intervals"]
                cells.append("-" if k >= len(iv) else
                             f"{fmt_qps(iv[k]['qps'])}/s, {fmt_mb(iv[k]['server_rss_bytes'])} MB")
            add(f"| {k + 1} | " + " | ".join(cells) + " |")
        add("")


def md_peers(add, report):
    peers = report["peers"]
    add("## Against what a user would pick instead")
    add("")
    ours = peers["ours_issue_per_server_core"]
    if ours:
        add(f"Our Issue: **{ours:,.0f} contexts/s per server core** ({fmt_qps(peers['ours_issue_qps'])} "
            f"calls/s with the server using {peers['ours_server_cpu_cores']:.2f} cores, the "
            "headline row above).")
    else:
        add("Our Issue per server core: not measured in this run.")
    add("")
    add("These are their publishers' figures, not measured here. They are HTTP/OAuth token "
        "issuance (Vault: its own tokens), mostly with asymmetric signing of each token (JWT) "
        "or password hashing of each client secret, often with a database behind, on other "
        "hardware and with other load generators. Ours is one gRPC call over an established "
        "mutual-TLS connection, minting a symmetric key and keeping it in memory. The table "
        "says what a user would otherwise deploy; it is not a same-machine comparison and "
        "carries no verdict.")
    add("")
    add("| system | published figure | setup | source |")
    add("|---|---|---|---|")
    for p in peers["peers"]:
        add(f"| {p['system']} | {p['figure']} | {p['setup']} | <{p['source']}> |")
    add("")


def md_sweep(add, report, plot_name):
    sweep = report["load"]["closed"]["sweep"]
    if not sweep:
        return
    add("## Concurrency sweep (default configuration)")
    add("")
    if plot_name:
        add(f"![Throughput and p99 latency against calls in flight]({plot_name})")
        add("")
    concurrencies = sorted({r["in_flight"] for rows in sweep.values() for r in rows})
    add("| row | " + " | ".join(f"{c} in flight" for c in concurrencies) + " |")
    add("|---|" + "---|" * len(concurrencies))
    for row, rows in sweep.items():
        by = {r["in_flight"]: r for r in rows}
        cells = []
        for c in concurrencies:
            r = by.get(c)
            cells.append("-" if not r else f"{r['qps']:,.0f} QPS, p99 {r['p99_us']:,.0f} µs")
        add(f"| {ROW_TITLES.get(row, row)} | " + " | ".join(cells) + " |")
    add("")


def md_micro(add, report):
    run = report["run"]
    micro = report["micro"]
    bssl = micro.get("boringssl")
    add("## Micro-benchmarks")
    add("")
    add("Google Benchmark, each beside its baseline in the same binary "
        f"(`//tests/bench:micro_benchmark`), median of {run.get('micro_repetitions', 1)} "
        + ("repetition(s), interleaved in random order across the binary's benchmarks so "
           "that a ratio's two sides sample the same stretch of the machine's drift. "
           if run.get("micro_interleaved") else "repetition(s), run back to back. ")
        + "*Raw* is the crypto backend called directly with one reused context "
        "(`//client/crypto/testing:benchmark_baselines`); a ratio is our throughput over the "
        "raw one.")
    if bssl:
        add("")
        add("The *BoringSSL* columns are the same primitives and message protection built with "
            "`--config=opt --config=boringssl` (`//tests/bench:primitive_benchmark` and "
            "`:message_protection_benchmark`, run in the same session): the module and its raw "
            "baseline both on Android's BoringSSL, the AEAD on its one-shot `EVP_AEAD`. "
            "Only client/crypto, wire and protect build on it (the gRPC server stays on "
            "OpenSSL 3), so the verdicts above are OpenSSL 3's.")
    add("")

    def by_key(rows, *keys):
        return {tuple(r[k] for k in keys): r for r in (rows or [])}

    def protect_table(key):
        b_protect = by_key(bssl and bssl.get(key), "operation", "bytes")
        if bssl:
            add("| operation | bytes | ops/s | raw ops/s | ratio | BoringSSL ops/s "
                "| BoringSSL raw ops/s | BoringSSL ratio |")
            add("|---|---|---|---|---|---|---|---|")
        else:
            add("| operation | bytes | ops/s | raw ops/s | ratio |")
            add("|---|---|---|---|---|")
        for row in micro.get(key) or []:
            line = (f"| {row['operation']} | {row['bytes']} | "
                    f"{fmt_qps(row['ops_per_s']) if row['ops_per_s'] else 'not measured'} | "
                    f"{fmt_qps(row['raw_ops_per_s'])} | {fmt_ratio(row['ratio'])} |")
            if bssl:
                b = b_protect.get((row["operation"], row["bytes"]), {})
                line += (f" {fmt_qps(b.get('ops_per_s'))} | {fmt_qps(b.get('raw_ops_per_s'))} "
                         f"| {fmt_ratio(b.get('ratio'))} |")
            add(line)
        add("")

    add("### Message protection against the raw primitive")
    add("")
    add("Through the view API (`client/protect/message_view.h`: the header as views, no "
        "protobuf built or parsed), as the targets are judged. Sign and Seal make the header "
        "and the tag; Verify and Open run every receiver check (shape, time window, key "
        "resolution, receiver, tag, replay window). The raw baselines MAC or encrypt the "
        "payload alone (no header, no AAD, a fixed nonce).")
    add("")
    protect_table("protect_vs_raw")
    if micro.get("protect_message_vs_raw"):
        add("The same operations on a whole `sts.v1.ProtectedMessage` (message.h), "
            "informational:")
        add("")
        protect_table("protect_message_vs_raw")
    if any(row["ratio"] is not None for row in micro.get("soap", [])):
        add("### SOAP profile against bare libxmlsec1")
        add("")
        add("`//tests/bench:soap_benchmark`, same ~2 KiB envelope, same run: *ours* is "
            "`soap::Sign` then a Receiver's Verify (hardened parse, Ids, structure, timestamp, "
            "key resolution, P_SHA1 derivation, replay cache), and `soap::Encrypt` (AES-256-CBC) "
            "then `Receiver::Decrypt`; *bare* is libxml2 + xmlsec1 alone on a prepared template "
            "with the key already derived (parse, sign or encrypt, serialise, parse, verify or "
            "decrypt), with none of those checks.")
        add("")
        add("| operation | ours ops/s | bare ops/s | ratio |")
        add("|---|---|---|---|")
        for row in micro["soap"]:
            add(f"| {row['operation']} | {fmt_qps(row['ours_ops_per_s'])} | "
                f"{fmt_qps(row['bare_ops_per_s'])} | {fmt_ratio(row['ratio'])} |")
        add("")
    add("### Crypto module against the raw backend")
    add("")
    b_module = by_key(bssl and bssl["module_vs_raw"], "operation", "bytes")
    if bssl:
        add("| operation | bytes | module ops/s | raw ops/s | ratio | BoringSSL module ops/s "
            "| BoringSSL raw ops/s | BoringSSL ratio |")
        add("|---|---|---|---|---|---|---|---|")
    else:
        add("| operation | bytes | module ops/s | raw ops/s | ratio |")
        add("|---|---|---|---|---|")
    for row in micro["module_vs_raw"]:
        line = (f"| {row['operation']} | {row['bytes']} | {fmt_qps(row['module_ops_per_s'])} | "
                f"{fmt_qps(row['raw_ops_per_s'])} | {fmt_ratio(row['ratio'])} |")
        if bssl:
            b = b_module.get((row["operation"], row["bytes"]), {})
            line += (f" {fmt_qps(b.get('module_ops_per_s'))} | "
                     f"{fmt_qps(b.get('raw_ops_per_s'))} | {fmt_ratio(b.get('ratio'))} |")
        add(line)
    add("")
    add("### Per-message asymmetric signatures (SHA-256)")
    add("")
    add("| operation | " + " | ".join(f"{s} B" for s in SIZES) + " |")
    add("|---|" + "---|" * len(SIZES))
    titles = {"BM_Rsa2048_Sign": "RSA-2048 sign", "BM_Rsa2048_Verify": "RSA-2048 verify",
              "BM_EcdsaP256_Sign": "ECDSA P-256 sign", "BM_EcdsaP256_Verify": "ECDSA P-256 verify"}
    for backend, figures in [("", micro["asymmetric"])] + (
            [(" (BoringSSL)", bssl["asymmetric"])] if bssl else []):
        for alg in ASYMMETRIC:
            add(f"| {titles[alg]}{backend} | " + " | ".join(
                f"{fmt_qps(figures.get(f'{alg}/{s}'))}/s" for s in SIZES) + " |")
    add("")
    add("### Keyring against a plain sharded hash map")
    add("")
    add("| operation | threads | keyring ops/s | raw ops/s | ratio |")
    add("|---|---|---|---|---|")
    for row in micro["keyring_vs_raw"]:
        add(f"| {row['operation']} | {row['threads']} | {fmt_qps(row['keyring_ops_per_s'])} | "
            f"{fmt_qps(row['raw_ops_per_s'])} | {fmt_ratio(row['ratio'])} |")
    if "sweep_scan_ns_per_live_token" in micro:
        add("")
        raw = micro.get("raw_sweep_scan_ns_per_live_token")
        add(f"A sweep that finds nothing due reads each live record's due tag in its shard's "
            "index, and visits a record only when one of its deadlines has come: "
            f"{micro['sweep_scan_ns_per_live_token']:.1f} ns per live context"
            + (f" ({raw:.1f} ns for the plain map, which visits every record)" if raw else "") +
            f", i.e. {micro['sweep_scan_ns_per_live_token'] * 1e6 / 1e9 * 1e3:.1f} ms of one "
            "core per sweep at 1,000,000 live contexts (one sweep per `tokens.sweep_interval`, "
            "1 s by default).")
    if micro.get("clear_ns_per_record"):
        add("")
        add("Shutdown erases every record and zeroizes its key (`Keyring::Clear`): " +
            ", ".join(f"{ns:.0f} ns per record at {int(n):,} records"
                      for n, ns in micro["clear_ns_per_record"].items()) + ".")
    add("")

    mem = report.get("memory")
    add("## Memory")
    add("")
    if mem:
        add(f"{mem['tokens']:,} live contexts (256-bit keys, {mem['principals']} principals and "
            f"audiences) in a `sts::keyring::Keyring`: resident set +"
            f"{(mem['rss_after_bytes'] - mem['rss_before_bytes']) / 1e6:,.1f} MB, "
            f"**{mem['rss_bytes_per_token']:.1f} bytes per context** (secure slabs "
            f"{mem['pool_bytes_per_token']:.1f}, heap {mem['heap_bytes_per_token']:.1f}).")
    else:
        add("Not measured.")
    add("")


def write_markdown(report, path, plot_name, notes_text):
    m = report["machine"]
    run = report["run"]
    lines = []
    add = lines.append
    add("# Benchmarks")
    add("")
    add("Generated by `tests/bench/run_benchmarks.sh` (see `tests/bench/README.md`); every figure "
        "is also in [`benchmarks.json`](benchmarks.json). Figures move by tens of percent between "
        "machines of the same kind (tests/bench/README.md, \"Reference figures\"), so each one is "
        "reported as a ratio to its ceiling measured in the same run.")
    add("")
    add(f"- Date (UTC): {report['generated_utc']}" +
        (f", commit `{report['commit'][:12]}`" if report.get("commit") else ""))
    add(f"- Machine: {m.get('cpu_model', '?')}, {m.get('cpus')} CPUs, "
        f"{m.get('memory_kb', 0) // 1024:,} MiB, {m.get('os', '')}, Linux {m.get('kernel')}")
    loadavg = run.get("loadavg", {})
    if loadavg:
        add(f"- Load average (1, 5, 15 min): {loadavg.get('start')} when the run started, "
            f"{loadavg.get('end')} when it ended; each point's is in benchmarks.json. Figures "
            "taken beside other work are noisy.")
    pk = m.get("packages", {})
    add("- Libraries: " + ", ".join(f"{k} {v}" for k, v in pk.items()))
    pinned = (f"server pinned to CPU {run.get('server_cpu')}, load generator to CPU "
              f"{run.get('client_cpu')}" if run.get("pinned") else "unpinned")
    add(f"- Load: mutual TLS (EC P-256 certificates), gRPC async client, "
        f"{run.get('channels', 1)} connection(s), {pinned}; {run.get('warmup_s')} s warm-up + "
        f"{run.get('duration_s')} s per point, a fresh server per point; each headline "
        f"configuration measured {run.get('repeat')} times, interleaved, medians shown.")
    if run.get("quick"):
        add("- **Quick mode**: a harness check; these figures are not meaningful.")
    add("")

    add("## Verdicts")
    add("")
    add("| target | measured | required | verdict |")
    add("|---|---|---|---|")
    for t in report["targets"]:
        verdict = {"PASS": "PASS", "FAIL": "**FAIL**"}.get(t["verdict"], t["verdict"])
        note = f" ({t['note']})" if t["note"] else ""
        add(f"| {t['target']}{note} | {fmt_measured(t)} | {fmt_threshold(t)} | {verdict} |")
    add("")
    md_closed(add, report)
    md_headline(add, report)
    md_protected(add, report)
    md_scale(add, report)
    md_variants(add, report)
    md_sustained(add, report)
    md_peers(add, report)
    md_sweep(add, report, plot_name)
    md_micro(add, report)
    if notes_text:
        add(notes_text.rstrip())
        add("")
    with open(path, "w") as f:
        f.write("\n".join(lines))


def write_plot(report, path):
    sweep = report["load"]["closed"]["sweep"]
    if not sweep:
        return False
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("report: matplotlib is missing (apt-get install -y python3-matplotlib); no plot",
              file=sys.stderr)
        return False
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    for row, rows in sweep.items():
        xs = [r["in_flight"] for r in rows]
        ax1.plot(xs, [r["qps"] for r in rows], marker="o", label=ROW_TITLES.get(row, row))
        ax2.plot(xs, [r["p99_us"] / 1000 for r in rows], marker="o",
                 label=ROW_TITLES.get(row, row))
    for ax in (ax1, ax2):
        ax.set_xscale("log", base=2)
        ax.set_xlabel("calls in flight")
        ax.grid(True, which="both", alpha=0.3)
        ticks = sorted({r["in_flight"] for rows in sweep.values() for r in rows})
        ax.set_xticks(ticks)
        ax.set_xticklabels([str(t) for t in ticks])
    ax1.set_ylabel("calls per second")
    ax1.set_ylim(bottom=0)
    ax1.set_title("Throughput")
    ax2.set_ylabel("p99 latency (ms)")
    ax2.set_yscale("log")
    ax2.set_title("p99 latency")
    ax1.legend(fontsize=8)
    m = report["machine"]
    fig.suptitle(f"sts over mutual TLS, {m.get('cpus')} CPUs ({m.get('cpu_model', '')}), "
                 f"{report['generated_utc'][:10]}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def check(report):
    """Quick-mode assertions: every section that ran has its figures, zero
    errors. Never speed."""
    problems = []
    run, load = report["run"], report["load"]
    sections = run.get("sections", [])
    if not sections:
        problems.append("no run.json naming the sections that ran: not a bench_suite.sh result")
    for section in ("closed", "open", "protected", "scale", "variants", "sustained"):
        for p in load[section]["points"]:
            if p["errors"]:
                problems.append(f"{section}/{p['name']}: {p['errors']} errors, first: "
                                f"{p['first_error']}")
            if p["calls"] <= 0:
                problems.append(f"{section}/{p['name']}: no successful call")
    if "closed" in sections:
        closed = load["closed"]
        for row in CEILING_ROWS + STS_ROWS:
            for q in [str(q) for q in run.get("queues", [])]:
                if row == "noopmin" and q != "1":
                    continue
                if not closed["configs"].get(row, {}).get(q):
                    problems.append(f"closed: no {row} figure with {q} queue(s)")
        if not closed.get("ceiling"):
            problems.append("closed: no ceiling")
        if len(closed["sweep"].get("issue", [])) < len(run.get("sweep", [])):
            problems.append("closed: the sweep is incomplete")
    if "open" in sections:
        if not (load["open"].get("issue") and load["open"].get("ceiling")):
            problems.append("open: no open-loop Issue and no-op pair")
    if "protected" in sections:
        for c in [str(c) for c in run.get("protected_in_flight", [])]:
            for mode in PROTECTED_MODES:
                if not load["protected"]["by_in_flight"].get(c, {}).get(mode):
                    problems.append(f"protected: no {mode} figure at {c} in flight")
            miss = load["protected"]["by_in_flight"].get(c, {}).get("miss")
            if miss and miss["forgotten"] and miss["validations"] <= 1:
                problems.append(f"protected: the miss run at {c} in flight made no Validate "
                                "after a forced miss")
    if "scale" in sections:
        for rpc in ("issue", "validate"):
            if len(load["scale"]["by_rpc"].get(rpc, {})) != len(run.get("scale", [])):
                problems.append(f"scale: {rpc} is missing a size")
    if "variants" in sections:
        for name, rpcs in run.get("variants", {}).items():
            for rpc in rpcs:
                if not load["variants"]["rows"].get(name, {}).get(rpc):
                    problems.append(f"variants: no {name} {rpc} figure")
    if "sustained" in sections:
        for rpc in STS_ROWS:
            s = load["sustained"]["rows"].get(rpc)
            if not s or len(s["intervals"]) < 2:
                problems.append(f"sustained: no per-interval {rpc} figures")
    if "micro" in sections:
        figures = report["micro"]["figures"]
        for name, fig in figures.items():
            if "error" in fig:
                problems.append(f"micro-benchmark {name}: {fig['error']}")
        needed = (["BM_Raw_HmacSha256_Sign", "BM_Module_HmacSha256Key_Sign",
                   "BM_Raw_Aes256Gcm_Seal", "BM_Raw_Aes256Gcm_Open", "BM_Raw_PSha1",
                   "BM_Module_PSha1", "BM_Raw_HkdfSha256", "BM_Module_HkdfSha256",
                   "BM_Rsa2048_Sign", "BM_EcdsaP256_Sign", "BM_Keyring_SweepScan"] +
                  [name for name, _ in PROTECT.values()] +
                  [name for name, _ in PROTECT_MESSAGE.values()] + [k[1] for k in KEYRING_PAIRS] +
                  [k[2] for k in KEYRING_PAIRS])
        for name in needed:
            if not find_micro(figures, name):
                problems.append(f"no micro-benchmark figure {name}")
        for row in report["micro"].get("soap", []):
            if row["ratio"] is None:
                problems.append(f"no SOAP figure pair {row['ours']} / {row['bare']}")
        for name, fig in report["micro"].get("soap_figures", {}).items():
            if "error" in fig:
                problems.append(f"soap_benchmark {name}: {fig['error']}")
        for size in PROTECT_TARGETS:
            for op, (name, raw) in PROTECT.items():
                if not (find_micro(figures, name, size) and find_micro(figures, raw, size)):
                    problems.append(f"no {op} figure at {size} B")
        for title, ours, raw in KEYRING_PAIRS:
            if not find_micro(figures, ours, threads=2):
                problems.append(f"no 2-thread figure for {ours}")
        # A run that built the BoringSSL binaries must have their figures too.
        if run.get("boringssl"):
            bssl = report["micro"].get("boringssl") or {"figures": {}}
            for name, fig in bssl["figures"].items():
                if "error" in fig:
                    problems.append(f"BoringSSL micro-benchmark {name}: {fig['error']}")
            for name in [p[1] for p in MODULE_PAIRS] + [p[2] for p in MODULE_PAIRS] + [
                    name for name, _ in PROTECT.values()] + ASYMMETRIC:
                if not find_micro(bssl["figures"], name):
                    problems.append(f"no BoringSSL micro-benchmark figure {name}")
    if "memory" in sections:
        mem = report.get("memory")
        if not mem or mem.get("rss_bytes_per_token", 0) <= 0 or \
                mem.get("live") != mem.get("tokens"):
            problems.append("no memory figure")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--results", required=True)
    parser.add_argument("--json")
    parser.add_argument("--markdown")
    parser.add_argument("--plot")
    parser.add_argument("--notes", help="Markdown appended to the page (analysis, profiles)")
    parser.add_argument("--commit", default="")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()

    report = analyse(args.results, args.commit)
    plot_name = None
    if args.plot and write_plot(report, args.plot):
        plot_name = os.path.relpath(args.plot, os.path.dirname(os.path.abspath(args.markdown))) \
            if args.markdown else os.path.basename(args.plot)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1, sort_keys=False)
            f.write("\n")
    if args.markdown:
        notes = ""
        if args.notes and os.path.exists(args.notes):
            with open(args.notes) as f:
                notes = f.read()
        write_markdown(report, args.markdown, plot_name, notes)

    width = max(len(t["target"]) for t in report["targets"])
    print("Targets:")
    for t in report["targets"]:
        note = f"  [{t['note']}]" if t["note"] else ""
        print(f"  {t['verdict']:<12} {t['target']:<{width}}  measured {fmt_measured(t)}, "
              f"required {fmt_threshold(t)}{note}")
    if args.check:
        problems = check(report)
        for p in problems:
            print(f"harness check: {p}", file=sys.stderr)
        if problems:
            return 1
        print("harness check: every figure present, zero errors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
