"""The public surface of civdash.io stays small and explicit."""

from __future__ import annotations

import dataclasses

import civdash.io


def test_public_api_is_exactly_the_documented_names():
    assert sorted(civdash.io.__all__) == [
        "FileRefused",
        "RawTable",
        "list_sheets",
        "read_table",
        "sniff_format",
    ]
    for name in civdash.io.__all__:
        assert hasattr(civdash.io, name)


def test_raw_table_is_frozen_with_the_contract_fields():
    fields = [f.name for f in dataclasses.fields(civdash.io.RawTable)]
    assert fields == [
        "file_format",
        "sheet",
        "sheets",
        "header_row",
        "header_rows",
        "headers",
        "body",
        "kind_scores",
        "as_of",
        "title",
        "skipped",
        "encoding",
        "crs_hint",
        "parts",
        "skipped_sheets",
    ]
    assert civdash.io.RawTable.__dataclass_params__.frozen


def test_file_refused_is_an_exception_carrying_the_message():
    exc = civdash.io.FileRefused("文件已加密，请取消密码后上传。")
    assert isinstance(exc, Exception)
    assert str(exc) == "文件已加密，请取消密码后上传。"
