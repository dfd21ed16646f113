"""Charts of report tables drawn on the server as SVG: they render offline, print, and need no script."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from mdm.reports import TOTAL, Column, ReportTable

# Distinguishable in colour and in grey (print), as the series of one stacked bar.
PALETTE = ("#1f5f99", "#e07b28", "#3c9a5f", "#b8406b", "#7b5ea7", "#8c6d31")
MOST_BARS = 20  # a ranking longer than this is a table, not a chart
WIDTH = 720
BAR_HEIGHT, BAR_GAP = 18, 6
LABEL_WIDTH = 230
PLOT_HEIGHT = 220


@dataclass(frozen=True, slots=True)
class _Series:
    column: Column
    colour: str


def format_value(value: Any, kind: str) -> str:
    """How a table cell reads on a page: shares as percentages, counts with thin-space thousands."""
    if value is None:
        return "–"
    if kind == "share":
        return f"{float(value) * 100:.1f} %"
    if kind == "count" and isinstance(value, int):
        return f"{value:,}".replace(",", "\u202f")
    if isinstance(value, float):
        return f"{value:,.2f}".replace(",", "\u202f")
    return str(value)


def chart_svg(table: ReportTable) -> Markup | None:
    """The table's chart: columns over time when the rows are periods, horizontal bars for a ranking."""
    chart = table.chart
    if chart is None:
        return None
    columns = {column.name: column for column in table.columns}
    series = [_Series(columns[name], PALETTE[index % len(PALETTE)])
              for index, name in enumerate(chart.values) if name in columns]
    rows = [row for row in table.rows if TOTAL not in row.values()]
    if not series or not rows:
        return None
    # Rows per period (a grain was asked for) are drawn over time, whatever else splits them.
    if "period" in columns and all(item.column.kind != "share" for item in series):
        return _columns_over_time(table.title, _sum_by_label(rows, "period", series), series)
    return _horizontal_bars(table.title, _distinct_labels(rows, chart.label, table.columns), chart.label, series)


def _distinct_labels(rows: Sequence[dict[str, Any]], label: str, columns: Sequence[Column]) -> list[dict[str, Any]]:
    """Rows whose labels repeat (a field of persons and of organisations) are named by their other text values too."""
    labels = [row.get(label) for row in rows]
    if len(set(labels)) == len(labels):
        return list(rows)
    others = [column.name for column in columns if column.kind == "text" and column.name != label]
    return [{**row, label: " · ".join(str(row[name]) for name in [*others, label] if row.get(name) is not None)}
            for row in rows]


def _sum_by_label(rows: Sequence[dict[str, Any]], label: str, series: Sequence[_Series]) -> list[dict[str, Any]]:
    """One bar per period: rows split by other columns (network, party type) are added up."""
    summed: dict[Any, dict[str, Any]] = {}
    for row in rows:
        target = summed.setdefault(row.get(label), {label: row.get(label)})
        for item in series:
            target[item.column.name] = (target.get(item.column.name) or 0) + (row.get(item.column.name) or 0)
    return [summed[key] for key in sorted(summed, key=lambda key: str(key))]


def _number(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) else 0.0


def _legend(series: Sequence[_Series], y: int) -> list[str]:
    parts, x = [], 0
    for item in series:
        parts.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{item.colour}"/>'
                     f'<text x="{x + 16}" y="{y + 11}" class="legend">{escape(item.column.label)}</text>')
        x += 24 + 7 * len(item.column.label)
    return parts


def _svg(title: str, height: int, parts: list[str]) -> Markup:
    return Markup(
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        f'<title>{escape(title)}</title>{"".join(parts)}</svg>'
    )


