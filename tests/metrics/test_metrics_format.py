"""format_value: a value as the dashboard shows it, with its unit and decimals."""

from __future__ import annotations

import math

import pytest

from civdash.metrics import COLUMN_LABELS, format_value


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
