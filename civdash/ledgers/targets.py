"""目标任务: the office's targets per catalogue metric, city-wide or per district.

A targets table comes from an uploaded file or from the 目标进度 page's editor; both go through
ingest, so the rules below (a rate is at most 100; one target per metric and district) hold for
both and are said in the same words.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd

from civdash.ledgers.base import DeriveContext, Field, LedgerKind

CITYWIDE = "全市"
"""How a city-wide target's district is written (stored as "")."""


def _is_rate(metric: object) -> bool:
    # the catalogue is defined over the ledgers, so it is looked up when a table is read
    from civdash.metrics import METRICS

    return bool(isinstance(metric, str) and metric in METRICS and METRICS[metric].is_rate)


def _metric_label(metric: str) -> str:
    from civdash.metrics import METRICS

    return METRICS[metric].label if metric in METRICS else metric


def _derive(ctx: DeriveContext) -> None:
    """A rate's target is in percent: 0.9 without a % sign (Excel shows 0.9 formatted as a
    percentage as 90%) is 90."""
    if "metric" not in ctx.values:
        return
    frame = ctx.frame
    rate = frame["metric"].map(_is_rate).astype(bool)
    explicit = (
        ctx.values["target"].attrs.get("explicit_percent") if "target" in ctx.values else None
    )
    if explicit is None:
        explicit = pd.Series(False, index=frame.index)
    share = rate & ~explicit.astype(bool) & frame["target"].gt(0) & frame["target"].le(1)
    frame.loc[share, "target"] = frame.loc[share, "target"] * 100


def _rate_at_most_100(ctx: DeriveContext) -> None:
    frame = ctx.frame
    over = frame["metric"].map(_is_rate).astype(bool) & frame["target"].gt(100)
    for row in over[over].index:
        label = _metric_label(str(frame.at[row, "metric"]))
        ctx.add(
            int(row),
            "target",
            (f"『{label}』是百分比，目标值不能超过 100", "请填写如 90（表示 90%）"),
        )


def _one_target_per_metric_and_district(ctx: DeriveContext) -> None:
    frame = ctx.frame
    known = frame[frame["metric"].notna() & frame["district"].notna()]
    keys = list(zip(known["metric"], known["district"], strict=True))
    first: dict[tuple[str, str], int] = {}
    for row, key in zip(known.index, keys, strict=True):
        earlier = first.setdefault(key, int(row))
        if earlier != row:
            scope = key[1] or CITYWIDE
            ctx.add(
                int(row),
                "metric",
                (
                    f"与{ctx.row_label(earlier)}重复：{scope}的『{_metric_label(key[0])}』只能有一个目标",
                    "请删除其中一行",
                ),
            )


def _examples(districts: Sequence[str]) -> list[dict[str, Any]]:
    d = list(districts) or ["城关区"]
    return [
        {"metric": "问题整改率", "district": CITYWIDE, "target": 90, "due": date(2026, 12, 31)},
        {"metric": "注册志愿者人数", "district": d[0], "target": 20000, "due": date(2026, 12, 31)},
    ]


TARGETS = LedgerKind(
    key="targets",
    label="目标任务",
    title_words=("目标", "任务"),
    sheet_fields=("district",),
    dated=False,
    narrow_by="",
    composite_key=("metric", "district"),
    default_group="metric",
    count_noun="目标数",
    derive=_derive,
    checks=(_rate_at_most_100, _one_target_per_metric_and_district),
    examples=_examples,
    fields=(
        Field(
            "metric",
            "指标",
            required=True,
            parser="metric",
            synonyms=("指标名称", "考核指标", "指标项"),
            hint="从下拉列表选择指标",
        ),
        Field(
            "district",
            "区县",
            parser="target_district",
            blank_label=CITYWIDE,
            synonyms=("所属区县", "县区", "范围"),
            hint="从下拉列表选择本市区县",
        ),
        Field(
            "target",
            "目标值",
            type="float",
            required=True,
            parser="percent",
            min_value=0,
            range_reason=("目标值不能为负数", "请核对"),
            synonyms=("目标",),
            hint="目标值；比例类指标填百分数，如 90 或 90%",
        ),
        Field(
            "due",
            "完成时限",
            type="date",
            synonyms=("截止日期", "时限", "完成日期"),
            hint="日期，如 2026-12-31",
        ),
    ),
)
