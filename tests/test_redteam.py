"""Holes a red team found, each closed with a driver written to be wrong in that way.

1. A driver that ends the process (`os._exit`, `os.abort`, a signal to itself) — directly, from a thread it
   started, or from an atexit hook — is a `driver-contract` verdict, never exit 0 with no report.
2. `next()` on an exhausted iterator inside the driver's generator (PEP 479's RuntimeError) is the driver's
   crash, not a harness traceback.
3. A `SIMHARNESS_PROFILE` of the wrong type is one line and exit 2, not a crash mid-suite.
4. A profile narrower than the world's kinds never reads as a plain green "all held".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from simharness.cli import main
from simharness.explore.suite import run_suite
from simharness.guard import exits as _exits
from simharness.guard import live_thread as _live_thread
from simharness.model.scenario import parse_scenario
from simharness.report.document import finalize, report_json
from simharness.report.markdown import summary_md
from simharness.report.merge import merge_shards
from simharness.report.status import headline
from simharness.report.write import write_reports
from simharness.targets import resolve_target

ROOT = Path(__file__).resolve().parent.parent

SCENARIO = """
name = "redteam"
description = "two sessions racing on one file, a three-model chain"

[world]
sessions = 2
files = 1
session_start_ms = [0, 100]
chain = ["openai/gpt-a", "anthropic/claude-b", "google/gemini-c"]

[providers."*"]
latency_ms = [100]
faults = { rate_limit = 0.3 }
"""

HEADER = """
import os
import signal
import threading
from simharness.drivers.reference import run_with_model_fallback as good
"""


def _write(tmp_path: Path, body: str) -> Path:
    driver = tmp_path / "drv.py"
    driver.write_text(HEADER + textwrap.dedent(body))
    (tmp_path / "redteam.toml").write_text(SCENARIO)
    return driver


def _line_of(driver: Path, marker: str = "# <-") -> str:
    lines = driver.read_text().splitlines()
    return f"drv.py:{next(i + 1 for i, line in enumerate(lines) if marker in line)}"


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real console entry (`python -m simharness`): the process's own exit code is what is judged."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "simharness", *args], check=False, cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def _suite(tmp_path: Path, driver: Path, attr: str = "drv", budget: int = 6) -> Any:
    scenario = parse_scenario(__import__("tomllib").loads(SCENARIO))
    return run_suite([scenario], resolve_target(f"py:{driver}:{attr}"), seed=0, budget=budget)


def _first(suite: Any, invariant: str = "driver-contract") -> str:
    ce = suite.invariants[invariant].counterexample
    assert ce is not None, f"{invariant} was not violated"
    return next(v.message for v in ce.verdicts.violations if v.invariant == invariant)


# --- 1. ending the process -----------------------------------------------------------------------------

EXITS = {
    "direct": """
        def drv(ctx, candidates, run, on_error):
            yield ctx.env.timeout(1)
            os._exit(0)  # <-
        """,
    "early-bound": """
        from os import _exit

        def drv(ctx, candidates, run, on_error):
            yield ctx.env.timeout(1)
            _exit(0)  # <-
        """,
    "thread": """
        def drv(ctx, candidates, run, on_error):
            def bye():
                os._exit(0)  # <-
            t = threading.Thread(target=bye)
            t.start()
            t.join()
            return (yield from good(ctx, candidates, run, on_error))
        """,
    "swallowed": """
        def drv(ctx, candidates, run, on_error):
            try:
                os._exit(0)  # <-
            except BaseException:
                pass
            return (yield from good(ctx, candidates, run, on_error))
        """,
}


@pytest.mark.parametrize("case", sorted(EXITS))
def test_os_exit_is_a_driver_contract_verdict_through_the_cli(case: str, tmp_path: Path) -> None:
    driver = _write(tmp_path, EXITS[case])
    out = _cli("run", "redteam.toml", "--target", f"py:{driver}:drv", "--budget", "4", "--report-dir", "rep", cwd=tmp_path)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "driver-contract" in out.stdout and "os._exit(0)" in out.stdout and _line_of(driver) in out.stdout, out.stdout
    assert "Traceback" not in out.stderr, out.stderr
    doc = json.loads((tmp_path / "rep" / "report.json").read_text())
    inv = next(i for i in doc["invariants"] if i["id"] == "driver-contract")
    assert inv["violated"] == doc["runs"] == 4 and inv["violated"] <= inv["checked"]
    # the saved schedule replays to the same verdict, through the replay command's own exit
    replayed = _cli("replay", str(tmp_path / "rep" / inv["counterexample"]["schedule"]), "--target", f"py:{driver}:drv", cwd=tmp_path)
    assert replayed.returncode == 1 and "os._exit(0)" in replayed.stdout and "DIFFERS" not in replayed.stdout, replayed.stdout


@pytest.mark.parametrize(
    ("call", "source"),
    [
        ("os.abort()", "os.abort()"),
        ("os.kill(os.getpid(), signal.SIGTERM)", "os.kill("),
        ("signal.raise_signal(signal.SIGTERM)", "signal.raise_signal("),
        ("signal.pthread_kill(threading.main_thread().ident, signal.SIGTERM)", "signal.pthread_kill("),
    ],
)
def test_ending_the_process_any_other_way_is_a_verdict(call: str, source: str, tmp_path: Path) -> None:
    """In-process: if the guard failed, the test process itself would die (a failure, never a pass)."""
    driver = _write(
        tmp_path,
        f"""
        def drv(ctx, candidates, run, on_error):
            yield ctx.env.timeout(1)
            {call}  # <-
        """,
    )
    message = _first(_suite(tmp_path, driver))
    assert "ProcessExit" in message and source in message and _line_of(driver) in message, message


def test_a_signal_to_another_process_or_a_liveness_probe_passes(tmp_path: Path) -> None:
    driver = _write(
        tmp_path,
        """
        def drv(ctx, candidates, run, on_error):
            os.kill(os.getpid(), 0)  # signal 0 only asks whether the process exists
            return (yield from good(ctx, candidates, run, on_error))
        """,
    )
    suite = _suite(tmp_path, driver)
    assert suite.ok and suite.invariants["driver-contract"].checked > 0


def test_exit_from_a_simpy_process_the_driver_started_is_a_verdict(tmp_path: Path) -> None:
    driver = _write(
        tmp_path,
        """
        def drv(ctx, candidates, run, on_error):
            def flush():
                yield ctx.env.timeout(1)
                os._exit(0)  # <-
            ctx.env.process(flush())
            return (yield from good(ctx, candidates, run, on_error))
        """,
    )
    out = _cli("run", "redteam.toml", "--target", f"py:{driver}:drv", "--budget", "4", "--report-dir", "rep", cwd=tmp_path)
    assert out.returncode == 1 and "os._exit(0)" in out.stdout and _line_of(driver) in out.stdout, out.stdout + out.stderr


def test_outside_a_run_the_guards_pass_through() -> None:
    _exits.install_exit_guards()
    assert os._exit is not _exits.hard_exit  # the guard stays in place for the process
    assert not _live_thread.is_live()
    os.kill(os.getpid(), 0)  # passes through: no run is live, and signal 0 is no exit anyway


ATEXIT = """
import atexit
atexit.register(lambda: os._exit(0))  # <-


