"""Finding a Node binary that satisfies a release's `engines.node`, or fetching one from npm into the cache.

Order: `$SIMHARNESS_NODE` (taken as is), the system `node` if its version satisfies the range, else the
first `node-<platform>-<arch>@<major>` package from npm that does, installed once under `node/` in the cache.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass

from simharness.model.exceptions import TargetError
from simharness.targets.cache import Progress, cache_root, locked, read_marker, stderr_progress, write_marker
from simharness.targets.npm import NPM_FLAGS, run_npm


@dataclass(frozen=True, slots=True)
class NodeBinary:
    path: str
    version: str


def parse_version(text: str) -> tuple[int, int, int]:
    m = re.match(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?", text.strip())
    if not m:
        raise ValueError(text)
    return int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0)


def satisfies(version: str, spec: str) -> bool:
    """The subset of npm semver ranges `engines.node` uses: `||`, space-joined comparators, `^`, `~`, `x`."""
    if not spec.strip() or spec.strip() in ("*", "x"):
        return True
    v = parse_version(version)
    for alternative in spec.split("||"):
        ok = True
        for comp in alternative.split():
            m = re.match(r"^(>=|<=|>|<|=|\^|~)?v?([\dx*]+(?:\.[\dx*]+)*)", comp)
            if not m:
                continue
            op, text = m.group(1) or "=", m.group(2)
            parts = [p for p in text.split(".") if p not in ("x", "*")]
            bound = parse_version(".".join(parts) or "0")
            if op == "^":
                upper = (bound[0] + 1, 0, 0)
                ok &= bound <= v < upper
            elif op == "~" or (op == "=" and len(parts) < 3):
                upper = (bound[0] + 1, 0, 0) if len(parts) == 1 else (bound[0], bound[1] + 1, 0)
                ok &= bound <= v < upper
            else:
                ok &= {">=": v >= bound, "<=": v <= bound, ">": v > bound, "<": v < bound, "=": v == bound}[op]
        if ok:
            return True
    return False


def node_version(path: str) -> str | None:
    try:
        done = subprocess.run([path, "--version"], check=False, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def find_node(engines: str, label: str, progress: Progress = stderr_progress) -> NodeBinary:
    """A Node that satisfies `engines`: `$SIMHARNESS_NODE`, the system Node, or one installed from npm."""
    forced = os.environ.get("SIMHARNESS_NODE")
    if forced:
        version = node_version(forced)
        if version is None:
            raise TargetError(f"SIMHARNESS_NODE={forced}: not a working node binary")
        return NodeBinary(forced, version)
    system = shutil.which("node")
    system_version = node_version(system) if system else None
    if system and system_version and satisfies(system_version, engines):
        return NodeBinary(system, system_version)
    plat = {"linux": "linux", "darwin": "darwin"}.get(sys.platform)
    arch = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine().lower())
    if plat is None or arch is None:
        have = f"Node {system_version}" if system_version else "no Node"
        raise TargetError(f"{label}: needs Node {engines} (found {have}) and no Node package exists for this platform; set SIMHARNESS_NODE")
    for major in (22, 24, 26):
        if not satisfies(f"{major}.999.999", engines):
            continue
        package = f"node-{plat}-{arch}@{major}"
        directory = cache_root() / "node" / package
        with locked(cache_root() / "node" / f".{package}.lock"):
            marker = read_marker(directory)
            if marker is None:
                if directory.exists():
                    progress(f"{package}: incomplete install found (interrupted?), reinstalling")
                    shutil.rmtree(directory)
                if shutil.which("npm") is None:
                    have = f"Node {system_version}" if system_version else "no Node"
                    raise TargetError(f"{label}: needs Node {engines} (found {have}); install it or set SIMHARNESS_NODE")
                progress(f"{label} needs Node {engines} (system: {system_version or 'none'}); installing {package} from npm")
                directory.mkdir(parents=True)
                (directory / "package.json").write_text('{"private": true}\n', encoding="utf-8")
                run_npm(package, ["install", package, *NPM_FLAGS], directory)
                binary = directory / "node_modules" / f"node-{plat}-{arch}" / "bin" / "node"
                version = node_version(str(binary))
                if version is None:
                    raise TargetError(f"{package}: installed, but {binary} does not run")
                write_marker(directory, {"package": package, "node": str(binary), "version": version})
                marker = read_marker(directory)
            assert marker is not None
        if satisfies(str(marker["version"]), engines):
            return NodeBinary(str(marker["node"]), str(marker["version"]))
    raise TargetError(f"{label}: needs Node {engines}; no Node package from npm satisfies it; set SIMHARNESS_NODE")