def _horizontal_bars(title: str, rows: Sequence[dict[str, Any]], label: str, series: Sequence[_Series]) -> Markup:
    rows = list(rows)[:MOST_BARS]
    # Shares are drawn side by side against 100 %; counts are stacked into one bar per row.
    stacked = all(item.column.kind != "share" for item in series)
    totals = [float(sum(_number(row.get(item.column.name)) for item in series)) if stacked
              else max(_number(row.get(item.column.name)) for item in series) for row in rows]
    scale_max = 1.0 if not stacked and all(item.column.kind == "share" for item in series) else max(totals) or 1.0
    plot_width = WIDTH - LABEL_WIDTH - 80
    step = (BAR_HEIGHT if stacked else BAR_HEIGHT * len(series)) + BAR_GAP
    parts = _legend(series, 0) if len(series) > 1 else []
    top = 22 if len(series) > 1 else 4
    for index, row in enumerate(rows):
        y = top + index * step
        name = str(row.get(label) if row.get(label) is not None else "(none)")
        parts.append(f'<text x="{LABEL_WIDTH - 6}" y="{y + BAR_HEIGHT - 5}" class="axis" text-anchor="end">'
                     f'{escape(name[-34:])}</text>')
        x = float(LABEL_WIDTH)
        for offset, item in enumerate(series):
            value = _number(row.get(item.column.name))
            width = plot_width * value / scale_max
            bar_y = y if stacked else y + offset * BAR_HEIGHT
            shown = format_value(row.get(item.column.name), item.column.kind)
            parts.append(f'<rect x="{x:.1f}" y="{bar_y}" width="{width:.1f}" height="{BAR_HEIGHT - 2}" '
                         f'fill="{item.colour}"><title>{escape(name)} · {escape(item.column.label)}: '
                         f'{escape(shown)}</title></rect>')
            if stacked:
                x += width
            else:
                parts.append(f'<text x="{LABEL_WIDTH + width + 4:.1f}" y="{bar_y + BAR_HEIGHT - 5}" '
                             f'class="value">{escape(shown)}</text>')
        if stacked:
            total = totals[index]
            shown_total = format_value(int(total) if total.is_integer() else total, "count")
            parts.append(f'<text x="{x + 4:.1f}" y="{y + BAR_HEIGHT - 5}" class="value">{escape(shown_total)}</text>')
    return _svg(title, top + len(rows) * step + 4, parts)


def _columns_over_time(title: str, rows: Sequence[dict[str, Any]], series: Sequence[_Series]) -> Markup:
    left, bottom = 56, 36
    top = 22 if len(series) > 1 else 8
    plot_width = WIDTH - left - 8
    totals = [sum(_number(row.get(item.column.name)) for item in series) for row in rows]
    scale_max = max(totals) or 1.0
    slot = plot_width / len(rows)
    parts = _legend(series, 0) if len(series) > 1 else []
    baseline = top + PLOT_HEIGHT
    for fraction in (0.0, 0.5, 1.0):
        y = baseline - PLOT_HEIGHT * fraction
        parts.append(f'<line x1="{left}" x2="{WIDTH - 8}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
                     f'<text x="{left - 4}" y="{y + 4:.1f}" class="axis" text-anchor="end">'
                     f'{escape(format_value(round(scale_max * fraction), "count"))}</text>')
    # Label every period when they fit, else a regular subset (the first and the last always).
    every = max(1, round(len(rows) / 12))
    for index, row in enumerate(rows):
        x = left + index * slot
        y = float(baseline)
        period = str(row.get("period"))
        for item in series:
            height = PLOT_HEIGHT * _number(row.get(item.column.name)) / scale_max
            y -= height
            parts.append(f'<rect x="{x + slot * 0.1:.1f}" y="{y:.1f}" width="{max(slot * 0.8, 1):.1f}" '
                         f'height="{height:.1f}" fill="{item.colour}"><title>{escape(period)} · '
                         f'{escape(item.column.label)}: {escape(format_value(row.get(item.column.name), "count"))}'
                         f'</title></rect>')
        # The last period is labelled too, unless the label before it is too close.
        if index % every == 0 or (index == len(rows) - 1 and index % every > every // 2):
            parts.append(f'<text x="{x + slot / 2:.1f}" y="{baseline + 16}" class="axis" text-anchor="middle">'
                         f'{escape(period)}</text>')
    return _svg(title, baseline + bottom, parts)
