"""The Rust row of the streaming benchmark (`rust.sdk`) alone, or another with `--row`, under a wrapper command:
instruction counts or a profile of the core's cost per event, reproducible on a noisy
shared machine where CPU times are not. Not part of the test command.

    cargo build --locked --release -p moveworks-simulator -p moveworks-bench --example stream_events
    python3 bench/streaming/profile_rust.py --turns 3 -- valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out
    python3 bench/streaming/profile_rust.py --turns 20 -- perf record -g -o /tmp/perf.data   # --profile profiling for symbols

Same answer as bench/streaming/run.py (the simulator's real MESSAGE delta, ~2 KB, E times,
through a `raw` fault); prints the row's JSON line and the wrapper's last lines of stderr
(callgrind's "Collected : N" is the whole process: start-up, the warm-up turn and the timed turns).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run as bench  # noqa: E402  (bench/streaming/run.py: the simulator and the answer body)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=5000)
    ap.add_argument("--turns", type=int, default=3)
    ap.add_argument("--profile", default="release", help="cargo profile dir of stream_events (release, profiling)")
    ap.add_argument("--row", default="rust.sdk", help="another row of bench/streaming/run.py (e.g. node.sdk), built by its run.sh")
    ap.add_argument("wrapper", nargs=argparse.REMAINDER, help="-- then the command to run the row under")
    a = ap.parse_args()
    wrapper = a.wrapper[1:] if a.wrapper[:1] == ["--"] else a.wrapper
    sim = bench.Simulator(os.path.join(bench.TARGET, "release", "moveworks-simulator"))
    try:
        _, raw = sim.request("POST", "/rest/v1beta1/conversations", {"title": "profile"}, auth=True)
        conversation = json.loads(raw)["conversation_id"]
        body = bench.answer_body(sim, conversation, a.events)
        fault = {"kind": "raw", "status": 200, "body": body, "headers": {"Content-Type": "text/event-stream"},
                 "path_contains": "/responses/stream", "count": 1_000_000}  # fmt: skip
        sim.request("POST", "/_sim/faults", {"faults": [fault]})
        program = [os.path.join(bench.TARGET, a.profile, "examples", "stream_events"), "rust.sdk"]
        row = (program if a.row == "rust.sdk" else bench.command(a.row, a.profile)) + [
               "--base-url", sim.info["base_url"], "--token", sim.info["token"], "--assistant", sim.info["assistant_name"],
               "--conversation", conversation, "--events", str(a.events), "--turns", str(a.turns), "--warmup", "1"]  # fmt: skip
        done = subprocess.run(wrapper + row, capture_output=True, text=True)
        print(done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "(no output)")
        print("\n".join(done.stderr.strip().splitlines()[-3:]), file=sys.stderr)
        return done.returncode
    finally:
        sim.close()


if __name__ == "__main__":
    sys.exit(main())
