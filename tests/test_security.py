"""Security of the harness: scenario and schedule files are data, never code; hostile text is escaped in every
report; a schedule cannot make the harness load code.
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import simharness
from simharness.engine.runner import run_seed
from simharness.engine.schedule import load_schedule, replay_target, save_schedule
from simharness.engine.shrink import shrink
from simharness.explore.suite import run_suite
from simharness.model import errors as E
from simharness.model.exceptions import ScenarioError, ScheduleError
from simharness.model.scenario import parse_scenario
from simharness.report.write import write_docs, write_reports
from simharness.targets import PythonTarget, resolve_target

PACKAGE = Path(simharness.__file__).resolve().parent

# --- data, never code --------------------------------------------------------------------------------------

#: Ways Python turns data into code. Loading a module by name or path appears only where the user's own
#: `--target py:FILE.py:FUNC` is imported and where simharness imports its own modules from fixed tables.
CODE_FROM_DATA = re.compile(
    r"\beval\(|(?<![\w.])exec\(|\bpickle\b|\bmarshal\b|\bshelve\b|\byaml\b|\bjsonpickle\b|__import__\(|(?<!re\.)\bcompile\(|"
    r"\bimport_module\(|\bexec_module\(|\bspec_from_file_location\(|\bmodule_from_spec\(|\brunpy\b|shell=True"
)
ALLOWED = {
    ("targets/python.py", "spec_from_file_location"),  # `--target py:FILE.py:FUNC`, named by the user only
    ("targets/python.py", "module_from_spec"),
    ("targets/python.py", "exec_module"),
    ("__init__.py", "import_module"),  # the lazy public API: simharness's own modules, from a fixed table
}


def test_no_code_from_data_anywhere_in_the_package() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        for n, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#", 1)[0]
            for match in CODE_FROM_DATA.finditer(code):
                word = match.group(0).rstrip("(")
                if (rel, word) not in ALLOWED:
                    found.append(f"{rel}:{n}: {line.strip()}")
    assert found == []


def test_the_scenario_loader_reads_toml_and_nothing_else() -> None:
    source = (PACKAGE / "model" / "scenario.py").read_text()
    assert "import tomllib" in source and "tomllib.loads(" in source
    assert not re.search(r"\b(json|yaml|pickle)\.loads?\(", source)


def test_a_scenario_file_cannot_name_a_target_or_code() -> None:
    for key, value in (("target", "py:/tmp/evil.py:f"), ("driver", "os.system"), ("import", "os")):
        with pytest.raises(ScenarioError, match=f"{key}: unknown key"):
            parse_scenario({key: value})


def test_a_schedule_never_chooses_a_code_loading_target(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.py"
    evil.write_text(f"open({str(marker)!r}, 'w').close()\ndef run(ctx, c, r, e):\n    yield from r(*c[0])\n")
    result = run_seed(parse_scenario({"world": {"chain": ["a/x"]}}), resolve_target("reference"), 0)
    path = tmp_path / "s.json"
    save_schedule(path, result)
    doc = json.loads(path.read_text())
    for spec in (f"py:{evil}:run", f"node-dist:{tmp_path}"):
        doc["target"] = spec
        from simharness.engine.schedule import integrity

        doc["integrity"] = integrity(doc)  # a well-formed file: only the target rule stands in the way
        path.write_text(json.dumps(doc))
        schedule = load_schedule(path)
        with pytest.raises(ScheduleError, match="loads code, so a schedule file cannot choose it"):
            replay_target(schedule, None, path)
        assert replay_target(schedule, "reference", path) == "reference"
    assert not marker.exists()  # the file was never imported
    doc["target"] = "mutant:legacy"  # shipped, code-free targets replay as recorded
    doc["integrity"] = integrity(doc)
    path.write_text(json.dumps(doc))
    assert replay_target(load_schedule(path), None, path) == "mutant:legacy"


# --- hostile text in every report --------------------------------------------------------------------------

HOSTILE_NAME = "</svg><script>alert('name')</script>"
HOSTILE_PROVIDER = '"><img src=x onerror=alert(1)>'
HOSTILE_MODEL = "<svg onload=alert(2)>"
HOSTILE_MESSAGE = "</svg></pre><img src=x onerror=alert('msg')>&amp;"


def _hostile_driver(ctx: Any, candidates: Any, run: Any, on_error: Any) -> Any:
    provider, model = candidates[0]
    try:
        return (yield from run(provider, model))
    except E.JSError:  # gives up on a 429 (explicit-metadata-advances) with a message of its own
        raise E.JSError(HOSTILE_MESSAGE, name="<b>Err</b>") from None


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def test_hostile_scenario_provider_model_and_error_text_is_escaped_in_every_report(tmp_path: Path) -> None:
    scenario = parse_scenario(
        {
            "name": HOSTILE_NAME,
            "description": HOSTILE_MESSAGE,
            "world": {"chain": [f"{HOSTILE_PROVIDER}/{HOSTILE_MODEL}", "b/y"]},
            "providers": {"*": {"faults": {"rate_limit": 1.0}}},
            "writers": [{"name": HOSTILE_MODEL, "delay_ms": [0, 10]}],
        },
        "hostile.toml",
    )
    suite = run_suite([scenario], PythonTarget("py:hostile", _hostile_driver), seed=0, budget=4, shrink=shrink)
    assert not suite.ok
    doc = write_reports(suite, tmp_path)
    ce = next(i["counterexample"] for i in doc["invariants"] if i["counterexample"])
    assert HOSTILE_MESSAGE in json.dumps(doc["invariants"], ensure_ascii=False) or any(HOSTILE_MESSAGE in line for line in ce["narrative"])

    page = (tmp_path / "report.html").read_text()
    parser = _Elements()
    parser.feed(page)
    tags = [tag for tag, _ in parser.tags]
    assert "script" not in tags and "img" not in tags
    assert not [(tag, name) for tag, attrs in parser.tags for name, _ in attrs if name.startswith("on")]
    assert tags.count("svg") == page.count("</svg>")  # no svg closed early by a name
    assert "&lt;/svg&gt;&lt;script&gt;" in page and "&lt;img src=x onerror=" in page  # shown as text, not dropped

    md = (tmp_path / "summary.md").read_text()
    for raw in ("<script", "<img", "<svg", "</svg>", "</pre><"):
        assert raw not in md
    junit = (tmp_path / "junit.xml").read_text()
    root = ET.fromstring(junit)  # well-formed whatever the names
    texts = " ".join(filter(None, [e.text for e in root.iter()] + [v for e in root.iter() for v in e.attrib.values()]))
    assert HOSTILE_NAME in texts  # carried as data, escaped by the XML writer
    assert "<script" not in junit and "<img" not in junit


# --- any string survives into every report ------------------------------------------------------------------

#: What the Node bridge can hand back as an error message: JS `.slice` cutting an emoji in half leaves a lone
#: UTF-16 surrogate; control characters, NUL, an ANSI escape, a C1 control, a surrogate pair split in two.
NASTY = "All models failed (2): \ud83d cut | \x00 nul \x1b[31mred\x1b[0m \x85 \x7f \ud83d\ude00 \udfff"

SURROGATE_DRIVER = """
from simharness.model.errors import JSError

