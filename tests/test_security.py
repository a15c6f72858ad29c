"""Security of the harness: scenario and schedule files are data, never code; hostile text is escaped in every
report; a schedule cannot make the harness load code.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

import simharness
from simharness import _errors as E
from simharness._report import write_reports
from simharness._runner import run_seed, run_suite
from simharness._scenario import ScenarioError, parse_scenario
from simharness._schedule import ScheduleError, load_schedule, replay_target, save_schedule
from simharness._shrink import shrink
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
    ("targets/__init__.py", "spec_from_file_location"),  # `--target py:FILE.py:FUNC`, named by the user only
    ("targets/__init__.py", "module_from_spec"),
    ("targets/__init__.py", "exec_module"),
    ("cli.py", "import_module"),  # f"simharness.commands.{name}" for name in a fixed tuple
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
    source = (PACKAGE / "_scenario.py").read_text()
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
        from simharness._schedule import integrity

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
