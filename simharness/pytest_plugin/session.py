"""The session's reports: every item's report.json document merged into one, written once at the session's end.

Under xdist each worker hands its documents to the controller (`workeroutput`), which merges them in node-id
order, whichever worker ran what, so the report does not depend on `-n`. Two scenario files that share a name
but not their contents cannot be merged: no report is written, the session fails, and the terminal summary
says why. The reports are written only by the controller (or a session without xdist).
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from simharness.pytest_plugin.options import (
    DOCS_KEY,
    USED_KEY,
    docs_key,
    merge_error_key,
    settings_key,
    started_key,
    targets_key,
    used_key,
)


def collect_worker_docs(node: Any) -> None:
    """xdist controller: collect the documents a worker's scenarios produced."""
    output = getattr(node, "workeroutput", None) or {}
    node.config.stash[docs_key].extend(json.loads(output.get(DOCS_KEY, "[]")))
    if output.get(USED_KEY):
        node.config.stash[used_key] = True


def finish(session: pytest.Session) -> None:
    """Close the targets; on an xdist worker hand the documents over, else merge them and write the reports."""
    config = session.config
    for target in config.stash[targets_key].values():
        target.close()
    config.stash[targets_key].clear()
    docs = config.stash[docs_key]
    workeroutput: dict[str, Any] | None = getattr(config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker hands its documents to the controller
        workeroutput[DOCS_KEY] = json.dumps(docs)
        workeroutput[USED_KEY] = config.stash.get(used_key, False)
        return
    if not docs:
        return
    from simharness.model.exceptions import MergeError
    from simharness.report.document import timing
    from simharness.report.merge import combine
    from simharness.report.write import write_docs

    s = config.stash[settings_key]
    # in node-id order, whichever worker ran what: the report does not depend on -n
    try:
        doc = combine(sorted(docs, key=lambda d: (str(d["scenarios"][0]["nodeid"]), d["shard"])))
    except MergeError as exc:  # two scenario files share a name but not their contents
        config.stash[docs_key] = []
        config.stash[merge_error_key] = str(exc)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        return
    doc["seed"], doc["shard"] = s.seed, "1/1"
    doc["timing"] = timing(doc["runs"], time.perf_counter() - config.stash.get(started_key, time.perf_counter()))
    # every failed item's message points at its own counterexample schedule: those stay, older ones go
    shown = [i["counterexample"]["schedule"] for d in docs for i in d["invariants"] if i["counterexample"]]
    write_docs(doc, s.report_dir, keep_schedules=shown)
    config.stash[docs_key] = [doc]  # the terminal summary reports on it


def terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """The session seed and its rerun command, the merged verdict in a few lines under pytest's own summary,
    and where the reports are. Shown whenever a scenario ran or a test used the `sim` fixture, `-q` or not:
    the header that also names the seed is hidden under `-q`."""
    if hasattr(config, "workerinput"):
        return
    docs = config.stash.get(docs_key, [])
    merge_error = config.stash.get(merge_error_key, None)
    if not (docs or merge_error or config.stash.get(used_key, False)):
        return
    terminalreporter.write_sep("-", "simharness")
    seed = config.stash[settings_key].seed
    terminalreporter.write_line(f"session seed {seed}; rerun this session:  {rerun_session(config, seed)}")
    if merge_error:
        terminalreporter.write_line(f"error: no report written: {merge_error}", red=True)
        return
    if len(docs) != 1:
        return
    from simharness.report.safe_text import visible
    from simharness.report.status import headline

    doc = docs[0]
    head = headline(doc)
    terminalreporter.write_line(
        visible(f"{len(doc['scenarios'])} scenarios, {doc['runs']} runs against {doc['target']}: {head.icon} {head.text}"),
        **{"ok": {"green": True}, "caveat": {"yellow": True}, "unexercised": {"yellow": True}, "bad": {"red": True}}[head.level],
    )
    for error in doc.get("errors") or []:
        terminalreporter.write_line(visible(f"crashed: {error['nodeid']}: {str(error['message']).splitlines()[0][:300]}"), red=True)
    for u in doc["unreached"]:
        terminalreporter.write_line(
            visible(f"warning: {u['scenario']}: expected situation {u['situation']!r} was never reached"), yellow=True
        )
    terminalreporter.write_line(
        f"report: {config.stash[settings_key].report_dir / 'report.html'} (also junit.xml, summary.md, report.json)"
    )


def rerun_session(config: pytest.Config, seed: int) -> str:
    """This session's command line with its seed pinned: `--sim-seed` replaced (or added)."""
    import shlex

    args, skip = [], False
    for arg in map(str, config.invocation_params.args):
        if skip:
            skip = False
        elif arg == "--sim-seed":
            skip = True  # its value is the next argument
        elif not arg.startswith("--sim-seed="):
            args.append(arg)
    return shlex.join(["pytest", *args, f"--sim-seed={seed}"])
