"""The per-event streaming benchmark's harness (bench/streaming/README.md; `bash
bench/streaming/run.sh` builds and calls it): long answers of many events, each SDK
against the clients a user would hand-write, the same bytes for all.

It starts the simulator, records one real streamed turn (its RESPONSE_CREATED, a MESSAGE
delta and its RESPONSE_COMPLETED), and queues a `raw` fault that answers every later
streamed turn with RESPONSE_CREATED, E RESPONSE_OUTPUT_DELTA (the real delta, its text
growing and cycling, sequence numbers counting) and RESPONSE_COMPLETED, written at once.
Then, per run and per row (rows interleaved), one process streams W warm-up and N timed
turns, decoding every event; it reports turn times, first-delta times, CPU per event and
peak RSS. Writes the JSON results and the markdown section (a kept block of BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import copy
import http.client
import json
import os
import shlex
import statistics
import subprocess
import sys
import time
from typing import Any, Dict, List, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from harness import replace_block, run_meta, tree_note  # noqa: E402 - bench/harness.py

TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
NAME = "streaming"  # the kept block of BENCHMARKS.md this harness owns
MAX_FAULT_BODY = 15 * 1024 * 1024  # the simulator takes request bodies up to 16 MiB

# Row id -> (group, description); the first row of a group is its SDK.
ROWS: Dict[str, Tuple[str, str]] = {
    "python.sdk": ("Python sync (main thread)", "`moveworks.Client`, `for event in stream_response(...)`"),
    "python.httpx_sse": ("Python sync (main thread)", "httpx.Client + httpx-sse, json.loads"),
    "python.requests_sseclient": ("Python sync (main thread)", "requests + sseclient-py, json.loads"),
    "python_async.sdk": ("Python asyncio", "`moveworks.AsyncClient`, `async for`"),
    "python_async.httpx_sse": ("Python asyncio", "httpx.AsyncClient + httpx-sse, json.loads"),
    "python_async.aiohttp": ("Python asyncio", "aiohttp, SSE lines by hand, json.loads"),
    "node.sdk": ("Node", "`Client`, `for await` over `streamResponse`"),
    "node.fetch_parser": ("Node", "fetch + eventsource-parser, JSON.parse"),
    "node.eventsource": ("Node", "the `eventsource` package (POST via its `fetch` option), JSON.parse"),
    "node.http": ("Node", "node:http, SSE framing by hand, JSON.parse"),
    "rust.sdk": ("Rust (the reference for the bindings' cost per event)", "`Client`, `for event in stream_response(...)`"),
}


def log(msg: str) -> None:
    print(f"[streaming {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def command(row: str, profile: str) -> List[str]:
    if row == "rust.sdk":
        return [os.path.join(TARGET, profile, "examples", "stream_events"), row]
    if row.startswith("python"):
        return [os.path.join(TARGET, "bench", "venv", "bin", "python"), os.path.join(HERE, "py_clients.py"), row]
    # BENCH_NODE_FLAGS: extra node flags for profiling a row (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
    flags = shlex.split(os.environ.get("BENCH_NODE_FLAGS", ""))
    return ["node", *flags, os.path.join(HERE, "node_clients.mjs"), row, "--pkg", os.path.join(TARGET, "bench", "node", "pkg")]


class Simulator:
    def __init__(self, binary: str) -> None:
        self.proc = subprocess.Popen([binary, "--response-ms", "300"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.info = json.loads(self.proc.stdout.readline())
        self.auth = {"Authorization": f"Bearer {self.info['token']}", "Assistant-Name": self.info["assistant_name"]}

    def request(self, method: str, path: str, body: Any = None, auth: bool = False, accept: str = "application/json") -> Tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.info["port"], timeout=60)
        headers = {"Content-Type": "application/json", "Accept": accept, **(self.auth if auth else {})}
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        if resp.status >= 300:
            raise RuntimeError(f"{method} {path}: HTTP {resp.status} {data[:300]!r}")
        return resp.status, data

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def parse_sse(text: str) -> List[Tuple[str, str]]:
    events = []
    for frame in text.split("\n\n"):
        name, data = "message", []
        for line in frame.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].lstrip(" "))
        if data:
            events.append((name, "\n".join(data)))
    return events


def answer_body(sim: Simulator, conversation: str, deltas: int) -> str:
    """The raw SSE body every timed turn gets: a real turn's events, the delta repeated."""
    _, raw = sim.request(
        "POST", f"/rest/v1beta1/conversations/{conversation}/responses/stream", {"input": {"text": "template"}},
        auth=True, accept="text/event-stream",
    )  # fmt: skip
    events = parse_sse(raw.decode())
    created = json.loads(next(d for n, d in events if n == "RESPONSE_CREATED"))
    delta = json.loads([d for n, d in events if n == "RESPONSE_OUTPUT_DELTA" and '"MESSAGE"' in d][-1])
    completed = json.loads(next(d for n, d in events if n == "RESPONSE_COMPLETED"))
    created["sequence_number"] = 1
    out = [f"event: RESPONSE_CREATED\ndata: {json.dumps(created)}\n\n"]
    for i in range(deltas):
        data = copy.deepcopy(delta)
        data["sequence_number"] = i + 2
        # The message so far, growing and cycling as a long answer's deltas would.
        data["output"]["message"]["content"]["commonmark_text"]["text"] = "word " * (i % 40 + 1)
        out.append(f"event: RESPONSE_OUTPUT_DELTA\ndata: {json.dumps(data)}\n\n")
    completed["sequence_number"] = deltas + 2
    out.append(f"event: RESPONSE_COMPLETED\ndata: {json.dumps(completed)}\n\n")
    return "".join(out)


