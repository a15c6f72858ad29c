"""Running npm to fill the cache (openclaw releases and Node binaries), with its failures as one-line errors.

The user's npm settings (registry, proxy, cache) apply; where npm installs is ours to say.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from simharness.model.exceptions import TargetError

NPM_FLAGS = ("--ignore-scripts", "--no-audit", "--no-fund", "--omit=optional", "--omit=peer", "--loglevel=error")


def npm() -> str:
    found = shutil.which("npm")
    if found is None:
        raise TargetError("npm not found on PATH: installing openclaw releases needs Node.js and npm (https://nodejs.org)")
    return found


def npm_error(label: str, output: str) -> TargetError:
    text = output.lower()
    if "e404" in text or "etarget" in text or "no matching version" in text or "is not in this registry" in text:
        return TargetError(f"{label}: no such version on the npm registry")
    if any(k in text for k in ("enotfound", "eai_again", "econnrefused", "etimedout", "econnreset", "network", "getaddrinfo")):
        return TargetError(f"{label}: cannot reach the npm registry (no network?)")
    last = next((line.strip() for line in reversed(output.splitlines()) if line.strip()), "no output")
    return TargetError(f"{label}: npm failed: {last[:200]}")


def run_npm(label: str, args: list[str], cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("npm_config_prefix", "npm_config_global", "npm_config_location")}
    env["NO_UPDATE_NOTIFIER"] = "1"
    try:
        done = subprocess.run([npm(), *args], check=False, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired:
        raise TargetError(f"{label}: npm did not finish within 15 minutes") from None
    if done.returncode != 0:
        raise npm_error(label, done.stdout + "\n" + done.stderr)
    return done.stdout
