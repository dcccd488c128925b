"""The concurrency benchmark's harness (bench/concurrency/README.md; `bash
bench/concurrency/run.sh` builds and calls it): N streamed turns at once in one client
process, per row and per N, against one simulator whose answers take --answer-ms.

For each N, each run and each row (rows interleaved, so load from elsewhere on the
machine hits every row alike): the simulator is reset, N conversations are created, the
row's program streams one turn in each at once and reports per-turn first-event and turn
times, the event loop's lag, errors and its peak RSS (VmHWM); meanwhile this harness
samples the program's /proc/PID/status every 20 ms for its peak thread count, and
records the program's and the simulator's CPU time. Writes the JSON results and the
markdown section (a kept block of BENCHMARKS.md, bench/sections.py).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from typing import Any, Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from harness import replace_block, run_meta, tree_note  # noqa: E402 - bench/harness.py

TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
NAME = "concurrency"  # the kept block of BENCHMARKS.md this harness owns
CLK_TCK = os.sysconf("SC_CLK_TCK")

# Row id -> (hand-written baselines of its language measured in the same run, description).
ROWS: Dict[str, Tuple[List[str], str]] = {
    "python_async.sdk": (
        ["python_async.httpx_sse", "python_async.aiohttp"],
        "Python `moveworks.AsyncClient`, `async for` over `stream_response`",
    ),
    "python_async.httpx_sse": ([], "Python httpx.AsyncClient + httpx-sse (baseline)"),
    "python_async.aiohttp": ([], "Python aiohttp, SSE lines parsed by hand (baseline)"),
    "node.sdk": (["node.fetch"], "Node `Client`, `for await` over `streamResponse`"),
    "node.fetch": ([], "Node `fetch` + eventsource-parser (baseline)"),
    "rust.sdk.threads": ([], "Rust `Client`, one thread per turn"),
    "c.sdk.threads": ([], "C `mw_client_stream_response`, one pthread per turn"),
    "kotlin.sdk": ([], "Kotlin `Client.streamResponseFlow`, a coroutine per turn (Dispatchers.Default)"),
    "swift.sdk": ([], "Swift `Client.streamResponse`, `for try await`, a Task per turn (task group)"),
}

# Rows whose program runs under a wrapper: the process measured (threads, RSS) is the
# wrapper's descendant of this name. bench/swift/run.sh mounts the Swift toolchain root and
# runs `chroot ROOT env ... SwiftBench` as its child (it unmounts when that exits), and
# chroot and env exec, so the descendant ends up as SwiftBench under the same PID.
WRAPPED: Dict[str, str] = {"swift.sdk": "SwiftBench"}


def log(msg: str) -> None:
    print(f"[concurrency {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def command(row: str, profile: str) -> List[str]:
    if row.startswith("python_async."):
        return [os.path.join(TARGET, "bench", "venv", "bin", "python"), os.path.join(HERE, "py_clients.py"), row]
    if row.startswith("node."):
        # BENCH_NODE_FLAGS: extra node flags for profiling a row (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
        return ["node", *shlex.split(os.environ.get("BENCH_NODE_FLAGS", "")), os.path.join(HERE, "node", "clients.mjs"), row, "--pkg", os.path.join(TARGET, "bench", "node", "pkg")]
    if row == "rust.sdk.threads":
        return [os.path.join(TARGET, profile, "examples", "concurrency"), row]
    if row == "c.sdk.threads":
        return [os.path.join(TARGET, "bench", "concurrency", profile, "c_threads"), row]
    if row == "kotlin.sdk":
        out = os.path.join(TARGET, "bench", "kotlin")  # what bench/kotlin/build.sh prepared
        with open(os.path.join(out, "maven", "classpath.txt")) as f:
            classpath = os.path.join(out, "maven", "bench.jar") + ":" + f.read().strip()
        lib = os.path.join(out, "lib")
        return ["java", f"-Djna.library.path={lib}", "-cp", classpath, "ai.moveworks.sdk.bench.ConcurrencyKt", row]
    if row == "swift.sdk":  # what bench/swift/build.sh prepared, run inside the toolchain root
        return ["bash", os.path.join(ROOT, "bench", "swift", "run.sh"), "concurrency"]
    raise KeyError(row)


def present(row: str, profile: str) -> bool:
    """Whether the row's program was built (the Kotlin and Swift ones are optional: bench/kotlin/build.sh, bench/swift/build.sh)."""
    if row == "kotlin.sdk":
        return os.path.exists(os.path.join(TARGET, "bench", "kotlin", "maven", "bench.jar"))
    if row == "swift.sdk":  # optional too (bench/swift/build.sh), and built for this profile
        out = os.path.join(TARGET, "bench", "swift")
        try:
            with open(os.path.join(out, "profile")) as f:
                return os.path.exists(os.path.join(out, "SwiftBench")) and f.read().strip() == profile
        except FileNotFoundError:
            return False
    return True


