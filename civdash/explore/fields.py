"""What each field of a ledger can be in a view, and how its values read: from the registry alone,
so a link means the same on every page and for every ledger kind.

A date or number is filtered by a range, free text, names and the ledger's id by "contains", any
other coded field by a list of values. Personal fields (`civdash.privacy`) are never filtered,
grouped or measured. A stored value reads as the office says it: 是/否, a metric's Chinese name,
the field's `blank_label` (全市 for a city-wide target).
"""

from __future__ import annotations

import math
from typing import Literal, TypeAlias

import numpy as np
import pandas as pd

from civdash.ledgers import Field, get_kind
from civdash.metrics import METRICS
from civdash.privacy import is_personal

__all__ = ["FilterMode", "coded", "filter_mode", "groupable", "measurable", "value_label"]

FilterMode: TypeAlias = Literal["values", "range", "contains"]

_NOT_MEASURES = frozenset({"lat", "lon", "named_year"})
"""Numeric fields that are not quantities: coordinates and years are never summed or averaged."""
_NAME_FIELDS = frozenset({"name", "unit_name"})
"""Coded fields with a value per row: filtered by "contains", never by a list of values."""


def filter_mode(kind: str, f: Field) -> FilterMode | None:
    """Which filter a field takes (None: none)."""
    if is_personal(kind, f.name):
        return None  # nobody searches the ledger by someone's phone or ID number here
    if f.type in ("date", "float", "int"):
        return "range"
    if f.type == "text" or f.name in _NAME_FIELDS or f.name == get_kind(kind).id_field:
        return "contains"
    return "values"


def groupable(kind: str, f: Field) -> bool:
    """Whether rows can be grouped by a field (not personal, not a measurement, not the id)."""
    return not (is_personal(kind, f.name) or f.type == "float" or f.name == get_kind(kind).id_field)


def measurable(kind: str, f: Field) -> bool:
    """Whether a field can be summed and averaged: a quantity, not a coordinate or a year."""
    return (
        f.type in ("float", "int") and f.name not in _NOT_MEASURES and not is_personal(kind, f.name)
    )


def value_label(f: Field, value: object) -> str | None:
    """The text a user sees and chooses for one stored value: 是/否 for booleans, a metric's
    Chinese name, the field's `blank_label` (全市 for a city-wide target); None for a blank."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        text = ""
    elif f.type == "bool":
        return "是" if bool(value) else "否"
    else:
        text = str(value).strip()
    if f.parser == "metric" and text in METRICS:
        return METRICS[text].label
    return text or f.blank_label or None


def coded(frame: pd.DataFrame, f: Field) -> tuple[np.ndarray, list[str | None]]:
    """A coded column as (code of each row, label of each code); the last code is the blank.

    Labels are worked out once per distinct value, so a million rows cost one factorize.
    """
    codes, uniques = pd.factorize(frame[f.name], use_na_sentinel=True)
    labels = [value_label(f, u) for u in uniques]
    labels.append(value_label(f, None))
    codes = np.where(codes < 0, len(labels) - 1, codes)
    return codes, labels
