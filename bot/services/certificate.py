"""The volunteer's certificate (issue 20): a PNG they can share, with the words the caller
translated. No aiogram here.

matplotlib is imported inside ``render`` (the Agg backend): the bot's idle memory does not
carry it, and the handler draws in ``asyncio.to_thread``. The font is DejaVu Sans, as in
bot/services/campaign_chart.py: it ships with matplotlib and has Cyrillic and the Kazakh
letters (ә ғ қ ң ө ұ ү һ і). Always WIDTH_PX × HEIGHT_PX (no tight bounding box).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

WIDTH_PX = 1200
HEIGHT_PX = 850
DPI = 100
INK = "#1f3a5f"
GOLD = "#c9a227"
PAPER = "#fffaf0"


@dataclass(frozen=True, slots=True)
class Certificate:
    title: str  # «Благодарность» / «Алғыс хат»
    subtitle: str  # «вручается» …
    name: str
    body: str  # what for, the period
    figures: Sequence[str]  # one line each
    organisation: str
    footer: str  # place and date


def render(certificate: Certificate) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, facecolor=PAPER)
    with matplotlib.rc_context({"font.family": "DejaVu Sans", "text.parse_math": False}):
        axes = figure.add_axes((0, 0, 1, 1))
        axes.set_xlim(0, 1)
        axes.set_ylim(0, 1)
        axes.axis("off")
        for inset, width, color in ((0.02, 6, INK), (0.035, 2, GOLD)):
            axes.add_patch(
                Rectangle(
                    (inset, inset * WIDTH_PX / HEIGHT_PX),
                    1 - 2 * inset,
                    1 - 2 * inset * WIDTH_PX / HEIGHT_PX,
                    fill=False,
                    linewidth=width,
                    edgecolor=color,
                )
            )
        text: dict[str, Any] = {"ha": "center", "va": "center", "color": INK, "wrap": True}
        axes.text(0.5, 0.88, certificate.organisation, fontsize=18, **text)
        axes.text(0.5, 0.77, certificate.title, fontsize=44, weight="bold", **text)
        axes.text(0.5, 0.68, certificate.subtitle, fontsize=18, **text)
        axes.text(0.5, 0.60, certificate.name, fontsize=34, weight="bold", color=GOLD, ha="center",
                  va="center")  # fmt: skip
        axes.text(0.5, 0.50, certificate.body, fontsize=17, **text)
        y = 0.41
        for line in certificate.figures[:6]:
            axes.text(0.5, y, line, fontsize=17, **text)
            y -= 0.052
        axes.text(0.5, 0.08, certificate.footer, fontsize=15, **text)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI, facecolor=PAPER)
    return buffer.getvalue()
