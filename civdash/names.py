"""How a district's name is shown: one rule for every chart, table, map and slide.

- **Full names in wide places**: page titles, sentences, tooltips and popups, the sidebar, wide
  tables, and every file that leaves the app.
- **Short names where space is short**: a chart's category axis, a label on a map, a narrow table
  column, a slide. A district whose name is longer than `SHORT_ENOUGH` characters is shown by its
  shortest alias from the district table (高新技术产业开发区 → 高新区); a shorter name, or one
  without a shorter alias, is kept as it is.
- **Never "…" in a name a reader needs**: a label that is still long (a responsible unit, a
  target's "区县·指标") wraps onto more lines; `charts.configure` wraps every chart's axis and
  legend labels.
- **The chosen district is marked** wherever a list shows every district (`mark_chosen`), and
  outlined on a map of every district, so a reader finds it among the others.

>>> from civdash.districts import District, DistrictTable
>>> table = DistrictTable((District("城关区"), District("高新技术产业开发区", aliases=("高新区",))))
>>> short_name("高新技术产业开发区", ("高新区", "高新开发区"))
'高新区'
>>> district_labels(["高新技术产业开发区", "城关区"], table, chosen="城关区")
['高新区', '▶ 城关区']
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from civdash.districts import DistrictTable

__all__ = [
    "CHOSEN_MARK",
    "SHORT_ENOUGH",
    "display_width",
    "district_labels",
    "mark_chosen",
    "padded",
    "short_name",
    "short_names",
    "shorten",
]

SHORT_ENOUGH = 5
"""A name of at most this many characters fits anywhere and is never replaced by an alias
(东湖区 stays 东湖区 even when the table knows 东湖)."""

CHOSEN_MARK = "▶ "
"""Put before the chosen district's name in a list of every district."""


def short_name(name: str, aliases: Iterable[str] | str | None = ()) -> str:
    """`name` as shown where space is short: its shortest alias when the name is longer than
    `SHORT_ENOUGH` characters and an alias is shorter (the first of equally short ones), else the
    name itself. `aliases` may be "、"-separated text, as GeoJSON properties sometimes hold it."""
    if len(name) <= SHORT_ENOUGH or not aliases:
        return name
    if isinstance(aliases, str):
        aliases = [a for a in aliases.replace("，", "、").replace(",", "、").split("、")]
    best = name
    for alias in (str(a).strip() for a in aliases):
        if alias and len(alias) < len(best):
            best = alias
    return best


def short_names(districts: DistrictTable | None) -> dict[str, str]:
    """Full name → short name of every district in the table (empty without a table)."""
    if districts is None:
        return {}
    return {d.name: short_name(d.name, d.aliases) for d in districts.districts}


def shorten(values: pd.Series, districts: DistrictTable | None) -> pd.Series:
    """District names as shown where space is short; values the table does not know (全市, a
    blank, a name not in the table) are kept as they are."""
    names = {k: v for k, v in short_names(districts).items() if k != v}
    if not names:
        return values
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    return values.replace(names)


def mark_chosen(
    labels: Sequence[str], chosen: str | None, names: Sequence[str] | None = None
) -> list[str]:
    """`labels` with the chosen district's marked by `CHOSEN_MARK`; `names` are the full names
    the labels stand for (the labels themselves by default), compared with `chosen`."""
    full = labels if names is None else names
    return [
        f"{CHOSEN_MARK}{label}" if chosen is not None and name == chosen else label
        for label, name in zip(labels, full, strict=True)
    ]


def district_labels(
    names: Sequence[str], districts: DistrictTable | None, *, chosen: str | None = None
) -> list[str]:
    """The labels of a narrow column or list of districts: short names, the chosen one marked."""
    short: Mapping[str, str] = short_names(districts)
    return mark_chosen([short.get(n, n) for n in names], chosen, names)


def display_width(text: str) -> int:
    """How many columns `text` takes in a fixed-width place (a terminal, an Excel column, a
    table cell): a full-width (CJK) character counts two.

    >>> display_width("高新区"), display_width("QLDW0039")
    (6, 8)
    """
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def padded(text: str, width: int) -> str:
    """`text` with spaces after it up to `width` display columns (a terminal's aligned list).

    >>> padded("张晓", 6) + "|", padded("admin", 6) + "|"
    ('张晓  |', 'admin |')
    """
    return text + " " * max(width - display_width(text), 0)