def run_row(sim: Simulator, row: str, conversation: str, a: argparse.Namespace) -> Dict[str, Any]:
    argv = command(row, a.profile) + [
        "--base-url", sim.info["base_url"], "--token", sim.info["token"], "--assistant", sim.info["assistant_name"],
        "--conversation", conversation, "--events", str(a.events), "--turns", str(a.turns), "--warmup", str(a.warmup),
    ]  # fmt: skip
    load = os.getloadavg()
    started = time.monotonic()
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=a.timeout)
    result: Dict[str, Any] = {"id": row, "load_before": [round(x, 2) for x in load], "elapsed_s": round(time.monotonic() - started, 2)}
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        result["failed"] = f"exit {proc.returncode}: {proc.stderr.strip()[-1500:]}"
        log(f"{row}: FAILED {result['failed']}")
        return result
    r = json.loads(lines[-1])
    result.update(
        {
            "events_per_turn": r["events_per_turn"],
            "turn_ms": r["turn_ms"],
            "turn_median_ms": statistics.median(r["turn_ms"]),
            "first_delta_median_ms": statistics.median(r["first_delta_ms"]),
            "cpu_us_per_event": r["cpu_us_per_event"],
            "peak_rss_kb": r["peak_rss_kb"],
        }
    )
    log(
        f"{row}: turn median {result['turn_median_ms']:.1f} ms, first delta {result['first_delta_median_ms']:.2f} ms, "
        f"{result['cpu_us_per_event']:.1f} us CPU/event, peak RSS {result['peak_rss_kb']} kB"
    )
    return result


