"""civdash.numbers: one way to write a number on every surface."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from civdash import numbers


@pytest.mark.parametrize(
    ("value", "decimals", "unit", "text"),
    [
        (61842, 0, "", "61,842"),
        (104620.5, 1, "小时", "104,620.5小时"),
        (1109, 0, "个", "1,109个"),
        (6013, 0, "人", "6,013人"),
        (87.56, 1, "%", "87.6%"),
        (1.6, 1, "个百分点", "1.6 个百分点"),  # a word-like unit is spaced
        (-3.5, 1, "", "−3.5"),  # the real minus sign, not a hyphen
        (-0.04, 1, "", "0.0"),  # no "−0.0"
        (None, 0, "人", "—"),
        (math.nan, 1, "%", "—"),
        (math.inf, 0, "", "—"),
    ],
)
def test_number_writes_separators_units_and_the_real_minus(value, decimals, unit, text):
    assert numbers.number(value, decimals, unit) == text


def test_a_pandas_missing_value_is_a_dash():
    assert numbers.number(pd.NA) == numbers.compact(pd.NA) == numbers.change(pd.NA) == "—"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (275_006.0, "27.5万小时"),  # one decimal below 100万
        (200_000.0, "20万小时"),  # a trailing .0 is dropped
        (999_400.0, "99.9万小时"),
        (999_960.0, "100万小时"),
        (2_775_006.5, "278万小时"),  # whole 万 from 100万 on: 志愿者 and 总览 both write this
        (2_780_000.0, "278万小时"),
        (12_345_678.0, "1,235万小时"),
        (-250_000.0, "−25万小时"),
    ],
)
def test_wan_has_one_decimal_below_a_million_and_none_from_it_on(value, text):
    assert numbers.wan(value, "小时") == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(99_999.0, "99,999人"), (100_000.0, "10万人"), (275_006.0, "27.5万人"), (None, "—")],
)
def test_compact_switches_to_wan_from_ten_wan_on(value, text):
    assert numbers.compact(value, 0, "人") == text


@pytest.mark.parametrize(
    ("value", "decimals", "unit", "short", "text"),
    [
        (9, 0, "个", False, "+9个"),
        (-9, 0, "个", False, "−9个"),
        (0.44, 1, "个百分点", False, "+0.4 个百分点"),
        (-0.04, 1, "个百分点", False, "持平"),  # rounds to zero at the precision shown
        (0, 0, "人", False, "持平"),
        (20_942.5, 1, "小时", True, "+20,942.5小时"),
        (200_000.0, 1, "小时", True, "+20万小时"),
        (-200_000.0, 1, "小时", False, "−200,000.0小时"),
        (None, 0, "个", False, "—"),
    ],
)
def test_a_change_carries_its_sign_and_is_flat_when_it_rounds_to_zero(
    value, decimals, unit, short, text
):
    assert numbers.change(value, decimals, unit, short=short) == text


def test_the_minus_sign_is_u2212_everywhere():
    for text in (numbers.number(-1), numbers.change(-1), numbers.wan(-200_000)):
        assert "-" not in text and text.startswith("\u2212")


@pytest.mark.parametrize(
    ("values", "decimals"),
    [
        ([1.0, 2.0, None], 0),
        ([1.0, 2.5], 1),
        ([11.43, 8.3], 2),
        ([1 / 3], 2),  # at most two
        ([], 0),
        ([math.nan], 0),
    ],
)
def test_decimals_of_a_column_are_the_fewest_that_lose_nothing(values, decimals):
    assert numbers.decimals_of(values) == decimals


@pytest.mark.parametrize(
    ("header", "plain"),
    [
        ("命名年份", True),
        ("问题编号", True),
        ("原表行号", True),
        ("问题数", False),
        ("人数", False),
    ],
)
def test_years_codes_and_row_numbers_are_not_quantities(header, plain):
    assert numbers.is_plain_column(header) is plain


@pytest.mark.parametrize(
    ("decimals", "plain", "printf", "d3", "excel"),
    [
        (0, False, "%,d", ",.0f", "#,##0"),
        (1, False, "%,.1f", ",.1f", "#,##0.0"),
        (2, False, "%,.2f", ",.2f", "#,##0.00"),
        (0, True, "%d", None, "0"),
    ],
)
def test_the_formats_of_other_tools_follow_the_same_rule(decimals, plain, printf, d3, excel):
    assert numbers.printf_format(decimals, plain=plain) == printf
    assert numbers.excel_format(decimals, plain=plain) == excel
    if d3 is not None:
        assert numbers.d3_format(decimals) == d3


def test_arrows_are_the_plain_up_and_down_arrows():
    assert numbers.ARROWS == {"up": "↑", "down": "↓"}
