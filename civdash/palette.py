"""One colour-blind-safe palette with fixed meanings, shared by every chart, card, table, map,
slide and document.

Colours come from Okabe & Ito (2008), which stays distinguishable for the common forms of colour
blindness. Meanings never change between screens:

- **good / bad follow the metric's direction** (`direction_color`): a rise of 逾期未整改问题数
  is bad (vermillion), a rise of 已命名单位数 good (bluish green), on a card, its sparkline, a
  table cell and a slide alike; no direction (a plain count) is blue, no change grey;
- **each issue status has its own colour** (`STATUS_COLORS`), 逾期 the most alarming
  (vermillion), 待整改 orange, 整改中 yellow, 已整改 sky blue, 已销号 green, 长期整改 purple;
- **progress judgements** (`PROGRESS_COLORS`): 已达标 and 可按期完成 good, 按当前进度无法按期完成
  bad, 暂无法测算 grey, wherever a judgement is shown;
- levels of honour (全国 … 县级) are one blue ramp, darker for higher, never the "bad" red.

`distinct_under` checks that colours meant to differ stay apart for a reader with
deuteranopia, protanopia or tritanopia (Machado, Oliveira & Fernandes 2009), which the tests
assert for every set above. The choropleth ramps are ColorBrewer single-hue schemes (also
colour-blind safe): blues for neutral or higher-is-better metrics, oranges for lower-is-better ones.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, Literal

__all__ = [
    "BAD",
    "BAD_FILL",
    "BAD_TEXT",
    "BLACK",
    "BLUE",
    "BLUISH_GREEN",
    "CVD_KINDS",
    "DELTA_COLORS",
    "GOOD",
    "GOOD_FILL",
    "GOOD_TEXT",
    "GREY",
    "LEVEL_COLORS",
    "LIGHT_GREY",
    "LIST_COLORS",
    "MUTED_TEXT",
    "NEUTRAL",
    "NO_DATA",
    "ORANGE",
    "OVERDUE",
    "OVERDUE_COLOR",
    "PROGRESS_COLORS",
    "PROGRESS_FILLS",
    "PROGRESS_TEXT",
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
    "color_distance",
    "contrast_ratio",
    "direction_color",
    "distinct_under",
    "sequential_for",
    "simulate",
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
LIGHT_GREY: Final = "#BBBBBB"
"""Nothing to judge: off the 红黑榜, no progress judgement, no change (stays apart from GOOD
for a reader with deuteranopia, where GREY #999999 does not)."""
GOOD_FILL: Final = "#E6F4EF"
"""A table cell or row tinted "good" (text on it stays GOOD_TEXT or TEXT)."""
BAD_FILL: Final = "#FBECE3"
"""A table cell or row tinted "bad"."""

DELTA_COLORS: Final = MappingProxyType({"green": GOOD, "red": BAD, "gray": MUTED_TEXT})
"""A card's change colour (`views.common.Headline.delta_color`, Streamlit's names, which the
app's theme maps onto this palette in .streamlit/config.toml) as a palette colour."""

OVERDUE: Final = "逾期"
"""Display status of an open issue past its deadline (not a ledger status)."""
OVERDUE_COLOR: Final = BAD

STATUS_ORDER: Final = ("逾期", "待整改", "整改中", "已整改", "已销号", "长期整改")
"""Display order: the worst first, so stacked bars put the red part at the bottom."""

STATUS_COLORS: Final = MappingProxyType(
    {
        "逾期": BAD,
        "待整改": ORANGE,
        "整改中": YELLOW,
        "已整改": SKY_BLUE,
        "已销号": BLUISH_GREEN,
        "长期整改": REDDISH_PURPLE,
    }
)
"""The five ledger statuses plus the display status 逾期, each its own colour: 逾期 the "bad"
vermillion (the most alarming), 待整改 orange, 整改中 yellow, the closed ones blue and green."""

LIST_COLORS: Final = MappingProxyType({"红榜": GOOD, "黑榜": BAD, "": LIGHT_GREY})
"""红黑榜: the red list is the list of honour, so it takes the "good" colour, not red."""

PROGRESS_COLORS: Final = MappingProxyType(
    {
        "已达标": GOOD,
        "可按期完成": GOOD,
        "按当前进度无法按期完成": BAD,
        "暂无法测算": LIGHT_GREY,
    }
)
"""A target's progress judgement (`views.targets.STATUS_*`): on track is good, behind is bad."""
PROGRESS_TEXT: Final = MappingProxyType(
    {
        "已达标": GOOD_TEXT,
        "可按期完成": GOOD_TEXT,
        "按当前进度无法按期完成": BAD_TEXT,
        "暂无法测算": MUTED_TEXT,
    }
)
"""The judgement written as text on white (contrast at least 4.5:1)."""
PROGRESS_FILLS: Final = MappingProxyType(
    {
        "已达标": GOOD_FILL,
        "可按期完成": GOOD_FILL,
        "按当前进度无法按期完成": BAD_FILL,
        "暂无法测算": "#FFFFFF",
    }
)
"""The judgement as a cell's tint."""

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
    {"全国": "#08306B", "省级": "#2171B5", "市级": "#6BAED6", "县级": "#C6DBEF"}
)
"""Levels of honour, highest darkest (ColorBrewer Blues): an order, not good or bad."""

