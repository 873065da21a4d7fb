"""Personal data is masked by one module (civdash.privacy), the same way on every output path."""

from __future__ import annotations

import pandas as pd
import pytest

from civdash.privacy import is_personal_column, mask_values


def mask_phone(s: pd.Series) -> pd.Series:
    return mask_values(s, "phone")


def mask_id_number(s: pd.Series) -> pd.Series:
    return mask_values(s, "id_number")


def test_personal_data_masks():
    assert mask_phone(pd.Series(["13800138000"])).iloc[0] == "138****8000"
    assert mask_id_number(pd.Series(["110105199001011234"])).iloc[0] == "110105********1234"


@pytest.mark.parametrize("dtype", ["string", "object", "str"])
def test_masking_no_rows_gives_no_rows_of_text(dtype):
    # a filter that leaves no rows (e.g. 只看有问题的行 on a clean file) must not break the mask
    for mask in (mask_phone, mask_id_number):
        out = mask(pd.Series([], dtype=dtype))
        assert out.empty and pd.api.types.is_string_dtype(out)


@pytest.mark.parametrize("dtype", ["string", "object", "str"])
def test_masking_an_all_blank_column_gives_blanks(dtype):
    # a ledger whose 联系电话 column is present but empty, or absent (all null after ingest)
    for mask in (mask_phone, mask_id_number):
        out = mask(pd.Series([None, None], dtype=dtype))
        assert out.isna().all() and len(out) == 2 and pd.api.types.is_string_dtype(out)


@pytest.mark.parametrize(
    ("value", "masked"), [("87654321", "****21"), ("12345", "****"), ("7", "****")]
)
def test_short_phone_numbers_are_masked_too(value, masked):
    out = mask_phone(pd.Series([value])).iloc[0]
    assert out == masked
    assert value not in out or len(value) <= 1


@pytest.mark.parametrize(
    ("column", "field"),
    [
        ("phone", "phone"),
        ("联系电话", "phone"),
        ("手机号码", "phone"),
        ("id_number", "id_number"),
        ("身份证号", "id_number"),
        ("district", None),
        ("value", None),
    ],
)
def test_personal_columns_are_recognised_by_name_label_or_synonym(
    column: str, field: str | None
) -> None:
    assert is_personal_column(column) == field


def test_full_length_numbers_are_masked_like_the_screen_shows_them() -> None:
    phones = mask_values(pd.Series(["13800138000"]), "phone")
    ids = mask_values(pd.Series(["110105199001011234"]), "id_number")
    assert phones.tolist() == ["138****8000"]
    assert ids.tolist() == ["110105********1234"]


@pytest.mark.parametrize(
    ("field", "value", "masked"),
    [
        ("phone", "87654321", "****21"),
        ("phone", "12345", "****"),
        ("id_number", "11010519900101", "****01"),
        ("phone", "1380013\n8000", "138*****8000"),
    ],
)
def test_short_or_odd_values_keep_only_two_characters(field: str, value: str, masked: str) -> None:
    assert mask_values(pd.Series([value]), field).tolist() == [masked]


def test_numbers_stored_as_numbers_are_masked_too() -> None:
    assert mask_values(pd.Series([13800138000.0]), "phone").tolist() == ["138****8000"]
