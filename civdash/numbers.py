"""How CivDash writes a number, on every surface: cards, tables, charts, slides, the 通报 and
the Excel downloads.

The rules, in one place so that no page writes a number its own way:

- **thousands separators** on every quantity: 61,842人, 104,620.5小时; years, codes and row
  numbers are not quantities and stay plain (`is_plain_column`: 命名年份 2019, 问题编号);
- **万** for a count or total of 100,000 or more where space is short (a card, a slide, a
  sentence): below 100万 with one decimal (104,620.5 → 10.5万, 275,006 → 27.5万), from 100万
  on in whole 万 (2,775,006.5 → 278万, 12,345,678 → 1,235万: three figures or more are all a
  card has room for and a reader keeps), a trailing .0 dropped (200,000 → 20万); so one figure
  is written one way on every page; tables, charts and downloads keep the full number;
- **units** follow the number without a space (169个, 6,013人, 87.6%, 278万小时), except
  个百分点, which is a word and takes one (+0.4 个百分点);
- **signs**: a change always carries its sign, with the real minus sign − (U+2212) rather than
  a hyphen; a change that rounds to zero at the precision shown is 持平, never "+0.0"; arrows
  (`ARROWS`) are ↑ and ↓;
- **the same precision** for a value, its change and its weekly pace;
- a missing value is "—".

The formats that other tools apply to raw numbers follow the same rules: `printf_format` for
Streamlit's table columns, `d3_format` for Altair axes, labels and tooltips (and
`CHART_NUMBER_FORMAT`, the default of every chart), `excel_format` for the cells of a download.

>>> number(104620.5, 1, "小时"), compact(2775006.5, 1, "小时"), change(-9, 0, "个")
('104,620.5小时', '278万小时', '−9个')
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Final

__all__ = [
    "ARROWS",
    "CHART_NUMBER_FORMAT",
    "FLAT",
    "MINUS",
    "MISSING",
    "PLAIN_COLUMN_WORDS",
    "WAN",
    "WAN_FROM",
    "WAN_WHOLE_FROM",
    "change",
    "compact",
    "d3_format",
    "decimals_of",
    "excel_format",
    "is_plain_column",
    "number",
    "printf_format",
    "wan",
    "with_unit",
]

MINUS: Final = "\u2212"
"""The minus sign of a negative number or a fall (−), not the hyphen-minus (-)."""
MISSING: Final = "—"
"""A value that is not there (no data, not computable)."""
FLAT: Final = "持平"
"""A change that rounds to zero at the precision shown."""
ARROWS: Final = {"up": "↑", "down": "↓"}
"""The arrow before a change that rises or falls (the cards' arrows look the same)."""

WAN: Final = 10_000
WAN_FROM: Final = 100_000
"""Counts and totals from 10万 on are written in 万 where space is short (`compact`)."""
WAN_WHOLE_FROM: Final = 1_000_000
"""From 100万 on, 万 are whole: 278万, not 277.5万."""

CHART_NUMBER_FORMAT: Final = ",.2~f"
"""Every chart's default number format (axes, labels, tooltips without their own format):
separators, at most two decimals, trailing zeros dropped."""

PLAIN_COLUMN_WORDS: Final = ("年份", "年度", "编号", "代码", "行号", "序号", "邮编")
"""A table column whose header has one of these holds identifiers or years, not quantities:
its numbers are written without separators (2019, not 2,019)."""

_SPACED_UNITS = ("个百分点",)


def _missing(value: float | None) -> bool:
    """None, NaN, ±inf and pandas' NA (which has no float value)."""
    if value is None:
        return True
    try:
        return not math.isfinite(float(value))
    except (TypeError, ValueError):
        return True


def with_unit(text: str, unit: str) -> str:
    """`text` followed by `unit`: "169个", "87.6%", "1.6 个百分点" (a word-like unit is spaced)."""
    if not unit:
        return text
    return f"{text} {unit}" if unit in _SPACED_UNITS else f"{text}{unit}"


def _digits(value: float, decimals: int) -> str:
    text = f"{abs(value):,.{decimals}f}"
    negative = value < 0 and float(text.replace(",", "")) != 0
    return MINUS + text if negative else text


def number(value: float | None, decimals: int = 0, unit: str = "") -> str:
    """A number with thousands separators, `decimals` decimals, the real minus sign and `unit`.

    >>> number(61842, 0, "人"), number(-3.25, 1), number(None)
    ('61,842人', '−3.2', '—')
    """
    if _missing(value):
        return MISSING
    return with_unit(_digits(float(value), decimals), unit)  # type: ignore[arg-type]


def wan(value: float, unit: str = "") -> str:
    """`value` in 万: one decimal below 100万, whole 万 from 100万 on, a trailing .0 dropped.

    >>> wan(275006, "人"), wan(2775006.5, "小时"), wan(200000), wan(12345678)
    ('27.5万人', '278万小时', '20万', '1,235万')
    """
    text = _digits(value / WAN, 0 if abs(value) >= WAN_WHOLE_FROM else 1)
    if text.endswith(".0"):
        text = text[:-2]
    return with_unit(f"{text}万", unit)


def compact(value: float | None, decimals: int = 0, unit: str = "") -> str:
    """As `number`, but in 万 from 10万 on (`wan`): for cards, slides and sentences.

    >>> compact(99999, 0, "人"), compact(104620.5, 1, "小时")
    ('99,999人', '10.5万小时')
    """
    if _missing(value):
        return MISSING
    v = float(value)  # type: ignore[arg-type]
    return wan(v, unit) if abs(v) >= WAN_FROM else number(v, decimals, unit)


def change(value: float | None, decimals: int = 0, unit: str = "", *, short: bool = False) -> str:
    """A change with its sign: "+9个", "−0.4 个百分点"; 持平 when it rounds to zero at
    `decimals`; "—" without a value. `short` writes 10万 and more in 万 ("+20万小时").

    >>> change(9, 0, "个"), change(-0.44, 1, "个百分点"), change(0.04, 1, "%")
    ('+9个', '−0.4 个百分点', '持平')
    """
    if _missing(value):
        return MISSING
    v = float(value)  # type: ignore[arg-type]
    if round(abs(v), decimals) == 0:
        return FLAT
    size = compact(abs(v), decimals, unit) if short else number(abs(v), decimals, unit)
    return ("+" if v > 0 else MINUS) + size


def decimals_of(values: Iterable[float | None], most: int = 2) -> int:
    """The fewest decimals (at most `most`) that write every value without losing a digit.

    >>> decimals_of([1.0, 2.5]), decimals_of([3, None, 4]), decimals_of([1 / 3])
    (1, 0, 2)
    """
    finite = [float(v) for v in values if v is not None and not _missing(v)]
    for d in range(most + 1):
        if all(abs(round(v, d) - v) < 1e-9 * max(1.0, abs(v)) for v in finite):
            return d
    return most


def is_plain_column(header: str) -> bool:
    """Whether a table column holds identifiers or years rather than quantities
    (`PLAIN_COLUMN_WORDS`): its numbers are written without separators.

    >>> is_plain_column("命名年份"), is_plain_column("问题数")
    (True, False)
    """
    return any(word in str(header) for word in PLAIN_COLUMN_WORDS)


def printf_format(decimals: int, *, plain: bool = False) -> str:
    """Streamlit's `NumberColumn(format=…)` for numbers with `decimals` decimals.

    >>> printf_format(0), printf_format(1), printf_format(0, plain=True)
    ('%,d', '%,.1f', '%d')
    """
    if plain:
        return "%d" if decimals == 0 else f"%.{decimals}f"
    return "%,d" if decimals == 0 else f"%,.{decimals}f"


def d3_format(decimals: int) -> str:
    """Vega-Lite's `format` for an axis, a label or a tooltip with `decimals` decimals.

    >>> d3_format(0), d3_format(1)
    (',.0f', ',.1f')
    """
    return f",.{decimals}f"


def excel_format(decimals: int, *, plain: bool = False) -> str:
    """An Excel number format with `decimals` decimals ("#,##0.0"); `plain`: no separators.

    >>> excel_format(0), excel_format(2), excel_format(0, plain=True)
    ('#,##0', '#,##0.00', '0')
    """
    body = "0" if plain else "#,##0"
    return body + ("." + "0" * decimals if decimals else "")
