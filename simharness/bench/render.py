"""Writing a benchmark document: `bench.json` (the document itself), `bench.md` (its tables, with the
environment it was measured in) and `bench.svg` (the cost-growth plot), each written atomically.
"""

from __future__ import annotations

import json
import math
from html import escape
from pathlib import Path
from typing import Any

from simharness.bench.tables import tables
from simharness.model.io import write_atomic


def bench_md(doc: dict[str, Any]) -> str:
    env = doc["environment"]
    lines = [
        "# simharness benchmark",
        "",
        f"simharness {doc['version']} · Python {env['python']} ({env['implementation']}) · simpy {env['simpy']} · "
        f"{env['system']} {env['machine']}, {env['cpus']} CPUs, load average {_loads(env)} · {doc['date']} · "
        + ("**--quick** (machinery check: figures are not meaningful)" if doc["quick"] else "full budget")
        + f" · {doc['seconds']:.0f} s",
        "",
        (
            "Every figure was measured in this one invocation, next to its baseline. Regenerate with "
            "`simharness bench` (`--quick` for a fast smoke run)."
        ),
    ]
    for title, header, rows, notes in tables(doc):
        lines += ["", f"## {title}", ""]
        lines.append("| " + " | ".join(_md(h) for h in header) + " |")
        lines.append("|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|")
        lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows]
        if notes:
            lines.append("")
            lines += notes
        if title.startswith("Cost growth"):
            lines += ["", "![runs/s and simpy events/s against concurrent sessions, per chain length](bench.svg)"]
    return "\n".join(lines) + "\n"


def _loads(env: dict[str, Any]) -> str:
    a, b = env.get("load_average_at_start"), env.get("load_average_at_end")
    return f"{a[0]:g} at start, {b[0]:g} at end" if a and b else "unknown"


def _md(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def bench_svg(doc: dict[str, Any]) -> str:
    """Two log-log panels: runs/s and simpy events/s against sessions, one line per chain length."""
    g = doc["growth"]
    colors = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")
    width, height, pad_l, pad_r, pad_t, pad_b = 360, 260, 64, 16, 34, 44
    panels = (("runs_per_s", "runs/s"), ("sim_events_per_s", "simpy events/s"))
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width * 2}" height="{height + 24}" '
            f'viewBox="0 0 {width * 2} {height + 24}" font-family="sans-serif" font-size="11">'
        ),
        '<rect width="100%" height="100%" fill="white"/>',
    ]
    xs = g["sessions"]
    lx0, lx1 = math.log10(min(xs)), math.log10(max(xs))
    for p, (key, label) in enumerate(panels):
        ox = p * width
        values = [c[key] for c in g["cells"] if c[key] > 0]
        lo, hi = math.floor(math.log10(min(values))), math.ceil(math.log10(max(values)))
        if hi == lo:
            hi += 1
        plot_w, plot_h = width - pad_l - pad_r, height - pad_t - pad_b

        def px(x: float, ox: int = ox, plot_w: int = plot_w) -> float:
            return ox + pad_l + (math.log10(x) - lx0) / ((lx1 - lx0) or 1) * plot_w

        def py(y: float, lo: int = lo, hi: int = hi, plot_h: int = plot_h) -> float:
            return pad_t + plot_h - (math.log10(y) - lo) / (hi - lo) * plot_h

        parts.append(f'<text x="{ox + width / 2}" y="18" text-anchor="middle" font-size="13">{escape(label)} vs concurrent sessions</text>')
        parts.append(f'<rect x="{ox + pad_l}" y="{pad_t}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#888"/>')
        for e in range(lo, hi + 1):
            y = py(10.0**e)
            parts.append(f'<line x1="{ox + pad_l}" y1="{y:.1f}" x2="{ox + pad_l + plot_w}" y2="{y:.1f}" stroke="#ddd"/>')
            parts.append(f'<text x="{ox + pad_l - 6}" y="{y + 4:.1f}" text-anchor="end">{_si(10.0**e)}</text>')
        for s in xs:
            x = px(s)
            parts.append(f'<line x1="{x:.1f}" y1="{pad_t}" x2="{x:.1f}" y2="{pad_t + plot_h}" stroke="#eee"/>')
            parts.append(f'<text x="{x:.1f}" y="{pad_t + plot_h + 16}" text-anchor="middle">{s}</text>')
        parts.append(f'<text x="{ox + pad_l + plot_w / 2}" y="{pad_t + plot_h + 32}" text-anchor="middle">sessions (log)</text>')
        for i, chain in enumerate(g["chains"]):
            pts = [(c["sessions"], c[key]) for c in g["cells"] if c["chain"] == chain and c[key] > 0]
            color = colors[i % len(colors)]
            path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in pts)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
            parts += [f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{color}"/>' for x, y in pts]
            ly = pad_t + 12 + 14 * i
            lx = ox + pad_l + plot_w - 90
            parts.append(f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 16}" y2="{ly - 4}" stroke="{color}" stroke-width="2"/>')
            parts.append(f'<text x="{lx + 20}" y="{ly}">chain {chain}</text>')
    parts.append(
        f'<text x="{width}" y="{height + 16}" text-anchor="middle" fill="#555">target {escape(doc["target"])}'
        + (" (--quick: not meaningful)" if doc["quick"] else "")
        + "</text>"
    )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _si(value: float) -> str:
    for unit, scale in (("M", 1e6), ("k", 1e3)):
        if value >= scale:
            return f"{value / scale:g}{unit}"
    return f"{value:g}"


def write_bench(doc: dict[str, Any], out_dir: Path) -> list[Path]:
    return [
        write_atomic(out_dir / "bench.json", json.dumps(doc, indent=1, ensure_ascii=False) + "\n"),
        write_atomic(out_dir / "bench.md", bench_md(doc)),
        write_atomic(out_dir / "bench.svg", bench_svg(doc)),
    ]
