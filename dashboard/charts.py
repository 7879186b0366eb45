"""Server-rendered SVG charts: no JavaScript library, no CDN, readable without colour.

Each chart is an ``<svg role="img">`` with a <title> and <desc>, text labels on every bar,
and links to the listing it summarises; the template adds a table as a text alternative.
"""

from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import mark_safe

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


def _svg_open(chart_id, title, description, width, height):
    return format_html(
        '<svg class="chart" id="{}" role="img" aria-labelledby="{}-title {}-desc" viewBox="0 0 {} {}" '
        'width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>',
        chart_id, chart_id, chart_id, width, height, chart_id, title, chart_id, description,
    )  # fmt: skip


def _link(url, inner):
    if not url:
        return inner
    return format_html('<a href="{}">{}</a>', url, inner)


def horizontal_bars(chart_id, title, bars: list[Bar], *, width=560, label_width=190, empty="No data yet."):
    """One bar per row, its value written at its end."""
    if not bars or not any(bar.value for bar in bars):
        return format_html('<p class="empty chart-empty">{}</p>', empty)
    row, gap, top = 24, 6, 4
    height = top + len(bars) * (row + gap)
    largest = max(bar.value for bar in bars) or 1
    plot = width - label_width - 48
    description = "; ".join(f"{bar.label}: {bar.value}" for bar in bars)
    parts = [_svg_open(chart_id, title, description, width, height)]
    for index, bar in enumerate(bars):
        y = top + index * (row + gap)
        length = max(2, round(plot * bar.value / largest)) if bar.value else 0
        parts.append(
            _link(
                bar.url,
                format_html(
                    '<g class="bar"><title>{}: {}</title>'
                    '<text x="{}" y="{}" text-anchor="end" class="chart-label">{}</text>'
                    '<rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="{}"></rect>'
                    '<text x="{}" y="{}" class="chart-value">{}</text></g>',
                    bar.label,
                    bar.value,
                    label_width - 8,
                    y + row * 0.68,
                    _shorten(bar.label, 28),
                    label_width,
                    y,
                    length,
                    row,
                    bar.colour,
                    label_width + length + 6,
                    y + row * 0.68,
                    bar.value,
                ),  # fmt: skip
            )
        )
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(str(part) for part in parts))


def stacked_bars(chart_id, title, rows: list[StackedBar], legend: dict[str, str], *, width=560, label_width=150):
    """One bar per row split into coloured parts, each part labelled with its count when it fits."""
    if not rows:
        return format_html('<p class="empty chart-empty">{}</p>', "No data yet.")
    row, gap, top, legend_height = 24, 6, 4, 28
    height = top + len(rows) * (row + gap) + legend_height
    largest = max(r.total for r in rows) or 1
    plot = width - label_width - 40
    description = "; ".join(
        f"{r.label}: " + ", ".join(f"{part.label} {part.value}" for part in r.parts if part.value) for r in rows
    )
    parts = [_svg_open(chart_id, title, description, width, height)]
    for index, stacked in enumerate(rows):
        y = top + index * (row + gap)
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" class="chart-label">{}</text>',
                label_width - 8,
                y + row * 0.68,
                _shorten(stacked.label, 22),
            )  # fmt: skip
        )
        x = label_width
        for part in stacked.parts:
            if not part.value:
                continue
            length = max(2, round(plot * part.value / largest))
            label = format_html(
                '<text x="{}" y="{}" text-anchor="middle" class="chart-inbar">{}</text>',
                x + length / 2, y + row * 0.68, part.value,
            ) if length >= 18 else ""  # fmt: skip
            parts.append(
                _link(
                    part.url,
                    format_html(
                        '<g class="bar"><title>{} — {}: {}</title><rect x="{}" y="{}" width="{}" height="{}" fill="{}">'
                        "</rect>{}</g>",
                        stacked.label,
                        part.label,
                        part.value,
                        x,
                        y,
                        length,
                        row,
                        part.colour,
                        label,
                    ),  # fmt: skip
                )
            )
            x += length
        parts.append(
            format_html('<text x="{}" y="{}" class="chart-value">{}</text>', x + 6, y + row * 0.68, stacked.total)
        )
    legend_y = height - legend_height + 16
    x = label_width
    for name, colour in legend.items():
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="12" height="12" fill="{}"></rect>'
                '<text x="{}" y="{}" class="chart-legend">{}</text>',
                x,
                legend_y - 10,
                colour,
                x + 16,
                legend_y,
                name,
            )  # fmt: skip
        )
        x += 22 + 8 * len(name)
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(str(part) for part in parts))


def columns(chart_id, title, bars: list[Bar], *, width=560, height=200):
    """Vertical columns over time, with the first and last labels and each value on hover and in the description."""
    if not bars or not any(bar.value for bar in bars):
        return format_html('<p class="empty chart-empty">{}</p>', "No activity yet.")
    bottom, top, left = 28, 16, 8
    plot_height = height - bottom - top
    slot = (width - left * 2) / len(bars)
    largest = max(bar.value for bar in bars) or 1
    description = "; ".join(f"{bar.label}: {bar.value}" for bar in bars)
    parts = [_svg_open(chart_id, title, description, width, height)]
    parts.append(
        format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" class="chart-axis"></line>',
            left,
            height - bottom,
            width - left,
            height - bottom,
        )  # fmt: skip
    )
    for index, bar in enumerate(bars):
        column = round(plot_height * bar.value / largest)
        x = left + index * slot + slot * 0.15
        y = height - bottom - column
        value = format_html(
            '<text x="{}" y="{}" text-anchor="middle" class="chart-value">{}</text>', x + slot * 0.35, y - 3, bar.value
        ) if bar.value else ""  # fmt: skip
        parts.append(
            _link(
                bar.url,
                format_html(
                    '<g class="bar"><title>{}: {}</title><rect x="{}" y="{}" width="{}" height="{}" rx="2" fill="{}">'
                    "</rect>{}</g>",
                    bar.label,
                    bar.value,
                    x,
                    y,
                    slot * 0.7,
                    column,
                    bar.colour,
                    value,
                ),  # fmt: skip
            )
        )
    for index in sorted({0, len(bars) // 2, len(bars) - 1}):
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="middle" class="chart-label">{}</text>',
                left + index * slot + slot / 2,
                height - 8,
                bars[index].label,
            )  # fmt: skip
        )
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(str(part) for part in parts))


def data_table(caption, headers, rows):
    """The text alternative shown under each chart."""
    return render_to_string("dashboard/_chart_table.html", {"caption": caption, "headers": headers, "rows": rows})


def _shorten(text, limit):
    return text if len(text) <= limit else text[: limit - 1] + "…"