class Simulator:
    def __init__(self, binary: str, answer_ms: int) -> None:
        self.proc = subprocess.Popen(
            [binary, "--response-ms", str(answer_ms)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.proc.stdout is not None
        self.info = json.loads(self.proc.stdout.readline())
        self.conn = http.client.HTTPConnection("127.0.0.1", self.info["port"], timeout=60)

    def http(self, method: str, path: str, body: Any = None, auth: bool = False) -> Any:
        headers = {"Content-Type": "application/json"}
        if auth:
            headers.update({"Authorization": f"Bearer {self.info['token']}", "Assistant-Name": self.info["assistant_name"]})
        self.conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        resp = self.conn.getresponse()
        data = resp.read()
        if resp.status >= 300:
            raise RuntimeError(f"{method} {path}: HTTP {resp.status} {data[:200]!r}")
        return json.loads(data) if data else None

    def conversations(self, n: int) -> List[str]:
        prefix = "/rest/v1beta1"
        return [self.http("POST", f"{prefix}/conversations", {"title": f"c{i}"}, auth=True)["conversation_id"] for i in range(n)]

    def cpu_s(self) -> float:
        return proc_cpu_s(self.proc.pid)

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def proc_cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime


def sample_status(pid: int) -> Dict[str, int]:
    out: Dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("Threads", "VmRSS", "VmHWM"):
                    out[key] = int(value.split()[0])
    except (FileNotFoundError, ProcessLookupError, ValueError):
        pass
    return out


def descendant_named(pid: int, name: str) -> Optional[int]:
    """A descendant of `pid` whose comm is `name` (the first found), or None."""
    parents: Dict[int, List[Tuple[int, str]]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        parents.setdefault(ppid, []).append((int(entry), comm))
    todo = [pid]
    while todo:
        for child, comm in parents.get(todo.pop(), []):
            if comm == name:
                return child
            todo.append(child)
    return None


def percentile(xs: List[float], p: float) -> Optional[float]:
    if not xs:
        return None
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, int(round(p / 100 * len(s) + 0.5)) - 1))]


