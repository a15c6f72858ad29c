"""The Node side of a real target: one persistent Node process running `bridge.mjs` against one openclaw
dist, spoken to in JSON lines (protocol `BRIDGE_PROTOCOL`).

Many driver calls are in flight at once (one per simulated session) while simpy stays single-threaded: Node
only acts on input, so after each message about call X the next message from Node concerns call X; messages
for other calls are kept for them. Node runs in a scrubbed environment with a scratch HOME, and every wait
for it is bounded (`SIMHARNESS_BRIDGE_TIMEOUT`). `smoke_test` makes one call, for the installer's check.
"""

from __future__ import annotations

import atexit
import json
import math
import os
import select
import shutil
import subprocess
import tempfile
import weakref
from pathlib import Path
from typing import Any, NoReturn

from simharness.model.errors import JSError, session_takeover
from simharness.model.exceptions import BridgeError, RunStalled, TargetError
from simharness.model.graph import from_graph, to_graph
from simharness.targets.child import die_with_parent, kill_and_clean
from simharness.targets.locate import BRIDGE_CLASSES, PROBE_SYMBOLS, TAKEOVER_NAME, Located, coordination_marks
from simharness.targets.nodejs import NodeBinary

BRIDGE = Path(__file__).with_name("bridge.mjs")
BRIDGE_PROTOCOL = 2  # 2: faithful error graphs (simharness.model.graph) and the `probe` message
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


#: How far apart two runs of one bridge are in Node's time (`begin_run`): a day and an hour, so the driver's
#: probe-throttle entries of the previous run (kept `PROBE_STATE_TTL_MS`, 24 h in 5.18 ... 9.6) are dead.
RUN_SHIFT_MS = 25 * 3600 * 1000


def run_shift_ms(located: Located) -> int:
    """The epoch shift between runs for this dist: `RUN_SHIFT_MS`, or longer when its throttle TTL says so."""
    ttl = located.constants.get("PROBE_STATE_TTL_MS", 0)
    return max(RUN_SHIFT_MS, ttl + 3600 * 1000)


