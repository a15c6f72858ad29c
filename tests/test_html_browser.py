"""report.html in a real browser (Debian's chromium, headless): it renders, shows the timeline, loads nothing.

Runs when chromium is installed; on CI (`CI=true`) a missing chromium is a failure, not a skip, so the check
cannot silently disappear. Install it with `apt-get install -y --no-install-recommends chromium`.
The screenshot is kept at `<tmp>/report.png`; run with `-s` to see the path.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import tempfile
import zlib
from collections import Counter
from pathlib import Path

import pytest

from simharness.engine.shrink import shrink
from simharness.explore.suite import run_suite
from simharness.model.kinds import INVARIANTS
from simharness.model.scenario import load_scenario, parse_scenario
from simharness.report.write import write_reports
from simharness.targets import resolve_target

ROOT = Path(__file__).resolve().parent.parent
RED = (0xCF, 0x22, 0x2E)  # --bad: the violating step's line and ring, faults

LEGACY = '''
from simharness.model.errors import JSError
from simharness.check.oracle import EXPECTED_REASON, category_of, root_kind


def legacy(ctx, candidates, run, on_error):
    """Before openclaw#83550: a takeover is an ordinary failure and walks the whole chain."""
    attempts = []
    for i, (p, m) in enumerate(candidates):
        try:
            return (yield from run(p, m))
        except JSError as err:
            if category_of(err) == "terminal":
                raise
            attempts.append((p, m, err))
            on_error({"provider": p, "model": m, "error": err, "attempt": i + 1, "total": len(candidates)})
    if len(attempts) <= 1:
        raise attempts[-1][2]
    parts = " | ".join(f"{p}/{m}: {e.message} (<script>{EXPECTED_REASON.get(root_kind(e))}</script>)" for p, m, e in attempts)
    raise JSError(f"All models failed ({len(attempts)}): {parts}", kind="summary")
