"""JavaScript regular expressions -> Python `re`, for tables derived from a release's dist (`derive_tables.py`).

Why not copy the pattern text: the two dialects read the same text differently. In a JS pattern without the `u`
flag, `\\d`, `\\w`, `\\b` and `/i` case folding are ASCII-only, but `\\s` is Unicode whitespace (a fixed set that
differs from Python's), `.` stops only at \\n \\r \\u2028 \\u2029, and `$` matches only at the very end (Python's
also matches before a final newline). Named groups are spelled `(?<n>` instead of `(?P<n>`. So each pattern is
rewritten token by token under `re.ASCII`, with `\\s`, `.` and `$` spelled out, and anything without a faithful
translation (flags other than `i`, backreferences, `\\p{..}` and other unknown escapes, case-insensitive non-ASCII
letters, lookbehind Python cannot compile) raises `UntranslatableRegex` instead of guessing.
"""

from __future__ import annotations

import re

#: ECMAScript WhiteSpace + LineTerminator: what `\s` matches and `String.prototype.trim` strips.
JS_WHITESPACE = "\t\n\x0b\x0c\r \xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_WS_CLASS_BODY = r"\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
#: The complement of `_WS_CLASS_BODY`, as ranges (for `\S` inside a class, where a negated class cannot nest).
_NON_WS_CLASS_BODY = (
    r"\x00-\x08\x0e-\x1f\x21-\x9f\xa1-\u167f\u1681-\u1fff\u200b-\u2027\u202a-\u202e\u2030-\u205e\u2060-\u2fff"
    r"\u3001-\ufefe\uff00-\U0010ffff"
)
_DOT = r"[^\n\r\u2028\u2029]"
#: Escapes whose meaning is the same in both dialects under re.ASCII (outside and inside classes).
_SAME = set("dDwWtnrfv0") | set("\\/^$.*+?()[]{}|-")


class UntranslatableRegex(ValueError):
    """A JS pattern this module cannot translate faithfully: the generator stops instead of guessing."""


def translate(source: str, flags: str) -> tuple[str, int]:
    """(Python pattern, re flags) for the JS literal `/source/flags`; the result is checked to compile."""
    bad = set(flags) - {"i"}
    if bad:
        raise UntranslatableRegex(f"/{source}/{flags}: flag(s) {''.join(sorted(bad))} not supported")
    if "i" in flags and any(ord(c) > 127 and c.lower() != c.upper() for c in source):
        raise UntranslatableRegex(f"/{source}/{flags}: case-insensitive non-ASCII letters fold differently")
    out: list[str] = []
    i, n = 0, len(source)
    in_class = False
    while i < n:
        c = source[i]
        if c == "\\":
            if i + 1 >= n:
                raise UntranslatableRegex(f"/{source}/: trailing backslash")
            out.append(_escape(source, i, in_class))
            i += 6 if source[i + 1] == "u" else 4 if source[i + 1] == "x" else 2
            continue
        if in_class:
            if c == "]":
                in_class = False
                out.append(c)
            elif c == "[":
                out.append(r"\[")  # literal in JS; Python warns (possible nested set)
            elif c in "-&~|" and i + 1 < n and source[i + 1] == c:
                out.append("\\" + c)  # Python reserves doubled set operators
            else:
                out.append(c)
            i += 1
            continue
        if c == "[":
            if source.startswith(("[]", "[^]"), i):
                raise UntranslatableRegex(f"/{source}/: empty class [] / [^] has no Python spelling here")
            in_class = True
            skip = 2 if source.startswith("[^", i) else 1
            out.append(source[i : i + skip])
            i += skip
            continue
        elif c == ".":
            out.append(_DOT)
        elif c == "$":
            out.append(r"\Z")
        elif c == "(" and source.startswith("(?<", i) and not source.startswith(("(?<=", "(?<!"), i):
            out.append("(?P<")
            i += 3
            continue
        else:
            out.append(c)
        i += 1
    pattern = "".join(out)
    py_flags = re.ASCII | (re.IGNORECASE if "i" in flags else 0)
    try:
        re.compile(pattern, py_flags)
    except re.error as exc:
        raise UntranslatableRegex(f"/{source}/{flags}: Python cannot compile {pattern!r}: {exc}") from exc
    return pattern, py_flags


def _escape(source: str, i: int, in_class: bool) -> str:
    e = source[i + 1]
    if e == "s":
        return _WS_CLASS_BODY if in_class else f"[{_WS_CLASS_BODY}]"
    if e == "S":
        return _NON_WS_CLASS_BODY if in_class else f"[^{_WS_CLASS_BODY}]"
    if e in "bB":
        return r"\x08" if in_class and e == "b" else "\\" + e
    if e == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", source[i + 2 : i + 6]):
        return source[i : i + 6]
    if e == "x" and re.fullmatch(r"[0-9a-fA-F]{2}", source[i + 2 : i + 4]):
        return source[i : i + 4]
    if e == "0":
        if i + 2 < len(source) and source[i + 2].isdigit():
            raise UntranslatableRegex(f"/{source}/: octal escape")
        return r"\x00"
    if e in _SAME or (not e.isalnum() and e not in "_"):
        return "\\" + e
    raise UntranslatableRegex(f"/{source}/: escape \\{e} (backreference, \\p, \\k, \\c or a JS-only identity escape)")

