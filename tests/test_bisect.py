"""`simharness bisect`: the release where an invariant's verdict on one schedule changed.

Most tests run against a fake registry (a made-up list of published versions) and fake releases: each
`openclaw@V` resolves to a Python driver — the reference (holds), the 2026.5.18 port (violates
coordination-single-run on the stored takeover schedule), the reference under a profile without the takeover
kind (n/a), or an install failure (skipped). The last test bisects the #83550 fix on the REAL releases
2026.5.18..2026.5.20 (skipped unless they are installed: `simharness target install openclaw@2026.5.18
openclaw@2026.5.19 openclaw@2026.5.20`; under CI it fails instead).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from conftest import missing_release

import simharness.targets
from simharness.cli import main
from simharness.drivers import openclaw_2026_5_18, reference
from simharness.engine.runner import run_seed
from simharness.model.exceptions import TargetError
from simharness.model.scenario import load_scenario
from simharness.model.target import ALL_KINDS_PROFILE, Profile
from simharness.targets import registry
from simharness.targets.python import PythonTarget

DATA = Path(__file__).parent / "data"
#: Recorded on openclaw@2026.5.18 (takeover-race, shrunk): two takeovers, each walks the whole chain there.
SCHEDULE = str(DATA / "takeover-race-2026.5.18.json")
INV = "coordination-single-run"
NO_TAKEOVER = Profile("no-takeover", ALL_KINDS_PROFILE.kinds - {"takeover"})

#: What each fake release is: its driver and profile, or None (it cannot be installed).
KINDS = {
    "H": (reference.run_with_model_fallback, ALL_KINDS_PROFILE),  # holds
    "V": (openclaw_2026_5_18.run_with_model_fallback, ALL_KINDS_PROFILE),  # violates: walks the chain on a takeover
    "N": (reference.run_with_model_fallback, NO_TAKEOVER),  # cannot throw a takeover: n/a
    "X": None,  # npm install fails
}


class Releases:
    """A fake registry and fake releases: `history` is one letter per published version, oldest first."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, history: str, extra: tuple[str, ...] = ()) -> None:
        self.versions = tuple(f"2026.1.{i + 1}" for i in range(len(history)))
        self.kind = dict(zip(self.versions, history))
        self.resolved: list[str] = []
        self.closed = 0
        published = registry.Published(tuple(sorted((*self.versions, *extra), key=registry.version_key)), time.time())
        monkeypatch.setattr(registry, "published", lambda **_: published)
        monkeypatch.setattr(simharness.targets, "resolve_target", self.resolve)

    def resolve(self, spec: str) -> PythonTarget:
        version = spec.removeprefix("openclaw@")
        self.resolved.append(version)
        made = KINDS[self.kind.get(version, "X")]
        if made is None:
            raise TargetError(f"{spec}: npm install failed (no such tarball)")
        driver, profile = made
        releases = self

        class Closing(PythonTarget):
            def close(self) -> None:
                releases.closed += 1

        return Closing(spec, driver, profile)

    def v(self, i: int) -> str:
        return self.versions[i - 1]


def bisect(tmp_path: Path, *args: str) -> tuple[int, dict, str]:
    out = tmp_path / "out"
    code = main(["bisect", *args, "--report-dir", str(out)])
    doc = json.loads((out / "bisect.json").read_text()) if (out / "bisect.json").exists() else {}
    return code, doc, str(out)


def verdicts(doc: dict) -> dict[str, str]:
    return {t["version"]: t["verdict"] for t in doc["tested"]}


