"""Any string survives: text from the code under test made safe for where it goes.

Error messages come from the code under test (through the Node bridge: a lone UTF-16 surrogate from JS
`.slice` on an emoji, control characters, NUL). `unicode_safe` turns lone surrogates into U+FFFD, so
report.json stays valid UTF-8 (other control characters are JSON-escaped, so kept); `visible` also shows
control characters as visible symbols, for summary.md, report.html and the terminal; `safe_name` makes a
file-name fragment that cannot escape its directory; `html_text` / `md_text` escape text for HTML and for
Markdown (summary.md, matrix.md). (junit.xml drops what XML 1.0 cannot carry itself.)
"""

from __future__ import annotations

import html
import re


def safe_name(text: str) -> str:
    """A file-name fragment from user text: no separators, no dots at the start, bounded length."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")
    return cleaned[:60] or "scenario"


_C0 = re.compile("[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]")


def visible(text: str) -> str:
    """Text for a human-read page or terminal: lone surrogates become U+FFFD, control characters (but tab,
    newline) their visible Unicode symbols (NUL ␀, ESC ␛), so no escape sequence reaches a terminal."""
    return _C0.sub(_picture, unicode_safe(text))


def _picture(m: re.Match[str]) -> str:
    c = ord(m.group())
    return chr(0x2400 + c) if c < 0x20 else "\u2421" if c == 0x7F else "\ufffd"


def unicode_safe(text: str) -> str:
    """`text` encodable as UTF-8: a surrogate pair becomes its character, a lone surrogate U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def html_text(text: object) -> str:
    """Text inside HTML or Markdown: no tags."""
    return html.escape(str(text), quote=False)


def md_text(text: object) -> str:
    """Plain text inside Markdown (summary.md, matrix.md): no HTML, no emphasis, links, code spans or table breaks."""
    return re.sub(r"([\\`*_{}\[\]()#|~!])", r"\\\1", html_text(text)).replace("\n", " ")
