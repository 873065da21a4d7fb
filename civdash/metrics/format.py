"""How metric results read in Chinese: values with their units, column headers, group names."""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType

from civdash.metrics.catalogue import METRICS, metric_key

__all__ = ["COLUMN_LABELS", "MISSING_GROUP", "STAR_LABELS", "format_value"]

MISSING_GROUP = "未填写"
"""Group label for rows whose grouping field is blank."""

STAR_LABELS = ("未评星", "一星", "二星", "三星", "四星", "五星")
"""Display names of star levels 0–5."""

COLUMN_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "unit": "责任单位",
        "issues": "问题数",
        "assessed": "纳入考核问题数",
        "closed": "已整改",
        "open": "未整改",
        "overdue": "逾期未整改",
        "close_rate": "整改率（%）",
        "rank": "排名",
        "list": "红黑榜",
        "black_streak": "连续上黑榜周数",
        "as_of": "截至日期",
        "value": "数值",
        "numerator": "分子",
        "denominator": "分母",
        "district": "区县",
        "street": "街道/乡镇",
        "category": "类别",
        "responsible_unit": "责任单位",
    }
)
"""Chinese headers for the columns of the frames the metrics return (read-only)."""


def format_value(key: str, value: float | None, *, with_unit: bool = True) -> str:
    """A value as the dashboard shows it: "87.5%", "1,234人", "—" when there is no value."""
    mdef = METRICS[metric_key(key)]
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    text = f"{value:,.{mdef.decimals}f}"
    return f"{text}{mdef.unit}" if with_unit else text