def run_row(sim: Simulator, row: str, n: int, a: argparse.Namespace) -> Dict[str, Any]:
    sim.http("POST", "/_sim/reset")
    conversations = sim.conversations(n)
    # Under the target dir, not /tmp: bench/swift/run.sh's chroot sees the repository and the target only.
    tmp = os.path.join(TARGET, "bench", "concurrency")
    os.makedirs(tmp, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".json", dir=tmp, delete=False) as f:
        json.dump(conversations, f)
        conv_file = f.name
    argv = command(row, a.profile) + [
        "--base-url", sim.info["base_url"], "--token", sim.info["token"], "--assistant", sim.info["assistant_name"],
        "--conversations", conv_file, "--streams", str(n), "--answer-ms", str(a.answer_ms),
    ]  # fmt: skip
    load = os.getloadavg()
    sim_cpu0 = sim.cpu_s()
    out_path = conv_file + ".out"
    err_path = conv_file + ".err"
    started = time.monotonic()
    with open(out_path, "w") as out, open(err_path, "w") as err:
        proc = subprocess.Popen(argv, stdout=out, stderr=err)
        peak_threads = 0
        peak_rss = 0
        deadline = started + a.answer_ms / 1000 + a.timeout
        rusage = None
        killed = False
        measured: Optional[int] = None if row in WRAPPED else proc.pid  # the process sampled
        while True:
            if measured is None:
                measured = descendant_named(proc.pid, WRAPPED[row])
            s = sample_status(measured) if measured is not None else {}
            peak_threads = max(peak_threads, s.get("Threads", 0))
            peak_rss = max(peak_rss, s.get("VmHWM", 0))
            pid, st, ru = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                rusage = ru
                proc.returncode = os.waitstatus_to_exitcode(st)
                break
            if time.monotonic() > deadline:
                if measured is not None and measured != proc.pid:
                    # The wrapped program first, so that its wrapper cleans up (unmounts) and exits.
                    try:
                        os.kill(measured, 9)
                    except ProcessLookupError:
                        pass
                    for _ in range(300):  # 15 s
                        pid, _, ru = os.wait4(proc.pid, os.WNOHANG)
                        if pid:
                            rusage = ru
                            break
                        time.sleep(0.05)
                if rusage is None:
                    proc.kill()
                    _, _, rusage = os.wait4(proc.pid, 0)
                proc.returncode = -9
                killed = True
                break
            time.sleep(0.02)
    sim_cpu = sim.cpu_s() - sim_cpu0
    with open(out_path) as f:
        lines = f.read().strip().splitlines()
    with open(err_path) as f:
        stderr = f.read()
    for p in (conv_file, out_path, err_path):
        os.unlink(p)
    result: Dict[str, Any] = {
        "id": row,
        "streams": n,
        "load_before": [round(x, 2) for x in load],
        "peak_threads": peak_threads,
        # wait4: the program's and its reaped descendants' (for a wrapper: its tree).
        "cpu_s": round(rusage.ru_utime + rusage.ru_stime, 2) if rusage else None,
        "simulator_cpu_s": round(sim_cpu, 2),
        "elapsed_s": round(time.monotonic() - started, 2),
    }
    if killed or proc.returncode != 0 or not lines:
        result["failed"] = (
            f"not finished after {a.answer_ms / 1000 + a.timeout:.0f} s: killed (--timeout {a.timeout:.0f})"
            if killed
            else f"exit {proc.returncode}: {stderr.strip()[-1500:]}"
        )
        log(f"{row} x{n}: FAILED {result['failed']}")
        return result
    r = json.loads(lines[-1])
    if r.get("cpu_s") is not None:  # a wrapped program's own getrusage(RUSAGE_SELF), without the wrapper's
        result["wrapper_cpu_s"] = result["cpu_s"]
        result["cpu_s"] = round(r["cpu_s"], 2)
    firsts, turns = r["first_event_ms"], r["turn_ms"]
    if "lag_ms" in r:  # asyncio: the ticker's oversleeps
        r["lag_max_ms"] = round(max(r["lag_ms"]), 2) if r["lag_ms"] else None
        r["lag_p99_ms"] = percentile(r["lag_ms"], 99)
    result.update(
        {
            "completed": len(turns),
            "errors": n - len(turns),  # turns that failed (the program counts them as errors)
            "error_samples": r.get("error_samples", []),
            "events": r["events"],
            "first_event_p50_ms": percentile(firsts, 50),
            "first_event_p99_ms": percentile(firsts, 99),
            "first_event_max_ms": max(firsts) if firsts else None,
            "turn_p50_ms": percentile(turns, 50),
            "turn_p99_ms": percentile(turns, 99),
            "lag_max_ms": r.get("lag_max_ms"),
            "lag_p99_ms": r.get("lag_p99_ms"),
            "start_spread_ms": r.get("start_spread_ms"),
            # Node: the main thread's CPU and run-queue wait over the burst (schedstat), and its stalls.
            "main_thread": r.get("main_thread"),
            "wall_s": r["wall_s"],
            # The program's own VmHWM at its end, or the sampled one (ru_maxrss is in kB too).
            "peak_rss_kb": max(r.get("peak_rss_kb") or 0, peak_rss, rusage.ru_maxrss if rusage else 0),
        }
    )
    log(
        f"{row} x{n}: first p50 {result['first_event_p50_ms']} p99 {result['first_event_p99_ms']} ms, "
        f"turn p50 {result['turn_p50_ms']} p99 {result['turn_p99_ms']} ms, lag max {result['lag_max_ms']} ms, "
        f"errors {result['errors']}, threads {peak_threads}, RSS {result['peak_rss_kb']} kB, cpu {result['cpu_s']} s"
    )
    return result


