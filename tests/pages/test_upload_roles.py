"""数据导入 by role, through app.py in AppTest: a district clerk submits its own district's part
only (other districts' rows refused by row, the whole city out of reach even with session state
set by hand), an editor the whole city or any district, a viewer nothing; the targets editor and
the district table only for the roles that may change them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Button

from civdash.store import SnapshotInfo, Store
from tests.conftest import TEST_ACCOUNTS
from tests.pages.conftest import APP, logged_in

CLERK, CLERK_DISTRICT = TEST_ACCOUNTS["district"]  # 测试东湖, 东湖区
EDITOR = TEST_ACCOUNTS["editor"][0]
HEADER = "姓名,所属区县,注册日期,累计服务时长（小时）"


def _csv(*lines: str) -> bytes:
    return "\n".join([HEADER, *lines]).encode()


def _store(home: Path) -> Store:
    return Store(f"sqlite:///{home / 'civdash.sqlite'}")


def _open(role: str, page: str = "app_pages/upload.py", **state: object) -> AppTest:
    at = logged_in(AppTest.from_file(APP, default_timeout=120), role)
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _upload(at: AppTest, name: str, data: bytes) -> None:
    at.file_uploader(key="files").set_value([(name, data, "text/csv")])
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def _go(at: AppTest) -> Button:
    (go,) = [b for b in at.button if (b.key or "").startswith("go_")]
    return go


def _commit(at: AppTest) -> None:
    """Tick the confirmation when the page asks for one, then commit."""
    for box in [c for c in at.checkbox if (c.key or "").startswith("shrink_ok_")]:
        box.check().run()
    _go(at).click().run()
    assert not at.exception, [e.value for e in at.exception]


def _rows(frame: pd.DataFrame) -> list[tuple[str, str, float]]:
    return sorted(zip(frame["district"], frame["name"], frame["hours"], strict=True))


def _new(store: Store, before: set[int]) -> list[SnapshotInfo]:
    return [s for s in store.snapshots("volunteers") if s.id not in before]


def test_a_district_clerk_submits_its_part_and_the_city_ledger_is_the_union(
    fresh_home: Path,
) -> None:
    with _store(fresh_home) as store:
        old = store.current("volunteers")
        assert old is not None
        old_rows = store.load(old.id)
        before = {s.id for s in store.snapshots("volunteers")}
    at = _open("district")
    assert f"**提交范围**：{CLERK_DISTRICT}（本区县的部分）" in at.markdown[0].value
    assert not [s for s in at.selectbox if s.label == "提交范围"]  # fixed, not chosen
    data = _csv("张伟,东湖区,2024-03-01,12", "李娜,东湖区,2024-05-01,5", "王芳,东湖区,2025-01-01,7")
    _upload(at, "东湖区志愿者.csv", data)
    if old.assembled:  # the sample city's ledgers are made of district parts
        with _store(fresh_home) as store:
            others = sorted((d, p) for d, p in store.parts(old.id).items() if d != CLERK_DISTRICT)
            mine = store.current("volunteers", scope=CLERK_DISTRICT)
        dates = "、".join(f"{d} {p.as_of:%m-%d}" for d, p in others)
        merge = f"本文件作为东湖区的部分提交，与其他区县最近报送的部分（{dates}）合并为全市台账，不影响其他区县的数据。"
    else:
        mine = None
        merge = (
            f"本文件作为东湖区的部分提交，与当前全市台账（快照 #{old.id}，截至 {old.as_of:%Y-%m-%d}）"
            "中其他区县的数据合并为新的全市台账，不影响其他区县的数据。"
        )
    assert merge in [i.value for i in at.info]
    captions = " ".join(c.value for c in at.caption)
    if mine is not None:
        assert f"对比对象：东湖区当前报送的部分（快照 #{mine.id}，" in captions
    else:
        assert f"对比对象：当前全市台账（快照 #{old.id}，" in captions
    # the part replaces only 东湖区's rows: nothing is said about the other districts
    warnings = " ".join(w.value for w in at.warning)
    assert "南港区" not in warnings and "而不是其中一部分" not in warnings
    if warnings:
        assert "提交后本文件将替换东湖区当前报送的数据" in warnings
    assert _go(at).label == "确认导入 3 行有效数据（东湖区的部分）"

    _commit(at)

    with _store(fresh_home) as store:
        (part,) = [s for s in _new(store, before) if not s.assembled]
        city = store.current("volunteers")
        assert city is not None and city.assembled
        assert (part.scope, part.committed_by, part.rows_valid) == (CLERK_DISTRICT, CLERK, 3)
        assert store.current("volunteers", scope=CLERK_DISTRICT) == part
        assert store.parts(city.id)[CLERK_DISTRICT] == part
        union = pd.concat([old_rows[old_rows["district"] != CLERK_DISTRICT], store.load(part.id)])
        assert _rows(store.load(city.id)) == _rows(union)  # row for row
        entry = store.audit(5)
        commit = entry[entry["action"] == "commit"].iloc[0]
    assert (commit["actor"], commit["role"], commit["scope"]) == (CLERK, "district", CLERK_DISTRICT)
    assert any(s.value.startswith(f"已保存快照 #{part.id}（志愿者") for s in at.success)


def test_rows_of_another_district_are_refused_by_row_naming_the_district(
    fresh_home: Path,
) -> None:
    with _store(fresh_home) as store:
        before = {s.id for s in store.snapshots("volunteers")}
    at = _open("district")
    data = _csv("张伟,东湖区,2024-03-01,12", "李娜,南港区,2024-05-01,5", "王芳,东湖区,2025-01-01,7")
    _upload(at, "混合.csv", data)
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["有效行（将导入）"], metrics["无效行（不导入）"]) == ("2", "1")
    problems = next(d.value for d in at.dataframe if "说明" in d.value.columns)
    refused = problems[problems["说明"].str.contains("南港区")]
    assert refused["行号"].tolist() == [3]  # the header is row 1
    assert refused["说明"].iat[0] == (
        "第 3 行『所属区县』为 南港区，不是东湖区的数据，您只能提交东湖区的数据，"
        "请删除该行或交由南港区报送。"
    )

    _commit(at)

    with _store(fresh_home) as store:
        (part,) = [s for s in _new(store, before) if not s.assembled]
        assert (part.scope, part.rows_valid, part.rows_invalid) == (CLERK_DISTRICT, 2, 1)
        assert set(store.load(part.id)["district"]) == {CLERK_DISTRICT}


def test_a_district_clerk_cannot_commit_the_whole_city_even_with_session_state_set(
    fresh_home: Path,
) -> None:
    with _store(fresh_home) as store:
        before = {s.id for s in store.snapshots("volunteers")}
    # the editors' 提交范围 widget set to the whole city ("") by hand
    at = _open("district", upload_scope="")
    data = _csv("张伟,东湖区,2024-03-01,12", "李娜,南港区,2024-05-01,5")
    _upload(at, "全市.csv", data)
    at.session_state["upload_scope"] = ""
    at.run()
    assert {m.label: m.value for m in at.metric}["无效行（不导入）"] == "1"

    _commit(at)

    with _store(fresh_home) as store:
        new = _new(store, before)
        city = store.current("volunteers")
    assert {s.scope for s in new} == {CLERK_DISTRICT, ""}  # the part, and the assembled ledger
    assert [s.committed_by for s in new if not s.scope and not s.assembled] == []
    assert city is not None and city.assembled


def test_an_editor_commits_a_district_part_or_the_whole_city(fresh_home: Path) -> None:
    with _store(fresh_home) as store:
        before = {s.id for s in store.snapshots("volunteers")}
    at = _open("editor")
    scope = next(s for s in at.selectbox if s.label == "提交范围")
    assert scope.value == "" and "南港区（该区县的部分）" in scope.options
    scope.set_value("南港区").run()
    _upload(at, "南港区.csv", _csv("李娜,南港区,2024-05-01,5", "赵强,南港区,2024-06-01,9"))
    assert _go(at).label == "确认导入 2 行有效数据（南港区的部分）"
    _commit(at)
    with _store(fresh_home) as store:
        (part,) = [s for s in _new(store, before) if not s.assembled]
        before = {s.id for s in store.snapshots("volunteers")}
    assert (part.scope, part.committed_by) == ("南港区", EDITOR)

    at = _open("editor")
    _upload(at, "全市.csv", _csv("张伟,东湖区,2024-03-01,12", "李娜,南港区,2024-05-01,5"))
    assert _go(at).label == "确认导入 2 行有效数据"
    _commit(at)
    with _store(fresh_home) as store:
        (whole,) = _new(store, before)
        current = store.current("volunteers")
        entry = store.audit(1).iloc[0]
    assert (whole.scope, whole.assembled, whole.committed_by) == ("", False, EDITOR)
    assert current == whole
    assert (entry["action"], entry["role"]) == ("commit", "editor")


def test_a_viewer_is_refused_the_upload_page_and_the_refusal_is_audited(
    fresh_home: Path,
) -> None:
    at = _open("viewer")
    assert not at.get("file_uploader")
    assert any("不能导入台账" in e.value for e in at.error), [e.value for e in at.error]
    with _store(fresh_home) as store:
        entry = store.audit(1).iloc[0]
    assert (entry["action"], entry["actor"]) == ("denied", TEST_ACCOUNTS["viewer"][0])


def test_only_an_admin_replaces_the_district_table(fresh_home: Path) -> None:
    assert [t.label for t in _open("editor").tabs] == ["上传台账", "下载模板"]
    assert [t.label for t in _open("district").tabs] == ["上传台账", "下载模板"]
    assert [t.label for t in _open("admin").tabs] == ["上传台账", "下载模板", "区县与边界"]


def test_the_targets_editor_is_only_for_editors_and_admins(fresh_home: Path) -> None:
    for role, shown in (("viewer", False), ("district", False), ("editor", True)):
        at = _open(role, "app_pages/targets.py")
        assert bool(at.data_editor) is shown, role
        assert any(b.key == "targets_save" for b in at.button) is shown, role


def test_a_ledger_not_kept_per_district_is_left_to_the_city_office(fresh_home: Path) -> None:
    at = _open("district")
    _upload(at, "目标.csv", "指标,区县,目标值,完成时限\n销号率,东湖区,90,2026-12-31\n".encode())
    assert "目标任务台账不按区县分开报送，请由市创城办提交全市文件。" in [e.value for e in at.error]
    assert _go(at).disabled