def test_a_regression_is_found_with_its_reports(monkeypatch, tmp_path, capsys):
    r = Releases(monkeypatch, "HHHHVVVV")
    code, doc, out = bisect(tmp_path, SCHEDULE, f"openclaw@{r.v(1)}..{r.v(8)}")
    assert code == 0
    assert doc["outcome"] == "boundary" and doc["direction"] == "introduced"
    assert doc["first_bad"] == f"openclaw@{r.v(5)}" and doc["first_good"] is None
    assert doc["boundary"] == [f"openclaw@{r.v(4)}", f"openclaw@{r.v(5)}"]
    assert doc["invariant"] == INV  # the schedule's own
    assert len(doc["tested"]) < 8 and doc["search"] == "binary"  # halved, not walked
    assert r.closed == len(set(r.resolved)) == len(doc["tested"])  # each release resolved once, and closed
    v = verdicts(doc)
    assert v[r.v(4)] == "held" and v[r.v(5)] == "violated"
    bad = next(t for t in doc["tested"] if t["version"] == r.v(5))
    assert bad["runs"] == 6 and "did not stop the chain: run executed 3 times" in bad["narrative"]  # two calls, three runs each
    # the four reports are the replay on the first bad release
    report = json.loads(Path(out, "report.json").read_text())
    assert report["target"] == f"openclaw@{r.v(5)}" and not report["ok"]
    assert all(Path(out, name).is_file() for name in ("summary.md", "junit.xml", "report.html", "bisect.md"))
    assert doc["report_of"] == f"openclaw@{r.v(5)}"
    printed = capsys.readouterr().out
    assert f"first bad release: openclaw@{r.v(5)} (last good: openclaw@{r.v(4)})" in printed
    assert "version" in printed.splitlines()[1] and "narrative" in printed.splitlines()[1]


@pytest.mark.parametrize("form", ["range", "reversed-range", "good-bad"])
def test_a_fix_is_found_in_either_direction(monkeypatch, tmp_path, form):
    r = Releases(monkeypatch, "VVVHHH")
    args = {
        "range": [f"openclaw@{r.v(1)}..{r.v(6)}"],
        "reversed-range": [f"openclaw@{r.v(6)}..openclaw@{r.v(1)}"],
        "good-bad": ["--good", f"openclaw@{r.v(6)}", "--bad", f"openclaw@{r.v(1)}"],  # good is the newer end
    }[form]
    code, doc, _ = bisect(tmp_path, SCHEDULE, *args)
    assert code == 0
    assert doc["direction"] == "fixed"
    assert doc["first_good"] == f"openclaw@{r.v(4)}" and doc["first_bad"] is None
    assert doc["report_of"] == f"openclaw@{r.v(3)}"  # the last release that still violates it
    assert f"first good release: openclaw@{r.v(4)}" in doc["conclusion"][0]


def test_an_uninstallable_release_is_skipped_named_and_searched_around(monkeypatch, tmp_path):
    r = Releases(monkeypatch, "HHXHVV")  # binary search's first pick, 2026.1.3, cannot be installed
    code, doc, _ = bisect(tmp_path, SCHEDULE, f"openclaw@{r.v(1)}..{r.v(6)}")
    assert code == 0
    assert doc["first_bad"] == f"openclaw@{r.v(5)}"
    assert verdicts(doc)[r.v(3)] == "skipped"
    assert doc["skipped"] == [
        {"version": f"openclaw@{r.v(3)}", "reason": f"cannot install or load: openclaw@{r.v(3)}: npm install failed (no such tarball)"}
    ]
    assert any(f"skipped (could not be tested): openclaw@{r.v(3)}" in line for line in doc["conclusion"])


def test_an_untestable_release_at_the_change_is_never_hidden(monkeypatch, tmp_path):
    r = Releases(monkeypatch, "HHHXVV")  # the change is at 2026.1.4 or 2026.1.5: nobody can tell
    code, doc, _ = bisect(tmp_path, SCHEDULE, f"openclaw@{r.v(1)}..{r.v(6)}")
    assert code == 1
    assert doc["outcome"] == "ambiguous" and doc["first_bad"] is None
    assert doc["undecided_between"] == [f"openclaw@{r.v(4)}"]
    assert f"the change is in one of openclaw@{r.v(4)}, openclaw@{r.v(5)}" in doc["conclusion"][0]


