""""Did you mean" for a misspelled name: scenario keys and values here, targets, strategies and invariants in
the CLI's error lines. One function, so every suggestion reads the same and uses the same closeness."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """ "; did you mean 'x'?" for the closest known name (difflib), or "" when none is close."""
    close = difflib.get_close_matches(str(name), sorted(known), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""