def render(results: Dict[str, Any]) -> str:
    meta = results["meta"]
    out = [
        "## Streaming per event: long answers against hand-written clients",
        "",
        f"Every streamed turn is answered with the same {meta['body_bytes'] / 2**20:.1f} MiB body: `RESPONSE_CREATED`, "
        f"{meta['events']:,} `RESPONSE_OUTPUT_DELTA` (a real MESSAGE delta of the simulator, its text growing and "
        f"cycling) and `RESPONSE_COMPLETED`, written at once (a `raw` fault of the simulator), so a turn's time is "
        f"the client's cost per event. Each row is one process on its main thread / event loop: {meta['warmup']} "
        f"warm-up and {meta['turns']} timed turns, every event decoded (the SDKs into their typed events, the peers "
        f"with `json.loads` / `JSON.parse`). Each cell gives run 1 · run 2 ({meta['runs']} runs, rows interleaved).",
        "",
        f"- Command: `{meta['command']}` ({meta['profile']} builds; {tree_note(meta)}).",
        f"- Machine: {meta['machine']}; date {meta['date']}; load average at the start {meta['load_start']}, at the end "
        f"{meta['load_end']}.",
        "- Turn: median over the timed turns, from the call that sends the request to the end of the loop. First "
        "delta: from that call to the first `RESPONSE_OUTPUT_DELTA` in user code (median). CPU per event: the "
        "process's CPU time (all threads, user + system) over the timed turns / events. Peak RSS: `VmHWM`. "
        "vs fastest: the row's median turn / the fastest peer's of its group in the same run.",
        "- Goal (issue #23, Done when): per event and per turn no slower than the fastest hand-written client.",
        "",
    ]
    by_id: Dict[str, List[Dict[str, Any]]] = {}
    for r in results["rows"]:
        by_id.setdefault(r["id"], []).append(r)
    groups: Dict[str, List[str]] = {}
    for row_id, (group, _) in ROWS.items():
        if row_id in by_id:
            groups.setdefault(group, []).append(row_id)
    for group, ids in groups.items():
        out += [
            f"### {group}",
            "",
            "| row | turn (median) | first delta | CPU per event | peak RSS | turn vs fastest peer |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        peers = [i for i in ids if not i.endswith(".sdk")]
        for row_id in ids:
            rs = by_id[row_id]
            cells = [f"{ROWS[row_id][1]} (`{row_id}`)"]

            def each(f: Any) -> str:
                return " · ".join("failed" if "failed" in r else f(r) for r in rs)

            cells.append(each(lambda r: f"{r['turn_median_ms']:,.0f} ms"))
            cells.append(each(lambda r: f"{r['first_delta_median_ms']:.2f} ms"))
            cells.append(each(lambda r: f"{r['cpu_us_per_event']:.1f} µs"))
            cells.append(each(lambda r: f"{r['peak_rss_kb'] / 1024:.0f} MB"))
            ratios = []
            for run, r in enumerate(rs, 1):
                best = [p for pid in peers for p in by_id[pid] if p.get("run") == run and "failed" not in p]
                if "failed" in r or not best:
                    ratios.append("—")
                    continue
                fastest = min(best, key=lambda p: p["turn_median_ms"])
                ratios.append(f"{r['turn_median_ms'] / fastest['turn_median_ms']:.2f}x ({fastest['id'].split('.', 1)[1]})")
            cells.append(" · ".join(ratios))
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    failures = [r for r in results["rows"] if "failed" in r]
    if failures:
        out += ["Failed rows:", ""] + [f"- `{r['id']}` (run {r['run']}): {r['failed'][:400].replace(chr(10), ' ')}" for r in failures] + [""]
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=5000, help="RESPONSE_OUTPUT_DELTA events per turn (each ~2 KB; the answer must fit the simulator's 16 MiB request limit)")
    ap.add_argument("--turns", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--rows", default=",".join(ROWS))
    ap.add_argument("--profile", default="release", choices=["release", "debug"])
    ap.add_argument("--timeout", type=float, default=900, help="seconds one row's process may take")
    ap.add_argument("--out-json", default=os.path.join(HERE, "results.json"))
    ap.add_argument("--out-md", default=os.path.join(ROOT, "BENCHMARKS.md"))
    ap.add_argument("--command", default="python3 bench/streaming/run.py")
    ap.add_argument("--render-only", action="store_true", help="rewrite the section from --out-json")
    a = ap.parse_args()
    if a.render_only:
        with open(a.out_json) as f:
            replace_block(a.out_md, NAME, render(json.load(f)))
        return 0
    rows = [r for r in a.rows.split(",") if r]
    for r in rows:
        if r not in ROWS:
            raise SystemExit(f"unknown row {r}; rows: {', '.join(ROWS)}")
    sim = Simulator(os.path.join(TARGET, a.profile, "moveworks-simulator"))
    results: Dict[str, Any] = {"rows": []}
    try:
        _, raw = sim.request("POST", "/rest/v1beta1/conversations", {"title": "streaming benchmark"}, auth=True)
        conversation = json.loads(raw)["conversation_id"]
        body = answer_body(sim, conversation, a.events)
        if len(json.dumps(body)) > MAX_FAULT_BODY:
            raise SystemExit(f"--events {a.events}: the answer ({len(body)} bytes) does not fit a simulator fault; use fewer")
        fault = {
            "kind": "raw", "status": 200, "body": body, "headers": {"Content-Type": "text/event-stream"},
            "path_contains": "/responses/stream", "count": 1_000_000,
        }  # fmt: skip
        sim.request("POST", "/_sim/faults", {"faults": [fault]})
        results["meta"] = {
            "command": a.command,
            "profile": a.profile,
            "events": a.events,
            "body_bytes": len(body.encode()),
            "turns": a.turns,
            "warmup": a.warmup,
            "runs": a.runs,
            **run_meta(ROOT),
        }
        for run in range(a.runs):
            for row in rows:
                sim.request("DELETE", "/_sim/requests")
                r = run_row(sim, row, conversation, a)
                r["run"] = run + 1
                results["rows"].append(r)
    finally:
        sim.close()
    results["meta"]["load_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    with open(a.out_json, "w") as f:
        json.dump(results, f, indent=1)
        f.write("\n")
    md = render(results)
    replace_block(a.out_md, NAME, md)
    print(md)
    return 1 if any("failed" in r for r in results["rows"]) else 0


if __name__ == "__main__":
    sys.exit(main())
