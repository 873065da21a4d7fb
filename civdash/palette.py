"""One colour-blind-safe palette with fixed meanings, shared by every chart and map.

Colours come from Okabe & Ito (2008), which stays distinguishable for the common forms of colour
blindness. Meanings never change between screens: 待整改 and 逾期 are the same red everywhere,
"good" is always the same green. The choropleth ramps are ColorBrewer single-hue schemes (also
colour-blind safe): blues for neutral or higher-is-better metrics, oranges for lower-is-better ones.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

__all__ = [
    "BAD",
    "BAD_TEXT",
    "BLACK",
    "BLUE",
    "BLUISH_GREEN",
    "GOOD",
    "GOOD_TEXT",
    "GREY",
    "LEVEL_COLORS",
    "LIST_COLORS",
    "MUTED_TEXT",
    "NEUTRAL",
    "NO_DATA",
    "ORANGE",
    "OVERDUE",
    "OVERDUE_COLOR",
    "REDDISH_PURPLE",
    "SEQUENTIAL",
    "SEQUENTIAL_BAD",
    "SKY_BLUE",
    "STAR_COLORS",
    "STATUS_COLORS",
    "STATUS_ORDER",
    "TEXT",
    "UNIT_STATUS_COLORS",
    "VERMILLION",
    "WARNING",
    "YELLOW",
    "contrast_ratio",
    "sequential_for",
]

# Okabe–Ito.
BLACK: Final = "#000000"
ORANGE: Final = "#E69F00"
SKY_BLUE: Final = "#56B4E9"
BLUISH_GREEN: Final = "#009E73"
YELLOW: Final = "#F0E442"
BLUE: Final = "#0072B2"
VERMILLION: Final = "#D55E00"
REDDISH_PURPLE: Final = "#CC79A7"
GREY: Final = "#999999"

GOOD: Final = BLUISH_GREEN
"""On track, above target, on the red list (红榜 is the list of honour)."""
BAD: Final = VERMILLION
"""Behind target, overdue, not rectified, on the black list."""
WARNING: Final = ORANGE
"""In progress or close to a threshold."""
NEUTRAL: Final = BLUE
"""A plain quantity with no good/bad meaning (counts, registrations)."""
GOOD_TEXT: Final = "#00785A"
"""GOOD darkened for text on white (contrast 5.5:1; WCAG AA asks 4.5:1)."""
BAD_TEXT: Final = "#A84800"
"""BAD darkened for text on white (contrast 5.9:1)."""
TEXT: Final = "#1A1A1A"
MUTED_TEXT: Final = "#4A4A4A"
"""Secondary text on white (contrast 8.9:1)."""
NO_DATA: Final = "#D9D9D9"
"""A district or bar without a value."""

OVERDUE: Final = "逾期"
"""Display status of an open issue past its deadline (not a ledger status)."""
OVERDUE_COLOR: Final = BAD

STATUS_ORDER: Final = ("逾期", "待整改", "整改中", "已整改", "已销号", "长期整改")
"""Display order: the worst first, so stacked bars put the red part at the bottom."""

STATUS_COLORS: Final = MappingProxyType(
    {
        "逾期": BAD,
        "待整改": BAD,
        "整改中": ORANGE,
        "已整改": SKY_BLUE,
        "已销号": BLUISH_GREEN,
        "长期整改": REDDISH_PURPLE,
    }
)
"""The five ledger statuses plus the display status 逾期 (same red as 待整改)."""

LIST_COLORS: Final = MappingProxyType({"红榜": GOOD, "黑榜": BAD, "": GREY})
"""红黑榜: the red list is the list of honour, so it takes the "good" colour, not red."""

UNIT_STATUS_COLORS: Final = MappingProxyType(
    {
        "培育中": SKY_BLUE,
        "已申报": ORANGE,
        "已命名": BLUISH_GREEN,
        "复查保留": BLUE,
        "已撤销": BAD,
    }
)

LEVEL_COLORS: Final = MappingProxyType(
    {"全国": VERMILLION, "省级": ORANGE, "市级": BLUE, "县级": SKY_BLUE}
)

STAR_COLORS: Final = ("#BDBDBD", "#C6DBEF", "#9ECAE1", "#6BAED6", "#3182BD", "#08519C")
"""未评星, 一星 … 五星: one light-to-dark blue ramp."""

SEQUENTIAL: Final = ("#EFF3FF", "#C6DBEF", "#9ECAE1", "#6BAED6", "#3182BD", "#08519C")
"""ColorBrewer Blues, 6 classes: choropleths of neutral or higher-is-better metrics."""
SEQUENTIAL_BAD: Final = ("#FEEDDE", "#FDD0A2", "#FDAE6B", "#FD8D3C", "#E6550D", "#A63603")
"""ColorBrewer Oranges, 6 classes: choropleths of lower-is-better metrics (more = worse)."""


def sequential_for(better: str | None) -> tuple[str, ...]:
    """The choropleth ramp for a metric whose `better` is "higher", "lower" or None."""
    return SEQUENTIAL_BAD if better == "lower" else SEQUENTIAL


def _luminance(color: str) -> float:
    rgb = [int(color.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two "#RRGGBB" colours (1 to 21; text wants at least 4.5)."""
    light, dark = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)