def test_an_end_that_cannot_be_installed_is_one_line_and_exit_2(monkeypatch, tmp_path, capsys):
    r = Releases(monkeypatch, "HHVX")
    code, _, _ = bisect(tmp_path, SCHEDULE, f"openclaw@{r.v(1)}..{r.v(4)}")
    err = capsys.readouterr().err
    assert code == 2
    assert f"simharness: error: openclaw@{r.v(4)}: an end of the range cannot be tested" in err
    assert len([line for line in err.splitlines() if line.startswith("simharness: error")]) == 1


def test_a_double_flip_is_reported_as_such_with_all(monkeypatch, tmp_path):
    r = Releases(monkeypatch, "HVVHHVVV")  # introduced at 2026.1.2, fixed at 2026.1.4, back at 2026.1.6
    code, doc, _ = bisect(tmp_path / "binary", SCHEDULE, f"openclaw@{r.v(1)}..{r.v(8)}")
    assert code == 0 and doc["search"] == "binary"  # binary search sees one flip among what it tested...
    assert "shows only with --all" in doc["conclusion"][-1]  # ...and says what it cannot see
    code, doc, _ = bisect(tmp_path / "all", SCHEDULE, f"openclaw@{r.v(1)}..{r.v(8)}", "--all")
    assert code == 1
    assert doc["outcome"] == "non-monotonic" and doc["first_bad"] is None and doc["boundary"] is None
    assert [(f["from"], f["to"]) for f in doc["flips"]] == [
        (f"openclaw@{r.v(1)}", f"openclaw@{r.v(2)}"),
        (f"openclaw@{r.v(3)}", f"openclaw@{r.v(4)}"),
        (f"openclaw@{r.v(5)}", f"openclaw@{r.v(6)}"),
    ]
    assert "flips 3 times" in doc["conclusion"][0]
    assert list(verdicts(doc).values()) == ["held", "violated", "violated", "held", "held", "violated", "violated", "violated"]


def test_a_fix_undone_later_is_no_change_for_binary_search_and_a_double_flip_with_all(monkeypatch, tmp_path):
    r = Releases(monkeypatch, "VVHHVV")
    code, doc, _ = bisect(tmp_path / "binary", SCHEDULE, f"openclaw@{r.v(1)}..{r.v(6)}")
    assert code == 1 and doc["outcome"] == "no-change" and len(doc["tested"]) == 2
    assert "no change in range" in doc["conclusion"][0] and "--all" in doc["conclusion"][1]
    code, doc, _ = bisect(tmp_path / "all", SCHEDULE, f"openclaw@{r.v(1)}..{r.v(6)}", "--all")
    assert code == 1 and doc["outcome"] == "non-monotonic" and len(doc["flips"]) == 2


def test_a_release_that_cannot_throw_the_kind_is_na_never_good(monkeypatch, tmp_path):
    # the reference under a profile without takeovers: `simharness replay` says "every invariant held" there
    r = Releases(monkeypatch, "VVNNHH")
    code, doc, _ = bisect(tmp_path, SCHEDULE, f"openclaw@{r.v(1)}..{r.v(6)}", "--all")
    v = verdicts(doc)
    assert v[r.v(3)] == v[r.v(4)] == "n/a"
    na = next(t for t in doc["tested"] if t["version"] == r.v(3))
    assert na["narrative"] == "1 situation(s) hold a fault kind its profile lacks (takeover)"
    # the fix is at 2026.1.3, 1.4 or 1.5: n/a cannot stand for "held", so no exact boundary
    assert code == 1 and doc["outcome"] == "ambiguous" and doc["first_good"] is None
    assert doc["undecided_between"] == [f"openclaw@{r.v(3)}", f"openclaw@{r.v(4)}"]


def test_na_at_an_end_cannot_decide(monkeypatch, tmp_path):
    r = Releases(monkeypatch, "VHHN")
    code, doc, _ = bisect(tmp_path, SCHEDULE, f"openclaw@{r.v(1)}..{r.v(4)}")
    assert code == 1 and doc["outcome"] == "undecided-end"
    assert f"openclaw@{r.v(4)} is n/a" in doc["conclusion"][0]


