"""Inline SVG bar charts drawn server-side (no script, no image request, readable by screen readers)."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from html import escape

MONTHS = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]


def _num(value) -> Decimal:
    try:
        return Decimal(str(value or "0"))
    except InvalidOperation:
        return Decimal(0)


def paired_bars(title: str, labels: list[str], first: list, second: list, names=("Rencana", "Realisasi")) -> str:
    """Two bars per label (e.g. plan vs realisation per month), scaled to the largest value."""
    a = [_num(v) for v in first]
    b = [_num(v) for v in second]
    top = max(a + b + [Decimal(1)])
    width, height, base = 36 * len(labels) + 20, 170, 140
    parts = [f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for i, lab in enumerate(labels):
        x = 14 + i * 36
        for j, (series, cls) in enumerate(((a, "bar-plan"), (b, "bar-real"))):
            h = int(Decimal(120) * series[i] / top)
            parts.append(f'<rect class="{cls}" x="{x + j * 13}" y="{base - h}" width="12" height="{h}">'
                         f'<title>{escape(lab)} {names[j]}: {series[i]}</title></rect>')
        parts.append(f'<text x="{x + 12}" y="{base + 16}" text-anchor="middle">{escape(lab)}</text>')
    parts.append(f'<rect class="bar-plan" x="14" y="{height - 10}" width="10" height="8"/>'
                 f'<text x="28" y="{height - 2}">{names[0]}</text>'
                 f'<rect class="bar-real" x="110" y="{height - 10}" width="10" height="8"/>'
                 f'<text x="124" y="{height - 2}">{names[1]}</text></svg>')
    return "".join(parts)