def drv(ctx, candidates, run, on_error):
    for provider, model in candidates:  # legacy: a coordination error walks the chain
        try:
            return (yield from run(provider, model))
        except Exception as err:
            last = err
            on_error({"provider": provider, "model": model, "error": err})
    raise last
"""


def test_an_atexit_hook_cannot_turn_a_violation_into_exit_0_cli(tmp_path: Path) -> None:
    driver = _write(tmp_path, ATEXIT)
    out = _cli("run", "redteam.toml", "--target", f"py:{driver}:drv", "--budget", "10", "--report-dir", "rep", cwd=tmp_path)
    assert out.returncode == 1 and "❌" in out.stdout, out.stdout + out.stderr
    bad = _cli("run", "redteam.toml", "--target", f"py:{driver}:nope", cwd=tmp_path)  # a usage error keeps its code too
    assert bad.returncode == 2 and "no callable 'nope'" in bad.stderr


def test_an_atexit_hook_cannot_turn_a_violation_into_exit_0_pytest(tmp_path: Path) -> None:
    driver = _write(tmp_path, ATEXIT)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PYTEST_XDIST_WORKER", None)
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "redteam.toml",
            f"--sim-target=py:{driver}:drv",
            "--sim-budget=10",
        ],
        check=False,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 1 and "1 failed" in out.stdout, out.stdout + out.stderr


# --- 2. PEP 479 ------------------------------------------------------------------------------------------


def test_next_on_an_exhausted_iterator_is_the_drivers_crash(tmp_path: Path) -> None:
    driver = _write(
        tmp_path,
        """
        def drv(ctx, candidates, run, on_error):
            override = next(pm for pm in candidates if pm[0] == "azure")  # <-
            return (yield from good(ctx, [override, *candidates], run, on_error))
        """,
    )
    message = _first(_suite(tmp_path, driver))
    assert message.endswith(f"the driver raised RuntimeError: generator raised StopIteration at {_line_of(driver)}"), message


def test_next_deeper_in_the_drivers_own_helpers_is_blamed_on_its_line(tmp_path: Path) -> None:
    driver = _write(
        tmp_path,
        """
        def pick(candidates):
            yield next(iter(()))  # <-

        def drv(ctx, candidates, run, on_error):
            yield from pick(candidates)
        """,
    )
    assert _line_of(driver) in _first(_suite(tmp_path, driver))


# --- 3. SIMHARNESS_PROFILE of the wrong type -----------------------------------------------------------

PROFILES = {
    "string": ("SIMHARNESS_PROFILE = 'all-kinds'", "is 'all-kinds', not a simharness.Profile"),
    "none": ("SIMHARNESS_PROFILE = None", "is None, not a simharness.Profile"),
    "list-kinds": ("SIMHARNESS_PROFILE = Profile('x', ['takeover'])", "has kinds of type list"),
    "int-kinds": ("SIMHARNESS_PROFILE = Profile('x', frozenset({1}))", "not strings: 1"),
    "typo": ("SIMHARNESS_PROFILE = Profile('x', frozenset({'takover'}))", "unknown fault kinds 'takover'"),
    "name": ("SIMHARNESS_PROFILE = Profile(None, frozenset())", "has name None"),
    "borrowed-all-kinds": (
        "SIMHARNESS_PROFILE = Profile('all-kinds', ALL_KINDS_PROFILE.kinds - {'worker_workspace_reconciliation'})",
        "named 'all-kinds' like the built-in profile but has other kinds (lacks worker_workspace_reconciliation)",
    ),
    "borrowed-embedded-lock": (
        "SIMHARNESS_PROFILE = Profile('embedded-lock', PROVIDER_KINDS)",
        "named 'embedded-lock' like the built-in profile but has other kinds (lacks lock_timeout, provider_rule_billing, takeover)",
    ),
}


@pytest.mark.parametrize("case", sorted(PROFILES))
def test_a_bad_profile_is_one_line_and_exit_2(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line, expected = PROFILES[case]
    driver = tmp_path / "drv.py"
    driver.write_text(
        "from simharness import Profile\nfrom simharness.model.target import ALL_KINDS_PROFILE, PROVIDER_KINDS\n"
        f"from simharness.drivers.reference import run_with_model_fallback as drv\n{line}\n"
    )
    (tmp_path / "redteam.toml").write_text(SCENARIO)
    assert main(["run", str(tmp_path / "redteam.toml"), "--target", f"py:{driver}:drv", "--report-dir", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "SIMHARNESS_PROFILE" in err and expected in err, err
    assert not (tmp_path / "r" / "report.json").exists()


def test_a_set_of_kinds_and_the_built_in_profiles_as_they_are_are_accepted(tmp_path: Path) -> None:
    driver = tmp_path / "drv.py"
    driver.write_text(
        "from simharness import Profile\nfrom simharness.model.target import EMBEDDED_LOCK_PROFILE\n"
        "from simharness.drivers.reference import run_with_model_fallback as drv\n"
        "SIMHARNESS_PROFILE = Profile('mine', {'takeover', 'rate_limit'})\n"
    )
    target = resolve_target(f"py:{driver}:drv")
    assert target.profile.kinds == frozenset({"takeover", "rate_limit"}) and isinstance(target.profile.kinds, frozenset)
    driver.write_text(driver.read_text().replace("Profile('mine', {'takeover', 'rate_limit'})", "EMBEDDED_LOCK_PROFILE"))
    assert resolve_target(f"py:{driver}:drv").profile.name == "embedded-lock"


# --- 4. a narrow profile is never a plain green ---------------------------------------------------------

NARROW = """
from simharness import Profile
from simharness.model.kinds import PROVIDER_KINDS