class Bridge:
    """One Node process running `bridge.mjs` against one dist."""

    def __init__(
        self, spec: str, located: Located, node: NodeBinary, *, timeout: float | None = None, extra: dict[str, Any] | None = None
    ) -> None:
        self.spec, self.located, self.node = spec, located, node
        self.timeout = timeout if timeout is not None else _timeout()
        self._home = tempfile.mkdtemp(prefix="simharness-node-home-")
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 — closed by close(); a file, so Node never blocks on stderr
        # Built as the release's own classes where it exports them (instanceof), else by name.
        classes = sorted({*coordination_marks()[0], TAKEOVER_NAME, *BRIDGE_CLASSES, "FailoverError", "SessionWriteLockTimeoutError"})
        config = {
            "dist": located.dist,
            "symbols": {k: {"file": v.file, "export": v.export} for k, v in located.symbols.items()},
            "classes": classes,
            "probes": list(PROBE_SYMBOLS),
            "sources": dict(located.sources),  # pure functions the store's runner stand-in evaluates from source
            "runShiftMs": run_shift_ms(located),
            "parentPid": os.getpid(),
            **(extra or {}),  # the benchmark's `floor` (bridge.mjs's pure-Node loop)
        }
        # A scrubbed environment: the user's OPENCLAW_* settings, auth profiles and NODE_OPTIONS stay out; an
        # empty HOME means no auth-profile store, so no cooldown logic runs and nothing is read from ~. Worlds
        # with [auth] get one store under OPENCLAW_STATE_DIR (fixed for the process: 9.x caches its owner per
        # state root), re-seeded per run by `begin_run` (bridge.mjs); no OPENCLAW_AGENT_DIR, no skip-cache TTL.
        state = os.path.join(self._home, "state")
        os.makedirs(state, exist_ok=True)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self._home,
            "TMPDIR": self._home,  # openclaw's own temp and log files land here and go with it
            "TZ": "UTC",
            "LANG": "C",
            "NO_COLOR": "1",
            "OPENCLAW_LOG_LEVEL": "silent",  # no log files; the decision logs do not decide anything
            "OPENCLAW_STATE_DIR": state,
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
                preexec_fn=die_with_parent(os.getpid()),  # noqa: PLW1509 — only prctl between fork and exec
            )
        except OSError as exc:
            self._stderr.close()
            shutil.rmtree(self._home, ignore_errors=True)
            raise TargetError(f"{spec}: cannot start Node ({node.path}): {exc.strerror}") from None
        self._finalizer = weakref.finalize(self, kill_and_clean, self._proc, self._home, self._stderr)
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
            self.fail(f"expected hello (bridge protocol {BRIDGE_PROTOCOL}), got {self.short(hello)}")
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

    def fail(self, what: str) -> NoReturn:
        self.close()
        where = f" in {self.context}" if self.context else ""
        raise BridgeError(f"{self.spec}: Node bridge{where}: {what}")

    @staticmethod
    def short(msg: Any) -> str:
        return json.dumps(msg)[:120]

    def _read(self, timeout: float | None = None) -> dict[str, Any]:
        limit = self.timeout if timeout is None else timeout
        while not self._lines:
            ready = self._wait(limit)
            if not ready:
                self.fail(f"no answer within {limit:g} s (hung?); set SIMHARNESS_BRIDGE_TIMEOUT to wait longer")
            try:
                data = os.read(self._out, 1 << 16)
            except OSError as exc:
                self.fail(f"reading from Node failed: {exc.strerror}")
            if not data:
                try:
                    code = self._proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    code = None
                tail = self._stderr_tail()
                self.fail(f"Node exited unexpectedly (exit code {code})" + (f": {tail}" if tail else ""))
            parts = (self._buffer + data).split(b"\n")
            self._buffer = parts.pop()
            self._lines.extend(p for p in parts if p.strip())
        line = self._lines.pop(0)
        try:
            msg = json.loads(line)
        except ValueError:
            msg = None
        if not isinstance(msg, dict) or not isinstance(msg.get("t"), str):
            self.fail(f"protocol error: unexpected output {line[:120].decode('utf-8', 'replace')!r}")
        assert isinstance(msg, dict)
        if msg["t"] == "fatal":
            self.fail(str(msg.get("message", "fatal error")).splitlines()[0][:300])
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
            self.fail(f"Node is gone (exit code {code})" + (f": {tail}" if tail else ""))

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
                self.fail(f"protocol error: message without a call id: {self.short(msg)}")
            assert isinstance(owner, int)
            self._pending.setdefault(owner, []).append(msg)

    def request(self, call: int, msg: dict[str, Any]) -> dict[str, Any]:
        self._send(msg)
        return self.next_for(call)

    def ping(self) -> None:
        """One empty message to Node and its answer (nothing in flight): the benchmark's price of a round trip."""
        self._send({"t": "ping"})
        reply = self._read()
        if reply.get("t") != "pong":
            self.fail(f"protocol error: expected pong, got {self.short(reply)}")

    def probe(self, fn: str, *args: Any, now: float = 0) -> dict[str, Any]:
        """Call the dist's own `fn` (one of `hello["probes"]`, or "$inspect") on `args` and return Node's reply:
        {"ok": True, "value": graph} | {"ok": False, "error": graph} | {"ok": False, "missing": True}.

        An arg is a JSError (sent as its graph), `UNDEFINED`, or a JSON value passed as the JS value it is
        (a context object such as {"provider": "openrouter"}). Format: /work/notes/protocol15.md."""
        call = self.new_call()
        wire = [to_graph(a) if isinstance(a, JSError) else {"$undefined": True} if a is UNDEFINED else a for a in args]
        reply = self.request(call, {"t": "probe", "call": call, "fn": fn, "args": wire, "now": now})
        if reply.get("t") != "probe":
            self.fail(f"protocol error: expected a probe reply, got {self.short(reply)}")
        return reply

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


class _Undefined:
    """JavaScript's `undefined` (a probe argument or result; JSON's null is None)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "undefined"


UNDEFINED: Any = _Undefined()


def probe_value(reply: dict[str, Any]) -> Any:
    """The Python value of a successful probe reply: a primitive as itself (`UNDEFINED` for undefined), an
    object as a JSError graph (`simharness.model.graph.from_graph`)."""
    graph = reply["value"]
    root = next(n for n in graph["nodes"] if n["id"] == graph["root"])
    if root.get("undefined"):
        return UNDEFINED
    if "value" in root:
        return root["value"]
    return from_graph(graph)


def smoke_test(spec: str, located: Located, node: NodeBinary) -> str | None:
    """Start a bridge and make one driver call whose `run` throws a takeover; None if it ran, else the problem."""
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
