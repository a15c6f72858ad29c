"""`simharness matrix`: releases chosen from the registry (--latest, --since), usage errors, a release that cannot
be installed, the index page (report.html: every cell links to an existing per-target report), findings with their
first and last release and bisect results, and escaping of driver text in report.html and matrix.md.

No release is installed here: the registry is a fake list and `openclaw@…` specs resolve to Python drivers
(the reference, or the pre-fix `legacy` mutant), so the whole pipeline runs in about a second.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from simharness import targets
from simharness.cli import main
from simharness.cli.matrix import choose_releases
from simharness.model.exceptions import TargetError
from simharness.model.kinds import INVARIANTS
from simharness.report.matrix import failed_column, findings, load_bisects, matrix_html, matrix_md
from simharness.targets import registry
from simharness.targets.python import PythonTarget

ROOT = Path(__file__).resolve().parent.parent
RACE = str(ROOT / "scenarios" / "takeover-race.toml")
PUBLISHED = ("2026.5.18", "2026.5.19", "2026.5.20", "2026.9.1-beta.1", "2026.9.1", "2026.9.2-rc.1")
EVIL = '''
from simharness.model.errors import JSError
from simharness.check.oracle import category_of


def evil(ctx, candidates, run, on_error):
    """Walks the chain on everything; its summary carries markup, table pipes and a link."""
    attempts = []
    for i, (p, m) in enumerate(candidates):
        try:
            return (yield from run(p, m))
        except JSError as err:
            if category_of(err) == "terminal":
                raise
            attempts.append(err)
            on_error({"provider": p, "model": m, "error": err, "attempt": i + 1, "total": len(candidates)})
    if len(attempts) <= 1:
        raise attempts[-1]
    raise JSError("All models failed | x | <script>alert(1)</script> [y](javascript:alert(1))", kind="summary")
'''


@pytest.fixture
def fake_registry(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The registry lists PUBLISHED; `openclaw@V` runs the pre-fix driver before 2026.5.20, the reference from it
    on; a version in the returned list (append to it) fails to install."""
    from simharness.drivers.mutants import MUTANTS
    from simharness.drivers.reference import run_with_model_fallback

    broken: list[str] = []
    real = targets.resolve_target
    monkeypatch.setattr(registry, "published", lambda **_: registry.Published(PUBLISHED, 1_780_000_000.0))

    def resolve(spec: str) -> Any:
        if not spec.startswith("openclaw@"):
            return real(spec)
        version = spec.partition("@")[2]
        if version in broken:
            raise TargetError(f"{spec}: npm install failed: 404 <script>x</script> | not | found")
        old = registry.version_key(version) < registry.version_key("2026.5.20")
        return PythonTarget(spec, MUTANTS["legacy"].driver if old else run_with_model_fallback)

    monkeypatch.setattr(targets, "resolve_target", resolve)
    return broken


def _matrix(*args: str, out: Path) -> int:
    return main(["matrix", *args, "--scenarios", RACE, "--budget", "8", "--report-dir", str(out)])


# --- choosing releases ---------------------------------------------------------------------------------------


def test_latest_and_since_choose_stable_releases_from_the_registry(fake_registry: list[str]) -> None:
    chosen, selection = choose_releases(2, None)
    assert chosen == ["openclaw@2026.5.20", "openclaw@2026.9.1"]  # prereleases are never the "latest"
    assert selection and selection["chosen"] == ["2026.5.20", "2026.9.1"] and selection["published"] == len(PUBLISHED)
    assert choose_releases(None, "2026.5.19")[0] == ["openclaw@2026.5.19", "openclaw@2026.5.20", "openclaw@2026.9.1"]
    assert choose_releases(None, "openclaw@2026.5.20")[0] == ["openclaw@2026.5.20", "openclaw@2026.9.1"]  # inclusive
    assert choose_releases(None, "2026.6.0")[0] == ["openclaw@2026.9.1"]  # VERSION need not be published itself
    assert choose_releases(10, None)[0][0] == "openclaw@2026.5.18"  # more than there are: all of them
    assert choose_releases(None, None) == ([], None)
    with pytest.raises(TargetError, match="no stable openclaw release since 2026.10.1"):
        choose_releases(None, "2026.10.1")
    with pytest.raises(TargetError, match="not a release version"):
        choose_releases(None, "latest")


