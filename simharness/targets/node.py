"""Real targets: a published openclaw release (`openclaw@VERSION`) or a dist directory (`node-dist:PATH`),
driven through one persistent Node process (`bridge.mjs`) that speaks JSON lines.

The Python side of the driver is a simpy generator: it starts the real `runWithModelFallback` in Node, and
for every `run(provider, model)` the real driver makes, it plays the attempt in the simulated world
(`yield from run(...)`) and sends the outcome back. Many calls are in flight at once (one per simulated
session) while simpy stays single-threaded: Node only acts on input, so after each message about call X the
next message from Node concerns call X.

Identity crosses the boundary by reference: when Node reports that the error it rethrew (or passed to
`onError`) is the very object `run` threw at attempt k, the Python side raises *its own* object of attempt
k — the world's uid matches and `coordination-single-run` can judge identity. Anything else is rebuilt from
its graph as a new object. Returned values likewise: the very value a `run` resolved with comes back as the
world's own object (`driver-contract` judges "a result `run` did not produce" by identity); a made-up one as
a new object.

A harness killed outright (SIGKILL) leaves no Node behind: on Linux the child asks the kernel for SIGKILL
when its parent dies (`PR_SET_PDEATHSIG`), and everywhere the bridge watches its parent from a thread of its own.
"""

from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import json
import math
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import weakref
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import Any, NoReturn

import simpy

from simharness.model.errors import JSError, from_graph, to_graph
from simharness.model.exceptions import BridgeError, RunStalled, TargetError
from simharness.model.kinds import EventKind
from simharness.model.target import CallContext, Candidate, OnErrorFn, Profile, RunFn
from simharness.targets.install import NodeBinary, find_node, install, installed, quiet, stderr_progress
from simharness.targets.locate import TAKEOVER_NAME, Located, coordination_marks, dist_dir, locate

BRIDGE = Path(__file__).with_name("bridge.mjs")
BRIDGE_PROTOCOL = 1
#: Seconds to wait for any one message before calling the bridge hung (`SIMHARNESS_BRIDGE_TIMEOUT`).
DEFAULT_TIMEOUT = 30.0
#: Importing a release's chunks takes a few seconds; allow more for the first message.
STARTUP_TIMEOUT = 120.0


def _timeout() -> float:
    text = os.environ.get("SIMHARNESS_BRIDGE_TIMEOUT")
    if not text:
        return DEFAULT_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        raise TargetError(f"SIMHARNESS_BRIDGE_TIMEOUT={text!r}: expected seconds") from None
    if value <= 0:
        raise TargetError(f"SIMHARNESS_BRIDGE_TIMEOUT={text!r}: expected a positive number of seconds")
    return value


def plugins() -> str:
    """`SIMHARNESS_OPENCLAW_PLUGINS`: `none` (default) or `bundled`.

    With its ~95 bundled plugins enabled, openclaw re-stats every plugin's files on each model-ref lookup
    inside `runWithModelFallback` (~57 ms per driver call, against ~2 ms without); `tests/test_node_bridge.py`
    checks that the observable behaviour is identical either way on the ground-truth table.
    """
    value = os.environ.get("SIMHARNESS_OPENCLAW_PLUGINS", "none")
    if value not in ("none", "bundled"):
        raise TargetError(f"SIMHARNESS_OPENCLAW_PLUGINS={value!r}: expected none or bundled")
    return value


