"""pandera schemas per ledger kind, built from the registry, and their failures as problems.

Parsing (civdash.normalize) already reports cells it cannot read; the schema checks what a value
must satisfy once read: required fields present, numbers in range, values from the allowed lists.
Validation is lazy, so every failure of a file is reported at once.
"""

from __future__ import annotations

import sys
from functools import cache

import pandas as pd

from civdash.ledgers import get_kind
from civdash.ledgers.base import Field, LedgerKind


def _import_pandera_without_hypothesis() -> None:
    """Import pandera as if hypothesis were not installed. pandera imports hypothesis, when it
    is there, only to synthesise test data from schemas, which CivDash never does; that import
    alone is 0.4 s of every command-line ingest and of the app's first run. hypothesis is hidden
    during pandera's import only: a notebook or a test can import it afterwards as usual."""
    if "pandera" in sys.modules or "hypothesis" in sys.modules:
        return
    sys.modules["hypothesis"] = None  # type: ignore[assignment]  # "not installed", for now
    try:
        import pandera.pandas
        import pandera.strategies.pandas_strategies  # noqa: F401  (what imports it, later)
    finally:
        if sys.modules.get("hypothesis", 0) is None:
            del sys.modules["hypothesis"]


_import_pandera_without_hypothesis()

import pandera.pandas as pa  # noqa: E402
from pandera.errors import SchemaErrors  # noqa: E402


def _checks(f: Field) -> list[pa.Check]:
    checks: list[pa.Check] = []
    if f.min_value is not None and f.max_value is not None:
        checks.append(pa.Check.in_range(f.min_value, f.max_value, name="range"))
    elif f.min_value is not None:
        checks.append(pa.Check.ge(f.min_value, name="range"))
    elif f.max_value is not None:
        checks.append(pa.Check.le(f.max_value, name="range"))
    if f.choices:
        checks.append(pa.Check.isin(list(f.choices), name="choices"))
    return checks


def schema_for(kind: str) -> pa.DataFrameSchema:
    """The pandera schema of a ledger kind (one Column per input field)."""
    return _schema(get_kind(kind))


@cache
def _schema(k: LedgerKind) -> pa.DataFrameSchema:
    # keyed by the kind itself: a kind registered again under the same key gets its own schema
    columns = {
        f.name: pa.Column(
            nullable=not f.required, checks=_checks(f), required=False, coerce=False, name=f.name
        )
        for f in k.fields
    }
    return pa.DataFrameSchema(columns, strict=False, name=k.label)


def schema_failures(kind: str, frame: pd.DataFrame) -> list[tuple[int, str, str, str]]:
    """Run the schema lazily; each failure as (row, field, reason, fix)."""
    try:
        schema_for(kind).validate(frame, lazy=True)
    except SchemaErrors as exc:
        return list(_failures(kind, exc.failure_cases))
    return []


def _failures(kind: str, cases: pd.DataFrame) -> list[tuple[int, str, str, str]]:
    k = get_kind(kind)
    out = []
    for case in cases.itertuples(index=False):
        column = str(getattr(case, "column", "") or "")
        if column not in k.field_names or pd.isna(case.index):
            continue
        f = k.field(column)
        check = str(case.check)
        if "not_nullable" in check:
            reason, fix = "为空，这是必填项", f"请填写『{f.label}』后重新上传"
        elif check == "range" or check.startswith(("in_range", "greater_than", "less_than")):
            reason, fix = f.range_reason or (
                f"应在 {f.min_value:g}–{f.max_value:g} 之间"
                if f.max_value is not None
                else f"不能小于 {f.min_value:g}",
                "请核对后重新上传",
            )
        elif check == "choices" or check.startswith("isin"):
            reason, fix = "不在可选范围内", "请改为以下之一：" + "、".join(f.choices)
        else:
            reason, fix = f"未通过检查 {check}", "请核对后重新上传"
        out.append((int(case.index), column, reason, fix))
    return out
