"""The registry and what each ledger kind declares: vocabularies, composite keys, dating,
narrowing, derived ids and rows that count."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from civdash import ledgers
from civdash.ingest import ingest_file
from civdash.ledgers import LEDGER_KINDS, REGISTRY, Otherwise, Vocabulary, get_kind


def test_public_api_is_guarded() -> None:
    assert sorted(ledgers.__all__) == [
        "DeriveContext",
        "Field",
        "KindKeys",
        "LEDGER_KINDS",
        "LedgerKind",
        "Otherwise",
        "REGISTRY",
        "Vocabulary",
        "get_kind",
        "normalize_header",
        "register",
        "unregister",
    ]


def test_uploaded_kinds_come_from_the_registry_in_order() -> None:
    assert tuple(LEDGER_KINDS) == (
        "units",
        "volunteers",
        "issues",
        "targets",
        "assessments",
        "contacts",
    )
    assert list(REGISTRY) == [*LEDGER_KINDS, "districts"]
    assert LEDGER_KINDS[2] == "issues" and LEDGER_KINDS.index("targets") == 3
    assert "districts" not in LEDGER_KINDS and len(LEDGER_KINDS) == 6


def test_the_registry_is_read_only_and_register_says_what_it_replaced() -> None:
    with pytest.raises(TypeError):
        REGISTRY["units"] = get_kind("issues")  # type: ignore[index]
    units = get_kind("units")
    renamed = dataclasses.replace(units, label="创建单位（试）")
    assert ledgers.register(renamed, replace=True) is units
    try:
        assert get_kind("units").label == "创建单位（试）"
        assert LEDGER_KINDS.index("units") == 0  # a replaced kind keeps its place
    finally:
        ledgers.register(units, replace=True)
    with pytest.raises(KeyError, match="unknown ledger kind 'nothing'"):
        ledgers.unregister("nothing")


def test_vocabulary_matches_spellings_exactly_then_inside_the_text() -> None:
    first = Vocabulary("来源", ("测评", "网上测评"), {"网络测评": "网上测评"}, found_inside="first")
    longest = dataclasses.replace(first, found_inside="longest")
    never = dataclasses.replace(first, found_inside="never")
    assert first.match(" 网上 测评 ") == "网上测评"  # exact, whitespace aside
    assert first.match("网络测评结果") == "测评"  # the first declared spelling found inside
    assert longest.match("网络测评结果") == "网上测评"  # the longest spelling found inside
    assert never.match("网络测评结果") is None and never.lookup("网络测评") == "网上测评"


def test_vocabulary_refuses_spellings_of_values_it_does_not_have() -> None:
    with pytest.raises(ValueError, match="unknown values"):
        Vocabulary("性别", ("男", "女"), {"m": "male"})


def test_a_vocabulary_field_offers_its_values_as_choices() -> None:
    status = get_kind("issues").field("status")
    assert status.vocabulary is not None
    assert (
        status.choices
        == status.vocabulary.values
        == ("待整改", "整改中", "已整改", "已销号", "长期整改")
    )
    source = get_kind("issues").field("source").vocabulary
    assert source is not None and source.otherwise == Otherwise(
        "其他", "不在常用问题来源中，已归为『其他』", "如需区分请改为标准来源"
    )


@pytest.mark.parametrize(
    ("kind", "key"),
    [
        ("units", ("unit_name", "district")),
        ("volunteers", ("name", "district", "registered_on")),
        ("issues", ("found_on", "district", "location", "description", "responsible_unit")),
        ("targets", ("metric", "district")),
    ],
)
def test_each_uploaded_kind_names_what_identifies_a_row(kind: str, key: tuple[str, ...]) -> None:
    k = get_kind(kind)
    assert k.composite_key == key
    assert set(key) <= set(k.field_names)


def test_targets_are_not_dated_data_and_do_not_narrow_to_a_district() -> None:
    targets = pd.DataFrame({"metric": ["issue_close_rate"] * 2, "district": ["", "东湖区"]})
    issues = pd.DataFrame({"district": ["东湖区", "南港区"]})
    assert not get_kind("targets").dated and get_kind("issues").dated
    assert get_kind("targets").narrow(targets, "南港区").equals(targets)
    assert get_kind("issues").narrow(issues, "南港区")["district"].tolist() == ["南港区"]
    assert get_kind("issues").narrow(issues, None) is issues


def test_issues_count_only_rows_that_record_a_problem() -> None:
    rows = pd.DataFrame({"description": ["井盖缺失", "无", " 无问题 ", None]})
    issues = get_kind("issues")
    assert issues.counted(rows).index.tolist() == [0, 3]
    assert issues.uncounted_note.startswith("指标按问题统计")
    assert get_kind("volunteers").counted(rows) is rows


def test_every_kind_has_a_count_noun_and_its_fields_exist() -> None:
    for key, kind in REGISTRY.items():
        assert kind.count_noun, key
        names = set(kind.field_names)
        assert set(kind.composite_key) <= names and set(kind.id_from) <= names, key
        assert all(f.base in names for f in kind.fields if f.base), key
        assert all(f.borrows in names for f in kind.fields if f.borrows), key
    assert [get_kind(k).count_noun for k in LEDGER_KINDS] == [
        "创建单位数",
        "志愿者人数",
        "问题数",
        "目标数",
        "测评项数",
        "责任单位数",
    ]


def test_issues_derive_hook_marks_long_term_and_warns_of_early_rectification() -> None:
    csv_text = (
        "问题编号,发现日期,所属区县,问题描述,责任单位,整改时限,整改状态,整改完成日期\n"
        "A1,2026-11-10,东湖区,路面破损,区城管局,长期坚持,,\n"
        "A2,2026-11-10,东湖区,占道经营,区城管局,7天,已整改,2026-11-01\n"
    )
    result = ingest_file(csv_text.encode("utf-8"), file_name="问题.csv", kind="issues")
    assert result.rows["status"].tolist() == ["长期整改", "已整改"]
    assert [(p.row, p.field, p.severity, p.message) for p in result.problems] == [
        (
            3,
            "rectified_on",
            "warning",
            "第 3 行『整改完成日期』为 2026-11-01，早于发现日期，请核对整改完成日期。",
        )
    ]
    assert result.rows["deadline"].tolist() == [pd.NaT, pd.Timestamp("2026-11-17")]