_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> Any:
    """A `preexec_fn` (Linux): SIGKILL this child when the thread that started it dies, even by SIGKILL.

    The kernel ties the signal to the forking *thread*, so it is used only from the main thread (a worker
    thread may end while the harness lives on); the bridge's own parent watch covers every other case."""
    if not sys.platform.startswith("linux") or threading.current_thread() is not threading.main_thread():
        return None
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return None
    try:
        prctl = ctypes.CDLL(libc_name, use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def arm() -> None:  # runs in the child between fork and exec: no Python objects allocated beyond this
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the request took hold
            os._exit(1)

    return arm


def _kill(proc: subprocess.Popen[bytes], home: str, stderr: Any) -> None:
    if proc.poll() is None:
        proc.kill()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    for stream in (proc.stdin, proc.stdout):
        try:
            if stream is not None:
                stream.close()
        except OSError:
            pass
    stderr.close()
    shutil.rmtree(home, ignore_errors=True)


class Bridge:
    """One Node process running `bridge.mjs` against one dist."""

    def __init__(self, spec: str, located: Located, node: NodeBinary, *, timeout: float | None = None) -> None:
        self.spec, self.located, self.node = spec, located, node
        self.timeout = timeout if timeout is not None else _timeout()
        self._home = tempfile.mkdtemp(prefix="simharness-node-home-")
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 — closed by close(); a file, so Node never blocks on stderr
        classes = sorted({*coordination_marks()[0], TAKEOVER_NAME})  # built as the release's own classes
        config = {
            "dist": located.dist,
            "symbols": {k: {"file": v.file, "export": v.export} for k, v in located.symbols.items()},
            "classes": classes,
            "parentPid": os.getpid(),
        }
        # A scrubbed environment: the user's OPENCLAW_* settings, auth profiles and NODE_OPTIONS stay out; an
        # empty HOME means no auth-profile store, so no cooldown logic runs and nothing is read from ~.
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self._home,
            "TMPDIR": self._home,  # openclaw's own temp and log files land here and go with it
            "TZ": "UTC",
            "LANG": "C",
            "NO_COLOR": "1",
            "OPENCLAW_LOG_LEVEL": "silent",  # no log files; the decision logs do not decide anything
        }
        if plugins() == "none":
            env["OPENCLAW_DISABLE_BUNDLED_PLUGINS"] = "1"
        if os.environ.get("SIMHARNESS_BRIDGE_VERBOSE"):
            env["SIMHARNESS_BRIDGE_VERBOSE"] = "1"
        try:
            self._proc = subprocess.Popen(
                [node.path, "--no-warnings", str(BRIDGE), json.dumps(config)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                env=env,
                cwd=self._home,
                start_new_session=True,  # Ctrl-C reaches us, not Node: we end it ourselves
                preexec_fn=_die_with_parent(os.getpid()),  # noqa: PLW1509 — only prctl between fork and exec
            )
        except OSError as exc:
            self._stderr.close()
            shutil.rmtree(self._home, ignore_errors=True)
            raise TargetError(f"{spec}: cannot start Node ({node.path}): {exc.strerror}") from None
        self._finalizer = weakref.finalize(self, _kill, self._proc, self._home, self._stderr)
        atexit.register(self._finalizer)
        assert self._proc.stdout is not None and self._proc.stdin is not None
        self._out = self._proc.stdout.fileno()
        self._in = self._proc.stdin
        self._buffer = b""
        self._lines: list[bytes] = []
        self._pending: dict[int, list[dict[str, Any]]] = {}  # messages that arrived for another call
        self._next_call = 0
        self.context = ""  # what the harness is doing (scenario), for error messages
        hello = self._read(STARTUP_TIMEOUT)
        if hello.get("t") != "hello" or hello.get("bridge") != BRIDGE_PROTOCOL:
            self._fail(f"expected hello (bridge protocol {BRIDGE_PROTOCOL}), got {self._short(hello)}")
        self.hello = hello

    # --- plumbing ---------------------------------------------------------------------------------------

    def _stderr_tail(self) -> str:
        try:
            self._stderr.seek(0)
            text = self._stderr.read().decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        return lines[-1][:300] if lines else ""

    def _fail(self, what: str) -> NoReturn:
        self.close()
        where = f" in {self.context}" if self.context else ""
        raise BridgeError(f"{self.spec}: Node bridge{where}: {what}")

    @staticmethod
    def _short(msg: Any) -> str:
        return json.dumps(msg)[:120]

    def _read(self, timeout: float | None = None) -> dict[str, Any]:
        limit = self.timeout if timeout is None else timeout
        while not self._lines:
            ready = self._wait(limit)
            if not ready:
                self._fail(f"no answer within {limit:g} s (hung?); set SIMHARNESS_BRIDGE_TIMEOUT to wait longer")
            try:
                data = os.read(self._out, 1 << 16)
            except OSError as exc:
                self._fail(f"reading from Node failed: {exc.strerror}")
            if not data:
                try:
                    code = self._proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    code = None
                tail = self._stderr_tail()
                self._fail(f"Node exited unexpectedly (exit code {code})" + (f": {tail}" if tail else ""))
            parts = (self._buffer + data).split(b"\n")
            self._buffer = parts.pop()
            self._lines.extend(p for p in parts if p.strip())
        line = self._lines.pop(0)
        try:
            msg = json.loads(line)
        except ValueError:
            msg = None
        if not isinstance(msg, dict) or not isinstance(msg.get("t"), str):
            self._fail(f"protocol error: unexpected output {line[:120].decode('utf-8', 'replace')!r}")
        assert isinstance(msg, dict)
        if msg["t"] == "fatal":
            self._fail(str(msg.get("message", "fatal error")).splitlines()[0][:300])
        return msg

    def _wait(self, limit: float) -> bool:
        """Wait up to `limit` seconds for output (counted in select slices: no clock is read during a run).

        Time spent waiting on Node is not a stall of the world: if the harness's stall watchdog fires
        meanwhile, it is absorbed and the bridge's own timeout decides.
        """
        slices = max(1, math.ceil(limit / 0.25))
        for _ in range(slices):
            try:
                ready, _, _ = select.select([self._out], [], [], limit / slices)
            except RunStalled:
                continue
            if ready:
                return True
        return False

    def _send(self, msg: dict[str, Any]) -> None:
        try:
            self._in.write(json.dumps(msg, separators=(",", ":")).encode() + b"\n")
            self._in.flush()
        except (OSError, ValueError):
            code = self._proc.poll()
            tail = self._stderr_tail()
            self._fail(f"Node is gone (exit code {code})" + (f": {tail}" if tail else ""))

    def next_for(self, call: int) -> dict[str, Any]:
        """The next message about `call` (others are kept for their own calls)."""
        queued = self._pending.get(call)
        if queued:
            return queued.pop(0)
        while True:
            msg = self._read()
            owner = msg.get("call")
            if owner == call:
                return msg
            if not isinstance(owner, int):
                self._fail(f"protocol error: message without a call id: {self._short(msg)}")
            assert isinstance(owner, int)
            self._pending.setdefault(owner, []).append(msg)

    def request(self, call: int, msg: dict[str, Any]) -> dict[str, Any]:
        self._send(msg)
        return self.next_for(call)

    def new_call(self) -> int:
        self._next_call += 1
        return self._next_call

    def cancel(self, call: int) -> None:
        self._pending.pop(call, None)
        if self._proc.poll() is None:
            try:
                self._in.write(json.dumps({"t": "cancel", "call": call}).encode() + b"\n")
                self._in.flush()
            except (OSError, ValueError):
                pass

    @property
    def alive(self) -> bool:
        return self._proc.poll() is None

    def close(self) -> None:
        self._finalizer()
        atexit.unregister(self._finalizer)


class NodeTarget:
    """`openclaw@VERSION` (installed on first use) or `node-dist:PATH`, run by a persistent Node bridge."""

    def __init__(self, spec: str, *, timeout: float | None = None, progress: bool = True) -> None:
        self.spec = spec
        self._timeout = timeout
        if spec.startswith("openclaw@"):
            version = spec[len("openclaw@") :]
            done = installed(version) or install(version, stderr_progress if progress else quiet)
            located = done.located
            located.dist = str(dist_dir(done.package))
            node = find_node(located.engines, spec) if os.environ.get("SIMHARNESS_NODE") else done.node
        elif spec.startswith("node-dist:"):
            raw = spec[len("node-dist:") :]
            if not raw:
                raise TargetError(f"{spec}: expected node-dist:PATH (an unpacked openclaw package or its dist/)")
            path = Path(raw).expanduser().resolve()
            if not path.exists():
                raise TargetError(f"{spec}: no such directory {path}")
            located = locate(path, spec)
            node = find_node(located.engines, spec, stderr_progress if progress else quiet)
        else:
            raise TargetError(f"{spec}: not a Node target (expected openclaw@VERSION or node-dist:PATH)")
        self.located, self.node = located, node
        self.profile: Profile = located.profile()
        self._bridge: Bridge | None = None
        self._dead: BridgeError | None = None
        self.bridge()  # start Node now, not inside a run: importing a release's chunks takes seconds

    # The world reads this to know which fields a takeover check compares (the real runtime's own check).
    @property
    def driver(self) -> Any:
        return self._drive

    def bridge(self) -> Bridge:
        if self._dead is not None:
            raise self._dead
        if self._bridge is None:
            self._bridge = Bridge(self.spec, self.located, self.node, timeout=self._timeout)
        return self._bridge

    def close(self) -> None:
        if self._bridge is not None:
            self._bridge.close()
            self._bridge = None

    def _drive(
        self, ctx: CallContext, candidates: Sequence[Candidate], run: RunFn, on_error: OnErrorFn
    ) -> Generator[simpy.Event, Any, Any]:
        try:
            bridge = self.bridge()
        except BridgeError as exc:
            self._dead = exc
            raise
        wire = bridge.new_call()
        thrown: list[JSError] = []  # what `run` threw, by attempt: Node's `ref` indexes this
        produced: list[Any] = []  # what `run` returned, by success: Node's `valueRef` indexes this
        finished = False
        env = ctx.env
        try:
            msg = bridge.request(wire, {"t": "start", "call": wire, "chain": [list(c) for c in candidates], "now": env.now})
            while True:
                kind = msg["t"]
                if kind == "run":
                    try:
                        value = yield from run(str(msg["provider"]), str(msg["model"]))
                    except JSError as err:
                        thrown.append(err)
                        reply = {"t": "result", "call": wire, "ok": False, "error": to_graph(err), "now": env.now}
                    else:
                        produced.append(value)
                        reply = {"t": "result", "call": wire, "ok": True, "value": _wire_value(value), "now": env.now}
                    msg = bridge.request(wire, reply)
                elif kind == "onError":
                    error = self._error(bridge, msg, thrown)
                    on_error(
                        {
                            "provider": msg.get("provider"),
                            "model": msg.get("model"),
                            "error": error,
                            "attempt": msg.get("attempt"),
                            "total": msg.get("total"),
                        }
                    )
                    msg = bridge.next_for(wire)
                elif kind == "done":
                    finished = True
                    if msg.get("ok"):
                        ref = msg.get("valueRef")
                        if isinstance(ref, int) and not isinstance(ref, bool) and 0 <= ref < len(produced):
                            return produced[ref]  # the very value `run` produced: identity preserved
                        return _fresh(msg.get("value"), produced)
                    raise self._error(bridge, msg, thrown)
                else:
                    bridge._fail(f"protocol error: unexpected {bridge._short(msg)}")
        except BridgeError as exc:
            finished = True
            self._dead = exc
            raise
        finally:
            if not finished and self._bridge is bridge:
                bridge.cancel(wire)

    @staticmethod
    def _error(bridge: Bridge, msg: dict[str, Any], thrown: list[JSError]) -> JSError:
        ref = msg.get("ref")
        if isinstance(ref, int) and 0 <= ref < len(thrown):
            return thrown[ref]  # the very object `run` threw: identity preserved
        graph = msg.get("error")
        try:
            return from_graph(graph) if isinstance(graph, dict) else JSError("(no error)", name="NonError")
        except (KeyError, TypeError, IndexError):
            bridge._fail(f"protocol error: malformed error graph {bridge._short(graph)}")


def _wire_value(value: Any) -> Any:
    """`value` as JSON can carry it (a world's value that JSON cannot hold travels as its repr)."""
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)
    return value


