"""督办通知: one .docx per late responsible unit, read back with python-docx, and the .zip of
them made by `python -m civdash notices`.

The data is built by hand: 市住建局 has two overdue issues (one whose description is a formula)
and three escalations (the last decided after the data's as-of date), 市城管局 one overdue issue (a phone number and a control character in its
description) and lost items in the latest round, 市文明办 only a lost item, and 市水务局 a closed
issue, one not yet due and nothing lost: no notice for it.
"""

from __future__ import annotations

import io
import re
import zipfile
from contextlib import redirect_stderr, redirect_stdout
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from docx import Document
from docx.oxml.ns import qn
from lxml import etree
from openpyxl import load_workbook

from civdash import cli
from civdash.config import Settings
from civdash.ingest import SOURCE_ROW, IngestResult
from civdash.ledgers import get_kind
from civdash.metrics import compute
from civdash.notices import (
    INDEX_NAME,
    issue_day,
    notice_file_names,
    notice_units,
    notices,
    notices_zip,
    reply_deadline,
    zip_file_name,
)
from civdash.store import Store

AS_OF = date(2026, 11, 13)  # a Friday
REPLY_BY = date(2026, 11, 18)  # three working days later
FORMULA = '=HYPERLINK("http://x")'
COMMAND = "+cmd|' /C calc'!A0 市民反映，请回电 13800138000"
LEADER_PHONE = "13912345678"
OFFICE_PHONE = "0571-87654321"
LATEST = "2026年11月模拟测评"
EARLIER = "2026年10月模拟测评"


def _frame(kind: str, rows: list[dict[str, object]]) -> pd.DataFrame:
    """Rows of ledger `kind` shaped as the store gives them: every field, typed."""
    data: dict[str, object] = {}
    for f in get_kind(kind).fields:
        values = [r.get(f.name) for r in rows]
        if f.type == "date":
            data[f.name] = pd.to_datetime(pd.Series(values, dtype="object")).astype("datetime64[s]")
        elif f.type == "float":
            data[f.name] = pd.Series(values, dtype="float64")
        elif f.type == "bool":
            data[f.name] = pd.Series([bool(v) for v in values])
        elif f.type == "int":
            data[f.name] = pd.Series(values, dtype="Int64")
        else:
            data[f.name] = pd.Series(values, dtype="str")
    frame = pd.DataFrame(data)
    frame[SOURCE_ROW] = range(3, 3 + len(frame))
    return frame


def _issue(issue_id: str, unit: str, found: str, deadline: str | None, status: str, **more):
    return {
        "issue_id": issue_id,
        "found_on": found,
        "district": "东湖区",
        "location": f"{issue_id}点位",
        "description": f"{issue_id}问题",
        "responsible_unit": unit,
        "deadline": deadline,
        "status": status,
        **more,
    }


ISSUES = [
    _issue("W001", "市住建局", "2026-10-01", "2026-10-31", "待整改", description=FORMULA),
    _issue("W002", "市住建局", "2026-10-20", "2026-11-03", "整改中", district="南港区"),
    _issue("W003", "市住建局", "2026-11-01", "2026-11-30", "待整改"),  # not yet due
    _issue("W004", "市住建局", "2026-08-01", None, "长期整改"),  # long-term: never overdue
    _issue("C001", "市城管局", "2026-10-01", "2026-11-12", "待整改", description=COMMAND + "\x07"),
    _issue("S001", "市水务局", "2026-09-01", "2026-10-01", "已整改", rectified_on="2026-09-20"),
    _issue("S002", "市水务局", "2026-11-10", "2026-11-20", "待整改"),
]


def _item(round_: str, day: str, unit: str, item: str, code: str, full: float, lost: float, **more):
    return {
        "round": round_,
        "assessed_on": day,
        "district": "东湖区",
        "location": f"{item}点位",
        "item": item,
        "item_code": code,
        "full_points": full,
        "points_lost": lost,
        "score": full - lost,
        "responsible_unit": unit,
        "description": f"{item}失分" if lost else None,
        **more,
    }


ASSESSMENTS = [
    _item(EARLIER, "2026-10-10", "市城管局", "公厕卫生", "1.1", 2.0, 1.0),
    _item(EARLIER, "2026-10-10", "市水务局", "河道保洁", "4.1", 1.0, 0.5),
    _item(LATEST, "2026-11-10", "市城管局", "公厕卫生", "1.1", 2.0, 0.5),
    _item(LATEST, "2026-11-10", "市城管局", "占道经营", "1.2", 1.5, 1.5, description=FORMULA),
    _item(LATEST, "2026-11-10", "市文明办", "公益广告", "2.1", 0.5, 0.25),
    _item(LATEST, "2026-11-10", "市水务局", "河道保洁", "4.1", 1.0, 0.0),
]

