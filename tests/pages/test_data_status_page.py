"""数据概况 by role, through app.py in AppTest: 报送情况 (who is on time, late or missing this
week), what the city ledger is assembled from, the audit log filtered by user (admins and
editors only), and 设为当前 / 删除 only for the roles that may, checked again when clicked."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from streamlit.testing.v1 import AppTest

from civdash import palette
from civdash.ingest import IngestResult
from civdash.store import LOCAL_TZ, Store
from civdash.submissions import LATE, MISSING, ON_TIME, deadline_label, reporting_deadline
from civdash.views.data_status import SUBMISSION_COLOURS, status_summary
from tests.conftest import TEST_ACCOUNTS
from tests.pages.conftest import APP, logged_in

PAGE = "app_pages/data_status.py"
CLERK, CLERK_DISTRICT = TEST_ACCOUNTS["district"]  # 测试东湖, 东湖区
EDITOR = TEST_ACCOUNTS["editor"][0]
VIEWER = TEST_ACCOUNTS["viewer"][0]


def _store(home: Path) -> Store:
    return Store(f"sqlite:///{home / 'civdash.sqlite'}")


def _open(role: str, **state: object) -> AppTest:
    at = logged_in(AppTest.from_file(APP, default_timeout=120), role)
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _subheaders(at: AppTest) -> list[str]:
    return [h.value for h in at.subheader]


def _table(at: AppTest, column: str) -> object:
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _submit_week(home: Path) -> datetime:
    """东湖区 sends its volunteers on time and 南港区 after the deadline, in a week later than
    anything in the sample; every other district and ledger is missing. The deadline judged."""
    deadline = reporting_deadline(datetime.now(LOCAL_TZ).date() + timedelta(days=21))
    as_of = deadline.date() + timedelta(days=2)  # the Sunday after: its week ends at `deadline`
    with _store(home) as store:
        city = store.current("volunteers")
        assert city is not None
        rows = store.load(city.id)
        for district, who, role, at in (
            (CLERK_DISTRICT, CLERK, "district", deadline - timedelta(days=1)),
            ("南港区", EDITOR, "editor", deadline + timedelta(hours=2)),
        ):
            mine = rows[rows["district"] == district].reset_index(drop=True)
            result = IngestResult(
                "volunteers", None, 1, len(mine), mine, [], {}, None, f"{district}.csv"
            )
            store.commit(
                result, f"{district}{deadline}".encode(), committed_by=who, role=role,
                district=district, as_of=as_of, committed_at=at.astimezone(LOCAL_TZ),
            )  # fmt: skip
    return deadline


def test_the_status_names_the_late_and_missing_districts_first(fresh_home: Path) -> None:
    deadline = _submit_week(fresh_home)
    at = _open("editor")
    assert "报送情况" in _subheaders(at)
    week = next(s for s in at.selectbox if s.key == "status_week")
    assert week.value == deadline
    (summary,) = [w.value for w in at.warning if "截止：" in w.value]
    assert summary.startswith(f"{deadline_label(deadline)} 截止：未报送：")
    assert "东湖区（创建单位、问题整改）" in summary  # the ledgers it has not sent at all
    assert summary.endswith("；迟报：南港区（志愿者）；其余按时报送。")

    table = _table(at, "截止时间")
    status = {(r.台账, r.区县): r.状态 for r in table.itertuples()}
    assert status[("志愿者", CLERK_DISTRICT)] == ON_TIME
    assert status[("志愿者", "南港区")] == LATE
    assert status[("志愿者", "城关区")] == MISSING
    assert status[("创建单位", CLERK_DISTRICT)] == MISSING
    assert table["状态"].iat[0] == MISSING and table["状态"].iat[-1] == ON_TIME  # worst first
    late = table[(table["台账"] == "志愿者") & (table["区县"] == "南港区")].iloc[0]
    assert late["报送人"] == EDITOR
    assert late["截止时间"] == deadline_label(deadline)

    # the city ledger in force is assembled from the parts: the page says which
    with _store(fresh_home) as store:
        city = store.current("volunteers")
        assert city is not None and city.assembled
        parts = store.parts(city.id)
    (note,) = [c.value for c in at.caption if c.value.startswith("志愿者：由")]
    assert note.startswith(f"志愿者：由 {len(parts)} 个区县的报送合成：")  # civdash.parts' words
    sent = parts[CLERK_DISTRICT].committed_at.astimezone(LOCAL_TZ)
    assert f"{CLERK_DISTRICT} {sent.month}月{sent.day}日 {CLERK}" in note
    at.selectbox(key="history_pick").set_value(city.id).run()
    made_of = _table(at, "来源快照")
    assert dict(zip(made_of["区县"], made_of["来源快照"], strict=True))[CLERK_DISTRICT] == (
        f"#{parts[CLERK_DISTRICT].id}"
    )

    # a district clerk sees the same 报送情况, but no audit log and no controls
    clerk = _open("district")
    assert "报送情况" in _subheaders(clerk)
    assert _table(clerk, "截止时间").equals(table)
    assert "审计日志" not in _subheaders(clerk)
    assert not [s for s in clerk.selectbox if s.key == "audit_actor"]


def test_status_colours_are_the_palettes_and_readable() -> None:
    colours = SUBMISSION_COLOURS["状态"]
    assert colours[ON_TIME] == (palette.GOOD_TEXT, palette.GOOD_FILL)
    assert colours[MISSING] == (palette.BAD_TEXT, palette.BAD_FILL)
    for text, fill in colours.values():
        assert palette.contrast_ratio(text, fill) >= 4.5
    assert status_summary([], datetime(2026, 11, 13, 17, tzinfo=LOCAL_TZ)) == (
        "11月13日（周五）17:00 截止：还没有需要报送的台账。"
    )


def test_the_audit_log_is_filtered_by_user_for_editors_only(fresh_home: Path) -> None:
    _submit_week(fresh_home)
    at = _open("editor")
    assert "审计日志" in _subheaders(at)
    actor = at.selectbox(key="audit_actor")
    assert actor.value == "全部"
    assert {CLERK, EDITOR, VIEWER} <= set(actor.options)
    everyone = _table(at, "说明")
    assert len(set(everyone["操作人"])) > 1

    actor.set_value(CLERK).run()

    mine = _table(at, "说明")
    assert not mine.empty and set(mine["操作人"]) == {CLERK}
    assert set(mine["角色"]) == {"区县填报员"}
    assert {"导入", "汇总全市台账"} <= set(mine["操作"])
    assert set(mine.loc[mine["操作"] == "导入", "范围"]) == {CLERK_DISTRICT}  # its part
    with _store(fresh_home) as store:
        assert len(mine) == len(store.audit(500, actor=CLERK))


def test_a_district_clerk_has_no_set_current_or_delete_and_a_forced_delete_is_refused(
    fresh_home: Path,
) -> None:
    with _store(fresh_home) as store:
        first = store.snapshots()[0]  # the one the picker opens on
    at = _open("district")
    keys = {b.key for b in at.button}
    assert not keys & {"history_current", "history_delete", "history_delete_yes"}

    # a confirmation reached by setting the session state by hand
    forced = _open("district", history_confirm_delete=first.id)
    forced.button(key="history_delete_yes").click().run()

    assert [e.value for e in forced.error] == [
        "您的角色（区县填报员）不能删除快照。如需此权限，请联系管理员。"
    ]
    with _store(fresh_home) as store:
        assert store.snapshot(first.id) == first
        entry = store.audit(1).iloc[0]
    assert (entry["action"], entry["actor"], entry["role"]) == ("denied", CLERK, "district")


def test_an_editor_sets_current_but_cannot_delete(fresh_home: Path) -> None:
    with _store(fresh_home) as store:
        older = next(s for s in store.snapshots("issues") if not s.is_current and not s.assembled)
    at = _open("editor")
    assert "history_delete" not in {b.key for b in at.button}
    at.selectbox(key="history_pick").set_value(older.id).run()
    at.button(key="history_current").click().run()
    assert not at.exception
    with _store(fresh_home) as store:
        assert store.current("issues", scope=older.scope) == store.snapshot(older.id)
        audit = store.audit(5)
    entry = audit[audit["action"] == "set_current"].iloc[0]
    assert (entry["actor"], entry["role"]) == (EDITOR, "editor")

    forced = _open("editor", history_confirm_delete=older.id, history_pick=older.id)
    forced.button(key="history_delete_yes").click().run()
    assert [e.value for e in forced.error] == [
        "您的角色（市创城办）不能删除快照。如需此权限，请联系管理员。"
    ]
    with _store(fresh_home) as store:
        assert store.snapshot(older.id).id == older.id


def test_a_viewer_is_refused_the_page_and_the_refusal_is_audited(fresh_home: Path) -> None:
    at = _open("viewer")
    assert not at.dataframe
    assert "审计日志" not in _subheaders(at) and "报送情况" not in _subheaders(at)
    assert any("不能查看报送情况和导入记录" in e.value for e in at.error)
    with _store(fresh_home) as store:
        entry = store.audit(1).iloc[0]
    assert (entry["action"], entry["actor"]) == ("denied", VIEWER)


def test_the_default_week_is_the_latest_as_of_week(fresh_home: Path) -> None:
    with _store(fresh_home) as store:
        latest = max(s.as_of for s in store.snapshots("volunteers") if s.is_current)
    at = _open("district")
    assert at.selectbox(key="status_week").value == reporting_deadline(latest)
    assert reporting_deadline(date(2026, 11, 15)).day == 13  # the sample's week: Friday 13th
