"""Launching `probe.mjs`: a release's own functions run on fidelity cases directly in Node, without the bridge.

One short-lived Node process per invocation: the cases go in on stdin, one outcome per case comes back. It
runs in the same scrubbed environment as the bridge (scratch HOME, no user OPENCLAW_* settings, no bundled
plugins unless `SIMHARNESS_OPENCLAW_PLUGINS=bundled`), so the two see the same release in the same state.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simharness.model.exceptions import TargetError
from simharness.targets.bridge import plugins
from simharness.targets.cache import quiet, stderr_progress
from simharness.targets.child import die_with_parent
from simharness.targets.install import node_release
from simharness.targets.nodejs import NodeBinary

PROBE = Path(__file__).with_name("probe.mjs")
#: Seconds for the whole probe (importing a release takes a few; each case milliseconds).
PROBE_TIMEOUT = 300.0


@dataclass(slots=True)
class ProbeResult:
    hello: dict[str, Any]
    outcomes: dict[str, dict[str, Any]] = field(default_factory=dict)  # case id -> {"outcome"|"error", "notes"}


def dist_and_node(spec: str, *, progress: bool = True) -> tuple[Path, NodeBinary]:
    """The dist directory and a Node binary for `openclaw@VERSION` (installed on first use) or `node-dist:PATH`."""
    release = node_release(spec, stderr_progress if progress else quiet)
    return Path(release.located.dist), release.node


def run_probe(spec: str, cases: list[dict[str, Any]], *, progress: bool = True, timeout: float = PROBE_TIMEOUT) -> ProbeResult:
    """Run `cases` (probe.mjs's JSON form) against the release's own exports; `TargetError` if Node fails."""
    dist, node = dist_and_node(spec, progress=progress)
    home = tempfile.mkdtemp(prefix="simharness-probe-home-")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,
        "TMPDIR": home,
        "TZ": "UTC",
        "LANG": "C",
        "NO_COLOR": "1",
        "OPENCLAW_LOG_LEVEL": "silent",
    }
    if plugins() == "none":
        env["OPENCLAW_DISABLE_BUNDLED_PLUGINS"] = "1"
    try:
        proc = subprocess.run(
            [node.path, "--no-warnings", str(PROBE), json.dumps({"dist": str(dist)})],
            input=json.dumps(cases).encode(),
            capture_output=True,
            env=env,
            cwd=home,
            timeout=timeout,
            preexec_fn=die_with_parent(os.getpid()),  # only prctl between fork and exec
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise TargetError(f"{spec}: the fidelity probe did not finish in {timeout:.0f}s") from None
    except OSError as exc:
        raise TargetError(f"{spec}: cannot start Node ({node.path}): {exc.strerror}") from None
    finally:
        shutil.rmtree(home, ignore_errors=True)
    result: ProbeResult | None = None
    ended = False
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if msg.get("t") == "fatal":
            raise TargetError(f"{spec}: the fidelity probe failed: {msg.get('message')}")
        if msg.get("t") == "hello":
            result = ProbeResult(msg)
        elif msg.get("t") == "case" and result is not None:
            result.outcomes[str(msg.get("id"))] = msg
        elif msg.get("t") == "end":
            ended = True
    if result is None or not ended:
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit code {proc.returncode}"]
        raise TargetError(f"{spec}: the fidelity probe stopped early: {tail[0][:300]}")
    return result