CONTACTS = [
    {"responsible_unit": "市住建局", "leader": "王建国", "liaison": "陈静", "phone": LEADER_PHONE},
    {
        "responsible_unit": "市城管局",
        "leader": "李强",
        "liaison": "赵磊",
        "phone": OFFICE_PHONE,
        "district": "东湖区",
    },
    {"responsible_unit": "市水务局", "leader": "周洋", "liaison": "吴敏", "phone": "13700001111"},
]

ESCALATIONS = pd.DataFrame(
    {
        "id": [1, 2, 3],
        "responsible_unit": ["市住建局", "市住建局", "市住建局"],
        "level": ["督办", "通报", "约谈"],
        "on_date": pd.to_datetime(["2026-10-05", "2026-11-01", "2026-11-16"]),  # after the data
        "reason": ["W001 逾期", "仍未整改", "连续上黑榜"],
    }
)


@pytest.fixture(scope="module")
def ledgers() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return (
        _frame("issues", ISSUES),
        _frame("assessments", ASSESSMENTS),
        _frame("contacts", CONTACTS),
    )


@pytest.fixture(scope="module")
def archive(ledgers) -> bytes:
    issues, assessments, contacts = ledgers
    return notices_zip(issues, assessments, contacts, ESCALATIONS, AS_OF)