SIMHARNESS_PROFILE = Profile("provider-only", PROVIDER_KINDS, "declares no coordination kind")


def drv(ctx, candidates, run, on_error):  # legacy: wrong on every coordination error, which its profile hides
    for provider, model in candidates:
        try:
            return (yield from run(provider, model))
        except Exception as err:
            last = err
            on_error({"provider": provider, "model": model, "error": err})
    raise last
"""


def test_a_narrow_profile_says_what_it_lacks_in_every_report(tmp_path: Path) -> None:
    (tmp_path / "drv.py").write_text(NARROW)
    suite = _suite(tmp_path, tmp_path / "drv.py", budget=20)
    assert suite.ok  # nothing is violated: the driver's bugs are n/a under its profile ...
    doc = write_reports(suite, tmp_path / "r")
    assert doc["profile_lacks"] and "takeover" in doc["profile_lacks"] and "rate_limit" not in doc["profile_lacks"]
    assert sum(i["not_applicable"] for i in doc["invariants"]) > 0
    head = headline(doc)  # ... and the headline says so, never a plain green "all held"
    assert head.level == "caveat" and head.icon != "✅", head
    assert "n/a: fault kinds outside the target's profile provider-only (active_turn_claim" in head.text, head.text
    assert doc["headline"]["level"] == "caveat"
    md = (tmp_path / "r" / "summary.md").read_text()
    assert md.startswith("# simharness: ⚠️") and "lacks " in md and "takeover" in md.splitlines()[2]
    html = (tmp_path / "r" / "report.html").read_text()
    assert 'class="banner caveat"' in html and ".banner.caveat" in html and 'id="profile-lacks"' in html
    assert "⚠" in html.split('id="verdict"')[1][:200]


def test_the_caveat_banner_renders_in_a_real_browser(tmp_path: Path) -> None:
    from test_html_browser import _browser

    (tmp_path / "drv.py").write_text(NARROW)
    write_reports(_suite(tmp_path, tmp_path / "drv.py", budget=10), tmp_path / "r")
    dom = _browser("--dump-dom", (tmp_path / "r" / "report.html").as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    banner = dom.stdout.split('id="verdict"')[1][:1200]
    assert 'class="banner caveat"' in dom.stdout and "⚠" in banner and "n/a: fault kinds outside the target" in banner
    assert "✓" not in banner and "takeover" in banner  # the lacking kinds are listed in the banner's meta line


def test_a_narrow_profile_through_the_cli_prints_the_caveat(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "drv.py").write_text(NARROW)
    (tmp_path / "redteam.toml").write_text(SCENARIO)
    code = main(["run", str(tmp_path / "redteam.toml"), "--target", f"py:{tmp_path / 'drv.py'}:drv", "--report-dir", str(tmp_path / "r")])
    out = capsys.readouterr().out
    assert code == 0 and "✅" not in out and "n/a: fault kinds outside the target's profile provider-only" in out, out


def test_the_headline_without_n_a_is_unchanged_and_merges_keep_what_the_profile_lacks(tmp_path: Path) -> None:
    def doc(na: int, lacks: list[str] | None) -> dict[str, Any]:
        d: dict[str, Any] = {
            "runs": 5,
            "profile": "p",
            "invariants": [
                {"id": "coordination-single-run", "checked": 3, "violated": 0, "not_applicable": na},
                {"id": "driver-contract", "checked": 5, "violated": 0, "not_applicable": 0},
            ],
        }
        if lacks is not None:
            d["profile_lacks"] = lacks
        return d

    assert headline(doc(0, [])).level == "ok" and headline(doc(0, [])).text == "all 2 invariants held"
    caveat = headline(doc(4, ["takeover"]))
    assert caveat.level == "caveat"
    assert caveat.text == "all 2 invariants held where applicable; 4 situations n/a: fault kinds outside the target's profile p (takeover)"
    assert headline(doc(1, None)).level == "caveat"  # an older document without the list still never reads green
    # shards of a narrow-profile run merge to the same caveat
    (tmp_path / "drv.py").write_text(NARROW)
    target = resolve_target(f"py:{tmp_path / 'drv.py'}:drv")
    scenario = parse_scenario(__import__("tomllib").loads(SCENARIO))
    docs = [report_json(run_suite([scenario], target, seed=0, budget=10, shard=(i, 2)), tmp_path / f"s{i}") for i in (1, 2)]
    merged = finalize(merge_shards([(f"s{i}", d) for i, d in enumerate(docs, 1)]))
    assert merged["profile_lacks"] == docs[0]["profile_lacks"] and merged["headline"]["level"] == "caveat"
    assert "lacks" in summary_md(merged)
