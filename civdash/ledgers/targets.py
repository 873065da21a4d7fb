"""目标任务: the office's targets per catalogue metric, city-wide or per district."""

from __future__ import annotations

from civdash.ledgers.base import Field, LedgerKind

TARGETS = LedgerKind(
    key="targets",
    label="目标任务",
    title_words=("目标", "任务"),
    sheet_fields=("district",),
    fields=(
        Field(
            "metric",
            "指标",
            required=True,
            parser="metric",
            synonyms=("指标名称", "考核指标", "指标项"),
        ),
        Field("district", "区县", parser="target_district", synonyms=("所属区县", "县区", "范围")),
        Field(
            "target", "目标值", type="float", required=True, parser="percent", synonyms=("目标",)
        ),
        Field("due", "完成时限", type="date", synonyms=("截止日期", "时限", "完成日期")),
    ),
)
