"""The campaign statistics chart (issue 17): a PNG of horizontal stacked bars, one per
territory plus the total, with the labels the caller translated. No aiogram here.

matplotlib is imported inside ``render`` (the Agg backend, no display): the bot's idle memory
does not carry it, and rendering is CPU work the handler runs in ``asyncio.to_thread``. The
font is DejaVu Sans, which ships with matplotlib and has Cyrillic and the Kazakh letters
(ә ғ қ ң ө ұ ү һ і). About 1080 px wide, text of at least 14 pt: readable on a phone.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH_PX = 1080
DPI = 100
FONT_SIZE = 14  # points: about 19 px at this DPI
# One color per segment, in the order of ``campaign_stats.CATEGORIES``: vaccinated, planning,
# declined, refused, unreachable, stopped, in progress, not called.
COLORS = (
    "#2e7d32",
    "#81c784",
    "#ffb74d",
    "#e53935",
    "#8d6e63",
    "#616161",
    "#64b5f6",
    "#e0e0e0",
)


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    values: Sequence[int]  # one per segment


def render(title: str, segments: Sequence[str], bars: Sequence[Bar]) -> bytes:
    """The PNG: ``bars`` top to bottom (the total first, say), each split into
    ``segments`` (their labels, in the legend under the bars)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    height = 2.6 + 0.62 * len(bars) + 0.3 * ((len(segments) + 1) // 2)
    figure = Figure(figsize=(WIDTH_PX / DPI, height), dpi=DPI)
    with matplotlib.rc_context(
        {"font.family": "DejaVu Sans", "font.size": FONT_SIZE, "text.parse_math": False}
    ):
        axes = figure.add_subplot()
        positions = list(range(len(bars)))[::-1]
        left = [0] * len(bars)
        for index, label in enumerate(segments):
            widths = [bar.values[index] if index < len(bar.values) else 0 for bar in bars]
            axes.barh(
                positions,
                widths,
                left=left,
                color=COLORS[index % len(COLORS)],
                label=label,
                height=0.7,
            )
            left = [a + b for a, b in zip(left, widths, strict=True)]
        axes.set_yticks(positions, [bar.label for bar in bars])
        for position, total in zip(positions, left, strict=True):
            axes.text(total, position, f" {total}", va="center", fontsize=FONT_SIZE)
        axes.set_xlim(0, max([1, *left]) * 1.15)
        axes.set_title(title, fontsize=FONT_SIZE + 4, loc="left")
        axes.spines[["top", "right"]].set_visible(False)
        axes.tick_params(labelsize=FONT_SIZE)
        axes.legend(
            loc="upper center",
            bbox_to_anchor=(0.5, -0.08),
            ncols=2,
            frameon=False,
            fontsize=FONT_SIZE,
        )
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
