"""A Node child that never outlives the harness, even one killed outright (SIGKILL).

On Linux the child asks the kernel for SIGKILL when its parent dies (`PR_SET_PDEATHSIG`); everywhere the
bridge watches its parent from a thread of its own (in `bridge.mjs`). `kill_and_clean` is what a bridge's
finalizer runs: at `close()`, at garbage collection or at interpreter exit, whichever comes first.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import signal
import subprocess
import sys
import threading
from typing import Any

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> Any:
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


def kill_and_clean(proc: subprocess.Popen[bytes], home: str, stderr: Any) -> None:
    """End the child if it still runs, close its pipes and remove its scratch HOME (idempotent)."""
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
