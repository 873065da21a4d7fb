"""Safe text and compact payloads: what a map carries to the browser, escaped once in Python.

Points travel as one columnar payload (`pack_points`) that `points.js` decodes: coordinates and
category codes as fixed-width base-64 digits, each text column as its distinct values plus one
code per row, dates as days since the first one. Every text is HTML-escaped here, so the script
only ever joins strings that are already safe.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["esc", "pack_points", "shorten"]

_COORD_SCALE = 100_000  # 1e-5 degree ≈ 1 m
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"
_ALPHABET_BYTES = np.frombuffer(_ALPHABET.encode("ascii"), dtype=np.uint8)
_HTML_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#x27;"))


def esc(text: object) -> str:
    """`text` as HTML, quotes included."""
    return html.escape(str(text), quote=True)


def shorten(text: pd.Series, limit: int | None) -> pd.Series:
    """Text cut to `limit` characters with "…"; limit 0 drops it, None keeps it whole."""
    if limit is None:
        return text
    if limit == 0:
        return pd.Series(pd.NA, index=text.index, dtype="string")
    long = text.str.len() > limit
    return text.where(~long.fillna(False).astype(bool), text.str.slice(0, limit) + "…")


def _escape_all(text: pd.Series) -> pd.Series:
    """html.escape(quote=True) on every value at once, and "|" (the table separator) as &#124;."""
    for raw, safe in (*_HTML_ESCAPES, ("|", "&#124;")):
        text = text.str.replace(raw, safe, regex=False)
    return text


def _width(count: int) -> int:
    """Characters of the 64-letter alphabet needed to write numbers 0 … count − 1."""
    width = 1
    while 64**width < max(count, 1):
        width += 1
    return width


def _pack(codes: np.ndarray, width: int) -> str:
    """Fixed-width base-64 digits of non-negative ints, concatenated (1–3 bytes a row)."""
    codes = codes.astype(np.int64)
    digits = np.empty((len(codes), width), dtype=np.uint8)
    for k in range(width):
        digits[:, width - 1 - k] = _ALPHABET_BYTES[(codes >> (6 * k)) & 63]
    return digits.tobytes().decode("ascii")


def _text_column(values: pd.Series) -> dict[str, Any]:
    """A text column as its distinct values (HTML-escaped once each) plus one code per row.

    The table travels as one "|"-joined string ("|" itself is written &#124;). When every value
    is a shared prefix plus a fixed-width number (WT2026-000123), only the numbers are packed.
    """
    text = values.astype("string[pyarrow]").str.strip()
    codes, uniques = pd.factorize(text, sort=False, use_na_sentinel=True)
    table = _escape_all(pd.Series(uniques, dtype="string[pyarrow]")).tolist()
    prefix = _common_prefix(table) if len(table) > 50 else ""
    rest = [t[len(prefix) :] for t in table]
    digits = len(rest[0]) if rest else 0
    if (
        prefix
        and 0 < digits <= 9
        and (codes >= 0).all()
        and all(len(r) == digits and r.isascii() and r.isdigit() for r in rest)
    ):
        numbers = np.array([int(r) for r in rest], dtype=np.int64)[codes]
        width = _width(int(numbers.max()) + 1)
        return {"w": width, "c": _pack(numbers, width), "p": prefix, "z": digits}
    codes = np.where(codes < 0, len(rest), codes)
    width = _width(len(rest) + 1)
    return {"w": width, "c": _pack(codes, width), "v": "|".join(rest), "p": prefix}


def _common_prefix(values: Sequence[str]) -> str:
    lo, hi = min(values), max(values)
    n = 0
    while n < min(len(lo), len(hi)) and lo[n] == hi[n]:
        n += 1
    return lo[:n]


def _date_columns(frame: pd.DataFrame, fields: Iterable[str]) -> tuple[list[int], dict[str, Any]]:
    cols = {f: pd.to_datetime(frame[f], errors="coerce").dt.normalize() for f in fields}
    stacked = pd.concat(cols.values()) if cols else pd.Series(dtype="datetime64[ns]")
    day0 = stacked.min() if stacked.notna().any() else pd.Timestamp("2000-01-01")
    span = int((stacked.max() - day0).days) + 1 if stacked.notna().any() else 1
    width = _width(span + 1)
    missing = 64**width - 1
    out: dict[str, Any] = {}
    for name, col in cols.items():
        days = (col - day0).dt.days.fillna(missing).astype("int64").to_numpy()
        out[name] = {"w": width, "c": _pack(days, width), "m": missing}
    return [day0.year, day0.month, day0.day], out


def pack_points(
    frame: pd.DataFrame,
    *,
    category: pd.Series,
    categories: Sequence[tuple[str, str, bool]],
    text_fields: Mapping[str, pd.Series],
    date_fields: Sequence[str],
    popup: Sequence[tuple[str, str]],
    title: str,
    tooltip: Sequence[str],
) -> dict[str, Any]:
    """The points of `frame` (with _lat/_lon) as one compact, already-escaped JSON payload.

    `categories` are (label, colour, ring) in code order; `popup` the (field, label) rows of
    the popup table; `title` and `tooltip` name text fields.
    """
    lat = np.round(frame["_lat"].to_numpy(dtype="float64") * _COORD_SCALE).astype(np.int64)
    lon = np.round(frame["_lon"].to_numpy(dtype="float64") * _COORD_SCALE).astype(np.int64)
    lat0 = int(lat.min()) if len(lat) else 0
    lon0 = int(lon.min()) if len(lon) else 0
    cw = _width(int(max(lat.max() - lat0, lon.max() - lon0)) + 1 if len(lat) else 1)
    index = {name: i for i, (name, _, _) in enumerate(categories)}
    cat_codes = category.map(index).fillna(0).astype("int64").to_numpy()
    day0, dates = _date_columns(frame, date_fields)
    return {
        "n": len(frame),
        "s": _COORD_SCALE,
        "la0": lat0,
        "lo0": lon0,
        "cw": cw,
        "la": _pack(lat - lat0, cw),
        "lo": _pack(lon - lon0, cw),
        "k": _pack(cat_codes, 1),
        "K": [{"l": esc(n), "c": c, "r": ring} for n, c, ring in categories],
        "t": {name: _text_column(values) for name, values in text_fields.items()},
        "d": dates,
        "d0": day0,
        "P": [[f, esc(label)] for f, label in popup],
        "T": title,
        "H": list(tooltip),
        "A": _ALPHABET,
    }