NASTY = MESSAGE


def cut_emoji(ctx, candidates, run, on_error):
    for i, (p, m) in enumerate(candidates):
        try:
            return (yield from run(p, m))
        except JSError as err:
            on_error({"provider": p, "model": m, "error": err, "attempt": i + 1, "total": len(candidates)})
    raise JSError(NASTY, kind="summary")
""".replace("MESSAGE", repr(NASTY))


def _assert_reports_readable(out: Path) -> dict[str, Any]:
    """Every report is valid UTF-8; report.json and junit.xml parse; no raw control character reaches the
    human-read pages (summary.md, report.html)."""
    texts = {name: (out / name).read_bytes().decode("utf-8") for name in ("report.json", "summary.md", "junit.xml", "report.html")}
    doc = json.loads(texts["report.json"])
    ET.fromstring(texts["junit.xml"].encode("utf-8"))
    for name in ("summary.md", "report.html"):
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", texts[name]), name
    return doc  # type: ignore[no-any-return]


def test_a_lone_surrogate_and_control_characters_from_a_driver_reach_every_report(tmp_path: Path) -> None:
    """Before: UnicodeEncodeError while writing report.json, and only schedules/ was left."""
    from simharness.cli import main as cli

    driver = tmp_path / "cut.py"
    driver.write_text(SURROGATE_DRIVER)
    scenario = tmp_path / "storm.toml"
    scenario.write_text('name = "storm"\nswarm = false\n[world]\nchain = ["a/x", "b/y"]\n[providers."*"]\nfaults = { rate_limit = 1.0 }\n')
    out = tmp_path / "r"
    assert cli(["run", str(scenario), "--target", f"py:{driver}:cut_emoji", "--budget", "3", "--report-dir", str(out)]) == 1
    doc = _assert_reports_readable(out)
    assert doc["ok"] is False
    ce = next(i["counterexample"] for i in doc["invariants"] if i["counterexample"])
    told = json.dumps(ce["narrative"], ensure_ascii=False)
    assert "\ufffd cut" in told and "\U0001f600" in told  # the lone half is U+FFFD, the split pair is joined
    html = (out / "report.html").read_text()
    assert "␀ nul ␛[31mred" in html  # shown, visibly: no escape sequence reaches a browser or a terminal
    schedule = out / ce["schedule"]
    assert load_schedule(schedule).values  # the schedule is written and loads back
    import subprocess
    import sys

    # and replays on a real terminal's strict UTF-8 stdout (pytest's capture would forgive what a terminal does not)
    replayed = subprocess.run(
        [sys.executable, "-m", "simharness", "replay", str(schedule), "--target", f"py:{driver}:cut_emoji"],
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8:strict"},
        check=False,
    )
    assert replayed.returncode == 1 and b"Traceback" not in replayed.stderr, replayed.stderr[-800:]
    assert "driver throws Error: “All models failed (2): \ufffd cut".encode() in replayed.stdout and b"\x1b" not in replayed.stdout


@pytest.fixture(scope="module")
def violating_doc(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    scenario = parse_scenario(
        {"name": "s", "swarm": False, "world": {"chain": ["a/x", "b/y"]}, "providers": {"*": {"faults": {"rate_limit": 1.0}}}}, "s.toml"
    )
    suite = run_suite([scenario], PythonTarget("py:hostile", _hostile_driver), seed=0, budget=2, shrink=None)
    assert not suite.ok
    return write_reports(suite, tmp_path_factory.mktemp("base"))


def _inject(value: Any, text: str) -> Any:
    """Every string in a report document (keys that name fields excepted) with `text` appended."""
    if isinstance(value, str):
        return value + text
    if isinstance(value, dict):
        return {k: _inject(v, text) if k not in ("id", "schedule", "level", "status") else v for k, v in value.items()}
    if isinstance(value, list):
        return [_inject(v, text) for v in value]
    return value


ANY_TEXT = st.text(st.characters(codec=None), max_size=40) | st.text(
    st.characters(categories=["Cs", "Cc", "Co", "Cn"]), min_size=1, max_size=8
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=ANY_TEXT)
def test_any_string_anywhere_in_a_document_survives_into_every_report(
    violating_doc: dict[str, Any], tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    doc = _inject(json.loads(json.dumps(violating_doc)), text)
    doc["errors"] = [{"scenario": "s" + text, "nodeid": "n" + text, "message": text}]
    doc["unreached"] = [{"scenario": text, "situation": "takeover_detected"}]
    out = tmp_path_factory.mktemp("any")
    write_docs(doc, out)
    written = _assert_reports_readable(out)
    assert written["ok"] is False


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=ANY_TEXT)
def test_any_string_in_a_run_survives_into_its_schedule(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    from simharness.check.verdicts import Violation

    scenario = parse_scenario({"name": "s", "world": {"chain": ["a/x"]}}, "s.toml")
    result = run_seed(scenario, resolve_target("reference"), 1)
    result.trace.add(0, "session-1", "call.raise", call=1, name="Error" + text, message=text)  # what a driver controls
    result.verdicts.violations.append(Violation("summary-honest", text, 0, 1))
    path = tmp_path_factory.mktemp("sched") / "s.json"
    save_schedule(path, result, invariant="summary-honest")
    path.read_bytes().decode("utf-8")  # ASCII JSON: every character escaped, none lost
    assert load_schedule(path).values == tuple(c.value for c in result.choices)
