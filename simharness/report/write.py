"""Writing the reports of a report.json document: report.json, summary.md, junit.xml, report.html, all or none.

Written atomically (a full disk never leaves new and old reports mixed). Writing a report removes the
counterexample schedules there that the new report does not reference (an earlier run's), so a stale
counterexample never sits beside a green report. This is the one module that composes the renderers; none
of them imports it back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from simharness.explore.suite import SuiteResult
from simharness.model.io import write_atomic_many
from simharness.model.kinds import INVARIANTS
from simharness.report.document import finalize, report_json
from simharness.report.html import report_html
from simharness.report.junit import junit_xml
from simharness.report.markdown import summary_md
from simharness.report.safe_text import visible

#: A counterexample schedule's file name as `document._counterexample` makes it: <scenario>--<invariant>--<seed>.json
_SCHEDULE_NAME = re.compile(r"(?P<scenario>[A-Za-z0-9_][A-Za-z0-9_-]{0,59})--(?P<invariant>[a-z][a-z0-9-]*)--(?:\d+|None)\.json")


def prune_schedules(doc: dict[str, Any], out_dir: str | Path, keep: Iterable[str] = ()) -> list[Path]:
    """Remove the counterexample schedules in `out_dir/schedules` that `doc` does not reference (nor `keep`).

    Only files named as simharness names counterexamples (<scenario>--<invariant id>--<seed>.json) go; the
    `sim` fixture's `test-…` schedules, differential and target-failure schedules, and anything else stay."""
    directory = Path(out_dir) / "schedules"
    keep = {Path(str(name)).name for name in keep}
    keep |= {Path(str(i["counterexample"]["schedule"])).name for i in doc["invariants"] if i.get("counterexample")}
    ids = set(INVARIANTS) | {str(i["id"]) for i in doc["invariants"]}
    removed: list[Path] = []
    try:
        entries = sorted(directory.iterdir())
    except OSError:
        return removed
    for path in entries:
        m = _SCHEDULE_NAME.fullmatch(path.name)
        invariant = m and next((inv for inv in ids if path.name[: -len(".json")].rsplit("--", 1)[0].endswith("--" + inv)), None)
        if not m or invariant is None or path.name in keep or path.name.startswith("test-") or not path.is_file():
            continue
        try:
            path.unlink()
            removed.append(path)
        except OSError:  # read-only, or gone already: a stale file left behind is no reason to fail the run
            pass
    return removed


def write_docs(doc: dict[str, Any], out_dir: str | Path, *, keep_schedules: Iterable[str] = ()) -> dict[str, Any]:
    """Write every report of a report.json document: report.json, summary.md, junit.xml, report.html.

    The document is completed in place first (`finalize`), so what a caller prints from it afterwards is what
    the reports say, and safe to print. Then the counterexample schedules it does not reference are removed
    (`prune_schedules`), but for `keep_schedules` (those the pytest plugin's failed items point at)."""
    out = Path(out_dir)
    finalize(doc)
    write_atomic_many(  # all four or none: a full disk never leaves new and old reports mixed
        {
            out / "report.json": json.dumps(doc, indent=1, ensure_ascii=False) + "\n",
            out / "summary.md": visible(summary_md(doc)),
            out / "junit.xml": junit_xml(doc),
            out / "report.html": visible(report_html(doc)),
        }
    )
    prune_schedules(doc, out, keep_schedules)
    return doc


def write_reports(suite: SuiteResult, out_dir: str | Path) -> dict[str, Any]:
    return write_docs(report_json(suite, Path(out_dir)), out_dir)
