"""Files that take a moment to make (the 周例会 briefing pack, the 督办通知 .zip) are made at the
first click of one of their download buttons, downloaded at once, and then offered as ordinary
downloads, kept per server for what they were made from.

Streamlit's `data=callable` download left the file it made unreferenced, and any two script runs
on the server deleted it: under issue 15's load run the browser's fetch came too late and the
download was cancelled. tests/browser/test_meeting_browser.py downloads in real Chromium, after
another session has run twice."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import docx
import openpyxl
import pptx
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from civdash.notices import load_notice_data
from civdash.store import Store
from tests.pages.conftest import APP, logged_in, open_app_page

MEETING = "app_pages/meeting.py"
ISSUES = "app_pages/issues.py"
BRIEFING_KEYS = ["deck_docx", "deck_pptx", "deck_xlsx"]


@pytest.fixture
def media(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[MemoryMediaFileStorage]]:
    """The media storage of every AppTest run, newest last (AppTest makes one per run), so a
    test can read the bytes behind a download button's URL."""
    made: list[MemoryMediaFileStorage] = []

    def storage(endpoint: str) -> MemoryMediaFileStorage:
        made.append(MemoryMediaFileStorage(endpoint))
        return made[-1]

    monkeypatch.setattr("streamlit.testing.v1.app_test.MemoryMediaFileStorage", storage)
    yield made


def _session(role: str = "admin") -> AppTest:
    return logged_in(AppTest.from_file(APP, default_timeout=120), role)


def _downloads(at: AppTest) -> dict[str, str]:
    """Each download button's widget key (the tail of its element id) → its file's URL."""
    return {b.proto.id.rsplit("-", 1)[1]: b.proto.url for b in at.get("download_button")}


def _file(media: list[MemoryMediaFileStorage], url: str) -> tuple[str, bytes]:
    """The download name and bytes behind `url` in the last run's media storage."""
    kept = media[-1].get_file(url.rsplit("/", 1)[1])
    return kept.filename or "", kept.content


def _docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    cells = (c.text for t in document.tables for row in t.rows for c in row.cells)
    return "\n".join([*(p.text for p in document.paragraphs), *cells])


def _buttons(at: AppTest) -> dict[str | None, str]:
    return {b.key: b.label for b in at.button}


def _clicks(at: AppTest) -> list[str]:
    """The buttons the page's scripts click for the user (the download a click asked for)."""
    return re.findall(r'"\.st-key-(\w+) button"', " ".join(h.proto.body for h in at.get("html")))


def test_the_briefing_pack_is_made_at_the_first_click_and_then_offered_to_every_session(
    fresh_home: Path, media: list[MemoryMediaFileStorage]
) -> None:
    at = open_app_page(_session(), MEETING)
    assert _downloads(at) == {}  # nothing made on an ordinary run
    labels = ["下载通报（Word）", "下载幻灯片（PPT）", "下载数据表（Excel）"]
    assert [_buttons(at)[f"{k}_make"] for k in BRIEFING_KEYS] == labels  # the same labels

    at.button(key="deck_pptx_make").click().run()  # a click on 下载幻灯片
    assert not at.exception
    urls = _downloads(at)
    assert list(urls) == BRIEFING_KEYS
    assert [b.label for b in at.get("download_button")] == labels
    assert not {f"{k}_make" for k in BRIEFING_KEYS} & set(_buttons(at))  # now the downloads
    assert _clicks(at) == ["deck_pptx"]  # the download asked for starts by itself
    files = dict(_file(media, url) for url in urls.values())
    names = sorted(files)
    assert names == [
        "全市创城工作周例会_2026-11-15.pptx",
        "全市创城工作周通报_2026-11-15.docx",
        "全市创城工作数据表_2026-11-15.xlsx",
    ]
    assert "关于全市文明城市创建工作进展情况的通报" in _docx_text(files[names[1]])
    assert len(pptx.Presentation(io.BytesIO(files[names[0]])).slides) > 5
    book = openpyxl.load_workbook(io.BytesIO(files[names[2]]), read_only=True)
    assert "红黑榜" in book.sheetnames

    # the same page again (a slide turned, the page reloaded): the same files, nothing clicked
    at.run()
    assert _downloads(at) == urls and _clicks(at) == []
    # another session on the same data is offered them without waiting
    other = open_app_page(_session("viewer"), MEETING)
    assert _downloads(other) == urls and _clicks(other) == []
    # a district's deck is other data: its files are made at a click of its own
    east = open_app_page(_session("district"), MEETING)
    assert _downloads(east) == {} and "deck_docx_make" in _buttons(east)
    east.button(key="deck_docx_make").click().run()
    east_files = [_file(media, u)[0] for u in _downloads(east).values()]
    assert east_files[0] == "东湖区创城工作周通报_2026-11-15.docx"
    assert all(n.startswith("东湖区") for n in east_files)
    assert _clicks(east) == ["deck_docx"]


def test_the_notices_zip_is_made_at_a_click_and_made_again_after_an_escalation_is_recorded(
    fresh_home: Path, media: list[MemoryMediaFileStorage]
) -> None:
    at = _session("editor")
    at.session_state["issues_tab"] = "督办"
    open_app_page(at, ISSUES)
    with Store(f"sqlite:///{fresh_home / 'civdash.sqlite'}") as store:
        units = len(load_notice_data(store).units())
    assert units > 0
    assert _downloads(at) == {}
    assert _buttons(at)["notices_zip_make"] == f"下载督办通知（{units} 份，压缩包）"

    at.button(key="notices_zip_make").click().run()
    assert not at.exception and _clicks(at) == ["notices_zip"]
    (url,) = _downloads(at).values()
    assert at.get("download_button")[0].proto.label == f"下载督办通知（{units} 份，压缩包）"
    name, data = _file(media, url)
    assert name.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        notices = [n for n in archive.namelist() if n.endswith(".docx")]
    assert len(notices) == units

    # an escalation recorded on the tab changes what the notices say: no stale .zip is offered
    at.selectbox(key="esc_unit").set_value("市住建局")
    at.text_area(key="esc_reason").input("连续两周上黑榜")
    at.button(key="esc_add").click().run()
    assert not at.exception and not at.error
    assert _downloads(at) == {} and "notices_zip_make" in _buttons(at)
    at.button(key="notices_zip_make").click().run()
    (url,) = _downloads(at).values()
    with zipfile.ZipFile(io.BytesIO(_file(media, url)[1])) as archive:
        (housing,) = [n for n in archive.namelist() if "市住建局" in n]
        assert "连续两周上黑榜" in _docx_text(archive.read(housing))
