#!/usr/bin/env python3
"""Runs every benchmark program side by side against one simulator and writes the
results table (bench/PROTOCOL.md is the contract with the programs).

    python3 bench/run.py --profile release --out-md BENCHMARKS.md --out-json bench/results.json
    python3 bench/run.py --quick --profile debug --out-md target/bench/quick/BENCHMARKS.md ...

scripts/bench.sh builds everything and calls this; run that instead.
Plain Python 3 standard library only, so it runs before any venv exists.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from typing import Any, Dict, List, Optional, Tuple

from harness import with_kept_blocks  # bench/harness.py, beside this script

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
MB = 1024 * 1024

# Every latency row the table shows, in order; absent ones read "not measured".
LATENCY_ROWS = [
    "floor.raw_socket",
    "rust.sdk", "rust.ureq",
    "c.sdk", "c.libcurl",
    "python.sdk", "python.http_client", "python.requests", "python.httpx",
    "python_async.sdk", "python_async.httpx",
    "node.sdk", "node.http", "node.fetch",
    "kotlin.sdk", "kotlin.sdk.jmh",
    "swift.sdk",
]

# Every streaming row (first RESPONSE_OUTPUT_DELTA written by the simulator -> user code), in order.
STREAM_ROWS = [
    "floor.sse_raw_socket",
    "rust.sdk.stream",
    "c.sdk.stream",
    "python.sdk.stream",
    "node.sdk.stream",
    "kotlin.sdk.stream",
    "swift.sdk.stream",
]
STREAM_RSS_ROWS = ["rust.sdk", "c.sdk", "python.sdk", "node.sdk", "node.sdk settled"]
# Streams opened before the `node.sdk settled` row counts: where V8's heap and node's own
# code have settled (with the 200 of the other rows, RSS still grows as any Node program's
# does at its start, whatever the streams hold), so that row shows whether streams hold memory.
NODE_SETTLED_STREAMS = 5000
# Simulator response durations for the streaming modes: short for `stream` (the first
# delta comes at a third of it), long for `stream_rss` so every stream is abandoned mid-way.
STREAM_RESPONSE_MS = 45
STREAM_RSS_RESPONSE_MS = 2000

# (row, baseline, kind, bound). kind: "ratio" = row/baseline <= bound; "faster" =
# baseline/row >= bound (strictly > for 1.0); "plus_us" = row - baseline <= bound us.
LATENCY_TARGETS = [
    ("rust.sdk", "rust.ureq", "ratio", 1.10),
    ("c.sdk", "c.libcurl", "ratio", 1.20),
    ("python.sdk", "python.http_client", "ratio", 1.00),
    ("python.sdk", "python.requests", "faster", 4.0),
    ("python.sdk", "python.httpx", "faster", 2.0),
    ("python_async.sdk", "python_async.httpx", "faster", 1.0),
    ("node.sdk", "node.http", "ratio", 1.20),
    ("node.sdk", "node.fetch", "faster", 1.8),
    ("kotlin.sdk", "rust.sdk", "plus_us", 10.0),
    ("kotlin.sdk.jmh", "rust.sdk", "plus_us", 10.0),
    ("swift.sdk", "rust.sdk", "plus_us", 10.0),
]

# Size limits for footprint fields, by "<row id>.<field>".
SIZE_TARGETS = {
    "c.sdk.so_stripped_bytes": 3 * MB,
    "python.sdk.wheel_bytes": 2.5 * MB,
    "node.sdk.addon_bytes": 3.5 * MB,
}


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class Program:
    """One language's bench program: its command prefix and the modes it implements."""

    def __init__(self, name: str, argv: List[str], modes: List[str], required: List[str]):
        self.name = name
        self.argv = argv
        self.modes = modes
        self.present = all(os.path.exists(p) for p in required)


