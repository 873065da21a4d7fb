"""format_value: a value as the dashboard shows it, with its unit and decimals."""

from __future__ import annotations

import math
from datetime import date

import pytest

from civdash.metrics import (
    COLUMN_LABELS,
    compared_text,
    format_change,
    format_gap,
    format_pace,
    format_value,
)


@pytest.mark.parametrize(
    ("key", "value", "text"),
    [
        ("issue_close_rate", 87.456, "87.5%"),
        ("volunteer_count", 12345.0, "12,345人"),
        ("service_hours", 1234.56, "1,234.6小时"),
        ("avg_days_to_close", 4.0, "4.0天"),
        ("volunteer_rate", 12.3456, "12.35%"),
        ("issue_close_rate", math.nan, "—"),
        ("unit_avg_score", None, "—"),
    ],
)
def test_format_value_shows_the_unit_and_a_dash_for_no_value(key, value, text):
    assert format_value(key, value) == text


def test_column_labels_are_read_only():
    with pytest.raises(TypeError):
        COLUMN_LABELS["unit"] = "单位"  # type: ignore[index]
    assert COLUMN_LABELS["unit"] == "责任单位"


@pytest.mark.parametrize(
    ("key", "value", "text"),
    [
        ("service_hours", 2_775_006.5, "278万小时"),
        ("volunteer_count", 275_006.0, "27.5万人"),
        ("service_hours", 2_780_000.0, "278万小时"),
        ("volunteer_count", 99_999.0, "99,999人"),
        ("issue_close_rate", 87.56, "87.6%"),  # a rate is never in 万
        ("service_hours", None, "—"),
    ],
)
def test_compact_values_use_the_one_wan_rule(key, value, text):
    assert format_value(key, value, compact=True) == text


@pytest.mark.parametrize(
    ("key", "delta", "text"),
    [
        ("overdue_issues", -9.0, "−9个"),
        ("overdue_issues", 9.0, "+9个"),
        ("issue_close_rate", 0.44, "+0.4 个百分点"),
        ("volunteer_rate", 0.374, "+0.37 个百分点"),  # the value's own precision (11.43%)
        ("issue_close_rate", 0.04, "持平"),
        ("service_hours", 20_942.5, "+20,942.5小时"),
        ("overdue_issues", None, "—"),
    ],
)
def test_a_change_is_written_at_the_values_precision_with_its_sign(key, delta, text):
    assert format_change(key, delta) == text


def test_a_weekly_pace_reads_like_the_cards_change_with_the_word_meizhou():
    assert format_pace("overdue_issues", 9.2) == "每周 +9个"
    assert format_pace("overdue_issues", -9.0) == "每周 " + format_change("overdue_issues", -9.0)
    assert format_pace("issue_close_rate", 0.55) == "每周 +0.6 个百分点"
    assert format_pace("issue_close_rate", 0.01) == "每周持平"
    assert format_pace("issue_close_rate", math.nan) == "—"


def test_a_gap_is_written_at_the_values_precision():
    assert format_gap("issue_close_rate", -2.44) == "尚差 2.4 个百分点"
    assert format_gap("star_volunteers", 1487.0) == "尚差 1,487人"


def test_a_change_names_the_date_compared_with():
    assert compared_text(date(2026, 11, 8)) == "较11月8日"
    assert compared_text(None) == ""
