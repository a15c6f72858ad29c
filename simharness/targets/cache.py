"""The cache real targets are installed into, shared by the openclaw installer and the Node finder.

Both fill directories of the same cache (`$SIMHARNESS_CACHE`, default `~/.cache/simharness/targets`) the same
way: under a per-directory lock (one installer at a time, across processes and xdist workers), with a
completion marker written last and atomically, and with progress reported through one callable.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

MARKER = ".simharness-complete.json"
MARKER_SCHEMA = "simharness/target-install/v1"
Progress = Callable[[str], None]


def cache_root() -> Path:
    env = os.environ.get("SIMHARNESS_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "simharness" / "targets"


def stderr_progress(text: str) -> None:
    print(f"simharness: {text}", file=sys.stderr, flush=True)


def quiet(text: str) -> None:
    pass


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock (one installer per directory, across processes and xdist workers)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_marker(directory: Path, doc: dict[str, Any]) -> None:
    tmp = directory / f"{MARKER}.{os.getpid()}.tmp"  # per process: a re-scan may rewrite the marker beside an install
    tmp.write_text(json.dumps({"schema": MARKER_SCHEMA, **doc}, indent=1) + "\n", encoding="utf-8")
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, directory / MARKER)


def read_marker(directory: Path) -> dict[str, Any] | None:
    try:
        doc = json.loads((directory / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) and doc.get("schema") == MARKER_SCHEMA else None
