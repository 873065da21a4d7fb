"""How metric results read in Chinese: values with their units, changes, paces and gaps,
column headers, group names.

A metric's figures follow the number rules of `civdash.numbers` with the metric's unit and
precision from the catalogue: the value ("87.6%", "6,013人", "278万小时" on a card), its
change ("+0.4 个百分点", "−10个"), its weekly pace ("每周 +9个") and what is still to go
("尚差 1.6 个百分点") are all written with the value's own precision, so one change reads the
same on every page. A change between two snapshots names the date compared with
(`compared_text`: "较11月8日"); a pace says 每周.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType

from civdash import numbers
from civdash.metrics.catalogue import METRICS, metric_key

__all__ = [
    "COLUMN_LABELS",
    "MISSING_GROUP",
    "STAR_LABELS",
    "compared_text",
    "format_change",
    "format_gap",
    "format_pace",
    "format_value",
]

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


def format_value(
    key: str, value: float | None, *, with_unit: bool = True, compact: bool = False
) -> str:
    """A value as the dashboard shows it: "87.5%", "1,234人", "—" when there is no value.

    `compact` (cards, slides, sentences) writes counts and totals of 10万 and more in 万
    (`numbers.compact`): "278万小时"; rates never.
    """
    mdef = METRICS[metric_key(key)]
    unit = mdef.unit if with_unit else ""
    if compact and not mdef.is_rate:
        return numbers.compact(value, mdef.decimals, unit)
    return numbers.number(value, mdef.decimals, unit)


def _change_unit(key: str) -> tuple[int, str]:
    mdef = METRICS[metric_key(key)]
    return mdef.decimals, "个百分点" if mdef.is_rate else mdef.unit


def format_change(key: str, delta: float | None, *, compact: bool = False) -> str:
    """A change of metric `key` with its sign, at the value's precision: "+0.4 个百分点" for a
    rate, "−10个" for a count, 持平 when it rounds to zero, "—" without a value.

    >>> format_change("overdue_issues", -10.0), format_change("issue_close_rate", 0.44)
    ('−10个', '+0.4 个百分点')
    """
    decimals, unit = _change_unit(key)
    return numbers.change(delta, decimals, unit, short=compact)


def format_pace(key: str, pace: float | None) -> str:
    """A weekly pace of metric `key`: "每周 +9个", "每周 −0.6 个百分点", "每周持平", "—".

    >>> format_pace("overdue_issues", 9.2)
    '每周 +9个'
    """
    text = format_change(key, pace)
    if text == numbers.MISSING:
        return text
    return f"每周{text}" if text == numbers.FLAT else f"每周 {text}"


def format_gap(key: str, gap: float) -> str:
    """What is still to go to a target, at the value's precision: "尚差 1.6 个百分点",
    "尚差 487人".

    >>> format_gap("issue_close_rate", 2.44), format_gap("star_volunteers", 487.0)
    ('尚差 2.4 个百分点', '尚差 487人')
    """
    decimals, unit = _change_unit(key)
    return f"尚差 {numbers.number(abs(gap), decimals, unit)}"


def compared_text(previous: date | None) -> str:
    """What a change is compared with: "较11月8日" (the earlier snapshot's date), "" without one.

    >>> compared_text(date(2026, 11, 8))
    '较11月8日'
    """
    return f"较{previous.month}月{previous.day}日" if previous is not None else ""