def test_na_wins_over_held_elsewhere_in_the_same_run(monkeypatch, tmp_path):
    """Fooling it: a run where one call is judged (a lock timeout, held) and the other cannot be (a takeover
    the profile lacks). The report's status for that run is "held"; bisect says n/a, because the world the
    schedule needs is not one this release can produce."""
    scenario = load_scenario(Path(__file__).parents[1] / "scenarios" / "nested-coordination.toml")
    fooled = run_seed(scenario, PythonTarget("x", reference.run_with_model_fallback, NO_TAKEOVER), 0)
    assert fooled.ok and fooled.verdicts.checked[INV] == 1 and fooled.verdicts.not_applicable[INV] == 1  # the premise
    r = Releases(monkeypatch, "VN")
    code, doc, _ = bisect(tmp_path, "--scenario", str(scenario.path), "--seed", "0", f"openclaw@{r.v(1)}..{r.v(2)}")
    assert verdicts(doc) == {r.v(1): "violated", r.v(2): "n/a"}
    assert code == 1 and doc["outcome"] == "undecided-end"


def test_good_and_bad_that_do_not_hold_as_claimed(monkeypatch, tmp_path):
    r = Releases(monkeypatch, "HHVV")
    code, doc, _ = bisect(tmp_path, SCHEDULE, "--good", f"openclaw@{r.v(4)}", "--bad", f"openclaw@{r.v(1)}")
    assert code == 1 and doc["outcome"] == "ends-disagree" and doc["boundary"] is None
    assert f"--good openclaw@{r.v(4)} is violated and --bad openclaw@{r.v(1)} is held" in doc["conclusion"][0]


def test_scenario_and_seed_and_a_named_invariant(monkeypatch, tmp_path):
    r = Releases(monkeypatch, "HHVV")
    scenario = str(Path(__file__).parents[1] / "scenarios" / "takeover-race.toml")
    code, doc, _ = bisect(tmp_path, "--scenario", scenario, "--seed", "3", f"openclaw@{r.v(1)}..{r.v(4)}", "--invariant", "no-idle-burn")
    assert code == 0 and doc["invariant"] == "no-idle-burn" and doc["first_bad"] == f"openclaw@{r.v(3)}"
    assert doc["subject"] == f"scenario {scenario} --seed 3"


