"""`--jobs N`: N worker processes, each with its own target (its own Node bridge), and what they send back.

The engine is `concurrent.futures.ProcessPoolExecutor` with the `spawn` start method (a fresh interpreter: no
driver module, thread or signal handler of the parent's is inherited), one single-process executor per
worker, each given one task (its shard of the work), so there is nothing to schedule. One pool of N would do,
but CPython marks a whole pool broken when one of its processes dies and terminates the others, losing the
runs they had judged; one executor per worker keeps a dead worker's loss to its own share.

Worker side (`_init`, then the task): the worker leaves the terminal's process group (a Ctrl-C reaches the
parent only, which relays it: one stop request per keypress, never two), dies with its parent
(`PR_SET_PDEATHSIG`), and installs the single-process run's own `GracefulStop` (quiet), so it stops exactly
as `-j 1` does: after the run in flight on the first Ctrl-C, at once on the second or on SIGTERM (both relayed
as SIGTERM, which cannot merge with the first Ctrl-C). `tick`
sends progress (batched), `save_partial` is for the worker's last resort (a driver that cannot be stopped:
what was judged is saved before the watchdog ends the process).

Parent side (`Workers`): relays SIGINT/SIGTERM to every worker (also to one that registers later), draws
progress, and turns each worker's end into an `Outcome`: its value, the exception it raised, or how it died
(killed by a signal, an exit code, its last resort's reason) with what it saved. After a hard stop a worker
that has not ended within the grace period (plus `BACKSTOP`) is killed.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import multiprocessing
import os
import queue as queues
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Self

from simharness.explore.stopping import GracefulStop
from simharness.guard.settings import Guards
from simharness.model.io import write_atomic

if TYPE_CHECKING:
    from simharness.engine.runner import RunResult

#: Wall seconds between two progress messages from one worker.
TICK = 0.2
#: Wall seconds a worker gets, beyond the grace period, to end after a hard stop before the parent kills it.
BACKSTOP = 5.0


def jobs_for(jobs: int, work: int) -> int:
    """How many workers to start: never more than there is work for (a worker with no runs is a bridge for nothing)."""
    return max(1, min(jobs, work))


def shard_of(shard: tuple[int, int], worker: int, jobs: int) -> tuple[int, int]:
    """Worker `worker` (1-based) of `jobs`' share of shard I/M, as a shard: I + (worker-1)·M of M·jobs.

    Shard I/M runs the indices I-1, I-1+M, I-1+2M, ...; the worker takes every jobs-th of them, from its own
    offset, which is itself a shard of the whole run: -j N is exactly N shards merged."""
    index, count = shard
    return index + (worker - 1) * count, count * jobs


# --- worker side -----------------------------------------------------------------------------------------------


class _Worker:
    """This process's state when it is a worker (set by `_init`)."""

    index = 0
    stop: GracefulStop | None = None
    queue: Any = None
    partial = ""
    runs = 0
    violating = 0
    invariants: ClassVar[set[str]] = set()
    scenario = ""
    flushed = 0.0


def _die_with_parent() -> None:
    from simharness.targets.child import die_with_parent

    arm = die_with_parent(os.getppid())
    if arm is not None:
        arm()


def _init(index: int, pids: Any, queue: Any, partial: str) -> None:
    try:
        getattr(os, "setpgrp", lambda: None)()  # a Ctrl-C at the terminal reaches the parent alone; it relays it (once)
    except OSError:
        pass
    _die_with_parent()
    from simharness.guard.exits import guard_also

    guard_also(os.getppid())  # a driver signalling the parent ends the run as one signalling its own process does
    _Worker.index, _Worker.queue, _Worker.partial = index, queue, partial
    _Worker.stop = GracefulStop(quiet=True).__enter__()  # for the worker's lifetime, before it can be signalled
    pids[index - 1] = os.getpid()  # from now on the parent relays its signals here


def worker_index() -> int:
    """1-based index of this worker; 0 outside a worker."""
    return _Worker.index


def worker_stop() -> GracefulStop:
    """The stop handler this worker installed at start (a fresh, uninstalled one outside a worker)."""
    return _Worker.stop if _Worker.stop is not None else GracefulStop(quiet=True)


