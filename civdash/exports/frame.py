"""A table made ready to leave the app: Chinese headers, personal data masked, cells typed.

`export_frame` is the first step of every CSV and Excel download (`civdash.exports.csv`,
`civdash.exports.excel`); the helpers below say how a column is written (text, number, date,
是/否) so that both formats agree cell for cell.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import numpy as np
import pandas as pd

from civdash.ledgers import REGISTRY, get_kind
from civdash.metrics import COLUMN_LABELS
from civdash.privacy import mask_labelled

__all__ = ["EXTRA_LABELS", "export_frame"]

EXTRA_LABELS: Mapping[str, str] = {"source_row": "原表行号"}
"""Headers of the columns the store adds to every ledger."""


def _labels_for(kind: str | None, labels: Mapping[str, str] | None) -> dict[str, str]:
    """Header for each canonical column: the caller's labels, then the ledger's, then generic
    ones (result tables), then any ledger's (rows of an unnamed kind)."""
    merged: dict[str, str] = {}
    for kind_def in REGISTRY.values():
        for f in kind_def.fields:
            merged.setdefault(f.name, f.label)
    merged.update(COLUMN_LABELS)
    merged.update(EXTRA_LABELS)
    if kind is not None:
        merged.update(get_kind(kind).labels())
    merged.update(labels or {})
    return merged


def _unique(names: Sequence[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        n = seen.get(name, 0)
        seen[name] = n + 1
        out.append(name if n == 0 else f"{name}（{n + 1}）")
    return out


def export_frame(
    df: pd.DataFrame, *, kind: str | None = None, labels: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """A copy of `df` ready to leave the app: personal columns masked, headers in Chinese.

    `kind` picks the ledger whose labels win where ledgers disagree ("status" is 整改状态 for
    issues, 创建状态 for units); `labels` overrides any header. Personal columns are masked
    whatever `kind` says.
    """
    out = mask_labelled(df)
    names = _labels_for(kind, labels)
    out.columns = _unique([names.get(str(c), str(c)) for c in out.columns])
    return out


# ---------------------------------------------------------------- how a column is written


def column_kind(s: pd.Series) -> str:
    """ "bool", "date", "number" or "text": how the column's cells are written."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return "date"
    if pd.api.types.is_numeric_dtype(s.dtype):
        return "number"
    return "text"


def has_time(s: pd.Series) -> bool:
    """Does a date column carry times of day (then they are written too)?"""
    d = s.dropna()
    return bool(len(d)) and bool((d != d.dt.normalize()).any())


def cell_text(v: object) -> str:
    """A cell as text: 是/否, ISO dates, whole numbers without .0."""
    if isinstance(v, bool | np.bool_):
        return "是" if v else "否"
    if isinstance(v, pd.Timestamp | datetime):
        return v.strftime("%Y-%m-%d") if v == pd.Timestamp(v).normalize() else v.isoformat(" ")
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return str(v)


def text_values(s: pd.Series) -> list[str | None]:
    """Cells of a text-like column as Python strings (None for blanks)."""
    values = s.astype("object").where(s.notna(), None).tolist()
    return [None if v is None else cell_text(v) for v in values]