def _docx(archive: bytes, unit: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        return z.read(zip_file_name(unit))


def _table(data: bytes, first_header: str) -> list[list[str]]:
    """The rows (header first) of the notice's table whose first header cell is given."""
    for table in Document(io.BytesIO(data)).tables:
        rows = [[c.text for c in row.cells] for row in table.rows]
        if rows[0][0] == first_header:
            return rows
    raise AssertionError(f"no table headed {first_header}")


def _text(data: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


def _parts(archive: bytes) -> dict[str, bytes]:
    """Every file in the zip, and every part of every .docx and .xlsx in it, uncompressed."""
    out: dict[str, bytes] = {}
    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        for name in z.namelist():
            data = z.read(name)
            out[name] = data
            with zipfile.ZipFile(io.BytesIO(data)) as inner:
                for part in inner.namelist():
                    out[f"{name}/{part}"] = inner.read(part)
    return out


# ---------------------------------------------------------------- who gets a notice


def test_one_notice_per_unit_with_overdue_issues_or_lost_items_and_none_for_the_others(archive):
    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        names = z.namelist()
    assert names == [
        INDEX_NAME,
        "督办通知_市住建局.docx",
        "督办通知_市城管局.docx",
        "督办通知_市文明办.docx",
    ]


def test_the_notices_agree_with_the_metrics_of_the_same_data(ledgers):
    issues, assessments, _ = ledgers
    units = notice_units(issues, assessments, AS_OF).set_index("responsible_unit")
    overdue = compute("overdue_issues", issues, as_of=AS_OF, by="responsible_unit")
    late = overdue[overdue["value"] > 0].set_index("responsible_unit")["value"]
    assert units.loc[late.index, "overdue"].tolist() == late.astype(int).tolist()
    lost = compute("points_lost", assessments, as_of=AS_OF, by="responsible_unit")
    lost = lost[lost["value"] > 0].set_index("responsible_unit")["value"]
    assert units.loc[lost.index, "points_lost"].tolist() == pytest.approx(lost.tolist())
    assert set(units.index) == set(late.index) | set(lost.index)


# ---------------------------------------------------------------- what a notice says


def test_a_notice_lists_the_units_overdue_issues_with_deadline_and_days_overdue(archive):
    data = _docx(archive, "市住建局")
    rows = _table(data, "编号")
    assert rows[0] == ["编号", "发现日期", "区县", "点位", "问题描述", "整改时限", "逾期天数"]
    assert rows[1:] == [
        ["W001", "2026-10-01", "东湖区", "W001点位", FORMULA, "2026-10-31", "13"],
        ["W002", "2026-10-20", "南港区", "W002点位", "W002问题", "2026-11-03", "10"],
    ]
    text = _text(data)
    assert text.splitlines()[0] == Settings().office_name
    assert "督办通知" in text and "市住建局：" in text
    assert "你单位有逾期未整改问题2个，最长逾期13天" in text


def test_a_notice_lists_the_lost_items_of_the_latest_round_only(archive):
    data = _docx(archive, "市城管局")
    rows = _table(data, "测评项目")
    assert rows[0] == ["测评项目", "指标编号", "点位", "分值", "失分", "失分原因"]
    assert rows[1:] == [
        ["占道经营", "1.2", "占道经营点位", "1.5", "1.5", FORMULA],
        ["公厕卫生", "1.1", "公厕卫生点位", "2", "0.5", "公厕卫生失分"],
    ]
    text = _text(data)
    assert f"测评批次：{LATEST}。" in text and EARLIER not in text
    assert f"在{LATEST}中你单位负责的测评项目失分2项、共失2分" in text
    only_lost = _text(_docx(archive, "市文明办"))
    assert "逾期未整改问题" not in only_lost and "失分1项、共失0.25分" in only_lost


def test_the_reply_deadline_is_three_working_days_after_the_as_of_date(archive):
    assert reply_deadline(AS_OF) == REPLY_BY
    text = _text(_docx(archive, "市住建局"))
    assert "并于2026年11月18日前将整改情况书面报送" in text
    assert "（一）请于2026年11月18日前（3个工作日内）" in text


@pytest.mark.parametrize(
    ("as_of", "days", "expected"),
    [
        (date(2026, 11, 13), 3, date(2026, 11, 18)),  # Friday → Wednesday
        (date(2026, 11, 15), 3, date(2026, 11, 19)),  # Sunday counts from Monday
        (date(2026, 11, 16), 5, date(2026, 11, 23)),  # a week of working days
    ],
)
def test_reply_deadline_counts_working_days_as_deadlines_do(as_of, days, expected):
    assert reply_deadline(as_of, Settings(notice_reply_days=days)) == expected


def test_a_notice_holds_the_units_escalation_history_and_names_the_next_step(archive):
    data = _docx(archive, "市住建局")
    assert _table(data, "级别") == [
        ["级别", "日期", "事由"],
        ["督办", "2026-10-05", "W001 逾期"],
        ["通报", "2026-11-01", "仍未整改"],
        ["约谈", "2026-11-16", "连续上黑榜"],  # decided after the data's date: still history
    ]
    text = _text(data)
    assert "此前已对你单位约谈（2026年11月16日）；逾期仍未整改到位的，将予以问责。" in text
    assert "此前无督办" in _text(_docx(archive, "市城管局"))


def test_the_contact_block_names_leader_and_liaison_with_the_phone_masked(archive):
    text = _text(_docx(archive, "市住建局"))
    assert "市住建局（市直部门）负责人：王建国；联络员：陈静；联系电话：139****5678。" in text
    assert "市城管局（东湖区）负责人：李强；联络员：赵磊；联系电话：057******4321。" in _text(
        _docx(archive, "市城管局")
    )
    assert "尚未登记你单位联系人" in _text(_docx(archive, "市文明办"))


def test_no_full_phone_number_is_anywhere_in_the_zip(archive):
    for name, data in _parts(archive).items():
        for number in (LEADER_PHONE, OFFICE_PHONE, "13800138000", "87654321"):
            assert number.encode() not in data, (name, number)
    rows = _table(_docx(archive, "市城管局"), "编号")
    assert rows[1][4] == "+cmd|' /C calc'!A0 市民反映，请回电 138****8000"  # \x07 dropped


def test_every_run_declares_its_east_asian_font(archive):
    for unit in ("市住建局", "市城管局", "市文明办"):
        with zipfile.ZipFile(io.BytesIO(_docx(archive, unit))) as z:
            root = etree.fromstring(z.read("word/document.xml"))
        runs = root.iter(qn("w:r"))
        fonts = [r.find(qn("w:rPr") + "/" + qn("w:rFonts")) for r in runs]
        assert fonts and all(f is not None and f.get(qn("w:eastAsia")) for f in fonts)


def test_cell_text_is_never_a_field_or_a_formula(archive):
    for unit in ("市住建局", "市城管局"):
        with zipfile.ZipFile(io.BytesIO(_docx(archive, unit))) as z:
            xml = z.read("word/document.xml").decode()
        assert "fldSimple" not in xml and "instrText" not in xml and "fldChar" not in xml
        assert "HYPERLINK" not in re.sub(r"<w:t[^>]*>[^<]*</w:t>", "", xml)  # only as text
    index = load_workbook(io.BytesIO(_parts(archive)[INDEX_NAME]))
    for row in index.active.iter_rows():
        for cell in row:
            assert cell.data_type in ("s", "n") or cell.value is None


def test_the_index_lists_each_unit_with_its_counts_and_file(archive):
    sheet = load_workbook(io.BytesIO(_parts(archive)[INDEX_NAME])).active
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    assert rows == [
        [1, "市住建局", "东湖区、南港区", 2, 13, 0, 0, "约谈（2026-11-16）",
         "督办通知_市住建局.docx"],
        [2, "市城管局", "东湖区", 1, 1, 2, 2, "", "督办通知_市城管局.docx"],
        [3, "市文明办", "东湖区", 0, 0, 1, 0.25, "", "督办通知_市文明办.docx"],
    ]  # fmt: skip


def test_the_same_input_gives_the_same_bytes(ledgers, archive):
    issues, assessments, contacts = ledgers
    assert notices_zip(issues, assessments, contacts, ESCALATIONS, AS_OF) == archive
    files = notices(issues, assessments, contacts, ESCALATIONS, AS_OF)
    assert files["督办通知_市城管局.docx"] == _docx(archive, "市城管局")


def test_without_assessments_contacts_or_escalations_the_overdue_units_still_get_notices(
    ledgers,
):
    issues, _, _ = ledgers
    files = notices(issues, None, None, None, AS_OF)
    assert sorted(files) == ["督办通知_市住建局.docx", "督办通知_市城管局.docx"]
    assert notices(issues.iloc[0:0], None, None, None, AS_OF) == {}


# ---------------------------------------------------------------- file names


def test_file_names_are_safe_on_windows_and_unique():
    units = [
        "市住建局/城建科",
        "市住建局:城建科",
        "CON",
        "aux.txt",
        " 市城管局. ",
        "A" * 200,
        "a" * 200,
    ]
    names = notice_file_names(units)
    assert len(set(names.values())) == len(units)
    assert len({n.casefold() for n in names.values()}) == len(units)  # Windows ignores case
    for name in names.values():
        assert not re.search(r'[<>:"/\\|?*\x00-\x1f]', name)
        stem = name.removesuffix(".docx")
        assert stem == stem.strip(". ") and len(name) < 100
    assert names["市住建局/城建科"] == "督办通知_市住建局_城建科.docx"
    assert names["市住建局:城建科"] == "督办通知_市住建局_城建科（2）.docx"
    assert names["CON"] == "督办通知_CON.docx"  # prefixed: never the bare device name
    assert names[" 市城管局. "] == "督办通知_市城管局.docx"


# ---------------------------------------------------------------- python -m civdash notices


def _cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main(list(args))
    return code, out.getvalue(), err.getvalue()


def _commit(store: Store, kind: str, rows: pd.DataFrame, as_of: date) -> None:
    result = IngestResult(
        kind=kind,
        sheet="Sheet1",
        header_row=1,
        rows_read=len(rows),
        rows=rows,
        problems=[],
        columns={},
        as_of=as_of,
        file_name=f"{kind}.xlsx",
    )
    store.commit(result, f"{kind}{as_of}".encode(), committed_by="测试")


@pytest.fixture
def office(tmp_path: Path, ledgers, monkeypatch: pytest.MonkeyPatch) -> str:
    """A store with the ledgers committed and the escalations recorded (on a day after the
    last of them, whatever the test machine's clock says)."""
    monkeypatch.setattr("civdash.store._today", lambda: date(2026, 12, 3))
    url = f"sqlite:///{tmp_path / 'civdash.sqlite'}"
    issues, assessments, contacts = ledgers
    with Store(url) as store:
        _commit(store, "issues", issues, AS_OF)
        _commit(store, "assessments", assessments, AS_OF)
        _commit(store, "contacts", contacts, AS_OF)
        for r in ESCALATIONS.itertuples():
            store.record_escalation(
                r.responsible_unit, r.level, r.on_date.date(), r.reason, actor="测试", role="editor"
            )
    return url


def _issued_today(ledgers) -> bytes:
    """The library's zip of the latest data, issued today (as the command issues it)."""
    issues, assessments, contacts = ledgers
    return notices_zip(issues, assessments, contacts, ESCALATIONS, AS_OF, issued_on=issue_day())


def test_the_command_writes_the_zip_and_audits_it(office: str, tmp_path: Path, ledgers):
    out = tmp_path / "督办" / "督办通知.zip"
    code, stdout, err = _cli("notices", "--out", str(out), "--db", office)
    assert (code, err) == (0, "")
    reply_by = reply_deadline(issue_day())  # the latest data's notices are issued today
    assert stdout.strip() == f"已生成督办通知 3 份（截至 2026-11-13，反馈截止 {reply_by}）：{out}"
    assert out.read_bytes() == _issued_today(ledgers)  # the library's zip of the same data
    with Store(office) as store:
        entry = store.audit(1).iloc[0]
    assert (entry["action"], entry["actor"], entry["file_name"]) == (
        "notices",
        "命令行",
        "督办通知.zip",
    )
    assert entry["detail"] == (
        f"生成督办通知 3 份（截至 2026-11-13，反馈截止 {reply_by}）：市住建局、市城管局、市文明办"
    )


def test_the_command_judges_overdue_on_the_as_of_date_given(office: str, tmp_path: Path):
    out = tmp_path / "n.zip"
    code, stdout, _ = _cli("notices", "--out", str(out), "--as-of", "2026-11-25", "--db", office)
    assert code == 0 and "（截至 2026-11-25，反馈截止 2026-11-30）" in stdout
    with zipfile.ZipFile(out) as z:
        water = z.read("督办通知_市水务局.docx")  # S002 became overdue on 11-20
        assert _table(water, "编号")[1:] == [
            ["S002", "2026-11-10", "东湖区", "S002点位", "S002问题", "2026-11-20", "5"]
        ]


def test_a_notice_for_an_earlier_day_shows_the_escalations_as_they_were_then(
    office: str, tmp_path: Path
):
    out = tmp_path / "n.zip"
    assert _cli("notices", "--out", str(out), "--as-of", "2026-11-13", "--db", office)[0] == 0
    with zipfile.ZipFile(out) as z:
        escalations = _table(z.read("督办通知_市住建局.docx"), "级别")
    assert [r[0] for r in escalations[1:]] == ["督办", "通报"]  # not yet the 11-16 约谈


def test_notices_of_the_latest_data_are_dated_the_day_they_are_made(office: str, tmp_path: Path):
    """Made from the latest data (no --as-of), a notice is signed today, asks for a reply
    counted from today and lists every step taken so far, the 约谈 decided after the data's
    date too; one made --as-of the data's date is that day's notice."""
    latest, then = tmp_path / "latest.zip", tmp_path / "then.zip"
    assert _cli("notices", "--out", str(latest), "--db", office)[0] == 0
    assert _cli("notices", "--out", str(then), "--as-of", "2026-11-13", "--db", office)[0] == 0
    today, reply_by = issue_day(), reply_deadline(issue_day())

    def text(archive: Path) -> str:
        with zipfile.ZipFile(archive) as z:
            doc = Document(io.BytesIO(z.read("督办通知_市住建局.docx")))
        return "\n".join(p.text for p in doc.paragraphs)

    now = text(latest)
    assert f"{today.year}年{today.month}月{today.day}日" in now.splitlines()[-1]
    assert f"于{reply_by.year}年{reply_by.month}月{reply_by.day}日前" in now
    assert "约谈" in now and "数据截至2026年11月13日" in now
    earlier = text(then)
    assert "2026年11月13日" in earlier.splitlines()[-1] and "于2026年11月18日前" in earlier


def test_the_command_refuses_in_one_chinese_line(tmp_path: Path):
    empty = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    code, stdout, err = _cli("notices", "--out", str(tmp_path / "n.zip"), "--db", empty)
    assert (code, stdout) == (2, "")
    assert err == (
        "还没有导入问题整改台账，无法生成督办通知；"
        "请先导入问题整改台账，或运行 python -m civdash load-sample。\n"
    )
    assert not (tmp_path / "n.zip").exists()
    code, _, err = _cli("notices", "--out", str(tmp_path / "n.docx"), "--db", empty)
    assert code == 2 and err == "输出文件『n.docx』应以 .zip 结尾，例如 --out 督办通知.zip。\n"
    early = ("notices", "--out", str(tmp_path / "n.zip"), "--as-of", "2020-01-01")
    code, _, err = _cli(*early, "--db", empty)
    assert code == 2 and err.startswith("还没有导入问题整改台账（截至 2020-01-01）")


def test_a_bad_as_of_date_is_refused_by_the_parser(tmp_path: Path, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["notices", "--out", str(tmp_path / "n.zip"), "--as-of", "2026-13-01"])
    assert stop.value.code == 2
    assert "参数 --as-of 的值『2026-13-01』格式不对" in capsys.readouterr().err


def test_the_toolkit_gives_the_same_zip_from_jupyter(office: str, tmp_path: Path, ledgers):
    import civdash

    out = tmp_path / "督办通知.zip"
    archive = _issued_today(ledgers)
    with Store(office) as store:
        assert civdash.notices_zip(store, out=out) == archive
    assert out.read_bytes() == archive
