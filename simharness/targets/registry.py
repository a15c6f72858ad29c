"""The published openclaw releases, as the npm registry lists them: what `bisect` searches and `matrix --latest`
watches. Never a hand-kept table.

The list is read with `npm view openclaw versions --json` (the user's npm settings apply) and cached beside the
installs (`<cache>/registry/openclaw-versions.json`) for `MAX_AGE_SECONDS`, so a bisect over a range asks the
registry once; `refresh=True` asks again. Without a network the cached list is used, however old, and said so.
Versions sort by their release numbers (openclaw's `YYYY.M.N`, then prereleases before their release).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simharness.model.exceptions import TargetError
from simharness.targets.cache import Progress, cache_root, quiet
from simharness.targets.npm import npm

PACKAGE = "openclaw"
MAX_AGE_SECONDS = 6 * 3600
_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?$")


@dataclass(frozen=True, slots=True)
class Published:
    """The registry's list: every version, oldest first, and where it came from."""

    versions: tuple[str, ...]
    fetched_at: float  # unix seconds when the registry was asked
    stale: bool = False  # the registry could not be reached: this is an older cached copy

    def stable(self) -> tuple[str, ...]:
        return tuple(v for v in self.versions if not is_prerelease(v))


def version_key(version: str) -> tuple[int, int, int, int, tuple[Any, ...]]:
    """Sort key: release numbers, then a prerelease (`-beta.2`) before its release."""
    m = _VERSION.match(version)
    if m is None:
        raise ValueError(f"not a release version: {version!r}")
    pre = m.group(4)
    parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split(".")) if pre else ()
    return int(m.group(1)), int(m.group(2)), int(m.group(3)), 0 if pre else 1, parts


def is_prerelease(version: str) -> bool:
    return "-" in version


def _cache_file() -> Path:
    return cache_root() / "registry" / f"{PACKAGE}-versions.json"


def _read_cache() -> Published | None:
    try:
        doc = json.loads(_cache_file().read_text(encoding="utf-8"))
        return Published(tuple(doc["versions"]), float(doc["fetched_at"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_cache(published: Published) -> None:
    path = _cache_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"versions": list(published.versions), "fetched_at": published.fetched_at}) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _ask_registry() -> tuple[str, ...]:
    try:
        done = subprocess.run([npm(), "view", PACKAGE, "versions", "--json"], capture_output=True, text=True, timeout=120, check=False)
    except subprocess.TimeoutExpired:
        raise TargetError(f"{PACKAGE}: the npm registry did not answer within 120 s") from None
    if done.returncode != 0:
        raise TargetError(f"{PACKAGE}: cannot list published versions: {(done.stderr.strip().splitlines() or ['npm failed'])[-1][:200]}")
    try:
        listed = json.loads(done.stdout)
    except ValueError:
        raise TargetError(f"{PACKAGE}: the npm registry's version list is not JSON") from None
    listed = [listed] if isinstance(listed, str) else listed
    if not isinstance(listed, list) or not all(isinstance(v, str) for v in listed):
        raise TargetError(f"{PACKAGE}: the npm registry's version list is not a list of versions")
    return tuple(sorted((v for v in listed if _VERSION.match(v)), key=version_key))


def published(*, refresh: bool = False, progress: Progress = quiet) -> Published:
    """Every published version, oldest first: from the cache when it is fresh, else from the registry."""
    cached = _read_cache()
    if cached is not None and not refresh and time.time() - cached.fetched_at < MAX_AGE_SECONDS:
        return cached
    try:
        progress(f"asking the npm registry for {PACKAGE}'s published versions")
        fresh = Published(_ask_registry(), time.time())
    except TargetError:
        if cached is None:
            raise
        progress(f"the npm registry cannot be reached: using the version list cached at {time.ctime(cached.fetched_at)}")
        return Published(cached.versions, cached.fetched_at, stale=True)
    _write_cache(fresh)
    return fresh


def between(low: str, high: str, versions: tuple[str, ...], *, prereleases: bool = False) -> tuple[str, ...]:
    """The versions from `low` to `high` inclusive, oldest first (prereleases only when asked for; the ends are
    always kept, whatever they are). Raises TargetError when an end is not published."""
    for end in (low, high):
        if end not in versions:
            raise TargetError(f"{PACKAGE}@{end}: not a published version (see `npm view {PACKAGE} versions`)")
    lo, hi = sorted((low, high), key=version_key)
    return tuple(
        v for v in versions if version_key(lo) <= version_key(v) <= version_key(hi) and (prereleases or not is_prerelease(v) or v in (lo, hi))
    )


def latest(count: int, versions: tuple[str, ...]) -> tuple[str, ...]:
    """The newest `count` stable versions, oldest first."""
    stable = [v for v in versions if not is_prerelease(v)]
    return tuple(stable[-count:]) if count > 0 else ()


def since(first: str, versions: tuple[str, ...]) -> tuple[str, ...]:
    """Every stable version from `first` on (inclusive), oldest first."""
    key = version_key(first)
    return tuple(v for v in versions if not is_prerelease(v) and version_key(v) >= key)
