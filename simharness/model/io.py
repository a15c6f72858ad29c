"""Bounded file input (a loader never reads more than its limit) and atomic file output: a reader sees the old
file or the new one, never half of one.

Files get the mode a plain `open()` would give them (0644 under umask 022), not mkstemp's 0600.
`write_atomic_many` extends that to a set of files (the four reports of one run): every file is staged in
full and fsynced before the first rename, so a full disk or an unwritable directory leaves all of the old
files in place rather than a mix of old and new ones.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from simharness.model.exceptions import InputTooLarge, OutputError


def file_mode() -> int:
    """The mode `open()` would give a new file: 0666 less the umask (0644 under the usual 022). mkstemp makes
    its temp file 0600, which would leave reports unreadable to the web server or the colleague they are for."""
    try:  # Linux shows the umask without changing it; elsewhere set and restore it at once
        with open("/proc/self/status", encoding="ascii") as status:
            mask = next(int(line.split()[1], 8) for line in status if line.startswith("Umask:"))
    except (OSError, StopIteration, ValueError, IndexError):
        mask = os.umask(0o022)
        os.umask(mask)
    return 0o666 & ~mask


def _stage(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), file_mode())
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        _unlink(tmp)
        raise
    return tmp


def _unlink(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass


def _fail(path: Path, exc: OSError) -> OutputError:
    return OutputError(f"{path}: cannot write: {exc.strerror or exc}")


def write_atomic(path: str | Path, text: str) -> Path:
    write_atomic_many({path: text})
    return Path(path)


def write_atomic_many(files: Mapping[str | Path, str]) -> list[Path]:
    """Write every file or none: stage all (temp file + fsync), then rename each into place."""
    staged: list[tuple[str, Path]] = []
    current = Path(".")
    try:
        for raw, text in files.items():
            current = Path(raw)
            staged.append((_stage(current, text), current))
        for tmp, path in staged:
            current = path
            os.replace(tmp, path)
    except OSError as exc:
        for tmp, _ in staged:
            _unlink(tmp)
        raise _fail(current, exc) from None
    except BaseException:
        for tmp, _ in staged:
            _unlink(tmp)
        raise
    return [path for _, path in staged]


def ensure_writable_dir(path: str | Path) -> Path:
    """Fail early (before a long run) if reports cannot be written to `path`."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".simharness-probe.", dir=path)
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write reports there: {exc.strerror or exc}") from None
    return path


#: Input size limits, checked against the bytes read. A scenario is a few KiB, a schedule a few KiB to MiB,
#: a report.json holds every counterexample's trace.
MAX_SCENARIO_BYTES = 4 << 20
MAX_SCHEDULE_BYTES = 64 << 20
MAX_REPORT_BYTES = 64 << 20


def read_bounded(path: str | Path, limit: int, what: str = "file") -> bytes:
    """At most `limit` bytes of `path`, or `InputTooLarge`.

    The bound is on the bytes actually read, never on `st_size`: /dev/zero, a FIFO fed by `yes`, or a symlink
    to either reports size 0 and would otherwise be read until memory runs out. OSError passes through.
    """
    with open(path, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise InputTooLarge(f"{path}: not a {what} (larger than {_size(limit)})")
    return data


def _size(limit: int) -> str:
    return f"{limit >> 20} MiB" if limit >= 1 << 20 and limit % (1 << 20) == 0 else f"{limit:,} bytes"