def test_the_chosen_releases_are_printed_run_and_recorded(
    fake_registry: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _matrix("reference", "openclaw@2026.5.19", "--latest", "2", out=tmp_path)
    out = capsys.readouterr().out
    assert code == 1  # 2026.5.19 runs the pre-fix driver
    assert "releases chosen: the newest stable releases, 2 of 6 published" in out and "2026.5.20, 2026.9.1" in out
    m = json.loads((tmp_path / "matrix.json").read_text())
    # explicit targets first, then the chosen releases; a release named twice runs once
    assert [c["target"] for c in m["targets"]] == ["reference", "openclaw@2026.5.19", "openclaw@2026.5.20", "openclaw@2026.9.1"]
    assert m["selection"]["latest"] == 2 and m["selection"]["chosen"] == ["2026.5.20", "2026.9.1"]
    # the regenerate command names the releases, so it still means the same matrix after the next release
    assert "--latest" not in m["command"] and "openclaw@2026.9.1" in m["command"]
    assert "Releases chosen: the newest stable releases" in (tmp_path / "matrix.md").read_text()

    capsys.readouterr()
    assert _matrix("--since", "2026.5.20", out=tmp_path / "since") == 0
    assert [c["target"] for c in json.loads((tmp_path / "since" / "matrix.json").read_text())["targets"]] == [
        "openclaw@2026.5.20",
        "openclaw@2026.9.1",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "name at least one TARGET, or choose releases with --latest K or --since VERSION"),
        (("--latest", "0"), "argument --latest: expected a positive integer"),
        (("--latest", "2", "--since", "2026.5.18"), "argument --since: not allowed with argument --latest"),
        (("--since", "tomorrow"), "--since tomorrow: not a release version"),
        (("refrence",), "refrence: unknown target"),
        (("openclaw@next",), "openclaw@next: not a release version"),
        (("reference", "mutant:no-such"), "mutant:no-such: unknown mutant"),
        (("reference", "--bisect", "/nonexistent/bisect.json"), "cannot read bisect result"),
    ],
)
def test_bad_input_is_one_line_and_exit_2_before_anything_runs(
    fake_registry: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    try:
        code = _matrix(*args, out=tmp_path / "m")
    except SystemExit as exc:  # argparse's own errors end the parse: the same one line and exit 2
        code = exc.code  # type: ignore[assignment]
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "m" / "matrix.json").exists()


