#!/usr/bin/python3
"""Turns the raw results of bench_suite.sh into the benchmark report.

  report.py --results DIR [--json F] [--markdown F] [--plot F] [--notes F]
            [--commit SHA] [--check]

Reads DIR/load/*.json (load_generator), DIR/micro.json (Google Benchmark),
DIR/memory.json (keyring_memory), DIR/run.json (bench_suite.sh settings), and,
when the run had them, DIR/micro_boringssl/*.json: primitive_benchmark and
message_protection_benchmark built with --config=boringssl, for the BoringSSL
columns.
Writes one JSON report with every figure, ratio and verdict, the machine and
the date; a Markdown page with the tables; a PNG of throughput and p99
latency against calls in flight (when matplotlib is installed). Prints a
verdict per target: PASS, FAIL, or NOT MEASURED when a figure is absent
(e.g. a run limited with --rpcs).

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

RPCS = ["noop", "issue", "issue_metrics", "validate", "renew"]
RPC_TITLES = {
    "noop": "No-op (ceiling)",
    "issue": "Issue",
    "issue_metrics": "Issue, metrics on (scraped every second)",
    "validate": "Validate",
    "renew": "Renew with proof",
    "health": "Health Check on sts_server",
}
SIZES = [64, 1024, 16384]

# Message protection (client/protect), compared with the raw primitive.
PROTECT = {
    "Sign": ("BM_Protect_Sign", "BM_Raw_HmacSha256_Sign"),
    "Verify": ("BM_Protect_Verify", "BM_Raw_HmacSha256_Verify"),
    "Seal": ("BM_Protect_Seal", "BM_Raw_Aes256Gcm_Seal"),
    "Open": ("BM_Protect_Open", "BM_Raw_Aes256Gcm_Open"),
}

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


# ---------------------------------------------------------------- reading

def read_json(path):
    with open(path) as f:
        return json.load(f)


def load_points(results):
    points = []
    for path in sorted(glob.glob(os.path.join(results, "load", "*.json"))):
        p = read_json(path)
        p["name"] = os.path.splitext(os.path.basename(path))[0]
        m = re.match(r"^(\w+?)_c(\d+)_r(\d+)$", p["name"])
        p["repetition"] = int(m.group(3)) if m else 0
        # The file names the variant: issue_metrics runs the Issue RPC
        # against a server with metrics on.
        if m:
            p["rpc"] = m.group(1)
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


# ---------------------------------------------------------------- analysis

def summarize(points, rpc, in_flight, mode="closed"):
    chosen = [p for p in points if p["rpc"] == rpc and p["in_flight"] == in_flight
              and p["mode"] == mode]
    if not chosen:
        return None
    med = lambda key: statistics.median(key(p) for p in chosen)
    return {
        "rpc": rpc, "in_flight": in_flight, "repetitions": len(chosen),
        "qps": med(lambda p: p["qps"]),
        "qps_samples": [round(p["qps"], 1) for p in chosen],
        "p50_us": med(lambda p: p["latency_us"]["p50"]),
        "p99_us": med(lambda p: p["latency_us"]["p99"]),
        "p999_us": med(lambda p: p["latency_us"]["p999"]),
        "server_cpu_cores": med(lambda p: p["server_cpu_cores"]),
        "client_cpu_cores": med(lambda p: p["client_cpu_cores"]),
        "calls": sum(p["calls"] for p in chosen),
        "errors": sum(p["errors"] for p in chosen),
        "loadavg_before": [p["loadavg"]["before"] for p in chosen],
    }


def paired_ratios(points, rpc, in_flight):
    """Ratio of each repetition to the no-op of the same repetition."""
    by_rep = {}
    for p in points:
        if p["in_flight"] == in_flight and p["mode"] == "closed" and p["repetition"]:
            by_rep.setdefault(p["repetition"], {})[p["rpc"]] = p["qps"]
    out = []
    for rep in sorted(by_rep):
        r = by_rep[rep]
        if rpc in r and r.get("noop"):
            out.append(round(r[rpc] / r["noop"], 3))
    return out


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


def protect_vs_raw(figures):
    rows = []
    for op, (name, raw) in PROTECT.items():
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


def analyse(results, commit):
    points = load_points(results)
    run = read_json(os.path.join(results, "run.json")) if os.path.exists(
        os.path.join(results, "run.json")) else {}
    figures, micro_context = micro_figures([os.path.join(results, "micro.json")])
    boringssl_figures, _ = micro_figures(
        sorted(glob.glob(os.path.join(results, "micro_boringssl", "*.json"))))
    memory_path = os.path.join(results, "memory.json")
    memory = read_json(memory_path) if os.path.exists(memory_path) else None
    headline = run.get("headline", 32)

    report = {
        "generated_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "commit": commit,
        "machine": machine_info(micro_context),
        "run": run,
    }

    # Load.
    closed = [p for p in points if p["mode"] == "closed"]
    concurrencies = sorted({p["in_flight"] for p in closed})
    sweep = {}
    for rpc in RPCS + ["health"]:
        rows = [summarize(points, rpc, c) for c in concurrencies]
        rows = [r for r in rows if r]
        if rows:
            sweep[rpc] = rows
    head = {rpc: summarize(points, rpc, headline) for rpc in RPCS}
    noop_qps = head["noop"]["qps"] if head.get("noop") else None
    for rpc, h in head.items():
        if h and noop_qps:
            h["ratio_to_noop"] = h["qps"] / noop_qps
            h["paired_ratios"] = paired_ratios(points, rpc, headline)
    open_points = [p for p in points if p["mode"] == "open" and p["rpc"] == "issue"]
    open_loop = None
    if open_points:
        p = open_points[0]
        open_loop = {"rpc": "issue", "target_rate": p["target_rate"], "qps": p["qps"],
                     "p50_us": p["latency_us"]["p50"], "p99_us": p["latency_us"]["p99"],
                     "p999_us": p["latency_us"]["p999"], "errors": p["errors"],
                     "missed": p["missed"], "max_outstanding": p["in_flight"],
                     "server_cpu_cores": p["server_cpu_cores"]}
    report["load"] = {"headline_in_flight": headline, "headline": head, "sweep": sweep,
                      "open_loop_issue_half_load": open_loop,
                      "errors_total": sum(p["errors"] for p in points),
                      "points": points}

    # Micro-benchmarks.
    micro = {"figures": figures, "context": micro_context,
             "module_vs_raw": module_vs_raw(figures), "keyring_vs_raw": [],
             "asymmetric": asymmetric(figures), "protect_vs_raw": protect_vs_raw(figures)}
    for title, ours, raw in KEYRING_PAIRS:
        for threads in (1, 2):
            m = find_micro(figures, ours, threads=threads if threads > 1 else None)
            r = find_micro(figures, raw, threads=threads if threads > 1 else None)
            if m and r:
                micro["keyring_vs_raw"].append({
                    "operation": title, "threads": threads,
                    "keyring_ops_per_s": m["ops_per_s"], "raw_ops_per_s": r["ops_per_s"],
                    "ratio": m["ops_per_s"] / r["ops_per_s"]})
    scan = find_micro(figures, "BM_Keyring_SweepScan")
    raw_scan = find_micro(figures, "BM_Raw_ShardedMap_SweepScan")
    if scan:
        micro["sweep_scan_ns_per_live_token"] = scan["ns_per_op"]
        if raw_scan:
            micro["raw_sweep_scan_ns_per_live_token"] = raw_scan["ns_per_op"]
    # The same primitives and message protection on BoringSSL, informational:
    # the verdicts below stay on the default (OpenSSL 3) build.
    micro["boringssl"] = None
    if boringssl_figures:
        micro["boringssl"] = {
            "figures": boringssl_figures, "module_vs_raw": module_vs_raw(boringssl_figures),
            "asymmetric": asymmetric(boringssl_figures),
            "protect_vs_raw": protect_vs_raw(boringssl_figures)}
    report["micro"] = micro
    report["memory"] = memory

    # Targets.
    targets = []
    for rpc, threshold in [("issue", 0.80), ("validate", 0.85), ("renew", 0.70)]:
        h = head.get(rpc)
        measured = h.get("ratio_to_noop") if h else None
        note = ""
        if h and "paired_ratios" in h and len(h["paired_ratios"]) > 1:
            note = "per repetition: " + ", ".join(f"{r:.2f}" for r in h["paired_ratios"])
        targets.append(target(
            f"{rpc}_vs_noop", f"{RPC_TITLES[rpc]} QPS >= {threshold:.2f}x no-op ceiling "
            f"({headline} in flight)", measured, threshold, ">=", "x", note,
            {"qps": h["qps"] if h else None, "noop_qps": noop_qps}))
    for row in micro["protect_vs_raw"]:
        if row["bytes"] != 1024:
            continue
        targets.append(target(
            f"protect_{row['operation'].lower()}_1k",
            f"{row['operation']} at 1 KiB >= 0.85x raw {row['raw'][7:]}",
            row["ratio"], 0.85, ">=", "x",
            "" if row["ratio"] is not None else "message protection benchmark absent"))
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
    # The cost of metrics: Issue with metrics on (and scraped) against Issue
    # with them off, same run, same configuration otherwise.
    on, off = head.get("issue_metrics"), head.get("issue")
    by_rep = {}
    for p in points:
        if p["in_flight"] == headline and p["mode"] == "closed" and p["repetition"]:
            by_rep.setdefault(p["repetition"], {})[p["rpc"]] = p["qps"]
    paired = [round(r["issue_metrics"] / r["issue"], 3) for _, r in sorted(by_rep.items())
              if r.get("issue_metrics") and r.get("issue")]
    targets.append(target(
        "issue_metrics_vs_issue", f"Issue QPS with metrics on >= 0.97x metrics off "
        f"({headline} in flight)", on["qps"] / off["qps"] if on and off else None, 0.97, ">=",
        "x", ("per repetition: " + ", ".join(f"{r:.2f}" for r in paired)) if len(paired) > 1 else "",
        {"qps_metrics_on": on["qps"] if on else None, "qps_metrics_off": off["qps"] if off else None}))
    mem_note = ""
    if memory and memory["tokens"] < 1_000_000:
        mem_note = f"measured at {memory['tokens']} contexts, not 1,000,000"
    targets.append(target(
        "rss_per_sct", "RSS per live SCT at 1,000,000 contexts <= 200 bytes",
        memory["rss_bytes_per_token"] if memory else None, 200, "<=", "bytes", mem_note,
        {"pool_bytes_per_token": memory.get("pool_bytes_per_token") if memory else None,
         "heap_bytes_per_token": memory.get("heap_bytes_per_token") if memory else None}))
    targets.append(target(
        "issue_p99_half_load", "p99 Issue latency at half the maximum load <= 2 ms",
        open_loop["p99_us"] / 1000 if open_loop else None, 2.0, "<=", "ms",
        f"open loop at {open_loop['target_rate']:.0f} calls/s" if open_loop else ""))
    report["targets"] = targets
    return report


# ---------------------------------------------------------------- output

def fmt_qps(x):
    return "-" if x is None else f"{x:,.0f}"


def fmt_ratio(x):
    return "-" if x is None else f"{x:.2f}x"


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


def write_markdown(report, path, plot_name, notes_text):
    m = report["machine"]
    run = report["run"]
    load = report["load"]
    lines = []
    add = lines.append
    add("# Benchmarks")
    add("")
    add("Generated by `tests/bench/run_benchmarks.sh` (see `tests/bench/README.md`); every figure "
        "is also in [`benchmarks.json`](benchmarks.json). Figures move by tens of percent between "
        "machines of the same kind (tests/bench/README.md, \"Reference figures\"), so each one is reported as a ratio to "
        "its ceiling measured in the same run.")
    add("")
    add(f"- Date (UTC): {report['generated_utc']}" +
        (f", commit `{report['commit'][:12]}`" if report.get("commit") else ""))
    add(f"- Machine: {m.get('cpu_model', '?')}, {m.get('cpus')} CPUs, "
        f"{m.get('memory_kb', 0) // 1024:,} MiB, {m.get('os', '')}, Linux {m.get('kernel')}")
    pk = m.get("packages", {})
    add("- Libraries: " + ", ".join(f"{k} {v}" for k, v in pk.items()))
    pinned = (f"server pinned to CPU {run.get('server_cpu')}, load generator to CPU "
              f"{run.get('client_cpu')}" if run.get("pinned") else "unpinned")
    add(f"- Load: mutual TLS (EC P-256 certificates), gRPC async server and client, "
        f"{run.get('channels', 1)} connection(s), {pinned}; {run.get('warmup_s')} s warm-up + "
        f"{run.get('duration_s')} s per point, a fresh server per point; headline point "
        f"measured {run.get('repeat')} times, interleaved, medians shown.")
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

    add(f"## gRPC load, {load['headline_in_flight']} calls in flight")
    add("")
    add("| RPC | QPS | ratio to no-op | p50 µs | p99 µs | p99.9 µs | server CPU | client CPU "
        "| errors |")
    add("|---|---|---|---|---|---|---|---|---|")
    for rpc in RPCS:
        h = load["headline"].get(rpc)
        if not h:
            add(f"| {RPC_TITLES[rpc]} | not measured | | | | | | | |")
            continue
        add(f"| {RPC_TITLES[rpc]} | {fmt_qps(h['qps'])} | {fmt_ratio(h.get('ratio_to_noop'))} | "
            f"{h['p50_us']:.0f} | {h['p99_us']:.0f} | {h['p999_us']:.0f} | "
            f"{h['server_cpu_cores']:.2f} | {h['client_cpu_cores']:.2f} | {h['errors']} |")
    add("")
    add("CPU columns are cores used over the window (1.00 = one core busy); a server below 1.00 "
        "while pinned to one core means the load generator, not the server, set the pace.")
    add("")
    ol = load.get("open_loop_issue_half_load")
    if ol:
        add(f"Open loop, Issue at half the highest Issue throughput ({ol['target_rate']:,.0f} "
            f"calls/s scheduled, latency from the scheduled start): {ol['qps']:,.0f} calls/s "
            f"served, p50 {ol['p50_us']:.0f} µs, p99 {ol['p99_us']:.0f} µs, p99.9 "
            f"{ol['p999_us']:.0f} µs, {ol['errors']} errors, {ol['missed']} starts missed "
            f"(no free slot of {ol['max_outstanding']}).")
        add("")

    add("## Concurrency sweep")
    add("")
    if plot_name:
        add(f"![Throughput and p99 latency against calls in flight]({plot_name})")
        add("")
    concurrencies = sorted({r["in_flight"] for rows in load["sweep"].values() for r in rows})
    add("| RPC | " + " | ".join(f"{c} in flight" for c in concurrencies) + " |")
    add("|---|" + "---|" * len(concurrencies))
    for rpc, rows in load["sweep"].items():
        by = {r["in_flight"]: r for r in rows}
        cells = []
        for c in concurrencies:
            r = by.get(c)
            cells.append("-" if not r else f"{r['qps']:,.0f} QPS, p99 {r['p99_us']:,.0f} µs")
        add(f"| {RPC_TITLES.get(rpc, rpc)} | " + " | ".join(cells) + " |")
    add("")

    micro = report["micro"]
    bssl = micro.get("boringssl")
    add("## Micro-benchmarks")
    add("")
    add("Google Benchmark, each beside its baseline in the same binary "
        f"(`//tests/bench:micro_benchmark`), median of {run.get('micro_repetitions', 1)} "
        "repetition(s). *Raw* is the crypto backend called directly with one reused context "
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

    add("### Message protection against the raw primitive")
    add("")
    b_protect = by_key(bssl and bssl["protect_vs_raw"], "operation", "bytes")
    if bssl:
        add("| operation | bytes | ops/s | raw ops/s | ratio | BoringSSL ops/s "
            "| BoringSSL raw ops/s | BoringSSL ratio |")
        add("|---|---|---|---|---|---|---|---|")
    else:
        add("| operation | bytes | ops/s | raw ops/s | ratio |")
        add("|---|---|---|---|---|")
    for row in micro["protect_vs_raw"]:
        line = (f"| {row['operation']} | {row['bytes']} | "
                f"{fmt_qps(row['ops_per_s']) if row['ops_per_s'] else 'not measured'} | "
                f"{fmt_qps(row['raw_ops_per_s'])} | {fmt_ratio(row['ratio'])} |")
        if bssl:
            b = b_protect.get((row["operation"], row["bytes"]), {})
            line += (f" {fmt_qps(b.get('ops_per_s'))} | {fmt_qps(b.get('raw_ops_per_s'))} | "
                     f"{fmt_ratio(b.get('ratio'))} |")
        add(line)
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
        add(f"A sweep that expires nothing visits each live record: "
            f"{micro['sweep_scan_ns_per_live_token']:.1f} ns per live context"
            + (f" ({raw:.1f} ns for the plain map)" if raw else "") +
            f", i.e. {micro['sweep_scan_ns_per_live_token'] * 1e6 / 1e9 * 1e3:.1f} ms of one "
            "core per sweep at 1,000,000 live contexts (one sweep per `tokens.sweep_interval`, "
            "1 s by default).")
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
    if notes_text:
        add(notes_text.rstrip())
        add("")
    with open(path, "w") as f:
        f.write("\n".join(lines))


def write_plot(report, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("report: matplotlib is missing (apt-get install -y python3-matplotlib); no plot",
              file=sys.stderr)
        return False
    sweep = report["load"]["sweep"]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    for rpc, rows in sweep.items():
        xs = [r["in_flight"] for r in rows]
        ax1.plot(xs, [r["qps"] for r in rows], marker="o", label=RPC_TITLES.get(rpc, rpc))
        ax2.plot(xs, [r["p99_us"] / 1000 for r in rows], marker="o",
                 label=RPC_TITLES.get(rpc, rpc))
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
    """Quick-mode assertions: figures present, zero errors. Never speed."""
    problems = []
    load = report["load"]
    for rpc in RPCS:
        h = load["headline"].get(rpc)
        if not h or h["calls"] <= 0 or h["qps"] <= 0:
            problems.append(f"no {rpc} figure")
    if load["errors_total"]:
        problems.append(f"{load['errors_total']} calls failed")
    for p in load["points"]:
        if p["errors"]:
            problems.append(f"{p['name']}: {p['errors']} errors, first: {p['first_error']}")
    if not load.get("open_loop_issue_half_load"):
        problems.append("no open-loop Issue figure")
    figures = report["micro"]["figures"]
    for name, fig in figures.items():
        if "error" in fig:
            problems.append(f"micro-benchmark {name}: {fig['error']}")
    needed = (["BM_Raw_HmacSha256_Sign", "BM_Module_HmacSha256Key_Sign", "BM_Raw_Aes256Gcm_Seal",
               "BM_Raw_Aes256Gcm_Open", "BM_Raw_PSha1", "BM_Module_PSha1", "BM_Raw_HkdfSha256",
               "BM_Module_HkdfSha256", "BM_Rsa2048_Sign", "BM_EcdsaP256_Sign",
               "BM_Keyring_SweepScan"] + [name for name, _ in PROTECT.values()] +
              [k[1] for k in KEYRING_PAIRS] +
              [k[2] for k in KEYRING_PAIRS])
    for name in needed:
        if not find_micro(figures, name):
            problems.append(f"no micro-benchmark figure {name}")
    for title, ours, raw in KEYRING_PAIRS:
        if not find_micro(figures, ours, threads=2):
            problems.append(f"no 2-thread figure for {ours}")
    # A run that built the BoringSSL binaries must have their figures too.
    if report["run"].get("boringssl"):
        bssl = report["micro"].get("boringssl") or {"figures": {}}
        for name, fig in bssl["figures"].items():
            if "error" in fig:
                problems.append(f"BoringSSL micro-benchmark {name}: {fig['error']}")
        for name in [p[1] for p in MODULE_PAIRS] + [p[2] for p in MODULE_PAIRS] + [
                name for name, _ in PROTECT.values()] + ASYMMETRIC:
            if not find_micro(bssl["figures"], name):
                problems.append(f"no BoringSSL micro-benchmark figure {name}")
    mem = report.get("memory")
    if not mem or mem.get("rss_bytes_per_token", 0) <= 0 or mem.get("live") != mem.get("tokens"):
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