def tick(result: RunResult) -> None:
    """Count one judged run for the parent's progress bar (sent at most every `TICK` seconds)."""
    if _Worker.queue is None:
        return
    _Worker.runs += 1
    _Worker.scenario = result.scenario.name
    if result.verdicts.violations:
        _Worker.violating += 1
        _Worker.invariants.update(v.invariant for v in result.verdicts.violations)
    now = time.monotonic()  # outside the run (on_run is called after it ended): the progress bar's own clock
    if now - _Worker.flushed >= TICK:
        flush()
        _Worker.flushed = now


def flush(*, last: bool = False) -> None:
    """Send the runs counted since the last message. `last`: the worker's task ends, so wait until the message
    is in the pipe (a queue's `put` hands it to a feeder thread: the parent, seeing the task done, could drain
    the queue before the last count arrived, and the bar would end short of the runs judged)."""
    queue = _Worker.queue
    if queue is None:
        return
    if _Worker.runs:
        queue.put((_Worker.runs, _Worker.violating, sorted(_Worker.invariants), _Worker.scenario))
        _Worker.runs = _Worker.violating = 0
        _Worker.invariants = set()
    if last:
        _Worker.queue = None
        queue.close()
        queue.join_thread()


def save_partial(value: dict[str, Any]) -> None:
    """What this worker judged, saved for the parent before the process ends hard (JSON values only)."""
    if _Worker.partial:
        write_atomic(Path(_Worker.partial), json.dumps(value))


# --- parent side -----------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Outcome:
    """How one worker ended: its task's value, the exception the task raised, or how the process died."""

    worker: int
    value: Any = None
    error: BaseException | None = None
    died: str | None = None  # one line: how the process ended without returning
    code: int | None = None  # the exit code that stands for it: 128 + a signal, or the worker's own code
    partial: dict[str, Any] | None = None  # what its last resort saved


Progress = Callable[[int, int, Sequence[str], str], None]