class MadeUpValue(str):
    """A driver's made-up result that equals (as text) a value `run` produced: a distinct object, never `is`."""

    __slots__ = ()


def _fresh(value: Any, produced: list[Any]) -> Any:
    """A value the driver made up, as a new object: never identical to one `run` produced (CPython shares
    one-character strings, so an equal made-up string is wrapped). JSON's singletons (None, True, False)
    cannot be told apart; the world's values are strings."""
    if isinstance(value, str) and any(value is p for p in produced):
        return MadeUpValue(value)
    return value


def smoke_test(spec: str, located: Located, node: NodeBinary) -> str | None:
    """Start a bridge and make one driver call whose `run` throws a takeover; None if it ran, else the problem."""
    from simharness.model.errors import session_takeover

    try:
        bridge = Bridge(spec, located, node, timeout=60)
    except TargetError as exc:
        return str(exc)
    try:
        call = bridge.new_call()
        msg = bridge.request(call, {"t": "start", "call": call, "chain": [["openai", "gpt-a"], ["anthropic", "claude-b"]], "now": 0})
        for _ in range(8):
            if msg["t"] == "done":
                return None
            if msg["t"] == "run":
                graph = to_graph(session_takeover("sess-a.jsonl"))
                msg = bridge.request(call, {"t": "result", "call": call, "ok": False, "error": graph, "now": 0})
            else:
                msg = bridge.next_for(call)
        return "the driver never finished"
    except TargetError as exc:
        return str(exc)
    finally:
        bridge.close()


