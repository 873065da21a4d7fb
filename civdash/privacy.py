"""Personal data: which fields hold it and how it is masked, in one place.

Phone and ID numbers are masked wherever they are shown or exported: screen tables, map popups,
CSV and Excel downloads, the error report, the briefing pack, the command line's `--out` and the
toolkit. A ledger kind declares which of its fields are personal (`Field.personal` names the
masking rule, "phone" or "id_number"); this module is the only code that reads that declaration,
and every output path calls it. Free text (问题描述, 具体点位, 整改措施 …) is stored verbatim, so
the numbers citizens paste into complaints are masked inside it on the way out.

>>> mask_values(pd.Series(["13800138000", "87654321"]), "phone").tolist()
['138****8000', '****21']
>>> mask_free_text(pd.Series(["请回电 138-0013-8000"])).tolist()
['请回电 138****8000']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from civdash.ledgers import REGISTRY, normalize_header
from civdash.ledgers.base import Field
from civdash.normalize import as_text

__all__ = [
    "is_personal",
    "is_personal_column",
    "looks_masked",
    "mask_field",
    "mask_frame",
    "mask_free_text",
    "mask_labelled",
    "mask_texts",
    "mask_value",
    "mask_values",
    "personal_fields",
]

_KEEP: dict[str, tuple[int, int, int]] = {
    # rule → (characters kept at the head, at the tail, shortest value the pattern applies to)
    "phone": (3, 4, 11),  # 138****8000
    "id_number": (6, 4, 15),  # 110105********1234
}
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)[- ]?\d{4}[- ]?(\d{4})(?!\d)")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9A-Za-z])")
_SUSPECT = r"\d{3}[- ]?\d{4}[- ]?\d{4}"
_TEXT = pd.StringDtype(na_value=np.nan)  # pandas' default "str" dtype
_EMPTY = pa.scalar("", pa.large_string())


# ---------------------------------------------------------------- which fields are personal


def _field(kind: str, name: str) -> Field | None:
    k = REGISTRY.get(kind)
    if k is None:
        return None
    return next((f for f in k.fields if f.name == name), None)


def is_personal(kind: str, name: str) -> bool:
    """Does field `name` of ledger `kind` hold personal data?"""
    f = _field(kind, name)
    return bool(f is not None and f.personal)


def personal_fields(kind: str) -> tuple[str, ...]:
    """The personal fields of a ledger kind (empty for an unknown kind)."""
    k = REGISTRY.get(kind)
    return tuple(f.name for f in k.fields if f.personal) if k else ()


def _personal_headers() -> dict[str, str]:
    """Normalised header (name, label or synonym) → masking rule, over every ledger kind
    registered now (not cached: a kind registered later counts too)."""
    out: dict[str, str] = {}
    for k in REGISTRY.values():
        for f in k.fields:
            if f.personal:
                for name in f.header_names():
                    out.setdefault(name, f.personal)
    return out


def is_personal_column(column: object) -> str | None:
    """The masking rule of a column judged by its header (canonical name, Chinese label or a
    synonym such as 手机号码): "phone", "id_number", or None for other columns.

    >>> is_personal_column("手机号码"), is_personal_column("district")
    ('phone', None)
    """
    return _personal_headers().get(normalize_header(column))


# ---------------------------------------------------------------- masking


def mask_values(values: pd.Series, rule: str) -> pd.Series:
    """A personal column masked by `rule` ("phone", "id_number"; any other rule hides all but the
    last two characters), as text (pandas' "str" dtype; missing values stay missing).

    Full-length numbers keep their head and tail (138****8000, 110105********1234). Shorter
    values (a landline, a truncated ID) would show almost every digit under that pattern, so they
    keep only their last two characters, as does a value the pattern cannot apply to. Numbers
    stored as numbers (13800138000.0) are read as the digits they are.
    """
    text = values if isinstance(values.dtype, pd.StringDtype) else as_text(values)
    arr = pc.utf8_trim_whitespace(pa.array(text.astype(_TEXT), type=pa.large_string()))
    present = pc.fill_null(pc.not_equal(arr, ""), False)
    if not pc.any(present).as_py():
        return pd.Series(np.nan, index=values.index, dtype=_TEXT)
    n = pc.utf8_length(arr)
    head, tail, full_length = _KEEP.get(rule, (0, 0, 10**9))
    hidden = pc.max_element_wise(pc.subtract(n, head + tail), 1)
    patterned = pc.binary_join_element_wise(
        pc.utf8_slice_codeunits(arr, 0, head),
        pc.binary_repeat(pa.scalar("*", pa.large_string()), hidden),
        pc.utf8_slice_codeunits(arr, -tail) if tail else pc.utf8_slice_codeunits(arr, 0, 0),
        _EMPTY,
    )
    # a pattern that did not apply (a line break inside the value) must not let the value through
    full = pc.and_(pc.greater_equal(n, full_length), pc.not_equal(patterned, arr))
    last_two = pc.if_else(pc.greater_equal(n, 6), pc.utf8_slice_codeunits(arr, -2), _EMPTY)
    short = pc.binary_join_element_wise(pa.scalar("****", pa.large_string()), last_two, _EMPTY)
    masked = pc.if_else(pc.fill_null(full, False), patterned, short)
    masked = pc.if_else(present, masked, pa.scalar(None, pa.large_string()))
    return pd.Series(
        _TEXT.__from_arrow__(pa.chunked_array([masked])), index=values.index, dtype=_TEXT
    )


def looks_masked(values: pd.Series) -> pd.Series:
    """Which values are masks (138****8000, ****21) rather than real numbers."""
    return values.astype(_TEXT).str.contains(r"\*{3,}", regex=True).fillna(False).astype(bool)


def mask_value(value: object, rule: str) -> str:
    """One personal value masked ("" for a blank one)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    masked = mask_values(pd.Series([value], dtype="object"), rule).iat[0]
    return "" if masked is None or (isinstance(masked, float) and np.isnan(masked)) else masked


def mask_free_text(text: pd.Series) -> pd.Series:
    """Mobile and ID numbers that clerks paste into free text (市民投诉 often carries them),
    masked inside the text; everything else kept verbatim.

    Runs before any shortening, so a number cut in half can never slip through unmasked.
    """
    text = text.astype(_TEXT)
    suspect = text.str.contains(_SUSPECT, regex=True).fillna(False).to_numpy(dtype=bool)
    if not suspect.any():
        return text
    values = text.to_numpy(dtype=object, na_value=np.nan)  # by position: labels may repeat
    values[suspect] = [
        _PHONE.sub(r"\1****\2", _ID_NUMBER.sub(r"\1********\2", t)) for t in values[suspect]
    ]
    return pd.Series(values, index=text.index, dtype=_TEXT)


def _is_free_text(kind: str, name: str) -> bool:
    f = _field(kind, name)
    return f is not None and f.type == "text"


def mask_field(values: pd.Series, kind: str, name: str) -> pd.Series:
    """A column of field `name` of ledger `kind` as it may be shown: masked when the field is
    personal, numbers inside masked when it is free text, else as it is."""
    f = _field(kind, name)
    if f is None:
        return values
    if f.personal:
        return mask_values(values, f.personal)
    if f.type == "text":
        return mask_free_text(values)
    return values


def mask_texts(texts: Sequence[str], kind: str, name: str | None) -> list[str]:
    """Cell texts of field `name` (None: an unmapped column, shown as it is) masked for display;
    blanks stay ""."""
    if name is None or not texts:
        return list(texts)
    masked = mask_field(pd.Series(list(texts), dtype="string").replace("", pd.NA), kind, name)
    return ["" if pd.isna(v) else str(v) for v in masked]


def mask_frame(
    frame: pd.DataFrame, kind: str, columns: Iterable[str] | None = None
) -> pd.DataFrame:
    """Rows of ledger `kind` (canonical column names) as they may leave the store: personal fields
    masked, phone and ID numbers inside free text masked. `columns` limits the work to those
    columns (the others are returned as they are). The input is not changed; a frame with nothing
    to mask is returned as it is."""
    wanted = set(frame.columns if columns is None else columns)
    changed = {
        name: mask_field(frame[name], kind, str(name))
        for name in frame.columns
        if name in wanted and (is_personal(kind, str(name)) or _is_free_text(kind, str(name)))
    }
    return frame.assign(**changed) if changed else frame


def mask_labelled(frame: pd.DataFrame) -> pd.DataFrame:
    """A table for people (columns headed by Chinese labels or any header a ledger uses): every
    column whose header names a personal field masked, and numbers inside any text masked."""
    out = frame.copy()
    for column in out.columns:
        rule = is_personal_column(column)
        if rule is not None:
            out[column] = mask_values(out[column], rule)
        elif pd.api.types.is_string_dtype(out[column].dtype) or out[column].dtype == object:
            values = out[column]
            strings = values.map(lambda v: isinstance(v, str)).astype(bool)
            if strings.any():
                masked = mask_free_text(values[strings].astype("string"))
                out[column] = values.astype("object").where(~strings, masked.astype("object"))
    return out
