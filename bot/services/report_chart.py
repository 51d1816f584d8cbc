"""The period statistics' chart (issue 20): a PNG of horizontal bar panels (requests by kind,
by status, by territory), labels as the caller translated them. No aiogram here.

The font set-up is the campaign chart's (bot/services/campaign_chart.py): DejaVu Sans, which
ships with matplotlib and has Cyrillic and the Kazakh letters, 1080 px wide, text of at least
14 pt: readable on a phone. matplotlib is imported inside ``render`` (the Agg backend), which
the handler runs in ``asyncio.to_thread``.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from bot.services.campaign_chart import DPI, FONT_SIZE, WIDTH_PX

COLORS = ("#1e88e5", "#43a047", "#fb8c00", "#8e24aa")


@dataclass(frozen=True, slots=True)
class Panel:
    title: str
    bars: Sequence[tuple[str, int]]  # label, value; top to bottom


def render(title: str, panels: Sequence[Panel]) -> bytes:
    """The PNG: ``title`` on top, then each non-empty panel's bars with their values."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    shown = [p for p in panels if p.bars] or [Panel(panels[0].title if panels else "", [])]
    rows = [max(1, len(p.bars)) for p in shown]
    height = 1.2 + sum(0.9 + 0.5 * n for n in rows)
    figure = Figure(figsize=(WIDTH_PX / DPI, height), dpi=DPI)
    with matplotlib.rc_context(
        {"font.family": "DejaVu Sans", "font.size": FONT_SIZE, "text.parse_math": False}
    ):
        grid = figure.add_gridspec(len(shown), 1, height_ratios=[0.9 + 0.5 * n for n in rows])
        for index, panel in enumerate(shown):
            axes = figure.add_subplot(grid[index])
            labels = [label for label, _ in panel.bars]
            values = [value for _, value in panel.bars]
            positions = list(range(len(values)))[::-1]
            axes.barh(positions, values, color=COLORS[index % len(COLORS)], height=0.7)
            axes.set_yticks(positions, labels)
            for position, value in zip(positions, values, strict=True):
                axes.text(value, position, f" {value}", va="center", fontsize=FONT_SIZE)
            axes.set_xlim(0, max([1, *values]) * 1.18)
            axes.set_title(panel.title, fontsize=FONT_SIZE + 2, loc="left")
            axes.spines[["top", "right"]].set_visible(False)
            axes.tick_params(labelsize=FONT_SIZE)
        figure.suptitle(title, fontsize=FONT_SIZE + 4, x=0.02, ha="left")
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