def programs(profile: str) -> List[Program]:
    bench_dir = os.path.join(ROOT, "bench")
    rust = os.path.join(TARGET, profile, "moveworks-bench")
    c = os.path.join(TARGET, "bench", "c", profile, "bench")
    py_run = os.path.join(bench_dir, "python", "run.sh")
    node_run = os.path.join(bench_dir, "node", "run.sh")
    kt_run = os.path.join(bench_dir, "kotlin", "run.sh")
    swift_run = os.path.join(bench_dir, "swift", "run.sh")
    return [
        Program("rust", [rust], ["latency", "threads", "rss", "poll", "stream", "stream_rss"], [rust]),
        Program("c", [c], ["latency", "rss", "stream", "stream_rss"], [c]),
        Program("python", ["bash", py_run, "sync"],
                ["latency", "threads", "rss", "stream", "stream_rss", "startup", "footprint"],
                [py_run, os.path.join(bench_dir, "python", "bench_sync.py")]),
        Program("python_async", ["bash", py_run, "async"], ["latency", "concurrent"],
                [py_run, os.path.join(bench_dir, "python", "bench_async.py")]),
        Program("node", ["bash", node_run],
                ["latency", "concurrent", "rss", "stream", "stream_rss", "startup", "footprint"],
                [node_run, os.path.join(bench_dir, "node", "bench.mjs")]),
        Program("kotlin", ["bash", kt_run], ["latency", "stream"], [kt_run]),
        # The same call measured by JMH (bench/kotlin/src/main/java), row kotlin.sdk.jmh.
        Program("kotlin_jmh", ["bash", kt_run, "jmh"], ["latency"], [kt_run]),
        Program("swift", ["bash", swift_run], ["latency", "stream"],
                [swift_run, os.path.join(TARGET, "bench", "swift", "SwiftBench")]),
    ]


