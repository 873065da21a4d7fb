"""问题整改 page, 督办 tab: the notices' download for roles that may download, the escalation
editor for admins and editors (record, change, delete, each checked on the server and audited),
and each unit's latest escalation on the 红黑榜."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from civdash.notices import load_notice_data
from civdash.store import Store
from tests.conftest import TEST_ACCOUNTS
from tests.pages.conftest import APP, logged_in

PAGE = "app_pages/issues.py"
TAB = "issues_tab"
UNIT = "市住建局"
"""A unit with overdue issues in the sample city (on its 黑榜)."""
DAY = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    """ "Today" for the rule that an escalation cannot be dated in the future (the app runs in
    this process), whatever the test machine's clock says."""
    monkeypatch.setattr("civdash.store._today", lambda: date(2026, 12, 3))


def _open(role: str, tab: str = "督办", **state: object) -> AppTest:
    at = logged_in(AppTest.from_file(APP, default_timeout=120), role)
    at.session_state[TAB] = tab
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _store(home: Path) -> Store:
    return Store(f"sqlite:///{home / 'civdash.sqlite'}")


def _table_with(at: AppTest, column: str) -> pd.DataFrame:
    return next(t.value for t in at.dataframe if column in t.value.columns)


def _buttons(at: AppTest) -> set[str]:
    return {b.key for b in at.button if b.key}


def test_an_editor_records_changes_and_deletes_an_escalation_each_audited(
    fresh_home: Path,
) -> None:
    editor = TEST_ACCOUNTS["editor"][0]
    at = _open("editor")
    assert "notices_zip_make" in _buttons(at)  # made at its first click (test_offered_files.py)
    with _store(fresh_home) as store:  # the tab lists who gets a notice, as the library does
        expected = load_notice_data(store).units()
    shown = _table_with(at, "逾期问题数")
    assert shown["责任单位"].tolist() == expected["responsible_unit"].tolist()
    assert shown["逾期问题数"].tolist() == expected["overdue"].tolist()

    at.selectbox(key="esc_unit").set_value(UNIT)
    at.radio(key="esc_level").set_value("约谈")
    at.date_input(key="esc_on").set_value(DAY)
    at.text_area(key="esc_reason").input("连续两周上黑榜")
    at.button(key="esc_add").click().run()
    assert not at.exception and not at.error
    with _store(fresh_home) as store:
        (record,) = store.escalations().to_dict("records")
        entry = store.audit(1).iloc[0]
    assert (record["responsible_unit"], record["level"], record["reason"]) == (
        UNIT,
        "约谈",
        "连续两周上黑榜",
    )
    assert record["on_date"] == pd.Timestamp(DAY) and record["recorded_by"] == editor
    assert (entry["action"], entry["actor"], entry["role"]) == ("escalation_add", editor, "editor")
    assert [s.value for s in at.success] == [
        f"已记录督办升级 #{record['id']}：{UNIT} 约谈（2026-11-20）。"
    ]
    records = _table_with(at, "事由")
    assert records[["责任单位", "级别", "事由"]].values.tolist() == [
        [UNIT, "约谈", "连续两周上黑榜"]
    ]
    # the form is empty again: a second click does not record the same step twice
    assert at.selectbox(key="esc_unit").value is None and at.text_area(key="esc_reason").value == ""
    assert UNIT in at.selectbox(key="esc_unit").options  # only the units the ledgers name

    key = record["id"]
    at.radio(key=f"esc_edit_level_{key}").set_value("问责")
    at.button(key="esc_save").click().run()
    with _store(fresh_home) as store:
        assert store.escalations()["level"].tolist() == ["问责"]
        assert store.escalations()["reason"].tolist() == ["连续两周上黑榜"]  # kept
        assert store.audit(1)["action"].iloc[0] == "escalation_edit"

    at.button(key="esc_delete").click().run()
    at.button(key="esc_delete_yes").click().run()
    assert not at.exception
    with _store(fresh_home) as store:
        assert store.escalations().empty
        entry = store.audit(1).iloc[0]
    assert (entry["action"], entry["actor"]) == ("escalation_delete", editor)


def test_an_invalid_record_is_refused_with_the_stores_message(fresh_home: Path) -> None:
    at = _open("editor")
    at.selectbox(key="esc_unit").set_value(UNIT)
    at.button(key="esc_add").click().run()  # no reason given
    assert [e.value for e in at.error] == ["请填写事由（为什么督办、通报、约谈或问责）。"]
    with _store(fresh_home) as store:
        assert store.escalations().empty


def test_the_red_black_list_shows_each_units_latest_escalation(fresh_home: Path) -> None:
    with _store(fresh_home) as store:
        store.record_escalation(UNIT, "督办", "2026-11-02", "逾期", actor="测试")
        store.record_escalation(UNIT, "通报", "2026-11-16", "仍逾期", actor="测试")
    at = _open("viewer", tab="红黑榜")
    black = at.dataframe[1].value
    # the last column: the list's own columns keep their places on a narrow screen
    assert list(black.columns[:2]) == ["排名", "责任单位"] and black.columns[-1] == "最近督办"
    latest = dict(zip(black["责任单位"], black["最近督办"], strict=True))
    assert latest[UNIT] == "通报（2026-11-16）"
    assert all(pd.isna(v) for u, v in latest.items() if u != UNIT)  # shown as "—"


@pytest.mark.parametrize("role", ["viewer", "district"])
def test_roles_without_the_right_download_but_see_no_editor_and_a_forced_delete_is_refused(
    fresh_home: Path, role: str
) -> None:
    with _store(fresh_home) as store:
        record = store.record_escalation(UNIT, "督办", "2026-11-02", "逾期", actor="测试")
    at = _open(role)
    assert "notices_zip_make" in _buttons(at)  # every role may download
    assert not _buttons(at) & {"esc_add", "esc_save", "esc_delete"}
    assert _table_with(at, "事由")["责任单位"].tolist() == [UNIT]

    # a confirmation reached by setting the session state by hand
    forced = _open(role, esc_confirm_delete=record)
    forced.button(key="esc_delete_yes").click().run()
    label = {"viewer": "查看", "district": "区县填报员"}[role]
    assert [e.value for e in forced.error] == [
        f"您的角色（{label}）不能记录督办升级。如需此权限，请联系管理员。"
    ]
    with _store(fresh_home) as store:
        assert store.escalations()["id"].tolist() == [record]
        entry = store.audit(1).iloc[0]
    assert (entry["action"], entry["actor"]) == ("denied", TEST_ACCOUNTS[role][0])
