"""What both Python bench programs share: the bench/PROTOCOL.md command line,
result checking, progress logging, and the one-JSON-line result."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Callable, Dict, List

Row = Dict[str, Any]


class BenchFailure(Exception):
    """A call returned something other than the conversation asked for."""


def check(conversation_id: str, want: str) -> None:
    if conversation_id != want:
        raise BenchFailure(f"got conversation_id {conversation_id!r}, want {want!r}")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def parser(doc: str, modes: List[str], server_required: bool) -> argparse.ArgumentParser:
    """The protocol's arguments; mode-specific options are added by the caller."""
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=modes)
    for name in ("--base-url", "--token", "--assistant", "--conversation"):
        p.add_argument(name, required=server_required)
    p.add_argument("--warmup", type=int, default=1000)
    p.add_argument("--iterations", type=int, default=5000)
    return p


def emit(program: str, mode: str, run: Callable[[], List[Row]]) -> int:
    """Runs a mode and prints its rows as the last stdout line; any failure exits non-zero with a reason."""
    try:
        rows = run()
    except Exception as e:  # noqa: BLE001 - any failure must exit non-zero with a reason
        log(f"{program} {mode}: FAILED: {type(e).__name__}: {e}")
        return 1
    print(json.dumps({"rows": rows}))
    return 0