def test_a_release_that_cannot_be_installed_is_a_row_and_the_others_still_run(
    fake_registry: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_registry.append("2026.9.1")
    assert _matrix("--since", "2026.5.20", out=tmp_path) == 2  # nothing violated, but one release was not judged
    captured = capsys.readouterr()
    assert "could not run openclaw@2026.9.1: npm install failed" in captured.out
    m = json.loads((tmp_path / "matrix.json").read_text())
    good, bad = m["targets"]
    assert good["ok"] and (tmp_path / good["report"]).is_file()
    assert bad["ok"] is False and "npm install failed" in bad["error"] and bad["invariants"] == {} and bad["report"] is None
    page = (tmp_path / "report.html").read_text()
    assert "could not run" in page and "&lt;script&gt;x&lt;/script&gt;" in page and "<script" not in page
    md = (tmp_path / "matrix.md").read_text()
    assert "**could not run**: npm install failed: 404 &lt;script&gt;x&lt;/script&gt; \\| not \\| found" in md

    capsys.readouterr()  # a violation elsewhere outranks it: exit 1
    assert _matrix("openclaw@2026.5.18", "--since", "2026.5.20", out=tmp_path / "both") == 1


# --- the index page ------------------------------------------------------------------------------------------


class _Cells(HTMLParser):
    """Every status cell of the matrix table: (row target, data-status, href)."""

    def __init__(self) -> None:
        super().__init__()
        self.row: str | None = None
        self.cells: list[tuple[str | None, str | None, str | None]] = []
        self.links: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr" and "data-target" in a:
            self.row = a["data-target"]
        if tag == "a":
            self.links.append(a.get("href"))
        if "data-status" in a:
            self.cells.append((self.row, a["data-status"], a.get("href")))


def test_every_cell_links_to_the_existing_report_of_its_own_target(fake_registry: list[str], tmp_path: Path) -> None:
    assert _matrix("openclaw@2026.9.1", "reference", "openclaw@2026.5.18", "openclaw@2026.5.20", out=tmp_path) == 1
    m = json.loads((tmp_path / "matrix.json").read_text())
    parser = _Cells()
    parser.feed((tmp_path / "report.html").read_text())
    invariants = list(m["targets"][0]["invariants"])
    assert len(parser.cells) == len(m["targets"]) * len(invariants) == 4 * len(INVARIANTS)
    for c in m["targets"]:
        mine = [(st, href) for row, st, href in parser.cells if row == c["target"]]
        assert [st for st, _ in mine] == [c["invariants"][i]["status"] for i in invariants]  # the page says what matrix.json says
        assert {href for _, href in mine} == {c["report"]}
        report = tmp_path / c["report"]
        assert report.is_file() and json.loads((report.parent / "report.json").read_text())["target"] == c["target"]
    assert all(href and (tmp_path / href).is_file() for href in parser.links)  # no dangling link anywhere on the page


class _Tester:
    """A bisect tester with fixed verdicts: `simharness bisect`'s own search and bisect.json, no release run."""

    package = "openclaw"

    def __init__(self, verdicts: dict[str, str]) -> None:
        self.verdicts = verdicts

    def test(self, version: str, invariant: str, order: int) -> Any:
        from simharness.explore.bisect import Tested

        return Tested(version, self.verdicts[version], 1, f"{self.verdicts[version]} on {version}", "p", order)


def test_findings_carry_their_first_and_last_release_and_the_bisect_results(fake_registry: list[str], tmp_path: Path) -> None:
    from simharness.explore.bisect import bisect
    from simharness.report.bisect import bisect_json

    # what `simharness bisect` writes: coordination-single-run fixed in 2026.5.20 (last bad 2026.5.19)
    history = {"2026.5.18": "violated", "2026.5.19": "violated", "2026.5.20": "held", "2026.9.1": "held"}
    fixed = bisect(list(history), _Tester(history), "coordination-single-run")  # type: ignore[arg-type]
    (tmp_path / "bisect-run").mkdir(parents=True)
    doc = bisect_json(fixed, command="simharness bisect ...", subject="s.json", registry={}, report_of=None)
    (tmp_path / "bisect-run" / "bisect.json").write_text(json.dumps(doc))
    # the minimal hand-written format: terminates introduced in 2026.9.1 (never violated in this matrix), and a
    # bisect of another schedule (bare versions) whose fix the matrix contradicts: 2026.5.19 still violates
    introduced = {"invariant": "terminates", "first_bad": "openclaw@2026.9.1", "first_good": None, "direction": "introduced"}
    early = {
        "invariant": "coordination-single-run",
        "first_good": "2026.5.19",
        "direction": "fixed",
        "boundary": ["2026.5.18", "2026.5.19"],
    }
    minimal = tmp_path / "minimal.json"
    minimal.write_text(json.dumps([introduced, {**early, "subject": "other.json"}]))

    # given newest first: first/last follow release numbers, not the order on the command line
    assert (
        _matrix(
            "openclaw@2026.9.1",
            "openclaw@2026.5.19",
            "openclaw@2026.5.18",
            "reference",
            "--bisect",
            str(minimal),
            str(tmp_path / "bisect-run"),
            out=tmp_path,
        )
        == 1
    )
    m = json.loads((tmp_path / "matrix.json").read_text())
    found = {f["invariant"]: f for f in findings(m, load_bisects([tmp_path / "bisect-run", minimal]))}
    single = found["coordination-single-run"]
    assert (single["first"], single["last"]) == ("openclaw@2026.5.18", "openclaw@2026.5.19")
    assert single["violated_in"] == ["openclaw@2026.5.18", "openclaw@2026.5.19"]
    by_subject = {g["subject"]: g for g in single["bisect"]}
    assert (by_subject["s.json"]["first"], by_subject["s.json"]["last"]) == (None, "openclaw@2026.5.19")
    assert not by_subject["s.json"].get("later")  # fixed in 5.20, and nothing from 5.20 on violates it here
    assert by_subject["other.json"]["later"] == ["openclaw@2026.5.19"]  # that schedule's fix is not the invariant's
    assert all(x["first"] == "openclaw@2026.5.18" for x in single["shapes"])
    assert found["terminates"]["bisect"][0]["first"] == "openclaw@2026.9.1" and found["terminates"]["first"] is None
    assert "summary-honest" not in found  # held everywhere, never bisected: not a finding

    page = (tmp_path / "report.html").read_text()  # DIR/*/bisect.json was found without --bisect
    section = page.split('id="finding-coordination-single-run"')[1].split("</section>")[0]
    assert 'class="first">openclaw@2026.5.18<' in section and 'class="last">openclaw@2026.5.19<' in section
    # named with --bisect and found under the report dir too: read once
    assert section.count("fixed in openclaw@2026.5.20 (last bad: openclaw@2026.5.19)") == 1
    assert 'last appears in <b class="bisect-last">openclaw@2026.5.19</b>' in section
    assert "still violated in this matrix after that fix, through other schedules: openclaw@2026.5.19" in section
    terminates = page.split('id="finding-terminates"')[1].split("</section>")[0]  # bisected, never violated here: still shown
    assert "violated in no target of this matrix" in terminates
    assert 'first appears in <b class="bisect-first">openclaw@2026.9.1' in terminates
    md = (tmp_path / "matrix.md").read_text()
    row = next(
        line for line in md.splitlines() if line.startswith("| coordination-single-run | openclaw@2026.5.18 | openclaw@2026.5.19 | on ")
    )
    assert "on s.json: last appears in openclaw@2026.5.19, fixed in openclaw@2026.5.20 \\(last bad: openclaw@2026.5.19\\)" in row
    assert (
        "on other.json: last appears in 2026.5.18, fixed in 2026.5.19 \\(last bad: 2026.5.18\\); "
        "still violated in this matrix by other schedules: openclaw@2026.5.19" in row
    )
    assert "| terminates | — | — | on " in md and "first appears in openclaw@2026.9.1, introduced in openclaw@2026.9.1 |" in md


def test_a_bad_bisect_file_is_refused(fake_registry: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bisect.json"
    for text, message in (
        ("{", "not JSON"),
        ('{"first_bad": "1"}', "expected an object with invariant"),
        ('{"invariant": "x", "first_bad": 3}', "'first_bad' must be"),
    ):
        bad.write_text(text)
        assert _matrix("reference", "--bisect", str(bad), out=tmp_path / "m") == 2
        assert message in capsys.readouterr().err


# --- escaping ------------------------------------------------------------------------------------------------


def test_driver_text_is_escaped_in_report_html_and_matrix_md(tmp_path: Path) -> None:
    driver = tmp_path / "evil.py"
    driver.write_text(EVIL)
    assert _matrix("reference", f"py:{driver}:evil", out=tmp_path / "m") == 1
    page = (tmp_path / "m" / "report.html").read_text()
    md = (tmp_path / "m" / "matrix.md").read_text()
    assert "alert(1)" in json.dumps(json.loads((tmp_path / "m" / "matrix.json").read_text()))  # the message is really there
    assert "<script" not in page.lower() and "javascript:" not in page.split("<main>")[0]
    assert "<script" not in md.lower() and "](javascript" not in md
    assert "All models failed \\| x \\| &lt;script&gt;alert\\(1\\)&lt;/script&gt; \\[y\\]\\(javascript:alert\\(1\\)\\)" in md
    # every table row keeps its column count: no pipe from a driver splits a cell
    for table in re.findall(r"((?:^\|.*\|$\n?)+)", md, flags=re.MULTILINE):
        rows = table.strip().splitlines()
        widths = {len(re.findall(r"(?<!\\)\|", row)) for row in rows}
        assert len(widths) == 1, rows


def test_hostile_names_and_messages_in_a_hand_made_document_stay_text() -> None:
    hostile = "<img src=x onerror=alert(1)> | `code` **bold** [l](javascript:x)"
    m = {
        "command": f"simharness matrix {hostile}",
        "scenarios": [hostile],
        "seed": 0,
        "budget": 1,
        "selection": {"text": hostile},
        "targets": [failed_column(hostile, hostile)],
    }
    page = matrix_html(m)
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    md = matrix_md(m)
    regenerate = next(line for line in md.splitlines() if line.startswith("Regenerate: "))
    # the command stays copy-pasteable: one code span whose fence outruns the backticks inside, so it is all literal text
    assert regenerate == f"Regenerate: ``simharness matrix {hostile}``"
    rest = md.replace(regenerate, "")
    assert "<img" not in rest and "\\[l\\]\\(javascript:x\\)" in rest and "\\`code\\`" in rest and "\\*\\*bold\\*\\*" in rest


# --- docs/ci.md's weekly job ---------------------------------------------------------------------------------


def _ci_check() -> str:
    """The "fail on a new violation" step of docs/ci.md's weekly workflow, as the shell would run it."""
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    section = text[text.index("## Watching new releases") :]
    assert "simharness matrix --latest 3" in section and "schedule:" in section and "upload-artifact" in section
    body = re.search(r"python - <<'EOF'\n(.*?)\n\s*EOF\n", section, re.DOTALL)
    assert body is not None
    return "\n".join(line.removeprefix("          ") for line in body.group(1).splitlines())


@pytest.mark.parametrize(
    ("status", "before", "newest", "fails"),
    [
        (1, "violated", "violated", False),  # an old departure, still there: not news
        (1, "held", "violated", True),  # the newest release broke what the one before held
        (1, "n/a", "violated", True),  # ... or what it could not even be asked
        (0, "held", "held", False),
        (2, "held", "held", True),  # a release that could not be run is never a pass
    ],
)
def test_the_ci_example_fails_on_a_new_violation_only(tmp_path: Path, status: int, before: str, newest: str, fails: bool) -> None:
    import os
    import subprocess
    import sys

    (tmp_path / "matrix").mkdir()
    cols = [
        {
            "target": f"openclaw@2026.9.{i}",
            "invariants": {"coordination-single-run": {"status": "violated"}, "no-idle-burn": {"status": st}},
        }
        for i, st in ((4, "violated"), (5, before), (6, newest))
    ]
    (tmp_path / "matrix" / "matrix.json").write_text(json.dumps({"targets": cols}))
    done = subprocess.run(
        [sys.executable, "-c", _ci_check()],
        cwd=tmp_path,
        env={**os.environ, "status": str(status)},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert (done.returncode != 0) == fails, done.stdout + done.stderr
    if fails and status == 1:
        assert "openclaw@2026.9.6 newly violates no-idle-burn (openclaw@2026.9.5 did not)" in done.stderr
