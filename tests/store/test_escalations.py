"""Escalation records (督办 → 通报 → 约谈 → 问责) in the store: recorded, changed and deleted,
every change audited with the whole record, invalid ones refused in Chinese; a store at revision
0003 gains the table when opened; only admins and editors may record them. On SQLite and
PostgreSQL (`store` / `db_url`)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.runtime.migration import MigrationContext

from civdash.accounts import Accounts
from civdash.districts import DistrictTable
from civdash.migrations import SCHEMA_HEAD, alembic_config
from civdash.permissions import PermissionDenied, allowed, require
from civdash.store import (
    ESCALATION_COLUMNS,
    EscalationError,
    EscalationNotFoundError,
    Store,
)

TODAY = date(2026, 12, 3)


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    """ "Today" for the rule that an escalation cannot be dated in the future."""
    monkeypatch.setattr("civdash.store._today", lambda: TODAY)


def _audit(store: Store, n: int) -> list[tuple[str, str, str, str, str]]:
    a = store.audit(n)
    return list(zip(a["action"], a["actor"], a["role"], a["scope"], a["detail"], strict=True))


def test_record_update_and_delete_are_each_audited_with_the_whole_record(store: Store) -> None:
    first = store.record_escalation(
        " 市住建局 ", "督办", date(2026, 11, 2), "W001 逾期 13 天", actor="王科长", role="editor"
    )
    second = store.record_escalation(
        "南港街道办事处", "通报", "2026-11-20", "连续两周上黑榜", actor="王科长", role="editor",
        district="南港区",
    )  # fmt: skip
    assert second > first
    store.update_escalation(
        first, level="约谈", on=date(2026, 11, 25), actor="李主任", role="admin"
    )
    store.delete_escalation(second, actor="李主任", role="admin")
    assert _audit(store, 4) == [
        ("escalation_delete", "李主任", "admin", "南港区",
         f"删除督办记录 #{second}：南港街道办事处（南港区）通报，2026-11-20，事由：连续两周上黑榜"),
        ("escalation_edit", "李主任", "admin", "",
         f"修改督办记录 #{first}：市住建局督办，2026-11-02，事由：W001 逾期 13 天 改为 "
         "市住建局约谈，2026-11-25，事由：W001 逾期 13 天"),
        ("escalation_add", "王科长", "editor", "南港区",
         f"记录督办升级 #{second}：南港街道办事处（南港区）通报，2026-11-20，事由：连续两周上黑榜"),
        ("escalation_add", "王科长", "editor", "",
         f"记录督办升级 #{first}：市住建局督办，2026-11-02，事由：W001 逾期 13 天"),
    ]  # fmt: skip
    (row,) = store.escalations().to_dict("records")
    assert {k: row[k] for k in ("id", "responsible_unit", "level", "reason", "recorded_by")} == {
        "id": first,
        "responsible_unit": "市住建局",  # as the ledgers store names: trimmed
        "level": "约谈",
        "reason": "W001 逾期 13 天",
        "recorded_by": "王科长",
    }
    assert row["on_date"] == pd.Timestamp("2026-11-25")
    assert row["updated_by"] == "李主任" and pd.isna(row["district"])


def test_escalations_are_listed_oldest_first_and_by_unit(store: Store) -> None:
    for unit, level, day in (
        ("市城管局", "通报", "2026-11-10"),
        ("市住建局", "督办", "2026-11-01"),
        ("市城管局", "督办", "2026-10-20"),
    ):
        store.record_escalation(unit, level, day, "逾期", actor="王科长")
    every = store.escalations()
    assert list(every.columns) == list(ESCALATION_COLUMNS)
    assert every["level"].tolist() == ["督办", "督办", "通报"]
    assert every["on_date"].dt.strftime("%m-%d").tolist() == ["10-20", "11-01", "11-10"]
    assert store.escalations("市城管局")["level"].tolist() == ["督办", "通报"]
    assert store.escalations("市水务局").empty
    assert str(every["on_date"].dtype) == "datetime64[s]"


def test_an_unchanged_update_stores_and_audits_nothing(store: Store) -> None:
    record = store.record_escalation("市住建局", "督办", "2026-11-02", "逾期", actor="王科长")
    store.update_escalation(record, level="督办", reason=" 逾期 ", actor="李主任")
    assert store.audit(1)["action"].iloc[0] == "escalation_add"
    assert pd.isna(store.escalations()["updated_by"].iloc[0])


@pytest.mark.parametrize(
    ("unit", "level", "on", "reason", "message"),
    [
        ("  ", "督办", "2026-11-02", "逾期", "请填写责任单位。"),
        ("市住建局", "批评", "2026-11-02", "逾期", "督办级别『批评』无效，只能是督办、通报、约谈、问责之一。"),
        ("市住建局", "约谈", "2026-12-04", "逾期",
         "日期 2026-12-04 晚于今天（2026-12-03），请填写已经采取督办措施的日期。"),
        ("市住建局", "约谈", "下周一", "逾期", "日期『下周一』无法识别，请按 2026-11-20 的格式填写。"),
        ("市住建局", "问责", "2026-11-02", " \n ", "请填写事由（为什么督办、通报、约谈或问责）。"),
        ("市住建局", "问责", "2026-11-02", "逾" * 2001, "事由有 2,001 字，超过 2,000 字，请精简后再保存。"),
    ],
)  # fmt: skip
def test_invalid_records_are_refused_in_chinese_and_nothing_is_stored(
    store: Store, unit: str, level: str, on: str, reason: str, message: str
) -> None:
    before = len(store.audit(1000))
    with pytest.raises(EscalationError) as refused:
        store.record_escalation(unit, level, on, reason, actor="王科长")
    assert refused.value.message == message
    assert store.escalations().empty and len(store.audit(1000)) == before


def test_an_update_is_validated_as_a_new_record_is(store: Store) -> None:
    record = store.record_escalation("市住建局", "督办", "2026-11-02", "逾期", actor="王科长")
    with pytest.raises(EscalationError, match="督办级别『警告』无效"):
        store.update_escalation(record, level="警告", actor="李主任")
    assert store.escalations()["level"].tolist() == ["督办"]


def test_a_district_must_be_in_the_district_table(store: Store) -> None:
    table = DistrictTable.from_records(
        [{"name": "东湖区", "population": 1.0}, {"name": "南港区", "population": 1.0}]
    )
    store.commit_districts(table, b"districts", file_name="区县.xlsx")
    with pytest.raises(EscalationError) as refused:
        store.record_escalation(
            "市住建局", "督办", "2026-11-02", "逾期", actor="王", district="北区"
        )
    assert (
        refused.value.message
        == "区县『北区』不在当前区县表中，可选：东湖区、南港区；市直部门请留空。"
    )
    record = store.record_escalation(
        "东湖街道", "督办", "2026-11-02", "逾期", actor="王", district="东湖"
    )
    assert store.escalations()["district"].tolist() == ["东湖区"]  # resolved like the ledgers
    store.update_escalation(record, district="", actor="王")  # "" makes it a city department
    assert store.escalations()["district"].isna().all()


def test_changing_or_deleting_a_record_that_is_gone_says_so(store: Store) -> None:
    with pytest.raises(EscalationNotFoundError, match="督办记录 #99 不存在"):
        store.update_escalation(99, level="约谈", actor="王")
    with pytest.raises(EscalationNotFoundError, match="督办记录 #99 不存在"):
        store.delete_escalation(99, actor="王")


def test_a_store_at_revision_0003_gains_the_table_when_opened(db_url: str) -> None:
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:  # the schema as CivDash left it before escalations
        command.upgrade(alembic_config(conn), "0003")
        conn.execute(
            sa.text(
                "INSERT INTO audit (at, action, actor, detail) "
                "VALUES (:at, 'login', '王科长', '登录')"
            ),
            {"at": pd.Timestamp("2026-11-30", tz="UTC").to_pydatetime()},
        )
    with engine.connect() as conn:
        assert not sa.inspect(conn).has_table("escalations")
    engine.dispose()
    with Store(db_url) as store:
        with store.engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() == SCHEMA_HEAD == "0004"
        assert store.escalations().empty
        assert store.audit(5)["action"].tolist() == ["login"]  # kept
        store.record_escalation("市住建局", "督办", "2026-11-02", "逾期", actor="王科长")
        assert len(store.escalations()) == 1


@pytest.mark.parametrize(
    ("role", "may"), [("admin", True), ("editor", True), ("district", False), ("viewer", False)]
)
def test_only_admins_and_editors_may_record_escalations(store: Store, role: str, may: bool) -> None:
    account = Accounts(store).add(
        f"u-{role}", role, district="东湖区" if role == "district" else None, actor="测试"
    )
    assert allowed(account, "record_escalations") is may
    if may:
        require(account, "record_escalations")
    else:
        label = {"district": "区县填报员", "viewer": "查看"}[role]
        with pytest.raises(PermissionDenied) as refused:
            require(account, "record_escalations")
        assert str(refused.value) == f"您的角色（{label}）不能记录督办升级。"