class Workers:
    """Run one task per worker process; use as a context manager (it relays SIGINT and SIGTERM meanwhile).

    `signum`: the last signal the parent received (None: none), for the exit code (128 + it)."""

    def __init__(self, *, on_progress: Progress | None = None) -> None:
        self.on_progress = on_progress
        self.signum: signal.Signals | None = None
        self._sent: list[int] = []  # signals relayed so far, replayed to a worker that registers later
        self._told: dict[int, int] = {}  # pid -> how many of `_sent` it has been sent
        self._pids: Any = None
        self._hard_at: float | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> Self:
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._relay)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)

    def _relay(self, signum: int, frame: Any) -> None:
        first = self.signum is None
        self.signum = signal.Signals(signum)
        if first and signum == signal.SIGINT:
            print("simharness: stopping every worker after its run in flight (Ctrl-C again to stop at once)", file=sys.stderr)
        hard = signum == signal.SIGTERM or not first
        if hard and self._hard_at is None:
            self._hard_at = time.monotonic()
        # A hard stop is relayed as SIGTERM, never as a second SIGINT: two SIGINTs that reach a busy worker close
        # together are one pending signal to the kernel, so the worker would see one Ctrl-C (stop after the run in
        # flight) and a driver stuck in that run would only end by the backstop's SIGKILL, its runs lost.
        self._sent.append(signal.SIGTERM if hard else signum)
        self._tell_all()

    def _abort(self) -> None:
        if signal.SIGINT not in self._sent:
            self._sent.append(signal.SIGINT)
            self._tell_all()

    def _registered(self) -> list[int]:
        return [int(p) for p in self._pids or () if p]

    def _tell_all(self) -> None:
        """Every registered worker gets every signal relayed so far, once each, in order (a worker that
        registered after a Ctrl-C gets it too)."""
        for pid in self._registered():
            while self._told.get(pid, 0) < len(self._sent):
                i = self._told.get(pid, 0)
                self._told[pid] = i + 1  # counted first: a signal handler running in between sends the next one
                _signal(pid, self._sent[i])

    def run(
        self, fn: Callable[..., Any], tasks: Sequence[tuple[Any, ...]], *, abort_on: Callable[[Any], bool] | None = None
    ) -> list[Outcome]:
        """`fn(*task)` in its own worker process for each task (a module-level function: it is pickled by name).

        When a worker dies, its task raises, or `abort_on(its value)` is true, the others are asked to stop
        after their run in flight (as by a Ctrl-C of the parent's, which `signum` does not record)."""
        ctx = multiprocessing.get_context("spawn")
        n = len(tasks)
        self._pids = ctx.RawArray("q", n)
        self._told = {}
        progress = ctx.Queue() if self.on_progress is not None else None
        scratch = Path(tempfile.mkdtemp(prefix="simharness-jobs-"))
        partials = [scratch / f"worker-{j}.json" for j in range(1, n + 1)]
        executors = [
            cf.ProcessPoolExecutor(1, mp_context=ctx, initializer=_init, initargs=(j, self._pids, progress, str(partials[j - 1])))
            for j in range(1, n + 1)
        ]
        try:
            futures = [ex.submit(fn, *task) for ex, task in zip(executors, tasks)]
            processes = [_process_of(ex) for ex in executors]
            pending = set(futures)
            index = {f: i for i, f in enumerate(futures)}
            while pending:
                done, pending = cf.wait(pending, timeout=0.1)
                for f in done:  # ended: never signalled again (its pid may be reused by another process)
                    self._pids[index[f]] = 0
                if pending and any(f.exception() is not None or (abort_on is not None and abort_on(f.result())) for f in done):
                    self._abort()  # a worker died or failed: the run cannot be whole, so the others stop too
                self._drain(progress)
                self._tell_all()
                self._backstop()
            self._drain(progress)
            return [_outcome(j, f, processes[j - 1], partials[j - 1]) for j, f in enumerate(futures, 1)]
        finally:
            for ex in executors:
                ex.shutdown(wait=True, cancel_futures=True)
            if progress is not None:
                progress.close()
                progress.join_thread()
            shutil.rmtree(scratch, ignore_errors=True)
            self._pids = None

    def _drain(self, progress: Any) -> None:
        if progress is None or self.on_progress is None:
            return
        while True:
            try:
                runs, violating, invariants, scenario = progress.get_nowait()
            except queues.Empty:
                return
            except (EOFError, OSError, ValueError):  # a worker died mid-message: progress is best effort
                return
            self.on_progress(runs, violating, invariants, scenario)

    def _backstop(self) -> None:
        """After a hard stop, a worker that has not ended within its own grace period is killed."""
        if self._hard_at is not None and time.monotonic() - self._hard_at > Guards.grace_seconds + BACKSTOP:
            for pid in self._registered():
                _signal(pid, signal.SIGKILL)
            self._hard_at = None


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except (ProcessLookupError, PermissionError):  # already gone
        pass


def _process_of(executor: cf.ProcessPoolExecutor) -> Any:
    """The executor's one process, to name how it died (the executor only says "broken"). Private state of
    `concurrent.futures`; without it the parent still reports the death, without the signal's name."""
    processes = getattr(executor, "_processes", None) or {}
    return next(iter(processes.values()), None)


def _outcome(worker: int, future: cf.Future[Any], process: Any, partial: Path) -> Outcome:
    out = Outcome(worker)
    error = future.exception()
    if error is None:
        out.value = future.result()
        return out
    if not isinstance(error, cf.process.BrokenProcessPool):
        out.error = error
        return out
    code = None
    if process is not None:
        process.join(timeout=10)
        code = process.exitcode
    try:
        out.partial = json.loads(partial.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        out.partial = None
    if out.partial is not None:
        out.died, out.code = str(out.partial.get("reason") or "it ended hard"), int(out.partial.get("code") or code or 1)
    elif code is not None and code < 0:
        name = signal.Signals(-code).name if -code in signal.valid_signals() else f"signal {-code}"
        out.died, out.code = f"killed by {name}", 128 - code
    elif code is not None:
        out.died, out.code = f"exited with code {code} without a result", code or 1
    else:
        out.died, out.code = "died without a result", 1
    return out
