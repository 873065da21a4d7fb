"""数据导入 and 数据概况与导入记录 driven through AppTest, checking the store after every step.

The app runs from a copy of app.py whose dashboard pages are stubs (the upload and history pages
are the real files), so these tests exercise the real navigation, sidebar and store without
depending on pages other engineers are still building.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from civdash.store import Store
from tests.io.helpers import fixture

ROOT = Path(__file__).resolve().parents[2]
MINE = ("upload.py", "data_status.py")
XLS = "application/vnd.ms-excel"
WHO = "王科长"


@pytest.fixture
def app_file(tmp_path: Path) -> Path:
    source = (ROOT / "app.py").read_text(encoding="utf-8")
    home = tmp_path / "app"
    (home / "app_pages").mkdir(parents=True)
    (home / "app.py").write_text(source, encoding="utf-8")
    for name in re.findall(r'st\.Page\(\s*"app_pages/(\w+\.py)"', source):
        page = home / "app_pages" / name
        if name in MINE:
            page.symlink_to(ROOT / "app_pages" / name)
        else:
            page.write_text('import streamlit as st\n\nst.title("看板")\n', encoding="utf-8")
    return home / "app.py"


def _open(app_file: Path, page: str = "app_pages/upload.py") -> AppTest:
    at = AppTest.from_file(str(app_file), default_timeout=120)
    at.switch_page(page).run()
    assert not at.exception
    return at


def _upload(at: AppTest, *files: tuple[str, bytes]) -> None:
    at.text_input(key="who").set_value(WHO)
    at.file_uploader(key="files").set_value([(n, d, XLS) for n, d in files])
    at.run()
    assert not at.exception


def _editor_key(at: AppTest, prefix: str) -> str:
    keys = [e.key for e in at.data_editor if e.key and e.key.startswith(prefix)]
    assert len(keys) == 1, keys
    return keys[0]


def _edit(at: AppTest, prefix: str, edited_rows: dict[int, dict[str, str]]) -> None:
    key = _editor_key(at, prefix)
    at.session_state[key] = {"edited_rows": edited_rows, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _store(home: Path) -> Store:
    return Store(f"sqlite:///{home / 'civdash.sqlite'}")


def test_upload_page_renders_with_the_sample_city(fresh_home: Path, app_file: Path) -> None:
    at = _open(app_file)
    assert [t.value for t in at.title] == ["数据导入"]
    assert [t.label for t in at.tabs] == ["上传台账", "下载模板", "区县与边界"]
    assert at.file_uploader(key="files").accept_multiple_files
    labels = [b.label for b in at.download_button]
    assert labels == [
        "下载创建单位台账模板",
        "下载志愿者台账模板",
        "下载问题整改台账模板",
        "下载目标任务台账模板",
    ]


def test_history_page_renders_every_snapshot_and_the_audit(
    fresh_home: Path, app_file: Path
) -> None:
    at = _open(app_file, "app_pages/data_status.py")
    with _store(fresh_home) as store:
        count = len(store.snapshots())
    assert [t.value for t in at.title] == ["数据概况与导入记录"]
    history, audit = at.dataframe[0].value, at.dataframe[1].value
    assert len(history) == count
    assert "文件指纹" in history.columns
    assert set(audit["操作"]) == {"导入"}


def test_an_older_snapshot_can_be_made_current(fresh_home: Path, app_file: Path) -> None:
    with _store(fresh_home) as store:
        older = store.snapshots("issues")[1]
    at = _open(app_file, "app_pages/data_status.py")
    at.selectbox(key="history_pick").set_value(older.id).run()
    at.text_input(key="history_who").set_value(WHO).run()
    at.button(key="history_current").click().run()
    assert not at.exception
    with _store(fresh_home) as store:
        assert store.current("issues").id == older.id  # type: ignore[union-attr]
        assert store.audit(1)["actor"].iat[0] == WHO
    assert at.success[0].value == (
        f"已将快照 #{older.id}（问题整改，截至 {older.as_of:%Y-%m-%d}）设为当前快照"
    )


def test_clerk_uploads_remaps_fixes_commits_and_deletes(fresh_home: Path, app_file: Path) -> None:
    with _store(fresh_home) as store:
        before = {s.id for s in store.snapshots()}
        old_current = store.current("units")
    assert old_current is not None

    # upload a messy .xls saved by LibreOffice: title rows, a footer, 10 rows in an unknown district
    at = _open(app_file)
    _upload(at, ("units_offset.xls", fixture("units_offset.xls")))
    assert at.selectbox(key=at.selectbox[0].key).value == "units"
    assert "工作表" in [s.label for s in at.selectbox]
    assert _metrics(at)["读取行数"] == "40"
    assert _metrics(at)["有效行（将导入）"] == "30"
    assert _metrics(at)["无效行（不导入）"] == "10"
    with _store(fresh_home) as store:
        assert {s.id for s in store.snapshots()} == before  # reviewing stores nothing

    # remap a column: 得分 is left out
    mapping = at.data_editor[0].value
    position = list(mapping["源列名"]).index("得分")
    assert mapping.at[position, "对应字段"] == "测评得分"
    _edit(at, "map_", {position: {"对应字段": "（不导入）"}})
    assert at.data_editor[0].value.at[position, "对应字段"] == "（不导入）"
    assert "测评得分" not in at.dataframe[-1].value.columns  # the preview
    with _store(fresh_home) as store:
        assert {s.id for s in store.snapshots()} == before

    # fix one invalid cell in the editor: the row is checked again and becomes valid
    fix = at.data_editor[1].value
    assert fix.index[0] == 8
    assert fix.iat[0, list(fix.columns).index("所属区县")] == "北岭区"
    _edit(at, "fix_", {0: {"所属区县": "东湖区"}})
    assert _metrics(at)["有效行（将导入）"] == "31"
    assert _metrics(at)["无效行（不导入）"] == "9"
    assert 8 not in at.data_editor[1].value.index
    with _store(fresh_home) as store:
        assert {s.id for s in store.snapshots()} == before

    # commit
    go = next(b for b in at.button if b.key and b.key.startswith("go_"))
    assert go.label == "确认导入 31 行有效数据"
    go.click().run()
    assert not at.exception
    with _store(fresh_home) as store:
        new = [s for s in store.snapshots() if s.id not in before]
        assert len(new) == 1
        snap = new[0]
        assert (snap.kind, snap.rows_valid, snap.rows_invalid) == ("units", 31, 9)
        assert snap.committed_by == WHO
        assert snap.is_current
        assert "得分" not in snap.columns
        assert snap.sha256 != __import__("hashlib").sha256(fixture("units_offset.xls")).hexdigest()
        assert store.load(snap.id)["district"].value_counts()["东湖区"] >= 1
    assert [s.value for s in at.success] == [
        f"已保存快照 #{snap.id}（创建单位，截至 2026-11-15，有效 31 行）"
    ]
    # the overview is the default page, whose URL path is empty
    assert [link.proto.page for link in at.get("page_link")] == ["", "data_status"]

    # delete it from the history page, with confirmation
    at.switch_page("app_pages/data_status.py").run()
    assert not at.exception
    at.selectbox(key="history_pick").set_value(snap.id).run()
    at.button(key="history_delete").click().run()
    assert at.warning[0].value.startswith(f"确定要删除 #{snap.id} 创建单位")
    with _store(fresh_home) as store:
        assert store.snapshot(snap.id) == snap  # nothing happens before confirming
    at.button(key="history_delete_yes").click().run()
    assert not at.exception
    with _store(fresh_home) as store:
        assert snap.id not in {s.id for s in store.snapshots()}
        assert store.current("units").id == old_current.id  # type: ignore[union-attr]
        audit = store.audit(5)
        assert audit["action"].iat[0] == "delete"
        assert audit["actor"].iat[0] == WHO
    assert at.success[0].value.startswith(f"已删除快照 #{snap.id}（创建单位")


def test_missing_required_column_is_called_out_first_and_remapping_fixes_it(
    fresh_home: Path, app_file: Path
) -> None:
    csv = "姓名,所属区县,注册日期,公益时数\n张伟,东湖区,2024-03-01,12\n".encode()
    at = _open(app_file)
    _upload(at, ("志愿者.csv", csv))
    assert at.error[0].value.startswith("缺少必填列『累计服务时长（小时）』")
    assert _metrics(at)["有效行（将导入）"] == "0"
    mapping = at.data_editor[0].value
    _edit(
        at,
        "map_",
        {list(mapping["源列名"]).index("公益时数"): {"对应字段": "*累计服务时长（小时）"}},
    )
    assert not at.error
    assert _metrics(at)["有效行（将导入）"] == "1"


def test_change_of_header_row_and_kind_rechecks_the_file(fresh_home: Path, app_file: Path) -> None:
    at = _open(app_file)
    _upload(at, ("units_offset.xls", fixture("units_offset.xls")))
    header = next(n for n in at.number_input if n.label == "表头所在行")
    assert header.value == 3
    header.set_value(1).run()
    assert not at.exception
    assert at.error  # the title row is no header: no ledger, or required columns missing
    kind = at.selectbox[0]
    kind.set_value("units").run()
    assert not at.exception
    assert at.error[0].value.startswith("缺少必填列")


def test_header_row_beyond_the_sheet_is_said_and_can_be_corrected(
    fresh_home: Path, app_file: Path
) -> None:
    at = _open(app_file)
    _upload(at, ("units_offset.xls", fixture("units_offset.xls")))
    header = next(n for n in at.number_input if n.label == "表头所在行")
    header.set_value(500).run()
    assert not at.exception
    assert at.error[0].value.startswith("表头行号 500 超出范围")
    header = next(n for n in at.number_input if n.label == "表头所在行")
    header.set_value(3).run()
    assert not at.error
    assert _metrics(at)["有效行（将导入）"] == "30"
    with _store(fresh_home) as store:
        assert "refuse" not in set(store.audit()["action"])  # the choice was wrong, not the file


def test_refused_file_says_one_sentence_and_is_audited_once(
    fresh_home: Path, app_file: Path
) -> None:
    with _store(fresh_home) as store:
        before = len(store.snapshots())
    at = _open(app_file)
    _upload(at, ("台账.xlsx", fixture("encrypted.xlsx")))
    assert [e.value for e in at.error] == ["『台账.xlsx』文件已加密，请取消密码后上传。"]
    assert not at.data_editor
    at.run()
    with _store(fresh_home) as store:
        assert len(store.snapshots()) == before
        refusals = store.audit()
        refusals = refusals[refusals["action"] == "refuse"]
        assert refusals["detail"].tolist() == ["文件已加密，请取消密码后上传。"]
        assert refusals["actor"].tolist() == [WHO]


def test_same_file_committed_again_is_recognised_not_stored_twice(
    fresh_home: Path, app_file: Path
) -> None:
    data = fixture("volunteers_messy.xls")
    at = _open(app_file)
    _upload(at, ("志愿者.xls", data))
    next(b for b in at.button if b.key and b.key.startswith("go_")).click().run()
    with _store(fresh_home) as store:
        count = len(store.snapshots("volunteers"))
        first = store.snapshots("volunteers")[0]
    assert first.file_name == "志愿者.xls"

    again = _open(app_file)
    _upload(again, ("再次上传.xls", data))
    assert any(f"（快照 #{first.id}，截至" in i.value for i in again.info)
    next(b for b in again.button if b.key and b.key.startswith("go_")).click().run()
    assert not again.exception
    assert any(i.value.startswith("该文件已于") for i in again.info)
    with _store(fresh_home) as store:
        assert len(store.snapshots("volunteers")) == count
        assert store.audit(1)["action"].iat[0] == "duplicate"


def test_several_files_are_reviewed_side_by_side(fresh_home: Path, app_file: Path) -> None:
    at = _open(app_file)
    _upload(
        at,
        ("units_offset.xls", fixture("units_offset.xls")),
        ("volunteers_messy.ods", fixture("volunteers_messy.ods")),
        ("加密.xls", fixture("encrypted.xls")),
    )
    labels = [t.label for t in at.tabs]
    assert labels == [
        "上传台账",
        "units_offset.xls",
        "volunteers_messy.ods",
        "加密.xls",
        "下载模板",
        "区县与边界",
    ]
    kinds = [s.value for s in at.selectbox if s.label == "台账类型"]
    assert kinds == ["units", "volunteers"]
    assert [e.value for e in at.error] == ["『加密.xls』文件已加密，请取消密码后上传。"]


def test_commit_needs_the_clerks_name(fresh_home: Path, app_file: Path) -> None:
    at = _open(app_file)
    at.file_uploader(key="files").set_value(("v.xls", fixture("volunteers_messy.xls"), XLS))
    at.run()
    go = next(b for b in at.button if b.key and b.key.startswith("go_"))
    assert go.disabled
    assert "请先在页面上方填写提交人。" in [i.value for i in at.info]


def _geojson(*names: str) -> bytes:
    square = {
        "type": "Polygon",
        "coordinates": [[[120, 30], [120.1, 30], [120.1, 30.1], [120, 30]]],
    }
    feats = [
        {"type": "Feature", "properties": {"name": n, "population": 1000}, "geometry": square}
        for n in names
    ]
    return json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False).encode()


def test_replacing_the_districts_lists_names_that_no_longer_resolve(
    fresh_home: Path, app_file: Path
) -> None:
    with _store(fresh_home) as store:
        old = store.districts()
    assert old is not None
    keep = [n for n in old.names if n != "南港区"]
    at = _open(app_file)
    at.text_input(key="who").set_value(WHO).run()
    at.file_uploader(key="district_file").set_value(
        ("city.geojson", _geojson(*keep), "application/geo+json")
    ).run()
    assert not at.exception
    assert at.error[0].value.startswith("以下区县名称在新区县表中无法对应")
    tables = [d.value for d in at.dataframe if "结果" in d.value.columns]
    assert set(tables[0]["原区县名称"]) == {"南港区"}
    assert set(tables[0]["结果"]) == {"无法对应"}
    at.button(key="districts_go").click().run()
    with _store(fresh_home) as store:
        assert store.districts().names == tuple(keep)  # type: ignore[union-attr]
    assert at.success[0].value.startswith("已保存快照")
