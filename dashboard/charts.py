"""The dashboard's SVG charts, drawn by templates from the figures computed here: no JavaScript
library, no CDN, readable without colour.

Each chart is an ``<svg role="img">`` with a <title> and <desc>, text labels on every bar, and
links to the listing it summarises (``dashboard/charts/``: one template per kind of chart); the
dashboard adds a table as a text alternative. The functions here work out where everything goes.
"""

from dataclasses import dataclass, field

POLARITY_COLOURS = {"supports": "#2e8b57", "opposes": "#c0392b", "neutral": "#8a94a6", "mixed": "#8e44ad"}
STATUS_COLOURS = {
    "unverified": "#d97706",
    "in_review": "#2563eb",
    "accurate": "#1e7d32",
    "misleading": "#a16207",
    "false": "#b3261e",
    "unverifiable": "#6b7280",
}
BAR_COLOUR = "#1f5fbf"
ROW, GAP, TOP = 24, 6, 4  # a bar's height, the space between bars, the space above the first
TEXT_BASELINE = 0.68  # where a bar's text sits, as a share of its height


@dataclass
class Bar:
    label: str
    value: int
    url: str = ""
    colour: str = BAR_COLOUR


@dataclass
class StackedBar:
    label: str
    parts: list[Bar] = field(default_factory=list)
    url: str = ""

    @property
    def total(self):
        return sum(part.value for part in self.parts)


@dataclass
class Chart:
    """What a chart's template (``dashboard/charts/<kind>.html``) draws: its ``id``, ``title`` and
    ``description`` (the <desc>: every figure in words), its size, and ``marks`` (the bars, positioned).
    A chart with nothing to show has ``empty``, the sentence shown instead."""

    kind: str
    id: str
    title: str
    description: str = ""
    width: int = 560
    height: int = 0
    marks: list = field(default_factory=list)
    empty: str = ""
    extra: dict = field(default_factory=dict)  # what one kind of chart needs besides its marks

    @property
    def template(self):
        return f"dashboard/charts/{self.kind}.html"


def _empty(kind, chart_id, title, sentence):
    return Chart(kind, chart_id, title, empty=sentence)


def _described(bars):
    return "; ".join(f"{bar.label}: {bar.value}" for bar in bars)


def horizontal_bars(chart_id, title, bars: list[Bar], *, width=560, label_width=190, empty="No data yet."):
    """One bar per row, its value written at its end."""
    if not bars or not any(bar.value for bar in bars):
        return _empty("horizontal_bars", chart_id, title, empty)
    largest = max(bar.value for bar in bars) or 1
    plot = width - label_width - 48
    marks = []
    for index, bar in enumerate(bars):
        y = TOP + index * (ROW + GAP)
        length = max(2, round(plot * bar.value / largest)) if bar.value else 0
        marks.append(
            {
                "bar": bar,
                "y": y,
                "text_y": y + ROW * TEXT_BASELINE,
                "length": length,
                "value_x": label_width + length + 6,
            }
        )
    height = TOP + len(bars) * (ROW + GAP)
    extra = {"label_width": label_width, "label_x": label_width - 8, "row": ROW}
    return Chart("horizontal_bars", chart_id, title, _described(bars), width, height, marks, extra=extra)


def stacked_bars(chart_id, title, rows: list[StackedBar], legend: dict[str, str], *, width=560, label_width=150):
    """One bar per row split into coloured parts, each part labelled with its count when it fits."""
    if not rows:
        return _empty("stacked_bars", chart_id, title, "No data yet.")
    legend_height = 28
    height = TOP + len(rows) * (ROW + GAP) + legend_height
    largest = max(r.total for r in rows) or 1
    plot = width - label_width - 40
    marks = []
    for index, stacked in enumerate(rows):
        y = TOP + index * (ROW + GAP)
        x = label_width
        parts = []
        for part in stacked.parts:
            if not part.value:
                continue
            length = max(2, round(plot * part.value / largest))
            parts.append({"bar": part, "x": x, "length": length, "inside_x": x + length / 2 if length >= 18 else None})
            x += length
        marks.append({"row": stacked, "y": y, "text_y": y + ROW * TEXT_BASELINE, "parts": parts, "total_x": x + 6})
    legend_y = height - legend_height + 16
    keys = []
    x = label_width
    for name, colour in legend.items():
        keys.append({"name": name, "colour": colour, "x": x, "text_x": x + 16})
        x += 22 + 8 * len(name)
    description = "; ".join(
        f"{r.label}: " + ", ".join(f"{part.label} {part.value}" for part in r.parts if part.value) for r in rows
    )
    extra = {
        "label_x": label_width - 8,
        "row": ROW,
        "legend": keys,
        "legend_y": legend_y,
        "legend_key_y": legend_y - 10,
    }
    return Chart("stacked_bars", chart_id, title, description, width, height, marks, extra=extra)


def columns(chart_id, title, bars: list[Bar], *, width=560, height=200):
    """Vertical columns over time, with the first, middle and last labels and each value on hover and in
    the description."""
    if not bars or not any(bar.value for bar in bars):
        return _empty("columns", chart_id, title, "No activity yet.")
    bottom, top, left = 28, 16, 8
    plot_height = height - bottom - top
    slot = (width - left * 2) / len(bars)
    largest = max(bar.value for bar in bars) or 1
    marks = []
    for index, bar in enumerate(bars):
        column = round(plot_height * bar.value / largest)
        x = left + index * slot + slot * 0.15
        y = height - bottom - column
        marks.append({"bar": bar, "x": x, "y": y, "height": column, "value_x": x + slot * 0.35, "value_y": y - 3})
    extra = {
        "axis": {"x1": left, "x2": width - left, "y": height - bottom},
        "column_width": slot * 0.7,
        "labels": [
            {"x": left + index * slot + slot / 2, "label": bars[index].label}
            for index in sorted({0, len(bars) // 2, len(bars) - 1})
        ],
        "labels_y": height - 8,
    }
    return Chart("columns", chart_id, title, _described(bars), width, height, marks, extra=extra)