def measure_throughput(spec: str, scenario_path: str, runs: int = 200, *, seed: int = 0) -> dict[str, Any]:
    """Runs per second of `spec` and of the reference target on the same scenario and seeds, in this process.

    For the benchmark suite: `measure_throughput("openclaw@2026.5.20", "scenarios/takeover-race.toml")`.
    Bridge start-up (importing the release's chunks) is timed separately from the runs.
    """
    import time

    from simharness.engine.runner import run_seed, seeds_for
    from simharness.model.scenario import load_scenario
    from simharness.targets import resolve_target

    scenario = load_scenario(scenario_path)
    seeds = list(seeds_for(scenario, seed, runs))
    out: dict[str, Any] = {"scenario": scenario.name, "runs": runs}
    for label, name in (("reference", "reference"), ("target", spec)):
        began = time.perf_counter()  # outside every run: timing only
        target = resolve_target(name)
        started = time.perf_counter() - began
        calls = 0
        try:
            began = time.perf_counter()
            for s in seeds:
                calls += sum(1 for e in run_seed(scenario, target, s).trace.events if e.kind == EventKind.CALL_START)
            seconds = time.perf_counter() - began
        finally:
            target.close()
        out[label] = {
            "spec": name,
            "startup_seconds": round(started, 3),
            "seconds": round(seconds, 3),
            "runs_per_second": round(runs / seconds, 1),
            "driver_calls_per_second": round(calls / seconds, 1),
        }
    return out
