"""What the benchmark harnesses share (bench/run.py, bench/concurrency/run.py,
bench/streaming/run.py).

Kept sections: the sections of BENCHMARKS.md that bench/concurrency and bench/streaming
own are blocks between `<!-- kept:NAME -->` and `<!-- /kept:NAME -->`. bench/run.py
rewrites the file from its own results but carries these blocks over, and each harness
replaces only its own block, so no run erases another's figures.
"""

from __future__ import annotations

import datetime
import os
import platform
import re
import subprocess
from typing import Any, Dict

_BLOCK = re.compile(r"<!-- kept:(?P<name>[\w.-]+) -->\n.*?<!-- /kept:(?P=name) -->\n", re.S)


def kept_blocks(path: str) -> Dict[str, str]:
    """The kept blocks of the file at `path` (none when it does not exist), by name, in order."""
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        text = f.read()
    return {m.group("name"): m.group(0) for m in _BLOCK.finditer(text)}


def with_kept_blocks(md: str, path: str) -> str:
    """`md` (a freshly rendered file) followed by the kept blocks of the file now at `path`."""
    blocks = kept_blocks(path)
    if not blocks:
        return md
    return md.rstrip("\n") + "\n\n" + "\n".join(blocks.values())


def replace_block(path: str, name: str, body: str) -> None:
    """Writes `body` as the kept block `name` of the file at `path`: in place of the old
    block, or appended at the end."""
    block = f"<!-- kept:{name} -->\n{body.rstrip()}\n<!-- /kept:{name} -->\n"
    text = ""
    if os.path.exists(path):
        with open(path) as f:
            text = f.read()
    pattern = re.compile(rf"<!-- kept:{re.escape(name)} -->\n.*?<!-- /kept:{re.escape(name)} -->\n", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + block
    with open(path, "w") as f:
        f.write(text)


def run_meta(root: str) -> Dict[str, Any]:
    """Where and when a run happens: the tree's commit and uncommitted files, the date, the
    machine and the load average at the start."""

    def out(*argv: str) -> str:
        return subprocess.run(list(argv), capture_output=True, text=True).stdout.strip()

    dirty = out("git", "-C", root, "status", "--porcelain", "--untracked-files=no")
    return {
        "commit": out("git", "-C", root, "rev-parse", "--short", "HEAD"),
        "dirty_files": len(dirty.splitlines()),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} CPUs, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB "
        f"RAM, {platform.system()} {platform.release()}, Python {platform.python_version()}, node {out('node', '--version')}",
        "load_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def tree_note(meta: Dict[str, Any]) -> str:
    """`tree at <commit>` and, when there were any, the uncommitted files measured with it."""
    note = f"tree at `{meta['commit']}`"
    if meta["dirty_files"]:
        note += f", {meta['dirty_files']} uncommitted file(s) of concurrent work"
    return note