class Simulator:
    """The simulator binary, taken down by closing its stdin."""

    def __init__(self, binary: str):
        self.proc = subprocess.Popen([binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line:
            raise RuntimeError("the simulator did not start")
        self.info = json.loads(line)
        self.origin = self.info["origin"]
        self.base_url = self.info["base_url"]

    def http(self, method: str, path: str, body: Any = None, api: bool = False) -> Any:
        url = (self.base_url if api else self.origin) + path
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if api:
            req.add_header("Authorization", f"Bearer {self.info['token']}")
            req.add_header("Assistant-Name", self.info["assistant_name"])
        with urllib.request.urlopen(req, timeout=30) as r:
            raw = r.read()
        return json.loads(raw) if raw else None

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class Runner:
    def __init__(self, sim: Simulator, conversation: str, quick: bool):
        self.sim = sim
        self.conversation = conversation
        self.quick = quick
        self.failures: List[str] = []

    def common(self) -> List[str]:
        i = self.sim.info
        return ["--base-url", i["base_url"], "--token", i["token"], "--assistant", i["assistant_name"],
                "--conversation", self.conversation]

    def run(self, prog: Program, mode: str, options: List[str], server: bool = True) -> Optional[List[dict]]:
        """Runs one mode of one program; its rows, or None when it failed."""
        argv = prog.argv + [mode] + (self.common() if server else []) + options
        # Keep the simulator's request log small (it holds up to 100,000 entries).
        self.sim.http("DELETE", "/_sim/requests")
        log(f"{prog.name} {mode} {' '.join(options)}")
        started = time.monotonic()
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        took = time.monotonic() - started
        lines = p.stdout.strip().splitlines()
        if p.returncode != 0 or not lines:
            tail = "\n".join(p.stderr.strip().splitlines()[-15:])
            self.failures.append(f"{prog.name} {mode}: exit {p.returncode}\n{tail}")
            log(f"  FAILED (exit {p.returncode}) after {took:.1f}s:\n{tail}")
            return None
        rows = json.loads(lines[-1])["rows"]
        log(f"  {len(rows)} row(s) in {took:.1f}s")
        return rows


def stats(samples_ns: List[int]) -> Dict[str, float]:
    s = sorted(samples_ns)
    n = len(s)
    q = lambda p: s[min(n - 1, int(p * n))] / 1e3  # noqa: E731
    return {"n": n, "median_us": statistics.median(s) / 1e3, "p90_us": q(0.90), "p99_us": q(0.99),
            "min_us": s[0] / 1e3, "mean_us": statistics.fmean(s) / 1e3}


def stripped_size(path: str) -> Optional[int]:
    if not os.path.exists(path):
        return None
    with tempfile.TemporaryDirectory() as d:
        copy = os.path.join(d, os.path.basename(path))
        shutil.copy(path, copy)
        subprocess.run(["strip", "--strip-unneeded", copy], check=True)
        return os.path.getsize(copy)


def machine(others_loading: str) -> Dict[str, Any]:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), cpu)
    except OSError:
        pass
    try:
        rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        rustc = "unknown"
    return {"nproc": os.cpu_count(), "cpu": cpu, "kernel": platform.release(), "rustc": rustc,
            "python": platform.python_version(), "load_avg_at_start": os.getloadavg(), "note": others_loading}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="small counts: only checks that every program works")
    ap.add_argument("--profile", default="release", choices=["release", "debug"])
    ap.add_argument("--out-md", required=True)
    ap.add_argument("--out-json", required=True)
    ap.add_argument("--note", default="", help="free text about the machine's state, shown with the table")
    ap.add_argument("--programs", default="",
                    help="comma-separated program names (rust, c, python, python_async, node, kotlin, kotlin_jmh, "
                         "swift) to run; default all present")
    ap.add_argument("--modes", default="",
                    help="comma-separated modes to run (latency, startup, footprint, rss, threads, concurrent, "
                         "stream, stream_rss, poll); default all")
    ap.add_argument("--render-only", action="store_true",
                    help="rewrite --out-md from an existing --out-json (e.g. after editing bench/NOTES.md)")
    a = ap.parse_args()
    if a.render_only:
        with open(a.out_json) as f:
            md = with_kept_blocks(render(json.load(f)), a.out_md)
        with open(a.out_md, "w") as f:
            f.write(md)
        return 0
    quick = a.quick
    profile_dir = a.profile

    if quick:
        warmup, iterations, rss_calls, per_thread, startup_n, rounds = 20, 50, 200, 2, 2, 1
        # JMH (kotlin_jmh): iterations of W/R seconds; smoke only in quick runs.
        jmh = ["--wi", "1", "--w", "0.2", "--i", "1", "--r", "0.3", "--forks", "1"]
        poll_ms = [1000]
        stream_warmup, stream_iterations, stream_rss_n = 3, 20, 200
        node_settled = 20
    else:
        warmup, iterations, rss_calls, per_thread, startup_n, rounds = 2000, 20000, 100_000, 40, 20, 3
        # ~35 s per round: 5 x 2 s warm-up, 10 x 2 s measured (~500,000 sampled calls), one fork;
        # 2 s iterations stay under the simulator's 100,000-entry request log, which the
        # benchmark clears before each iteration.
        jmh = ["--wi", "5", "--w", "2", "--i", "10", "--r", "2", "--forks", "1"]
        poll_ms = [1000, 5000, 30000]
        stream_warmup, stream_iterations, stream_rss_n = 50, 1000, 10_000
        node_settled = NODE_SETTLED_STREAMS

    progs = programs(profile_dir)
    if a.programs:
        wanted = set(a.programs.split(","))
        unknown = wanted - {p.name for p in progs}
        if unknown:
            ap.error(f"unknown program(s): {', '.join(sorted(unknown))}")
        progs = [p for p in progs if p.name in wanted]
    if a.modes:
        # Programs keep only the selected modes; the Rust-only poll mode follows "poll".
        for p in progs:
            p.modes = [m for m in p.modes if m in a.modes.split(",")]
    for p in progs:
        log(f"program {p.name}: {'present' if p.present else 'missing (not measured)'}")
    sim = Simulator(os.path.join(TARGET, profile_dir, "moveworks-simulator"))
    results: Dict[str, Any] = {
        "mode": "quick" if quick else "full", "profile": a.profile, "machine": machine(a.note),
        "counts": {"warmup": warmup, "iterations": iterations, "rounds": rounds, "rss_calls": rss_calls,
                   "calls_per_thread": per_thread, "startup_iterations": startup_n,
                   "stream_warmup": stream_warmup, "stream_iterations": stream_iterations,
                   "stream_response_ms": STREAM_RESPONSE_MS, "stream_rss_streams": stream_rss_n, "node_settled_streams": node_settled,
                   "stream_rss_response_ms": STREAM_RSS_RESPONSE_MS},
        "stream": {}, "stream_rss": {},
        "latency": {}, "threads": {}, "concurrent": {}, "rss": {}, "startup": {}, "footprint": {}, "polling": [],
        "missing_programs": [p.name for p in progs if not p.present],
    }
    try:
        conv = sim.http("POST", "/conversations", {"title": "benchmark"}, api=True)["conversation_id"]
        r = Runner(sim, conv, quick)
        present = [p for p in progs if p.present]

        # Latency: sequential keep-alive get_conversation after warm-up. Every program
        # runs `rounds` times, one after the other; a row reports the median of its
        # rounds' medians (and p90s), so one round disturbed by other load on a shared
        # machine does not decide a ratio.
        per_round: Dict[str, List[Dict[str, float]]] = {}
        jmh_rounds: Dict[str, List[Dict[str, Any]]] = {}
        for _ in range(rounds):
            for p in present:
                if "latency" not in p.modes:
                    continue
                opts = jmh if p.name == "kotlin_jmh" else ["--warmup", str(warmup), "--iterations", str(iterations)]
                rows = r.run(p, "latency", opts)
                for row in rows or []:
                    per_round.setdefault(row["id"], []).append(stats(row["samples_ns"]))
                    if "jmh" in row:
                        jmh_rounds.setdefault(row["id"], []).append(row["jmh"])
        for rid, rs in per_round.items():
            combined = {k: statistics.median(x[k] for x in rs) for k in rs[0]}
            combined["rounds"] = rs
            if rid in jmh_rounds:
                # JMH's own summary of each run (its median, mean and 99.9% error of the mean).
                combined["jmh"] = jmh_rounds[rid]
            results["latency"][rid] = combined

        # Startup and footprint need no server.
        for p in present:
            if "startup" in p.modes:
                for row in r.run(p, "startup", ["--iterations", str(startup_n)], server=False) or []:
                    results["startup"][row["id"]] = stats(row["samples_ns"])
            if "footprint" in p.modes:
                for row in r.run(p, "footprint", [], server=False) or []:
                    results["footprint"].setdefault(row["id"], {}).update(
                        {k: v for k, v in row.items() if k != "id"})
        so = os.path.join(TARGET, profile_dir, "libmoveworks.so")
        results["footprint"].setdefault("c.sdk", {})["so_stripped_bytes"] = stripped_size(so)
        results["footprint"]["c.sdk"]["so_unstripped_bytes"] = os.path.getsize(so) if os.path.exists(so) else None

        # The shipped packages' sizes, from the last `bash scripts/release.sh` (scripts/bench.sh runs it first).
        manifest = os.path.join(ROOT, "dist", "manifest.json")
        if not quick and os.path.exists(manifest):
            with open(manifest) as f:
                results["packages"] = json.load(f)
            results["packages"]["built_at"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(os.path.getmtime(manifest)))

        # RSS growth over many calls.
        for p in present:
            if "rss" in p.modes:
                for row in r.run(p, "rss", ["--calls", str(rss_calls)]) or []:
                    row["growth_kb"] = row["rss_after_kb"] - row["rss_before_kb"]
                    results["rss"][row["id"]] = row

        # Concurrency: the server adds 50 ms to every request. The simulator sleeps
        # outside its state lock, so concurrent requests overlap.
        sim.http("POST", "/_sim/faults", {"kind": "delay", "ms": 50, "count": 100_000_000})
        try:
            for p in present:
                if "threads" in p.modes:
                    for k in (1, 16):
                        for row in r.run(p, "threads", ["--threads", str(k), "--calls-per-thread",
                                                        str(per_thread)]) or []:
                            results["threads"].setdefault(row["id"], {})[str(k)] = row
                if "concurrent" in p.modes:
                    for k in (1, 64):
                        for row in r.run(p, "concurrent", ["--concurrency", str(k)]) or []:
                            results["concurrent"].setdefault(row["id"], {})[str(k)] = row
        finally:
            sim.http("DELETE", "/_sim/faults")

        # Streaming: first RESPONSE_OUTPUT_DELTA written by the simulator (its /_sim/stream_marks,
        # CLOCK_MONOTONIC) to user code, short responses so each turn takes ~15 ms; rounds
        # combined like the latency rows. Then memory and fds over many abandoned streams,
        # with long responses so that every stream is really abandoned mid-way.
        default_ms = sim.http("GET", "/_sim/config")["response_duration_ms"]
        try:
            sim.http("POST", "/_sim/config", {"response_duration_ms": STREAM_RESPONSE_MS})
            stream_rounds: Dict[str, List[Dict[str, float]]] = {}
            for _ in range(rounds):
                for p in present:
                    if "stream" in p.modes:
                        for row in r.run(p, "stream", ["--warmup", str(stream_warmup),
                                                       "--iterations", str(stream_iterations)]) or []:
                            stream_rounds.setdefault(row["id"], []).append(stats(row["samples_ns"]))
            for rid, rs in stream_rounds.items():
                combined = {k: statistics.median(x[k] for x in rs) for k in rs[0]}
                combined["rounds"] = rs
                results["stream"][rid] = combined
            sim.http("POST", "/_sim/config", {"response_duration_ms": STREAM_RSS_RESPONSE_MS})
            for p in present:
                if "stream_rss" not in p.modes:
                    continue
                passes = [("", ["--streams", str(stream_rss_n)])]
                if p.name == "node":
                    passes.append((" settled", ["--streams", str(stream_rss_n),
                                                "--streams-warmup", str(node_settled)]))
                for suffix, args in passes:
                    for row in r.run(p, "stream_rss", args) or []:
                        row["id"] += suffix
                        row["growth_kb"] = row["rss_after_kb"] - row["rss_before_kb"]
                        if "heap_total_after_kb" in row:
                            # Neither pages of files mapped in (node's own code) nor a garbage-
                            # collected heap's free reserve (V8 grows its young generation towards
                            # its cap as any program runs) are memory the streams hold: the verdict
                            # is on the anonymous RSS's growth less that reserve's.
                            reserve = lambda at: row[f"heap_total_{at}_kb"] - row[f"heap_used_{at}_kb"]
                            row["heap_reserve_growth_kb"] = reserve("after") - reserve("before")
                            row["held_growth_kb"] = (row["rss_anon_after_kb"] - row["rss_anon_before_kb"]
                                                     - row["heap_reserve_growth_kb"])
                        results["stream_rss"][row["id"]] = row
        finally:
            sim.http("POST", "/_sim/config", {"response_duration_ms": default_ms})

        # Polling: responses completing 1 s / 5 s / 30 s after creation.
        rust = next((p for p in present if p.name == "rust"), None)
        if rust and "poll" in rust.modes:
            for ms in poll_ms:
                sim.http("POST", "/_sim/config", {"response_duration_ms": ms})
                rows = r.run(rust, "poll", ["--response-ms", str(ms)])
                for row in rows or []:
                    log_entries = sim.http("GET", "/_sim/requests")
                    entries = log_entries["requests"] if isinstance(log_entries, dict) else log_entries
                    row["requests"] = sum(1 for e in entries if e["method"] == "GET"
                                          and e["path"].endswith("/responses/" + row["response_id"]))
                    results["polling"].append(row)
            sim.http("POST", "/_sim/config", {"response_duration_ms": 600})
    finally:
        sim.close()

    results["failures"] = r.failures if "r" in locals() else ["setup failed"]
    os.makedirs(os.path.dirname(os.path.abspath(a.out_json)), exist_ok=True)
    os.makedirs(os.path.dirname(os.path.abspath(a.out_md)), exist_ok=True)
    with open(a.out_json, "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
        f.write("\n")
    # The sections other harnesses own (bench/concurrency, bench/streaming) are carried over.
    md = with_kept_blocks(render(results), a.out_md)
    with open(a.out_md, "w") as f:
        f.write(md)
    print(md)
    if results["failures"]:
        log(f"{len(results['failures'])} program run(s) failed:\n" + "\n".join(results["failures"]))
        return 1
    return 0


def verdict(ok: Optional[bool]) -> str:
    return "n/a" if ok is None else ("meets" if ok else "**misses**")


def fmt_bytes(n: Optional[float]) -> str:
    return "not measured" if n is None else f"{n / MB:.2f} MiB ({int(n):,} B)"


def render_streaming(res: Dict[str, Any], w: Any) -> None:
    """The Streaming section (results from before the streaming modes have none)."""
    if "stream" not in res:
        return
    c = res["counts"]
    w("## Streaming: first `RESPONSE_OUTPUT_DELTA` to user code\n")
    w(f"The simulator records when it hands each streamed response's first `RESPONSE_OUTPUT_DELTA` to the "
      f"socket (`GET /_sim/stream_marks`, CLOCK_MONOTONIC); each program reads the same clock when "
      f"its user code receives that event, then abandons the turn. {c.get('stream_iterations')} timed "
      f"turns per row after {c.get('stream_warmup')} warm-up turns, responses of "
      f"{c.get('stream_response_ms')} ms; median of the runs' medians and p90s. The floor "
      f"(`floor.sse_raw_socket`) writes the POST by hand on a fresh socket and scans the bytes for the "
      f"first complete `event: RESPONSE_OUTPUT_DELTA` frame.\n")
    st = res["stream"]
    floor = st.get("floor.sse_raw_socket")
    w("| row | median (us) | p90 (us) | p99 (us) | x floor (median) | medians of the runs (us) |")
    w("| --- | ---: | ---: | ---: | ---: | --- |")
    for rid in STREAM_ROWS:
        s = st.get(rid)
        if not s:
            w(f"| {rid} | not measured | | | | |")
            continue
        xf = f"{s['median_us'] / floor['median_us']:.2f}x" if floor else "n/a"
        runs = ", ".join(f"{x['median_us']:.1f}" for x in s.get("rounds", []))
        w(f"| {rid} | {s['median_us']:.1f} | {s['p90_us']:.1f} | {s['p99_us']:.1f} | {xf} | {runs} |")
    w("")
    w(f"### Streams opened and abandoned (responses of {c.get('stream_rss_response_ms')} ms; each stream "
      "read to its first event, then dropped / freed / left with break)\n")
    if c.get("node_settled_streams"):
        w(f"The rows count after 200 streams opened and abandoned first; `node.sdk settled` after "
          f"{c['node_settled_streams']:,}, where V8's heap and node's own code have settled, so that its growth "
          "is what the streams hold.\n")
    w("| row | streams | RSS before -> after (kB) | growth | open fds before -> after | target | verdict |")
    w("| --- | ---: | ---: | ---: | ---: | --- | --- |")
    for rid in STREAM_RSS_ROWS:
        row = res.get("stream_rss", {}).get(rid)
        if not row:
            w(f"| {rid} | not measured | | | | flat | n/a |")
            continue
        growth = f"{row['growth_kb']:,} kB"
        held = row.get("held_growth_kb", row["growth_kb"])
        if "held_growth_kb" in row:
            anon = row["rss_anon_after_kb"] - row["rss_anon_before_kb"]
            growth += (f": file pages {row['growth_kb'] - anon:+,} kB, V8's unused heap reserve "
                       f"{row['heap_reserve_growth_kb']:+,} kB (heap used {row['heap_used_before_kb']:,} -> "
                       f"{row['heap_used_after_kb']:,} kB), the rest {held:+,} kB")
        ok = held < 5120 and row["fds_after"] <= row["fds_before"] + 2
        w(f"| {rid} | {row['streams']:,} | {row['rss_before_kb']:,} -> {row['rss_after_kb']:,} | "
          f"{growth} | {row['fds_before']} -> {row['fds_after']} | "
          f"< 5 MiB held, fds +2 at most | {verdict(ok)} |")
    w("")


def render_packages(res: Dict[str, Any], w: Any) -> None:
    """The packages users install, as scripts/release.sh built them (release builds, glibc 2.17)."""
    pk = res.get("packages")
    if not pk:
        return
    w(f"### Packages (`bash scripts/release.sh`, {pk['built_at']})\n")
    w("| file in dist/ | size |")
    w("| --- | ---: |")
    for name, size in pk["files"].items():
        w(f"| {name} | {fmt_bytes(size)} |")
    for name, size in pk.get("native_unpacked", {}).items():
        w(f"| {name} (unpacked, inside its package) | {fmt_bytes(size)} |")
    w("")


def render(res: Dict[str, Any]) -> str:
    m = res["machine"]
    lat = res["latency"]
    out: List[str] = []
    w = out.append
    w("# Benchmarks\n")
    w("Generated by `bash scripts/bench.sh` (bench/run.py); raw numbers in `bench/results.json`. "
      "Every client calls `get_conversation` on one keep-alive loopback connection to the "
      f"simulator ({res['profile']} build) after {res['counts']['warmup']} warm-up calls; "
      f"{res['counts']['iterations']} timed calls per row, interleaved in batches with the other "
      f"rows of the same program; each program runs {res['counts'].get('rounds', 1)} time(s) and a row shows "
      "the median of its runs' medians and p90s. Timings are never test assertions.\n")
    w(f"Mode: **{res['mode']}**. Machine: {m['nproc']} CPUs, {m['cpu']}, Linux {m['kernel']}, {m['rustc']}, "
      f"Python {m['python']}; load average at start {', '.join(f'{x:.2f}' for x in m['load_avg_at_start'])}.")
    if m.get("note"):
        w(f"\nNote: {m['note']}")
    w("")
    if res["missing_programs"]:
        w(f"Programs not present (their rows are not measured): {', '.join(res['missing_programs'])}.\n")

    w("## Latency per call (sequential, keep-alive)\n")
    floor = lat.get("floor.raw_socket")
    w("| row | median (us) | p90 (us) | p99 (us) | x floor (median) | medians of the runs (us) |")
    w("| --- | ---: | ---: | ---: | ---: | --- |")
    for rid in LATENCY_ROWS:
        s = lat.get(rid)
        if not s:
            w(f"| {rid} | not measured | | | | |")
            continue
        xf = f"{s['median_us'] / floor['median_us']:.2f}x" if floor else "n/a"
        runs = ", ".join(f"{x['median_us']:.1f}" for x in s.get("rounds", []))
        w(f"| {rid} | {s['median_us']:.1f} | {s['p90_us']:.1f} | {s['p99_us']:.1f} | {xf} | {runs} |")
    w("")
    w("## Latency targets (ratios of medians from the same run)\n")
    w("| row | baseline | measured | target | verdict |")
    w("| --- | --- | ---: | --- | --- |")
    for row, base, kind, bound in LATENCY_TARGETS:
        a, b = lat.get(row), lat.get(base)
        if kind == "ratio":
            target = f"<= {bound:.2f}x"
        elif kind == "faster":
            target = f">= {bound:.1f}x faster" if bound > 1 else "faster"
        else:
            target = f"<= +{bound:.0f} us"
        if not a or not b:
            w(f"| {row} | {base} | not measured | {target} | n/a |")
            continue
        if kind == "ratio":
            v = a["median_us"] / b["median_us"]
            w(f"| {row} | {base} | {v:.3f}x | {target} | {verdict(v <= bound)} |")
        elif kind == "faster":
            v = b["median_us"] / a["median_us"]
            ok = v > bound if bound == 1.0 else v >= bound
            w(f"| {row} | {base} | {v:.2f}x faster | {target} | {verdict(ok)} |")
        else:
            v = a["median_us"] - b["median_us"]
            w(f"| {row} | {base} | {v:+.1f} us | {target} | {verdict(v <= bound)} |")
    w("")

    w("## Concurrency (server adds 50 ms to every request)\n")
    w("| row | 1 | 16 / 64 | result | target | verdict |")
    w("| --- | ---: | ---: | ---: | --- | --- |")
    for rid in ("rust.sdk", "python.sdk"):
        t = res["threads"].get(rid, {})
        if "1" in t and "16" in t:
            tp1 = t["1"]["calls"] / t["1"]["seconds"]
            tp16 = t["16"]["calls"] / t["16"]["seconds"]
            w(f"| {rid} threads | {tp1:.1f} calls/s | {tp16:.1f} calls/s | {tp16 / tp1:.1f}x throughput | "
              f">= 12x | {verdict(tp16 / tp1 >= 12)} |")
        else:
            w(f"| {rid} threads | not measured | | | >= 12x | n/a |")
    for rid in ("python_async.sdk", "node.sdk"):
        c = res["concurrent"].get(rid, {})
        if "1" in c and "64" in c:
            r = c["64"]["seconds"] / c["1"]["seconds"]
            w(f"| {rid} concurrent | {c['1']['seconds'] * 1e3:.0f} ms | {c['64']['seconds'] * 1e3:.0f} ms | "
              f"{r:.2f}x the time of 1 | <= 3x | {verdict(r <= 3)} |")
            if "readfile_p99_ms" in c["64"]:
                p99 = c["64"]["readfile_p99_ms"]
                w(f"| {rid} readFile p99 during 64 | | {p99:.1f} ms | max {c['64'].get('readfile_max_ms', 0):.1f} ms"
                  f" | < 20 ms | {verdict(p99 < 20)} |")
        else:
            w(f"| {rid} concurrent | not measured | | | <= 3x | n/a |")
    w("")

    render_streaming(res, w)

    w("## Polling (`wait_for_response`, default options: 250 ms initial, x1.5, max 2 s)\n")
    w("| completes after | noticed after completion | GET requests | target | verdict |")
    w("| ---: | ---: | ---: | --- | --- |")
    for p in res["polling"]:
        ok = p["noticed_after_ms"] <= 2000 and (p["response_ms"] < 30000 or p["requests"] <= 25)
        target = "noticed <= 2000 ms" + (", <= 25 requests" if p["response_ms"] >= 30000 else "")
        w(f"| {p['response_ms'] / 1e3:.0f} s | {p['noticed_after_ms']:.0f} ms | {p['requests']} | {target} | "
          f"{verdict(ok)} |")
    if not res["polling"]:
        w("| not measured | | | | |")
    w("")

    w("## Footprint\n")
    w("| item | measured | target | verdict |")
    w("| --- | ---: | --- | --- |")
    fp = res["footprint"]
    for rid in sorted(fp):
        for field, value in sorted(fp[rid].items()):
            if not field.endswith("_bytes"):
                continue
            key = f"{rid}.{field}"
            bound = SIZE_TARGETS.get(key)
            ok = None if bound is None or value is None else value <= bound
            w(f"| {key} | {fmt_bytes(value)} | {'<= %.1f MiB' % (bound / MB) if bound else ''} | {verdict(ok)} |")
    for rid in ("python.sdk", "node.sdk"):
        s = res["startup"].get(rid)
        what = "import moveworks" if rid.startswith("python") else "require('moveworks')"
        if s:
            w(f"| {rid} `{what}` (median of fresh processes) | {s['median_us'] / 1e3:.1f} ms | <= 10 ms | "
              f"{verdict(s['median_us'] <= 10_000)} |")
        else:
            w(f"| {rid} `{what}` | not measured | <= 10 ms | n/a |")
    for rid in ("rust.sdk", "c.sdk", "python.sdk", "node.sdk", "kotlin.sdk"):
        row = res["rss"].get(rid)
        if row:
            w(f"| {rid} RSS growth over {row['calls']:,} calls | {row['growth_kb']:,} kB "
              f"({row['rss_before_kb']:,} -> {row['rss_after_kb']:,}) | < 5 MiB | {verdict(row['growth_kb'] < 5120)} |")
        else:
            w(f"| {rid} RSS growth | not measured | < 5 MiB | n/a |")
    w("")
    render_packages(res, w)
    notes = os.path.join(ROOT, "bench", "NOTES.md")
    if res["mode"] == "full" and os.path.exists(notes):
        with open(notes) as f:
            w(f.read().rstrip("\n") + "\n")
    if res.get("failures"):
        w("## Failed runs\n")
        for f in res["failures"]:
            w("```\n" + f + "\n```")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.exit(main())
