"""A small reader for the JavaScript the openclaw dists ship: tokens, string and template literals, regions.

Enough to lift data (regex literals, strings, arrays, objects) out of bundled chunks for `derive_tables.py`:
a `/` is read as a regex literal after the tokens that cannot end an expression, template literals nest, and
strings are cooked with the escapes the dists use (anything else is refused rather than guessed).
"""

from __future__ import annotations

import re
from typing import Any

from simharness.model.exceptions import TargetError

_TOKEN = re.compile(
    r"(?P<ws>\s+)|(?P<comment>//[^\n]*|/\*[\s\S]*?\*/)|(?P<str>\"(?:[^\"\\\n]|\\[\s\S])*\"|'(?:[^'\\\n]|\\[\s\S])*')"
    r"|(?P<num>\d[\d_.eExXa-fA-F]*)|(?P<id>[A-Za-z_$][\w$]*)"
    r"|(?P<p>\.\.\.|=>|[=!]==?|&&|\|\||\?\?|\?\.|[-+*%<>&|^!~?:;,.(){}\[\]=/])"
)
_REGEX = re.compile(r"/((?:[^/\\\[\n]|\\.|\[(?:[^\]\\\n]|\\.)*\])+)/([a-z]*)")
#: After these tokens a `/` starts a regex literal, not a division.
_REGEX_AFTER = {"(", ",", "=", ":", "[", "!", "&&", "||", "??", "?", "{", "}", ";", "return", "typeof", "case", "===", "!==", "=>"}
Token = tuple[str, Any]


def tokenize(src: str) -> list[Token]:
    out: list[Token] = []
    i = 0
    while i < len(src):
        if src[i] == "/" and (not out or out[-1][1] in _REGEX_AFTER) and not src.startswith(("//", "/*"), i):
            m = _REGEX.match(src, i)
            if not m:
                raise TargetError(f"unreadable regex literal at {src[i : i + 40]!r}")
            out.append(("re", (m.group(1), m.group(2))))
            i = m.end()
            continue
        if src[i] == "`":
            end = _template_end(src, i + 1)
            out.append(("tpl", src[i + 1 : end - 1]))
            i = end
            continue
        m = _TOKEN.match(src, i)
        if not m or m.lastgroup is None:
            raise TargetError(f"cannot tokenize at {src[i : i + 40]!r}")
        kind, text = m.lastgroup, m.group()
        i = m.end()
        if kind == "str":
            out.append(("str", cook(text[1:-1])))
        elif kind == "num":
            out.append(("num", int(text) if text.isdigit() else float(text)))
        elif kind in ("id", "p"):
            out.append((kind, text))
    return out


def _template_end(src: str, i: int) -> int:
    """The index after the template literal whose body starts at `i` (nested `${...}` and templates included)."""
    while i < len(src):
        c = src[i]
        if c == "\\":
            i += 2
        elif c == "`":
            return i + 1
        elif src.startswith("${", i):
            i, depth = i + 2, 1
            while depth:
                c = src[i]
                if c == "`":
                    i = _template_end(src, i + 1)
                    continue
                if c in "\"'":
                    m = _TOKEN.match(src, i)
                    i = m.end() if m else i + 1
                    continue
                depth += (c == "{") - (c == "}")
                i += 1
        else:
            i += 1
    raise TargetError("unterminated template literal")


def cook(body: str) -> str:
    """A JS string literal's value (the escapes the dists use; anything else is refused)."""

    def one(m: re.Match[str]) -> str:
        e = m.group(1)
        simple = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "b": "\b", "f": "\f", "v": "\v"}
        if e in simple:
            return simple[e]
        if e[0] in "ux":
            return chr(int(e[1:].strip("{}"), 16))
        if not e.isalnum():
            return e
        raise TargetError(f"string escape \\{e} not supported")

    return re.sub(r"\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[\s\S])", one, body)


def regions(src: str) -> dict[str, str]:
    """`//#region src/x.ts` ... `//#endregion` blocks of one chunk."""
    return {m.group(1): m.group(2) for m in re.finditer(r"//#region (\S+)\n([\s\S]*?)//#endregion", src)}
