"""The classifier's tables are derived from the 5.20 dist, and JS regexes are translated, not copied.

With openclaw@2026.5.20 installed, the tables are derived again and must equal the shipped module byte for byte
(regenerate on purpose: SIMHARNESS_REGEN_TABLES=1 pytest tests/test_classifier_tables.py). The translator's tests
need no release: they pin the JS/Python differences it exists for, and that it refuses what it cannot translate.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from simharness.drivers import classifier_tables_2026_5_20 as T
from simharness.targets import derive_tables as D
from simharness.targets.cache import cache_root
from simharness.targets.jsregex import JS_WHITESPACE, UntranslatableRegex, translate
from simharness.targets.jssource import cook, tokenize

SHIPPED = Path(T.__file__)
DIST = cache_root() / "openclaw@2026.5.20" / "package" / "dist"


def _need_dist() -> None:
    if not DIST.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"openclaw@2026.5.20 is not installed under {DIST}; CI installs it")
        pytest.skip("openclaw@2026.5.20 is not installed (simharness target install openclaw@2026.5.20)")


def test_the_shipped_tables_are_what_the_dist_holds() -> None:
    _need_dist()
    derived = D.derive(DIST, "openclaw@2026.5.20")
    if os.environ.get("SIMHARNESS_REGEN_TABLES"):
        SHIPPED.write_text(derived)
    assert derived == SHIPPED.read_text(), "tables drifted from the dist: SIMHARNESS_REGEN_TABLES=1 pytest tests/test_classifier_tables.py"


def test_a_changed_dist_changes_the_tables(tmp_path: Path) -> None:
    """The comparison can fail: one pattern edited in a copy of the chunks is seen in the derived module."""
    _need_dist()
    for path in D.chunks(DIST):
        text = path.read_text()
        if path.name.startswith("failover-matches-"):
            assert '"model_cooldown",' in text
            text = text.replace('"model_cooldown",', '"model_cooldown_changed",')
        (tmp_path / path.name).write_text(text)
    derived = D.derive(tmp_path, "openclaw@2026.5.20")
    assert derived != SHIPPED.read_text() and '"model_cooldown_changed"' in derived


def test_the_derived_tables_hold_what_the_classifier_reads() -> None:
    assert "model_cooldown" in T.ERROR_PATTERNS_rateLimit and "请求过于频繁" in T.ERROR_PATTERNS_rateLimit
    assert T.ERROR_PATTERNS_authPermanent is T.HIGH_CONFIDENCE_AUTH_PERMANENT_PATTERNS  # a reference stays a reference
    assert T.ERROR_PATTERNS_auth[: len(T.AMBIGUOUS_AUTH_ERROR_PATTERNS)] == T.AMBIGUOUS_AUTH_ERROR_PATTERNS  # spreads in order
    assert T.TRANSIENT_HTTP_ERROR_CODES == frozenset({499, 500, 502, 503, 504, 521, 522, 523, 524, 529})
    assert T.HTTP_STATUS_CODE_PREFIX_RE.search("HTTP 503: down").group(1) == "503"  # built by new RegExp(`...${X.source}...`)
    assert [reason for _, reason in T.PROVIDER_SPECIFIC_PATTERNS][-1] == "model_not_found"
    assert T.FN_classifyFailoverReasonFromCode[-2:] == ("OVERLOADED", "OVERLOADED_ERROR")  # the classifier relies on this order
    assert T.MAX_FAILOVER_CAUSE_DEPTH == 25


# --- JS regex -> Python ----------------------------------------------------------------------------------------


def _js(source: str, flags: str = "") -> re.Pattern[str]:
    pattern, py_flags = translate(source, flags)
    return re.compile(pattern, py_flags)


def test_dollar_matches_only_at_the_very_end_as_in_js() -> None:
    assert _js(r"^terminated$", "i").search("terminated") and not _js(r"^terminated$", "i").search("terminated\n")
    assert re.search(r"^terminated$", "terminated\n")  # what a verbatim copy would have matched


def test_whitespace_is_javascripts() -> None:
    js_ws = _js(r"^\s+$")
    assert all(js_ws.search(c) for c in JS_WHITESPACE)
    assert not js_ws.search("\x1c") and not js_ws.search("\x85")  # Python's \s has these; JS's has not
    assert js_ws.search("\ufeff") and not re.search(r"\s", "\ufeff")  # and JS's has the BOM
    assert _js(r"[\s\S]+$").search("a\n\x1c\ufeff")
    assert _js(r"^[^\s]+$").search("a\x1cb") and not _js(r"^[^\s]+$").search("a\ufeffb")


def test_dot_stops_at_js_line_terminators() -> None:
    assert _js("a.b").search("a\x85b") and not _js("a.b").search("a\u2028b") and not _js("a.b").search("a\rb")


def test_word_boundaries_digits_and_case_folding_are_ascii() -> None:
    assert _js(r"\bkey\b").search("ékeyé") and not re.search(r"\bkey\b", "ékeyé")  # é is no word character in JS
    assert _js(r"^\d+$").search("42") and not _js(r"^\d+$").search("４２")
    assert _js("k", "i").search("K") and not _js("k", "i").search("\u212a")  # Kelvin sign does not fold to k in JS


def test_named_groups_and_lookarounds() -> None:
    assert _js(r"(?<code>\d{3}) (?=x)").search("429 x").group("code") == "429"
    assert _js(r"(?<!a)b").search("cb") and not _js(r"(?<!a)b").search("ab")


@pytest.mark.parametrize(
    ("source", "flags"),
    [
        ("abc", "g"),  # stateful lastIndex with .test()
        ("abc", "u"),
        ("abc", "m"),
        (r"(a)\1", ""),  # backreference
        (r"\p{L}", ""),
        (r"\k<x>", ""),
        (r"\cJ", ""),
        ("é", "i"),  # non-ASCII case folding differs
        ("[]", ""),
        (r"(?<=a+)b", ""),  # variable-width lookbehind: Python cannot
    ],
)
def test_what_cannot_be_translated_is_refused(source: str, flags: str) -> None:
    with pytest.raises(UntranslatableRegex):
        translate(source, flags)


def test_the_tokenizer_reads_regexes_strings_and_nested_templates() -> None:
    toks = tokenize('const A = /a\\/b[/]c/i; const B = "x\\u0041\\n"; const C = `${`${1}`}`; x = a / b;')
    assert ("re", ("a\\/b[/]c", "i")) in toks and ("str", "xA\n") in toks
    assert ("p", "/") in toks  # a division stays a division
    assert cook(r"\x41\u{1F600}\'") == "A\U0001f600'"
