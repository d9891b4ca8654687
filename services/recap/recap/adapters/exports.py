"""Recaps as files: CSV and XLSX tables, and a PNG chart of achievement by month."""
from __future__ import annotations

import csv
import io
from decimal import ROUND_HALF_UP, Decimal

HEADER = ["key", "nama", "unit_id", "employees", "plans", "planned_qty", "reported", "reported_qty",
          "reported_minutes", "approved", "recognised_qty", "approved_minutes", "pending", "oldest_pending_days",
          "revisions", "achievement_pct"]


def to_csv(rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def to_xlsx(title: str, rows: list[list]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    numeric = set(range(3, len(HEADER)))
    for row in rows:
        # numbers as numbers so the sheet can sum them; exact decimals go in as Decimal
        sheet.append([(Decimal(v) if v != "" else None) if i in numeric and isinstance(v, str) else v
                      for i, v in enumerate(row)])
    sheet.freeze_panes = "A2"
    for column, width in zip("ABC", (20, 28, 14), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


MONTHS = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]


def achievement_chart(title: str, values: list, threshold: float = 60.0) -> bytes:
    """Bars of achievement % per month (grey where there is no target), with the low-achievement line."""
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 4), dpi=110)
    axes = figure.add_subplot()
    heights = [float(v) if v is not None else 0.0 for v in values]
    colours = ["#bbbbbb" if v is None else ("#c0392b" if float(v) < threshold else "#2e86c1") for v in values]
    bars = axes.bar(MONTHS, heights, color=colours)
    for bar, value in zip(bars, values, strict=True):
        label = "no target" if value is None else f"{Decimal(value).quantize(Decimal(1), ROUND_HALF_UP)}%"
        axes.annotate(label, (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom",
                      fontsize=8, xytext=(0, 2), textcoords="offset points")
    axes.axhline(100, color="#27ae60", linewidth=1, linestyle="--", label="target (100%)")
    axes.axhline(threshold, color="#c0392b", linewidth=1, linestyle=":", label=f"low ({threshold:.0f}%)")
    axes.set_ylabel("achievement of monthly target (%)")
    axes.set_ylim(0, max([120.0] + [h * 1.15 for h in heights]))
    axes.set_title(title)
    axes.legend(loc="upper right", fontsize=8)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