def test_prereleases_only_when_asked(monkeypatch, tmp_path):
    r = Releases(monkeypatch, "HHVV", extra=("2026.1.3-beta.1",))
    r.kind["2026.1.3-beta.1"] = "V"  # the change landed in the beta
    _, doc, _ = bisect(tmp_path / "a", SCHEDULE, f"openclaw@{r.v(1)}..{r.v(4)}")
    assert "openclaw@2026.1.3-beta.1" not in doc["versions"] and doc["first_bad"] == f"openclaw@{r.v(3)}"
    _, doc, _ = bisect(tmp_path / "b", SCHEDULE, f"openclaw@{r.v(1)}..{r.v(4)}", "--prereleases", "--all")
    assert doc["first_bad"] == "openclaw@2026.1.3-beta.1"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ([SCHEDULE, "openclaw@2026.1.1..2026.1.99"], "openclaw@2026.1.99: not a published version"),
        ([SCHEDULE, "openclaw@2026.0.1..2026.1.3"], "openclaw@2026.0.1: not a published version"),
        ([SCHEDULE, "openclaw@banana..2026.1.3"], "openclaw@banana: not a published version"),
        ([SCHEDULE, "openclaw@2026.1.1..2026.1.3", "--invariant", "no-such-thing"], "--invariant 'no-such-thing': unknown invariant"),
        ([SCHEDULE, "--good", "reference", "--bad", "openclaw@2026.1.3"], "--good 'reference': expected openclaw@VERSION"),
        ([SCHEDULE, "--good", "openclaw@2026.1.1"], "--good and --bad go together"),
        ([SCHEDULE], "no range"),
        ([SCHEDULE, "openclaw@2026.1.2..2026.1.2"], "holds one release"),
        (["openclaw@2026.1.1..2026.1.3"], "give one schedule file, or --scenario FILE with --seed S"),
        (["--scenario", "scenarios/takeover-race.toml", "openclaw@2026.1.1..2026.1.3"], "--scenario needs --seed"),
        (["no-such.json", "openclaw@2026.1.1..2026.1.3"], "no-such.json: no such file"),
    ],
)
def test_bad_input_is_one_line_and_exit_2_before_any_release_runs(monkeypatch, tmp_path, capsys, args, says):
    r = Releases(monkeypatch, "HHVV")
    code = main(["bisect", *args, "--report-dir", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and err[0].startswith("simharness: error: ") and says in err[0], err
    assert r.resolved == []  # nothing installed or run
    assert not (tmp_path / "out" / "bisect.json").exists()


def test_nothing_violated_at_either_end_without_an_invariant_is_bad_input(monkeypatch, tmp_path, capsys):
    r = Releases(monkeypatch, "HH")
    scenario = str(Path(__file__).parents[1] / "scenarios" / "takeover-race.toml")
    code = main(["bisect", "--scenario", scenario, "--seed", "3", f"openclaw@{r.v(1)}..{r.v(2)}", "--report-dir", str(tmp_path)])
    assert code == 2
    assert "no invariant is violated at either end of the range; name one with --invariant" in capsys.readouterr().err


def test_markdown_report_escapes_the_narrative(monkeypatch, tmp_path):
    r = Releases(monkeypatch, "HV")
    _, doc, out = bisect(tmp_path, SCHEDULE, f"openclaw@{r.v(1)}..{r.v(2)}")
    md = Path(out, "bisect.md").read_text()
    assert f"**first bad release: openclaw@{r.v(2)}" in md
    assert "| `2026.1.2` | ❌ violated | 6 |" in md
    assert "Not tested" not in md  # both releases were
    r = Releases(monkeypatch, "HHHHHV")
    _, doc, out = bisect(tmp_path / "b", SCHEDULE, f"openclaw@{r.v(1)}..{r.v(6)}")
    untested = [f"openclaw@{v}" for v in r.versions if v not in verdicts(doc)]
    assert untested and f"Not tested (binary search did not need them): {', '.join(untested)}\n" in Path(out, "bisect.md").read_text()
    assert doc["schema"] == "simharness/bisect/v1" and doc["registry"]["stale"] is False


# --- the real releases ------------------------------------------------------------------------------------------

REAL = ("2026.5.18", "2026.5.19", "2026.5.20")


def test_real_bisect_names_the_release_that_fixed_83510(tmp_path):
    """#83510 (the 2026.5.18 driver has no coordination check: a takeover walks the whole chain), fixed by PR
    #83550: bisect names the release that shipped the fix, measured on the real packages through the bridge."""
    from simharness.targets.install import installed

    missing = [v for v in REAL if installed(v) is None]
    if missing:
        message = missing_release(", ".join(f"openclaw@{v}" for v in missing))
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    code, doc, out = bisect(tmp_path, SCHEDULE, "openclaw@2026.5.18..2026.5.20")
    assert code == 0, doc
    assert doc["first_good"] == "openclaw@2026.5.19"
    assert doc["boundary"] == ["openclaw@2026.5.18", "openclaw@2026.5.19"]
    assert verdicts(doc) == {"2026.5.18": "violated", "2026.5.19": "held", "2026.5.20": "held"}
    assert json.loads(Path(out, "report.json").read_text())["target"] == "openclaw@2026.5.18"


def test_an_invariant_the_run_never_judges_is_not_checked_never_held(monkeypatch, tmp_path):
    r = Releases(monkeypatch, "HV")
    code, doc, _ = bisect(tmp_path, SCHEDULE, f"openclaw@{r.v(1)}..{r.v(2)}", "--invariant", "terminal-stops")  # no terminal error here
    assert set(verdicts(doc).values()) == {"not-checked"}
    assert code == 1 and doc["outcome"] == "undecided-end"
