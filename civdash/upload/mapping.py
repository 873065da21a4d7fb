"""Column mapping: which source column feeds which field, as the clerk reviews and edits it.

The page shows `mapping_table` (one row per source column, with sample values, personal data
masked) in an editor whose choices are `field_options`; `mapping_from_table` turns the edited
table back into the mapping a `FileChoice` carries, and `mapping_conflicts` says when one field
was chosen for two columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from civdash.ledgers import get_kind
from civdash.ledgers.matching import IGNORE
from civdash.privacy import mask_texts
from civdash.upload._cells import cell_text
from civdash.upload.workbench import Review

__all__ = [
    "IGNORE_LABEL",
    "apply_editor_rows",
    "field_options",
    "mapping_conflicts",
    "mapping_from_table",
    "mapping_table",
    "missing_required_message",
]

IGNORE_LABEL = "（不导入）"
"""The mapping choice that leaves a column out."""


def field_options(kind: str) -> dict[str, str]:
    """The mapping choices of a kind: label shown → target ("-", a field, or a compound header).

    Required fields are marked with * (as in the templates); a compound header (称号 → 级别 + 类别) is offered once.
    """
    k = get_kind(kind)
    out = {IGNORE_LABEL: IGNORE}
    for f in k.input_fields:
        out[f"*{f.label}" if f.required else f.label] = f.name
    seen: set[tuple[str, ...]] = set()
    for header, targets in k.extra_headers.items():
        if targets in seen:
            continue
        seen.add(targets)
        labels = "+".join(k.field(t).label for t in targets)
        out[f"{header}（{labels}）"] = header
    return out


def _target_of(kind: str, header: str, mapped: str) -> str:
    """The mapping target behind `IngestResult.columns[header]` ("level+category" → 称号)."""
    k = get_kind(kind)
    if mapped in k.field_names:
        return mapped
    options = set(field_options(kind).values())
    for extra, targets in k.extra_headers.items():
        if "+".join(targets) == mapped and extra in options:
            return extra
    return IGNORE


def mapping_table(review: Review, samples: int = 3) -> pd.DataFrame:
    """One row per source column: 源列名, 示例值, 对应字段 (a label of `field_options`)."""
    labels = {v: k for k, v in field_options(review.kind).items()}
    rows = []
    for pos, header in enumerate(review.raw.headers):
        mapped = review.result.columns.get(header)
        target = _target_of(review.kind, header, mapped) if mapped else IGNORE
        values = review.raw.body[pos] if pos in review.raw.body.columns else pd.Series([])
        texts = [t for t in (cell_text(v) for v in values.head(50)) if t][:samples]
        texts = mask_texts(texts, review.kind, review.field_of(pos))
        rows.append(
            {
                "源列名": header,
                "示例值": "、".join(texts)[:60],
                "对应字段": labels.get(target, IGNORE_LABEL),
            }
        )
    return pd.DataFrame(rows, columns=["源列名", "示例值", "对应字段"])


def apply_editor_rows(
    frame: pd.DataFrame, edited_rows: Mapping[Any, Mapping[str, Any]]
) -> pd.DataFrame:
    """`frame` with `st.data_editor`'s `edited_rows` ({row position: {column: value}}) applied."""
    out = frame.copy()
    for pos, changes in edited_rows.items():
        i = int(pos)
        if 0 <= i < len(out):
            for column, value in changes.items():
                if column in out.columns:
                    out.iloc[i, out.columns.get_loc(column)] = value
    return out


def mapping_from_table(table: pd.DataFrame, kind: str) -> dict[str, str]:
    """The full mapping (source header → target, "-" for left out) from an edited mapping table."""
    options = field_options(kind)
    out: dict[str, str] = {}
    for header, label in zip(table["源列名"], table["对应字段"], strict=True):
        out[str(header)] = options.get(str(label), IGNORE) if isinstance(label, str) else IGNORE
    return out


def mapping_conflicts(mapping: Mapping[str, str], kind: str) -> list[str]:
    """Fields chosen for more than one column: one sentence each (the last column wins)."""
    labels = {v: k for k, v in field_options(kind).items()}
    by_target: dict[str, list[str]] = {}
    for header, target in mapping.items():
        if target != IGNORE:
            by_target.setdefault(target, []).append(header)
    return [
        f"『{labels.get(t, t)}』同时对应了{'、'.join(f'『{h}』' for h in hs)}，"
        f"只会导入最后一列『{hs[-1]}』，请只保留一列。"
        for t, hs in by_target.items()
        if len(hs) > 1
    ]


def missing_required_message(review: Review) -> str:
    """ "缺少必填列『注册日期』…": said before anything else, since no row can be valid."""
    labels = "、".join(f"『{label}』" for label in review.missing_required)
    return (
        f"缺少必填列{labels}，所有行都无法导入。请在下方『列对应关系』中指定哪一列是{labels}，"
        "或在表格中补上该列后重新上传。"
    )
