"""Scenario files as pytest items: which `*.toml` files are collected, one item per scenario (or per shard of
its runs with `--sim-split N`), and how an item fails.

Which `*.toml` files are scenarios:

- a file named on the command line (`pytest scenarios/takeover-race.toml`), as pytest does for test files;
- every file under a directory of `--sim-scenarios DIR` (repeatable) or the ini option `simharness_scenarios`;
- under a directory named on the command line (`pytest scenarios/`, `pytest .`), a file that has one of a
  scenario's own tables (`SCENARIO_TABLE`: `[world]`, `[providers.*]`, `[[writers]]`, `[expect]`, ...).
  Any other TOML there (pyproject.toml never counts; a tool's config, a fixture) is left alone. The test is
  on the text, not on a successful parse, so a scenario with a syntax error or a misspelled key is still
  collected and fails as a one-line collection error instead of vanishing.

Directories that `testpaths` (or a bare `pytest`) supply were not named: a project's own `pytest` run does
not start walking its scenario directory.

An item's report.json document goes to the session (`docs_key`, merged in `session.py`). A failed item's text
is every violated invariant with its shrunk counterexample narrated (one narrative per distinct
counterexample, however many invariants it violates), and the commands to rerun it. An item that raises
instead of being judged records a document with no runs and the error (`crashed`): a failure in every report.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from simharness.pytest_plugin.options import Settings, docs_key, settings_key, targets_key, used_key
from simharness.pytest_plugin.runs import explore_scenarios, item_seed, rerun_command, session_target

if TYPE_CHECKING:
    from simharness.model.scenario import Scenario


_TABLES = r"""(?:world|providers|writers|expect|wrapping|runtime|explicit)"""
#: A line that opens one of a scenario's own tables: what makes a `*.toml` file under a directory named on
#: the command line a scenario. Or, before the first table, sets one with a dotted key or an inline table
#: (`world.sessions = 2`, `world = {...}`); later the same words are keys of other tables (`runtime = "x"`).
SCENARIO_TABLE = re.compile(rf"""^[ \t]*\[\[?[ \t]*"?{_TABLES}"?[ \t]*[\].]""", re.MULTILINE)
SCENARIO_KEY = re.compile(rf"""^[ \t]*"?{_TABLES}"?[ \t]*[.=]""", re.MULTILINE)
FIRST_TABLE = re.compile(r"^[ \t]*\[", re.MULTILINE)
#: How much of a walked file is read to decide (a scenario names its tables well within it).
HEAD_BYTES = 1 << 20
#: Never a scenario, even under a named directory.
NOT_SCENARIOS = frozenset({"pyproject.toml"})


def collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """A scenario file, if `file_path` is one this session collects (see the module docstring)."""
    if file_path.suffix != ".toml":
        return None
    s = parent.config.stash[settings_key]
    path = file_path.resolve()
    if parent.session.isinitpath(file_path) or any(path.is_relative_to(root) for root in s.roots):
        return ScenarioFile.from_parent(parent, path=file_path)
    if any(path.is_relative_to(d) for d in s.named) and looks_like_scenario(path):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


def looks_like_scenario(path: Path) -> bool:
    """Whether a walked `*.toml` file is a scenario: it opens one of a scenario's tables (`SCENARIO_TABLE`, `SCENARIO_KEY`)."""
    if path.name in NOT_SCENARIOS:
        return False
    try:
        with path.open("rb") as f:
            head = f.read(HEAD_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return True  # unreadable: collected, so that loading it says why instead of the file vanishing
    first_table = FIRST_TABLE.search(head)
    preamble = head[: first_table.start()] if first_table else head
    return SCENARIO_TABLE.search(head) is not None or SCENARIO_KEY.search(preamble) is not None


class ScenarioFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        from simharness.model.exceptions import ScenarioError
        from simharness.model.scenario import load_scenario

        try:
            scenario = load_scenario(self.path)
        except ScenarioError as exc:
            raise self.CollectError(str(exc)) from None
        split = self.config.stash[settings_key].split
        if split == 1:
            yield ScenarioItem.from_parent(self, name=scenario.name, scenario=scenario)
            return
        for i in range(1, split + 1):
            yield ScenarioItem.from_parent(self, name=f"{scenario.name}[{i}/{split}]", scenario=scenario, shard=(i, split))


class ScenarioFailed(Exception):
    """A scenario violated invariants; `str()` is the readable failure."""


class ScenarioItem(pytest.Item):
    """A scenario's runs (with `--sim-split N`: shard i/N of them, the parts sharing the scenario's seed)."""

    def __init__(self, *, scenario: Scenario, shard: tuple[int, int] = (1, 1), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        self.shard = shard
        self.judged = False  # its document reached the session's report; if it fails without one, it crashed
        self.add_marker("simharness")

    @property
    def scenario_id(self) -> str:
        """The node id of the whole scenario: what its seed derives from, whatever the split."""
        return f"{self.parent.nodeid}::{self.scenario.name}" if self.parent else self.nodeid

    def runtest(self) -> None:
        from simharness.report.document import report_json

        s = self.config.stash[settings_key]
        self.config.stash[used_key] = True
        target = session_target(self.config, s.target)
        suite = explore_scenarios(s, [self.scenario], target, item_seed(self.config, self.scenario_id), shard=self.shard)
        doc = report_json(suite, s.report_dir)
        doc["scenarios"][0]["nodeid"] = self.scenario_id
        self.config.stash[docs_key].append(doc)
        self.judged = True
        if not doc["ok"]:
            raise ScenarioFailed(failure_text(doc, self, s))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        from simharness.model.exceptions import TargetError
        from simharness.report.safe_text import visible

        if isinstance(excinfo.value, ScenarioFailed | TargetError):
            return visible(str(excinfo.value))
        return visible(str(super().repr_failure(excinfo, style=style)))

    def crashed(self, message: str) -> None:
        """Record that this item raised instead of being judged: a document with no runs and the error."""
        from simharness.explore.suite import ScenarioResult, SuiteResult
        from simharness.report.document import report_json
        from simharness.report.safe_text import unicode_safe

        s = self.config.stash[settings_key]
        target = self.config.stash[targets_key].get(s.target)
        profile = target.profile.name if target is not None else "unknown"
        suite = SuiteResult(s.target, profile, s.seed, s.budget, self.shard, strategy=s.strategy)
        suite.scenarios.append(ScenarioResult(self.scenario))
        doc = report_json(suite, s.report_dir)
        doc["scenarios"][0]["nodeid"] = self.scenario_id
        doc["errors"] = [{"scenario": self.scenario.name, "nodeid": self.nodeid, "message": unicode_safe(message[:4000])}]
        self.config.stash[docs_key].append(doc)
        self.judged = True

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"scenario {self.name}"


def failure_text(doc: dict[str, Any], item: ScenarioItem, s: Settings) -> str:
    """A failed scenario item: every violated invariant with its shrunk schedule narrated, and how to rerun it."""
    from simharness.report.safe_text import visible

    scenario = doc["scenarios"][0]
    violated = [i for i in doc["invariants"] if i["violated"]]
    part = f" (shard {doc['shard']} of its runs)" if item.shard != (1, 1) else ""
    out = [
        (
            f"scenario {scenario['name']}{part}: {len(violated)} invariant{'s' if len(violated) > 1 else ''} violated "
            f"in {scenario['failed_runs']} of {scenario['runs']} runs against {doc['target']} (seed {doc['seed']})"
        )
    ]
    narrated: dict[str, str] = {}  # trace sha256 -> the invariant whose counterexample narrated it
    for inv in violated:
        ce = inv["counterexample"]
        out += ["", f"✗ {inv['id']}: {inv['violated']} violating runs — {inv['description']}"]
        if ce is None:
            continue
        out.append(f"  {ce['message']}")
        key = str(ce.get("trace_sha256") or ce["replay"])
        if key in narrated:  # one narrative per counterexample, however many invariants it violates
            out += [f"  the same counterexample as {narrated[key]} above", f"  replay:  {ce['replay']}"]
            continue
        narrated[key] = inv["id"]
        out += [
            f"  shrunk from {ce['size']['original']} to {ce['size']['shrunk']} non-trivial choices; what happened:",
            "",
            *("  " + line for line in ce["narrative"]),
            "",
            f"  replay:  {ce['replay']}",
        ]
    shard = f" --shard {doc['shard']}" if item.shard != (1, 1) else ""
    out += [
        "",
        f"rerun this test:  {rerun_command(item.nodeid, s, doc['target'], doc['budget'])}",
        f"the same runs:    simharness run {item.path} --target {doc['target']} --seed {doc['seed']} --budget {doc['budget']}{shard}",
    ]
    return visible("\n".join(out))
