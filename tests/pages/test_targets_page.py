"""目标进度 page in AppTest: the sample city's targets against the catalogue, and editing them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from civdash.metrics import compute, format_value
from civdash.store import Store
from tests.pages.conftest import logged_in, open_app_page

PAGE = "app_pages/targets.py"
APP = str(Path(__file__).resolve().parents[2] / "app.py")
NOW = date(2026, 11, 15)


@pytest.fixture(scope="module")
def sample_current(sample_home: Path) -> dict[str, pd.DataFrame]:
    """The sample store's current issues and units rows."""
    store = Store(f"sqlite:///{sample_home / 'civdash.sqlite'}")
    try:
        return {k: store.load_current(k) for k in ("issues", "units")}  # type: ignore[misc]
    finally:
        store.close()


def open_page(at: AppTest, **state: str) -> AppTest:
    return open_app_page(at, PAGE, **state)


def progress_table(at: AppTest) -> pd.DataFrame:
    return next(t.value for t in at.dataframe if "预计达标日期" in t.value.columns)


def edit(at: AppTest, **edits: object) -> AppTest:
    """Seed the targets editor's edit state (AppTest cannot type into cells) and run."""
    (editor,) = at.data_editor
    assert editor.key is not None
    state: dict[str, object] = {"edited_rows": {}, "added_rows": [], "deleted_rows": []}
    state.update(edits)
    at.session_state[editor.key] = state
    return at


def current_targets(home: Path) -> tuple[int, pd.DataFrame]:
    store = Store(f"sqlite:///{home / 'civdash.sqlite'}")
    try:
        snap = store.current("targets")
        assert snap is not None
        return snap.id, store.load(snap.id)
    finally:
        store.close()


def test_every_sample_target_shows_its_actual_gap_and_projection(app, sample_current):
    at = open_page(app)
    assert at.title[0].value == "目标进度 · 全市"
    table = progress_table(at).set_index("目标")
    assert len(table) == 14  # the sample's 14 targets (公益广告覆盖率 was refused at upload)
    issues, units = sample_current["issues"], sample_current["units"]
    for name, key, frame in [
        ("全市·问题整改率", "issue_close_rate", issues),
        ("全市·按期整改率", "issue_on_time_rate", issues),
        ("全市·创建单位达标率", "unit_pass_rate", units),
    ]:
        value = compute(key, frame, as_of=NOW)
        assert table.loc[name, "当前值"] == format_value(key, value)  # type: ignore[arg-type]
    nangang = issues[issues["district"] == "南港区"]
    rate = compute("issue_close_rate", nangang, as_of=NOW)
    assert table.loc["南港区·问题整改率", "当前值"] == format_value("issue_close_rate", rate)  # type: ignore[arg-type]
    # the storyline: 按期整改率 stays near 58 % against 85 %, and is not improving
    assert table.loc["全市·按期整改率", "预计达标日期"] == "按当前进度无法按期完成"
    assert table.loc["全市·问题整改率", "进度判断"] == "可按期完成"
    counts = {m.label: m.value for m in at.metric}
    assert sum(int(v.rstrip("项")) for v in counts.values()) == 14
    assert len(at.get("vega_lite_chart")) == 1  # one faceted trend chart


def test_district_scope_lists_its_own_and_city_rate_targets(app):
    at = open_page(app, f_district="南港区")
    names = progress_table(at)["目标"].tolist()
    assert names[:2] == ["南港区·注册志愿者占常住人口比例", "南港区·问题整改率"]
    assert "南港区（全市目标）·按期整改率" in names
    assert not any("星级志愿者人数" in n for n in names)  # a city-wide count
    assert any("不按区县分解" in c.value for c in at.caption)


def test_editing_a_target_and_saving_commits_a_new_targets_snapshot(fresh_home):
    at = open_page(logged_in(AppTest.from_file(APP, default_timeout=90)))
    old_id, old = current_targets(fresh_home)
    row = old.index[(old["metric"] == "issue_close_rate") & (old["district"] == "")][0]
    edit(at, edited_rows={int(row): {"目标值": 95.0}})
    at.button(key="targets_save").click().run()
    assert not at.exception and not at.error
    new_id, new = current_targets(fresh_home)
    assert new_id != old_id
    with Store(f"sqlite:///{fresh_home / 'civdash.sqlite'}") as store:
        assert store.snapshot(new_id).committed_by == "测试管理员"  # the logged-in account
    saved = new[(new["metric"] == "issue_close_rate") & (new["district"] == "")]
    assert saved["target"].tolist() == [95.0]
    assert len(new) == len(old)
    assert at.success[0].value.startswith(f"目标任务已保存。已保存快照 #{new_id}（目标任务")
    table = progress_table(at).set_index("目标")
    assert table.loc["全市·问题整改率", "目标值"] == "95.0%"
    assert at.data_editor[0].key == f"targets_editor_{new_id}"  # a fresh editor on the new table


