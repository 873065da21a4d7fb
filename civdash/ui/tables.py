"""Tables on the pages: every number column written the one way (`civdash.numbers`).

`show_table` is `st.dataframe` with a `NumberColumn` format for each number column that the
caller has not configured: thousands separators ("%,d", "%,.1f") with as many decimals as the
column's values need (at most two), and no separators in columns of years, codes and row
numbers (`numbers.is_plain_column`). `colours` tints the cells of text columns whose values carry
a meaning (进度判断, 红黑榜) from the palette. A text column whose longest value would be cut
at the grid's automatic width is made wide enough to show it (`text_widths`): never "…" in a
file or unit name a reader needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from civdash import numbers
from civdash.names import display_width
from civdash.views.common import MISSING_CELL

__all__ = ["number_formats", "show_table", "styled", "text_widths"]

_PX_PER_UNIT = 7.5
"""Pixels per half-width character at the grid's font size (a CJK character is two units)."""
_AUTO_WIDTH = 220
"""Streamlit sizes a column to its content up to about this width; beyond it cells are cut."""
_MAX_WIDTH = 640
_SAMPLE = 2_000
"""Rows looked at to size a column (a table may hold a million)."""


def text_widths(frame: pd.DataFrame) -> dict[str, int]:
    """{column: pixels} for the text columns whose longest value would be cut at the grid's
    automatic width (file names, unit names, addresses): wide enough to show it whole, up to
    `_MAX_WIDTH` (beyond that a cell wraps in its tooltip)."""
    out: dict[str, int] = {}
    for name in frame.columns:
        s = frame[name]
        if pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
            continue
        values = s.head(_SAMPLE).dropna().astype(str)
        longest = max((display_width(v) for v in values), default=0)
        longest = max(longest, display_width(str(name)))
        px = int(longest * _PX_PER_UNIT) + 32
        if px > _AUTO_WIDTH:
            out[str(name)] = min(px, _MAX_WIDTH)
    return out


def number_formats(frame: pd.DataFrame) -> dict[str, str]:
    """{column: printf format} for every number column of `frame` (not booleans).

    >>> number_formats(pd.DataFrame({"问题数": [61842], "命名年份": [2019], "区县": ["城关区"]}))
    {'问题数': '%,d', '命名年份': '%d'}
    """
    out: dict[str, str] = {}
    for name in frame.columns:
        s = frame[name]
        if pd.api.types.is_bool_dtype(s.dtype) or not pd.api.types.is_numeric_dtype(s.dtype):
            continue
        decimals = numbers.decimals_of(s.astype("float64").tolist())
        out[str(name)] = numbers.printf_format(decimals, plain=numbers.is_plain_column(name))
    return out


def styled(frame: pd.DataFrame, colours: Mapping[str, Mapping[str, tuple[str, str]]]) -> Any:
    """`frame` as a pandas Styler whose cells in column c with value v are written in
    colours[c][v] = (text colour, background); other cells are left as they are."""

    def cell(value: object, table: Mapping[str, tuple[str, str]]) -> str:
        hit = table.get(str(value))
        return f"color: {hit[0]}; background-color: {hit[1]}" if hit else ""

    text = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c].dtype)]
    # a Styler's cells are shown as its text: a blank one as "—", not "None" / "nan"
    style = frame.style.format(na_rep=MISSING_CELL, subset=text)
    for column, table in colours.items():
        if column in frame.columns:
            style = style.map(cell, subset=[column], table=table)
    return style


def show_table(
    frame: pd.DataFrame | Styler,
    *,
    where: Any = None,
    column_config: Mapping[str, Any] | None = None,
    colours: Mapping[str, Mapping[str, tuple[str, str]]] | None = None,
    **kwargs: Any,
) -> Any:
    """`st.dataframe(frame, …)` in `where` (default `st`) with separators on every number
    column the caller did not configure, cells tinted by `colours` (see `styled`), and a blank
    cell shown as "—" (`MISSING_CELL`; Streamlit's own placeholder is "None"). Every table of
    the app is drawn here (tests/pages/test_tables_shared.py)."""
    values = frame.data if isinstance(frame, Styler) else frame
    config: dict[str, Any] = {
        name: st.column_config.NumberColumn(format=fmt)
        for name, fmt in number_formats(values).items()
    }
    config.update(
        {
            name: st.column_config.TextColumn(width=px)
            for name, px in text_widths(values).items()
            if name not in (column_config or {})
        }
    )
    config.update(column_config or {})
    kwargs.setdefault("placeholder", MISSING_CELL)
    data: Any = styled(frame, colours) if colours and isinstance(frame, pd.DataFrame) else frame
    return (where or st).dataframe(data, column_config=config, **kwargs)