STAR_COLORS: Final = ("#BDBDBD", "#C6DBEF", "#9ECAE1", "#6BAED6", "#3182BD", "#08519C")
"""未评星, 一星 … 五星: one light-to-dark blue ramp."""

SEQUENTIAL: Final = ("#EFF3FF", "#C6DBEF", "#9ECAE1", "#6BAED6", "#3182BD", "#08519C")
"""ColorBrewer Blues, 6 classes: choropleths of neutral or higher-is-better metrics."""
SEQUENTIAL_BAD: Final = ("#FEEDDE", "#FDD0A2", "#FDAE6B", "#FD8D3C", "#E6550D", "#A63603")
"""ColorBrewer Oranges, 6 classes: choropleths of lower-is-better metrics (more = worse)."""


def sequential_for(better: str | None) -> tuple[str, ...]:
    """The choropleth ramp for a metric whose `better` is "higher", "lower" or None."""
    return SEQUENTIAL_BAD if better == "lower" else SEQUENTIAL


def direction_color(change: float | None, better: str | None) -> str:
    """The colour of a change of a metric whose `better` is "higher", "lower" or None: GOOD
    when it goes the better way, BAD the other way, NEUTRAL for a metric without a direction,
    LIGHT_GREY for no change or none known.

    >>> direction_color(9, "lower") == BAD, direction_color(3, "higher") == GOOD
    (True, True)
    """
    if change is None or not math.isfinite(change) or abs(change) < 1e-9:
        return LIGHT_GREY
    if better is None:
        return NEUTRAL
    return GOOD if (change > 0) == (better == "higher") else BAD


def _luminance(color: str) -> float:
    rgb = [int(color.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two "#RRGGBB" colours (1 to 21; text wants at least 4.5)."""
    light, dark = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


# ---------------------------------------------------------------- colour-vision deficiency

CvdKind = Literal["normal", "protanopia", "deuteranopia", "tritanopia"]

_CVD: Final[Mapping[str, tuple[tuple[float, float, float], ...]]] = MappingProxyType(
    {
        "normal": ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)),
        "protanopia": (
            (0.152286, 1.052583, -0.204868),
            (0.114503, 0.786281, 0.099216),
            (-0.003882, -0.048116, 1.051998),
        ),
        "deuteranopia": (
            (0.367322, 0.860646, -0.227968),
            (0.280085, 0.672501, 0.047413),
            (-0.011820, 0.042940, 0.968881),
        ),
        "tritanopia": (
            (1.255528, -0.076749, -0.178779),
            (-0.078411, 0.930809, 0.147602),
            (0.004733, 0.691367, 0.303900),
        ),
    }
)
"""Machado, Oliveira & Fernandes (2009), severity 1.0, on linear RGB."""

CVD_KINDS: Final = tuple(_CVD)


def _linear(channel: float) -> float:
    return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4


def simulate(color: str, kind: CvdKind) -> tuple[float, float, float]:
    """CIE L*a*b* of "#RRGGBB" as a reader with colour-vision deficiency `kind` sees it."""
    rgb = [_linear(int(color.lstrip("#")[i : i + 2], 16) / 255) for i in (0, 2, 4)]
    m = _CVD[kind]
    r, g, b = (min(1.0, max(0.0, sum(m[row][k] * rgb[k] for k in range(3)))) for row in range(3))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    fx, fy, fz = f(x), f(y), f(z)
    return (116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz))


def color_distance(a: str, b: str, kind: CvdKind = "normal") -> float:
    """CIE76 ΔE between two "#RRGGBB" colours as a reader of `kind` sees them (about 2: just
    noticeable; 15 and more: told apart at a glance in a legend)."""
    return math.dist(simulate(a, kind), simulate(b, kind))


def distinct_under(colors: Mapping[str, str], kind: CvdKind) -> tuple[float, str, str]:
    """The closest pair of differently coloured entries of `colors` for a reader of `kind`:
    (ΔE, name, name). Entries that share a colour on purpose (one meaning) are not compared.

    >>> distinct_under({"红榜": GOOD, "黑榜": BAD}, "deuteranopia")[0] > 15
    True
    """
    pairs = [
        (color_distance(ca, cb, kind), na, nb)
        for (na, ca), (nb, cb) in itertools.combinations(colors.items(), 2)
        if ca != cb
    ]
    return min(pairs, default=(math.inf, "", ""))