def test_a_row_without_a_target_is_refused_and_nothing_is_saved(fresh_home):
    at = open_page(logged_in(AppTest.from_file(APP, default_timeout=90)))
    old_id, _ = current_targets(fresh_home)
    edit(at, added_rows=[{"指标": "销号率", "区县": "南港区"}])
    at.button(key="targets_save").click().run()
    # the editor's table is checked by ingest: the required-field message of an uploaded file
    assert [e.value for e in at.error] == [
        "第 15 行『目标值』为空，这是必填项，请填写『目标值』后重新上传。"
    ]
    assert current_targets(fresh_home)[0] == old_id


def test_saving_unchanged_targets_stores_nothing(fresh_home):
    at = open_page(logged_in(AppTest.from_file(APP, default_timeout=90)))
    old_id, _ = current_targets(fresh_home)
    at.button(key="targets_save").click().run()
    assert [i.value for i in at.info] == ["目标任务没有变化，未保存。"]
    assert current_targets(fresh_home)[0] == old_id


def test_targets_replaced_since_the_chosen_date_are_not_editable(fresh_home):
    at = open_page(logged_in(AppTest.from_file(APP, default_timeout=90)))
    edit(at, edited_rows={0: {"目标值": 13.5}})
    at.button(key="targets_save").click().run()
    assert at.success  # a new version, dated today
    at.session_state["f_as_of"] = "2026-11-15"  # back to the version in force then
    at.run()
    assert not at.data_editor
    assert any("历史日期的目标任务" in i.value for i in at.info)
    assert (
        progress_table(at).set_index("目标").loc["全市·注册志愿者占常住人口比例", "目标值"]
        == "13.00%"
    )


def test_first_targets_can_be_entered_in_an_empty_store(empty_home):
    at = logged_in(AppTest.from_file(APP, default_timeout=60))
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert any("还没有导入目标任务台账" in i.value for i in at.info)
    edit(at, added_rows=[{"指标": "问题整改率", "区县": "全市", "目标值": 90}])
    at.button(key="targets_save").click().run()
    assert not at.exception and not at.error
    _, rows = current_targets(empty_home)
    assert rows[["metric", "district", "target"]].values.tolist() == [
        ["issue_close_rate", "", 90.0]
    ]


def test_a_target_without_a_due_date_shows_a_dash_not_none(fresh_home):
    at = open_page(logged_in(AppTest.from_file(APP, default_timeout=90)))
    edit(at, added_rows=[{"指标": "问题整改率", "区县": "城关区", "目标值": 95}])
    at.button(key="targets_save").click().run()
    assert not at.exception and not at.error
    _, rows = current_targets(fresh_home)
    assert rows["due"].isna().sum() == 1
    (editor,) = at.data_editor
    assert editor.value["完成时限"].isna().sum() == 1
    # Streamlit draws a missing cell as "None" unless the editor names a placeholder
    assert editor.proto.placeholder == "—"


def test_removing_a_districts_targets_is_saved_only_once_confirmed(fresh_home):
    at = open_page(logged_in(AppTest.from_file(APP, default_timeout=90)))
    old_id, _ = current_targets(fresh_home)
    shown = at.data_editor[0].value.reset_index(drop=True)
    south = [int(i) for i in shown.index[shown["区县"] == "南港区"]]
    assert len(south) == 2
    edit(at, deleted_rows=south)
    at.button(key="targets_save").click().run()

    assert not at.exception
    assert current_targets(fresh_home)[0] == old_id
    (held,) = [w.value for w in at.warning if w.value.startswith("与当前快照")]
    assert held.startswith(
        f"与当前快照 #{old_id}（目标任务，截至 2026-09-13，14 行）相比，本文件只有 12 行（减少 14.3%），"
        "但没有南港区（当前 2 行）的数据，未保存；"
    )
    assert held.endswith("如确需这样修改，请勾选下方的确认后再次保存。")
    (box,) = [c for c in at.checkbox if (c.key or "").startswith("targets_confirm_")]
    box.check().run()
    at.button(key="targets_save").click().run()

    assert not at.exception and not at.error
    new_id, new = current_targets(fresh_home)
    assert new_id != old_id and "南港区" not in set(new["district"])
    assert at.success[0].value.startswith(f"目标任务已保存。已保存快照 #{new_id}（目标任务")
    assert "提交人已确认替换" in at.success[0].value


def test_deleting_every_target_is_refused_with_the_reason(fresh_home):
    at = open_page(logged_in(AppTest.from_file(APP, default_timeout=90)))
    old_id, old = current_targets(fresh_home)
    edit(at, deleted_rows=list(range(len(old))))
    at.button(key="targets_save").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "目标任务表中没有任何目标，未保存；请至少填写一行目标后再保存。"
    ]
    assert current_targets(fresh_home)[0] == old_id