# ---- markdown ----


def fmt_ms(x: Optional[float]) -> str:
    if x is None:
        return "—"
    if x >= 1000:
        return f"{x / 1000:.2f} s"
    if x >= 10:
        return f"{x:.0f} ms"
    return f"{x:.1f} ms"


def fmt_mb(kb: Optional[int]) -> str:
    return "—" if not kb else f"{kb / 1024:.0f} MB"


def both(values: List[str]) -> str:
    """Run 1's figure, then run 2's (`a · b`)."""
    return " · ".join(values) if values else "—"


def render(results: Dict[str, Any]) -> str:
    meta = results["meta"]
    runs = meta["runs"]
    out = [
        "## Concurrency: many streamed turns in one process",
        "",
        f"N streamed turns started at once in ONE client process, every answer taking {meta['answer_ms']:,} ms on the "
        f"simulator (`RESPONSE_CREATED` at once, deltas from {meta['answer_ms'] // 3:,} ms, `RESPONSE_COMPLETED` at "
        f"{meta['answer_ms']:,} ms), one conversation per turn; every event read (and decoded by the baselines). "
        + ("Each cell gives run 1 · run 2 (rows interleaved within a run)." if runs == 2 else f"Each cell gives the runs' figures in order ({runs} run(s), rows interleaved within a run)."),
        "",
        f"- Command: `{meta['command']}` ({meta['profile']} builds; {tree_note(meta)}).",
        f"- Machine: {meta['machine']}; date {meta['date']}; load average when the run started {meta['load_start']}, "
        f"at its end {meta['load_end']}; `ulimit -n` {meta['nofile']}.",
        "- First event: from the turn's own call (stream opened / request sent by user code) to its first event in "
        "user code. Turn: from that call to the end of the loop after `RESPONSE_COMPLETED`. Lag: how late a 10 ms "
        "timer fires on the event loop (asyncio: a ticker task's oversleep; Node: `monitorEventLoopDelay`, less its "
        "10 ms resolution; Kotlin: a ticker coroutine's oversleep of `delay(10)` on `Dispatchers.Default`; Swift: "
        "a ticker Task's oversleep of `Task.sleep` 10 ms on the cooperative pool); threads have no event loop (—). "
        "Threads: peak of the client's `/proc/PID/status` sampled every 20 ms; RSS: its `VmHWM`; CPU: the client's "
        "user+system time (Swift runs in the toolchain's chroot through `bench/swift/run.sh`: the process measured "
        "is the chroot'ed `SwiftBench` itself, its CPU its own `getrusage`); simulator CPU: the "
        "simulator's over the same row (it serves each connection on a thread, on the same two cores).",
        "- Targets (issue #23, at 1,000 streams): first-event p99 ≤ 250 ms, turn p99 ≤ 5.5 s, lag ≤ 50 ms, no errors.",
        "",
    ]
    by_n: Dict[int, Dict[str, List[Dict[str, Any]]]] = {}
    for r in results["rows"]:
        by_n.setdefault(r["streams"], {}).setdefault(r["id"], []).append(r)
    for n in sorted(by_n):
        out += [
            f"### {n:,} concurrent streamed turns",
            "",
            "| row | first event p50 | first event p99 | turn p50 | turn p99 | lag max | lag p99 | errors | peak threads | peak RSS | CPU | simulator CPU | first-event p99 / turn p99 vs baseline |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        rows = by_n[n]
        for row_id in ROWS:
            if row_id not in rows:
                continue
            rs = rows[row_id]
            cells = [f"{ROWS[row_id][1]} (`{row_id}`)"]
            for key in ("first_event_p50_ms", "first_event_p99_ms", "turn_p50_ms", "turn_p99_ms", "lag_max_ms", "lag_p99_ms"):
                cells.append(both([fmt_ms(r.get(key)) if "failed" not in r else "failed" for r in rs]))
            cells.append(both([str(r["errors"]) if "failed" not in r else "failed" for r in rs]))
            cells.append(both([str(r["peak_threads"]) for r in rs]))
            cells.append(both([fmt_mb(r.get("peak_rss_kb")) for r in rs]))
            cells.append(both([f"{r['cpu_s']:.1f} s" if r.get("cpu_s") is not None else "—" for r in rs]))
            cells.append(both([f"{r['simulator_cpu_s']:.1f} s" for r in rs]))
            per_base = []
            for base in ROWS[row_id][0]:
                if base not in rows:
                    continue
                ratios = []
                for r, b in zip(rs, rows[base]):
                    if "failed" in r or "failed" in b or not b.get("first_event_p99_ms") or not b.get("turn_p99_ms"):
                        ratios.append("—")
                    else:
                        ratios.append(
                            f"{r['first_event_p99_ms'] / b['first_event_p99_ms']:.1f}x / {r['turn_p99_ms'] / b['turn_p99_ms']:.2f}x"
                        )
                per_base.append(f"{base.split('.', 1)[1]}: " + both(ratios))
            cells.append("<br>".join(per_base) or "—")
            out.append("| " + " | ".join(cells) + " |")
        failures = [r for rs in rows.values() for r in rs if "failed" in r or r.get("error_samples")]
        if failures:
            out += ["", "Failures and errors:", ""]
            for r in failures:
                why = r.get("failed") or "; ".join(r["error_samples"][:2])
                out.append(f"- `{r['id']}` x{n}: {why[:400].replace(chr(10), ' ')}")
        out.append("")
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--streams", default="100,1000,5000", help="comma-separated N")
    ap.add_argument("--answer-ms", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--rows", default="", help="comma-separated row ids (default: every row whose program is built)")
    ap.add_argument("--profile", default="release", choices=["release", "debug"])
    ap.add_argument("--simulator-profile", choices=["release", "debug"], help="the simulator's build (default: --profile)")
    ap.add_argument("--timeout", type=float, default=180, help="seconds a row may take beyond one answer")
    ap.add_argument("--out-json", default=os.path.join(HERE, "results.json"))
    ap.add_argument("--out-md", default=os.path.join(ROOT, "BENCHMARKS.md"))
    ap.add_argument("--command", default="python3 bench/concurrency/run.py", help="the command line shown in the section")
    ap.add_argument("--render-only", action="store_true", help="rewrite the section from --out-json")
    a = ap.parse_args()
    if a.render_only:
        with open(a.out_json) as f:
            replace_block(a.out_md, NAME, render(json.load(f)))
        return 0
    rows = [r for r in a.rows.split(",") if r] or [r for r in ROWS if present(r, a.profile)]
    for r in rows:
        if r not in ROWS:
            raise SystemExit(f"unknown row {r}; rows: {', '.join(ROWS)}")
    ns = [int(x) for x in a.streams.split(",") if x]
    meta = {
        "command": a.command,
        "profile": a.profile,
        "answer_ms": a.answer_ms,
        "runs": a.runs,
        "nofile": resource.getrlimit(resource.RLIMIT_NOFILE)[0],
        **run_meta(ROOT),
    }
    sim = Simulator(os.path.join(TARGET, a.simulator_profile or a.profile, "moveworks-simulator"), a.answer_ms)
    results: Dict[str, Any] = {"meta": meta, "rows": []}
    try:
        for n in ns:
            for run in range(a.runs):
                for row in rows:
                    r = run_row(sim, row, n, a)
                    r["run"] = run + 1
                    results["rows"].append(r)
    finally:
        sim.close()
    meta["load_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    with open(a.out_json, "w") as f:
        json.dump(results, f, indent=1)
        f.write("\n")
    md = render(results)
    replace_block(a.out_md, NAME, md)
    print(md)
    failed = [r for r in results["rows"] if "failed" in r or r.get("errors")]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
