"""What every HTML page shares: the Jinja2 environment (autoescaped, strict, built once per process, Jinja2
imported on first use so the renderers stay cheap to import) and its filters."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2


def fmt_ms(ms: int) -> str:
    if ms < 1000:
        return f"{ms} ms"
    if ms < 60_000:
        return f"{ms / 1000:g} s"
    minutes, rest = divmod(ms, 60_000)
    return f"{minutes} min" + (f" {rest / 1000:g} s" if rest else "")


@cache
def templates() -> jinja2.Environment:
    """The environment of every page: report.html and the matrix index."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("simharness.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["ms"] = fmt_ms
    return env