'''


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("CI") == "true":
        pytest.fail("chromium is not installed; CI must install it: apt-get install -y --no-install-recommends chromium")
    pytest.skip("chromium is not installed (apt-get install -y --no-install-recommends chromium)")


def _browser(*args: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [
                _chromium(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                f"--user-data-dir={profile}",
                "--enable-logging=stderr",
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


def _pixels(png: bytes) -> tuple[int, int, list[bytes]]:
    """Decode an 8-bit RGB(A), non-interlaced PNG (what chromium writes) into rows of pixels."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, data, header = 8, b"", b""
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, body = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        header = body if kind == b"IHDR" else header
        data += body if kind == b"IDAT" else b""
        pos += 12 + length
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and color in (2, 6) and interlace == 0
    bpp = 3 if color == 2 else 4
    raw, stride, rows, prev = zlib.decompress(data), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line if bpp == 3 else b"".join(line[j : j + 3] for j in range(0, stride, 4))))
        prev = line
    return width, height, rows


def test_report_renders_in_a_real_browser_with_the_swimlane_timeline(tmp_path: Path) -> None:
    _chromium()
    driver = tmp_path / "legacy.py"
    driver.write_text(LEGACY)
    target = resolve_target(f"py:{driver}:legacy")
    race = load_scenario(ROOT / "scenarios" / "takeover-race.toml")
    hostile = parse_scenario(
        {
            "name": "<script>document.title='pwned'</script>",
            "description": "<img src=x onerror=alert(1)>",
            "world": {"chain": ["a/x", "b/y"]},
        },
        "hostile",
    )
    suite = run_suite([race, hostile], target, seed=2, budget=60, shrink=shrink)
    assert not suite.ok
    write_reports(suite, tmp_path / "report")
    page = (tmp_path / "report" / "report.html").as_uri()

    # the DOM chromium built: the timelines are there, no script element was created, nothing was blocked
    dom = _browser("--dump-dom", page)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert dom.stdout.count('class="tl"') >= 2 and "<script" not in dom.stdout.lower()
    assert "Refused to" not in dom.stderr  # a Content-Security-Policy violation: the page tried to load something

    # the picture: the page is drawn, and the violating step's red line is on it
    shot = tmp_path / "report.png"
    result = _browser("--window-size=1400,2400", f"--screenshot={shot}", page)
    assert result.returncode == 0 and shot.is_file(), result.stderr[-2000:]
    print(f"screenshot: {shot}")
    width, height, rows = _pixels(shot.read_bytes())
    assert (width, height) == (1400, 2400)
    white = bytes((255, 255, 255))
    painted = sum(1 for row in rows[::8] for x in range(0, len(row), 24) if row[x : x + 3] != white)
    assert painted > len(rows[::8]) * (len(rows[0]) // 24) * 0.05  # not a blank page
    red = sum(1 for row in rows for x in range(0, len(row), 3) if tuple(row[x : x + 3]) == RED)
    assert red > 200  # the dashed violation line across the lanes, its ring and label, the fault marks


def test_statuses_crashes_and_any_text_render_honestly_in_a_real_browser(tmp_path: Path) -> None:
    """An unexercised suite with a crashed item, a not-checked and an n/a invariant, and error text carrying a
    lone surrogate, NUL and an ANSI escape: chromium parses the page, the banner is the warning colour, never
    green, every status badge is there, and the text is shown (visibly) rather than breaking the page."""
    from simharness.report.write import write_docs

    _chromium()
    counts = {"coordination-single-run": (0, 0, 6), "summary-honest": (0, 0, 0), "terminates": (6, 0, 0), "driver-contract": (0, 0, 0)}
    doc = {
        "tool": "simharness",
        "version": "0",
        "target": "py:x.py:f",
        "profile": "p",
        "strategy": "random",
        "seed": 0,
        "budget": 6,
        "shard": "1/1",
        "runs": 6,
        "ok": True,
        "complete": True,
        "invariants": [
            {"id": k, "description": k, "checked": c, "violated": v, "not_applicable": n, "counterexample": None}
            for k, (c, v, n) in counts.items()
        ],
        "errors": [{"scenario": "s", "nodeid": "s.toml::s", "message": "RuntimeError: cut \ud83d emoji \x00 \x1b[31mred"}],
        "scenarios": [
            {"name": "s", "description": "d", "path": None, "seed": 0, "runs": 6, "failed_runs": 0, "situations": {}, "expect": []}
        ],
        "sometimes": [],
        "unreached": [],
        "timing": {"wall_seconds": 0.5, "runs_per_second": 12.0},
    }
    write_docs(doc, tmp_path / "report")
    page = (tmp_path / "report" / "report.html").as_uri()
    dom = _browser("--dump-dom", page)
    assert dom.returncode == 0, dom.stderr[-2000:]
    banner = dom.stdout.split('id="verdict"')[1].split("</div>")[0]
    assert "✗" in banner and "crashed" in banner and "✓" not in banner  # a crashed item fails the page
    for st in ("n/a", "not-checked", "held"):
        assert f'data-status="{st}"' in dom.stdout
    assert "cut \ufffd emoji ␀ ␛[31mred" in dom.stdout and "<script" not in dom.stdout.lower()

    doc["errors"] = []  # the same suite without the crash: unexercised, shown in the warning colour
    write_docs(doc, tmp_path / "quiet")
    shot = tmp_path / "quiet.png"
    result = _browser("--window-size=1000,400", f"--screenshot={shot}", (tmp_path / "quiet" / "report.html").as_uri())
    assert result.returncode == 0 and shot.is_file(), result.stderr[-2000:]
    _, _, rows = _pixels(shot.read_bytes())
    colours = {tuple(row[x : x + 3]) for row in rows[:200] for x in range(0, len(row), 3)}
    assert (0xFF, 0xF8, 0xC5) in colours  # the unexercised banner's yellow
    assert (0xDA, 0xFB, 0xE1) not in colours  # the green "ok" banner and badge background: nowhere near the top


def test_matrix_index_page_renders_in_a_real_browser(tmp_path: Path) -> None:
    """The matrix's report.html: chromium builds the targets × invariants table with every badge a link to that
    target's report, hostile driver text stays text, and the picture shows the whole table (the last column's
    badges are on screen, not scrolled off) with the violated badges in red."""
    from simharness.cli import main

    _chromium()
    driver = tmp_path / "legacy.py"
    driver.write_text(LEGACY)  # its summary error carries <script>
    out = tmp_path / "matrix"
    code = main(
        ["matrix", "reference", "mutant:legacy", f"py:{driver}:legacy", "--scenarios", str(ROOT / "scenarios" / "takeover-race.toml")]
        + ["--budget", "20", "--report-dir", str(out)]
    )
    assert code == 1
    page = (out / "report.html").as_uri()
    dom = _browser("--dump-dom", page)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "<script" not in dom.stdout.lower() and "Refused to" not in dom.stderr
    table = dom.stdout.split('id="matrix"')[1].split("</table>")[0]
    assert table.count("data-status=") == 3 * len(INVARIANTS) and table.count('data-status="violated"') >= 2
    for name in ("reference", "mutant-legacy"):
        assert f'href="{name}/report.html"' in table and (out / name / "report.html").is_file()

    shot = tmp_path / "matrix.png"
    result = _browser("--window-size=1300,700", f"--screenshot={shot}", page)
    assert result.returncode == 0 and shot.is_file(), result.stderr[-2000:]
    print(f"screenshot: {shot}")
    _, _, rows = _pixels(shot.read_bytes())
    colours = Counter(tuple(row[x : x + 3]) for row in rows for x in range(0, len(row), 3))
    assert colours[RED] > 50  # the VIOLATED badges' text (and the banner's colour family)
    assert colours[(0xDA, 0xFB, 0xE1)] > 500  # held badges
    # terminal-stops, the last column, is "not checked" on takeover-race: its yellow badges are inside the window
    yellow = [x // 3 for row in rows for x in range(0, len(row), 3) if tuple(row[x : x + 3]) == (0xFF, 0xF8, 0xC5)]
    assert len(yellow) > 200 and max(yellow) < 1300


SESSION_LANE = (0xF3, 0xF8, 0xFF)  # .lane-session


def _rows_with(rows: list[bytes], colour: tuple[int, int, int]) -> int:
    """How many pixel rows show `colour` somewhere: a lane's height counts once, whatever its width."""
    needle = bytes(colour)
    return sum(1 for row in rows if any(row[x : x + 3] == needle for x in range(0, len(row), 3)))


def test_the_timeline_shows_the_involved_lanes_and_the_rest_one_click_away(tmp_path: Path) -> None:
    """An unshrunk counterexample from a 16-session world: by default the picture has the violating call's
    lanes only (one session lane, its lock, the writer that wrote under it, its provider); the link opens all
    27 lanes with no script (:target), and the way back shows the few again."""
    _chromium()
    crowded = load_scenario(ROOT / "tests" / "data" / "crowded.toml")
    suite = run_suite([crowded], resolve_target("mutant:size-only-fingerprint"), seed=0, budget=3)
    write_reports(suite, tmp_path / "report")
    page = (tmp_path / "report" / "report.html").as_uri()

    dom = _browser("--dump-dom", page)
    assert dom.returncode == 0, dom.stderr[-2000:]
    focus = dom.stdout.split('class="lanes-focus"')[1]
    everything = dom.stdout.split('class="lanes-all"')[1].split('class="lanes-focus"')[0]
    shown = [n.split("<")[0] for n in focus.split('class="lanename">')[1:]]
    assert len([n for n in shown if n.startswith("session-")]) == 1 and len(shown) <= 5, shown
    assert everything.count('class="lanename"') >= 24 and 'href="#lanes-no-silent-overwrite"' in focus
    assert "<script" not in dom.stdout.lower() and "Refused to" not in dom.stderr

    heights = {}
    for view, url in (("focus", page), ("all", page + "#lanes-no-silent-overwrite"), ("back", page + "#ce-no-silent-overwrite")):
        shot = tmp_path / f"{view}.png"
        # half scale: a tall page in a quarter of the pixels (this file's PNG decoder is pure Python)
        result = _browser("--window-size=1400,5000", "--force-device-scale-factor=0.5", f"--screenshot={shot}", url)
        assert result.returncode == 0 and shot.is_file(), result.stderr[-2000:]
        heights[view] = _rows_with(_pixels(shot.read_bytes())[2], SESSION_LANE)
    assert 10 < heights["focus"] < 50  # one session lane (40 px, drawn at half scale)
    assert heights["all"] > 12 * heights["focus"]  # sixteen of them: the click opened every lane
    assert heights["back"] == heights["focus"]  # and the link back shows the few again
