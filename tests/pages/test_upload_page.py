"""数据导入 and 数据概况与导入记录 driven through AppTest, checking the store after every step.

The app runs from a copy of app.py whose dashboard pages are stubs (the upload and history pages
are the real files), so these tests exercise the real navigation, sidebar and store without
depending on pages other engineers are still building.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Button, Selectbox

from civdash.pages import PAGES
from civdash.sample import simulate
from civdash.sample.loader import history_parts
from civdash.store import Store, part_fingerprint
from tests.conftest import TEST_ACCOUNTS
from tests.io.helpers import fixture
from tests.pages.conftest import logged_in

ROOT = Path(__file__).resolve().parents[2]
MINE = ("upload.py", "data_status.py")
XLS = "application/vnd.ms-excel"
WHO = TEST_ACCOUNTS["admin"][0]  # the page commits as the logged-in account


@pytest.fixture
def app_file(tmp_path: Path) -> Path:
    source = (ROOT / "app.py").read_text(encoding="utf-8")
    home = tmp_path / "app"
    (home / "app_pages").mkdir(parents=True)
    (home / "app.py").write_text(source, encoding="utf-8")
    for entry in PAGES.values():
        page = home / entry.path
        if page.name in MINE:
            page.symlink_to(ROOT / entry.path)
        else:
            page.write_text('import streamlit as st\n\nst.title("看板")\n', encoding="utf-8")
    return home / "app.py"


def _open(app_file: Path, page: str = "app_pages/upload.py") -> AppTest:
    at = logged_in(AppTest.from_file(str(app_file), default_timeout=120), "admin")
    at.switch_page(page).run()
    assert not at.exception
    return at


def _upload(at: AppTest, *files: tuple[str, bytes]) -> None:
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


def _kind(at: AppTest) -> Selectbox[str]:
    (kind,) = [s for s in at.selectbox if s.label == "台账类型"]
    return kind


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _go(at: AppTest) -> Button:
    return next(b for b in at.button if b.key and b.key.startswith("go_"))


def _confirm(at: AppTest) -> None:
    """Tick the box that confirms a commit the store would otherwise hold."""
    (box,) = [c for c in at.checkbox if (c.key or "").startswith("shrink_ok_")]
    assert box.label == "我已核对，确认以此文件替换当前数据"
    box.check().run()
    assert not at.exception


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
        "下载测评结果台账模板",
        "下载责任单位联系人台账模板",
    ]


def test_history_page_renders_every_snapshot_and_the_audit(
    fresh_home: Path, app_file: Path
) -> None:
    at = _open(app_file, "app_pages/data_status.py")
    with _store(fresh_home) as store:
        count = len(store.snapshots())
    assert [t.value for t in at.title] == ["数据概况与导入记录"]
    history = next(d.value for d in at.dataframe if "文件指纹" in d.value.columns)
    audit = next(d.value for d in at.dataframe if "说明" in d.value.columns)
    assert len(history) == count
    # the sample's commits (district parts assembled into city ledgers) and the tests' accounts
    assert {"导入", "添加账号"} <= set(audit["操作"]) <= {"导入", "汇总全市台账", "添加账号"}


def test_an_older_snapshot_can_be_made_current(fresh_home: Path, app_file: Path) -> None:
    with _store(fresh_home) as store:
        # an older file (a district's part, or a whole-city file): not an assembled ledger
        older = next(s for s in store.snapshots("issues") if not s.is_current and not s.assembled)
    at = _open(app_file, "app_pages/data_status.py")
    at.selectbox(key="history_pick").set_value(older.id).run()
    at.button(key="history_current").click().run()
    assert not at.exception
    with _store(fresh_home) as store:
        assert store.current("issues", scope=older.scope).id == older.id  # type: ignore[union-attr]
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
    assert _kind(at).value == "units"
    assert [m.value for m in at.multiselect if m.label.startswith("工作表")] == [["创建单位"]]
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

    # commit: 31 units would replace the sample city's, so the clerk confirms first
    go = _go(at)
    assert go.label == "确认导入 31 行有效数据"
    assert go.disabled
    _confirm(at)
    _go(at).click().run()
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
    (saved,) = [s.value for s in at.success]
    assert saved.startswith(
        f"已保存快照 #{snap.id}（创建单位，截至 2026-11-15，有效 31 行）；提交人已确认替换："
    )
    # the overview is the default page, whose URL path is empty
    assert [link.proto.page for link in at.main.get("page_link")] == ["", "data_status"]

    # delete it from the history page, with confirmation
    at.switch_page("app_pages/data_status.py").run()
    assert not at.exception
    at.selectbox(key="history_pick").set_value(snap.id).run()
    at.button(key="history_delete").click().run()
    assert any(w.value.startswith(f"确定要删除 #{snap.id} 创建单位") for w in at.warning)
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
    kind = _kind(at)
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
    _confirm(at)  # it would replace the sample city's volunteers
    _go(at).click().run()
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


def test_the_commit_is_by_the_logged_in_account_not_a_typed_name(
    fresh_home: Path, app_file: Path
) -> None:
    at = _open(app_file)
    at.file_uploader(key="files").set_value(("v.xls", fixture("volunteers_messy.xls"), XLS))
    at.run()
    assert not [t for t in at.text_input if t.label.startswith("提交人")]
    assert f"提交人：{WHO}（管理员）" in [c.value for c in at.caption]
    _confirm(at)
    _go(at).click().run()
    with _store(fresh_home) as store:
        entry = store.audit(1).iloc[0]
    assert (entry["action"], entry["actor"], entry["role"]) == ("commit", WHO, "admin")


# ---- nothing wrong becomes current --------------------------------------------------------------


def _csv(*lines: str) -> bytes:
    return "\n".join(lines).encode()


def test_a_file_without_valid_rows_cannot_be_committed_and_says_why(
    fresh_home: Path, app_file: Path
) -> None:
    with _store(fresh_home) as store:
        before = len(store.snapshots())
    at = _open(app_file)
    data = _csv("姓名,所属区县,注册日期,累计服务时长（小时）", "张伟,北岭区,2024-03-01,12",
                "李娜,北岭区,2024-03-01,5")  # fmt: skip
    _upload(at, ("志愿者.csv", data))
    assert _metrics(at)["有效行（将导入）"] == "0"
    assert _go(at).disabled
    assert [e.value for e in at.error if e.value.startswith("文件中")] == [
        "文件中没有有效数据行（读取 2 行，全部有误），未保存；请按检查结果改正后重新提交。"
    ]
    with _store(fresh_home) as store:
        assert len(store.snapshots()) == before


def test_a_shrinking_file_shows_the_numbers_and_commits_only_once_confirmed(
    fresh_home: Path, app_file: Path
) -> None:
    with _store(fresh_home) as store:
        current = store.current("volunteers")
        assert current is not None
        counts = store.rows_by_district(current.id)
    data = _csv("姓名,所属区县,注册日期,累计服务时长（小时）", "张伟,东湖区,2024-03-01,12",
                "李娜,东湖区,2024-03-01,5", "王芳,东湖区,2025-01-01,7")  # fmt: skip
    at = _open(app_file)
    _upload(at, ("东湖区志愿者.csv", data))
    at.date_input(key=f"asof_{hashlib.sha256(data).hexdigest()[:12]}").set_value(
        date(2026, 11, 22)
    ).run()

    (confirmation,) = [w.value for w in at.warning if w.value.startswith("提交前请核对")]
    others = sorted(((n, d) for d, n in counts.items() if d != "东湖区"), key=lambda nd: -nd[0])
    assert confirmation.startswith(
        f"提交前请核对：与当前快照 #{current.id}（志愿者，截至 2026-11-15，{current.rows_valid:,} 行）"
        "相比，本文件只有 3 行（减少 100%，超过允许的 30%），且没有"
        + "、".join(f"{d}（当前 {n:,} 行）" for n, d in others)
        + "的数据。当前快照中有 "
    )
    assert confirmation.endswith(
        "行（100%）在本文件中找不到。提交后本文件将替换当前快照，文件中没有的区县和行将不再计入统计；"
        "请确认上传的是完整台账，而不是其中一部分。"
    )
    assert not any(w.value.startswith("当前快照中有") for w in at.warning)  # said once, above
    metrics = _metrics(at)
    assert (metrics["当前快照行数"], metrics["本文件有效行数"], metrics["减少比例"]) == (
        f"{current.rows_valid:,}",
        "3",
        "100%",
    )
    dropped = next(d.value for d in at.dataframe if "本文件行数" in d.value.columns)
    assert dict(zip(dropped["区县"], dropped["当前快照行数"], strict=True)) == {
        name: n for name, n in counts.items() if name != "东湖区"
    }
    assert _go(at).disabled
    with _store(fresh_home) as store:
        assert store.current("volunteers") == current

    _confirm(at)
    _go(at).click().run()

    assert not at.exception
    with _store(fresh_home) as store:
        new = store.current("volunteers")
        assert new is not None and new.file_name == "东湖区志愿者.csv"
        entry = store.audit(1).iloc[0]
    assert (entry["action"], entry["actor"]) == ("commit", WHO)
    assert f"提交人已确认替换：与当前快照 #{current.id}（志愿者" in entry["detail"]
    assert [s.value for s in at.success] == [entry["detail"]]


def _targets_csv(rows: pd.DataFrame) -> bytes:
    lines = ["指标,区县,目标值,完成时限"]
    for r in rows.itertuples():
        district = r.district if isinstance(r.district, str) else ""
        lines.append(f"{r.metric},{district},{r.target},{r.due:%Y-%m-%d}")
    return _csv(*lines)


def test_a_commit_the_store_holds_after_the_page_checked_shows_the_stores_reason(
    fresh_home: Path, app_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from civdash import upload as up
    from civdash.ingest import SOURCE_ROW, IngestResult

    with _store(fresh_home) as store:
        targets = store.load(store.current("targets").id)  # type: ignore[union-attr]
    mine = targets.assign(target=targets["target"] + 1)  # the same targets, a point higher
    theirs = pd.concat([targets, targets.iloc[[5]].assign(district="东湖区")], ignore_index=True)
    theirs[SOURCE_ROW] = range(2, len(theirs) + 2)
    real_commit = up.commit_review

    def colleague_commits_first(*args: object, **kwargs: object) -> object:
        # between the page's check and its commit, a colleague adds a 东湖区 target
        result = IngestResult("targets", None, 1, len(theirs), theirs, [], {}, None, "同事.csv")
        with _store(fresh_home) as store:
            store.commit(result, b"colleague", committed_by="李娜", as_of=date(2026, 11, 20))
        return real_commit(*args, **kwargs)  # type: ignore[arg-type]

    at = _open(app_file)
    _upload(at, ("目标任务.csv", _targets_csv(mine)))
    assert not [c for c in at.checkbox if (c.key or "").startswith("shrink_ok_")]
    monkeypatch.setattr(up, "commit_review", colleague_commits_first)
    _go(at).click().run()

    assert not at.exception
    with _store(fresh_home) as store:
        colleague = store.current("targets")
        assert colleague is not None and colleague.file_name == "同事.csv"
        entry = store.audit(1).iloc[0]
    assert (entry["action"], entry["file_name"]) == ("hold", "目标任务.csv")
    assert [e.value for e in at.error] == [entry["detail"]]
    assert "没有东湖区（当前 1 行）的数据" in entry["detail"]
    assert any("没有东湖区（当前 1 行）的数据" in w.value for w in at.warning)  # asks now
    assert _go(at).disabled


def test_a_file_stored_before_can_be_made_current_again(fresh_home: Path, app_file: Path) -> None:
    # 东湖区's part of an earlier week, as its clerk submitted it
    week = history_parts(simulate(), "units", date(2026, 11, 8))["东湖区"]
    with _store(fresh_home) as store:
        stored_as = part_fingerprint(hashlib.sha256(week.data).hexdigest(), "东湖区")
        (old,) = [s for s in store.snapshots("units") if s.sha256 == stored_as]
    assert not old.is_current and old.scope == "东湖区"
    at = _open(app_file)
    at.selectbox(key="upload_scope").set_value("东湖区").run()  # the part is 东湖区's
    _upload(at, (week.result.file_name, week.data))
    offer = "该快照目前不是当前快照，如需以它为准，请点『设为当前快照』。"
    assert any(offer in i.value for i in at.info)

    at.button(key=f"current_{hashlib.sha256(week.data).hexdigest()[:12]}").click().run()

    assert not at.exception
    with _store(fresh_home) as store:
        assert store.current("units", scope="东湖区").id == old.id  # type: ignore[union-attr]
        assert store.parts(store.current("units").id)["东湖区"].id == old.id  # type: ignore[union-attr]
        assert store.audit(2)[["action", "actor"]].values.tolist() == [
            ["assemble", WHO],
            ["set_current", WHO],
        ]
    assert [s.value for s in at.success] == [
        f"已将快照 #{old.id}（创建单位，截至 2026-11-08）设为当前快照"
    ]


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
    at.file_uploader(key="district_file").set_value(
        ("city.geojson", _geojson(*keep), "application/geo+json")
    ).run()
    assert not at.exception
    warning = [w.value for w in at.warning if w.value.startswith("现有台账中")]
    assert len(warning) == 1
    assert warning[0].startswith("现有台账中有 1 个区县名称在新区县表中对应不上：南港区（")
    tables = [d.value for d in at.dataframe if "结果" in d.value.columns]
    assert set(tables[0]["原区县名称"]) == {"南港区"}
    assert set(tables[0]["结果"]) == {"无法对应"}
    # nothing is replaced until the clerk confirms
    assert at.button(key="districts_go").disabled
    (confirm,) = [c for c in at.checkbox if (c.key or "").startswith("districts_confirm_")]
    assert confirm.label == "我已核对，仍用新区县表替换当前区县表"
    confirm.check().run()
    assert not at.button(key="districts_go").disabled
    at.button(key="districts_go").click().run()
    with _store(fresh_home) as store:
        assert store.districts().names == tuple(keep)  # type: ignore[union-attr]
    assert at.success[0].value.startswith("已保存快照")


def test_a_datav_file_is_taken_as_gcj02_with_population_from_a_second_sheet(
    fresh_home: Path, app_file: Path
) -> None:
    import numpy as np

    from tests.test_districts import datav_bytes, datav_wgs84_rings

    at = _open(app_file)
    at.file_uploader(key="district_file").set_value(
        ("330100_full.json", datav_bytes(), "application/json")
    ).run()
    (crs,) = [s for s in at.selectbox if (s.key or "").startswith("district_crs_")]
    assert crs.value == "GCJ-02" and crs.options == [
        "WGS-84（GPS、天地图；不换算）",
        "GCJ-02（高德、腾讯、DataV/阿里云）",
        "BD-09（百度）",
    ]
    assert any("DataV（阿里云）区县边界文件" in c.value for c in at.caption)
    assert "区县表中没有常住人口" in at.warning[0].value
    population = "区县,常住人口\n萧山,2011000\n临平,1170000\n桐庐,456000\n".encode()
    at.file_uploader(key="district_population").set_value(
        ("人口.csv", population, "text/csv")
    ).run()
    assert not at.exception
    notes = [w.value for w in at.warning]
    assert (
        "常住人口表中以下 1 行对应不上任何区县，未使用：临平；请核对区县名称或区划代码。" in notes
    )
    assert any(n.startswith("现有台账中的区县名称在新区县表中全都对应不上：") for n in notes)
    summary = next(d.value for d in at.dataframe if "区划代码" in d.value.columns)
    assert summary["区划代码"].tolist() == ["330106", "330109", "330122"]
    assert summary["常住人口"].tolist()[1:] == [2011000.0, 456000.0]
    (confirm,) = [c for c in at.checkbox if (c.key or "").startswith("districts_confirm_")]
    confirm.check().run()
    at.button(key="districts_go").click().run()
    assert not at.exception
    with _store(fresh_home) as store:
        table = store.districts()
        info = store.current("districts")
    assert table is not None and info is not None
    assert info.file_name == "330100_full.json（常住人口：人口.csv）"
    assert table.population() == {"萧山区": 2011000.0, "桐庐县": 456000.0}
    truth = datav_wgs84_rings()
    for d in table.districts:
        got = np.array(d.geometry["coordinates"], dtype=float)  # type: ignore[index]
        assert np.abs(got - np.array(truth[d.name])).max() < 1e-6


def test_a_workbook_of_district_sheets_is_read_whole_and_sheets_can_be_left_out(
    fresh_home: Path, app_file: Path
) -> None:
    at = _open(app_file)
    _upload(at, ("分区问题台账.xlsx", fixture("issues_by_district.xlsx")))
    [sheets] = [m for m in at.multiselect if m.label.startswith("工作表")]
    assert sheets.value == ["东湖区", "南港区", "城关区"]
    captions = " ".join(c.value for c in at.caption)
    assert "已合并读取 3 个同格式工作表：『东湖区』3 行、『南港区』2 行、『城关区』2 行" in captions
    assert "『汇总』（表头与工作表『东湖区』不同）" in captions
    assert _metrics(at)["读取行数"] == "7"
    assert _metrics(at)["有效行（将导入）"] == "6"
    problems = next(d.value for d in at.dataframe if "说明" in d.value.columns)
    assert list(problems["工作表"]) == ["南港区"]
    assert list(problems["行号"]) == [4]

    sheets.set_value(["东湖区", "城关区"]).run()
    assert not at.exception
    assert _metrics(at)["读取行数"] == "5"
    assert _metrics(at)["有效行（将导入）"] == "5"
