"""No phone or ID number leaves the app unmasked, on any output path.

A small city whose ledgers carry a phone and an ID number in every personal field and in every
free-text field (问题描述, 具体点位, 整改措施 … whatever the registry marks as text) goes through
every way data leaves: each page of the app (tables, cards, notes, HTML, chart data) for 全市 and a
district, the map popups, the 数据探索 downloads, the upload review and error report, the briefing
pack, the command line's `--out` and the toolkit (frames, charts, maps). The raw numbers are found
nowhere; their masked forms are.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
import streamlit as st
from docx import Document
from pptx import Presentation
from streamlit.testing.v1 import AppTest

from civdash import briefing
from civdash import explore as ex
from civdash import upload as up
from civdash.cli import export_frame
from civdash.dashboard import metric_table
from civdash.ingest import ingest_file
from civdash.ledgers import LEDGER_KINDS, get_kind
from civdash.meeting import build_deck
from civdash.slides import slide_html
from civdash.store import SnapshotInfo, Store
from civdash.toolkit import CHARTS, chart, dashboard_map, ledgers_at
from civdash.ui.state import ALL, DISTRICT_KEY
from tests.conftest import add_test_accounts
from tests.pages.conftest import logged_in
from tests.test_optional_fields import (
    APP,
    CITY,
    DISTRICT,
    GEOJSON,
    ISSUE_TABS,
    PAGES,
    WEEKS,
    _spec_strings,
    ledger_file,
    ledger_rows,
)

PHONE = "13912345678"
ID_NUMBER = "330102199003071234"
SECRETS = (PHONE, "139-1234-5678", ID_NUMBER, "199003071234")
"""A number, or a piece of one long enough to identify someone, that must never show."""
PASTED = f"投诉人电话{PHONE}，另一号码139-1234-5678，身份证{ID_NUMBER}"


@cache
def secret_rows(kind: str) -> tuple[dict[str, Any], ...]:
    """Valid rows of `kind` with the numbers in every personal and free-text field."""
    k = get_kind(kind)
    out = []
    for row in ledger_rows(kind):
        row = dict(row)
        for f in k.input_fields:
            if f.personal:
                row[f.name] = PHONE if f.personal == "phone" else ID_NUMBER
            elif f.type == "text":
                row[f.name] = f"{row[f.name]}（{PASTED}）"
        out.append(row)
    return tuple(out)


def _holds_secrets(kind: str) -> bool:
    return any(f.personal or f.type == "text" for f in get_kind(kind).input_fields)


def _leaks(texts: Iterable[object]) -> list[str]:
    return [t for t in texts if isinstance(t, str) and any(s in t for s in SECRETS)]


def _assert_masked(texts: Iterable[object], where: object) -> None:
    leaked = _leaks(texts)
    assert not leaked, (where, leaked[:3])


def _cells(frame: pd.DataFrame) -> list[object]:
    return [v for col in frame.columns for v in frame[col].tolist()] + [str(i) for i in frame.index]


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("secret-city")
    with Store(f"sqlite:///{home / 'civdash.sqlite'}") as store:
        add_test_accounts(store)
        store.commit_districts(CITY, GEOJSON, file_name="districts.geojson", committed_by="测试")
        for kind in LEDGER_KINDS:
            rows = secret_rows(kind)
            for week, upto in zip(WEEKS, (len(rows) - 1, len(rows)), strict=True):
                name, data = ledger_file(kind, "xlsx", rows=rows[:upto])
                result = ingest_file(data, file_name=name, districts=CITY)
                assert result.rows_valid == upto, result.problems
                if _holds_secrets(kind):
                    # the store keeps what the clerk wrote, verbatim
                    assert _leaks(result.rows.astype(str).to_numpy().ravel())
                store.commit(result, data, committed_by="测试", as_of=week)
    return home


def _url(home: Path) -> str:
    return f"sqlite:///{home / 'civdash.sqlite'}"


def test_the_command_lines_out_and_the_upload_review_mask_every_number() -> None:
    for kind in LEDGER_KINDS:
        name, data = ledger_file(kind, "xlsx", rows=secret_rows(kind))
        result = ingest_file(data, file_name=name, districts=CITY)
        _assert_masked(export_frame(result).astype(str).to_numpy().ravel(), (kind, "--out"))
        review = up.Workbench().check(up.Upload.of(name, data), up.FileChoice(), CITY)
        _assert_masked(_cells(up.preview_styler(review).data), (kind, "preview"))
        _assert_masked(_cells(up.mapping_table(review)), (kind, "mapping"))
        _assert_masked(_cells(up.problems_table(review)), (kind, "problems"))
        book = openpyxl.load_workbook(io.BytesIO(up.error_report(review)))
        cells = [v for ws in book for row in ws.iter_rows(values_only=True) for v in row]
        _assert_masked(cells, (kind, "error report"))
        diff = up.diff_against(None, review.result.rows, kind)
        _assert_masked(_cells(diff.examples), (kind, "diff"))


def test_a_bad_row_shown_for_fixing_is_masked_too() -> None:
    kind = "volunteers"
    rows = [dict(r) for r in secret_rows(kind)]
    rows[0]["district"] = "不存在区"
    name, data = ledger_file(kind, "xlsx", rows=rows)
    review = up.Workbench().check(up.Upload.of(name, data), up.FileChoice(), CITY)
    assert review.result.rows_invalid == 1
    _assert_masked(_cells(up.fix_table(review).frame), "fix table")
    _assert_masked(_cells(up.preview_styler(review, only_problems=True).data), "preview")


def _shown_texts(at: AppTest) -> list[object]:
    texts: list[object] = []
    for element in ("title", "header", "subheader", "caption", "markdown", "info", "success",
                    "warning", "error", "text"):  # fmt: skip
        texts += [str(e.value) for e in at.get(element)]
    texts += [s for m in at.metric for s in (m.label, m.value, m.proto.delta)]
    texts += [str(h.value) for h in at.get("html")]
    for table in at.dataframe:
        texts += _cells(table.value)
    for c in at.get("vega_lite_chart"):
        texts += list(_spec_strings(json.loads(c.proto.spec)))
    for component in at.get("iframe") + at.get("components_html"):
        texts.append(str(getattr(component, "proto", component)))
    return texts


def test_every_page_shows_only_masked_numbers(city: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CIVDASH_HOME", str(city))
    monkeypatch.delenv("CIVDASH_DATABASE_URL", raising=False)
    monkeypatch.setenv("CIVDASH_NO_SAMPLE", "1")
    st.cache_resource.clear()
    st.cache_data.clear()
    try:
        at = logged_in(AppTest.from_file(str(APP), default_timeout=90))
        at.run()
        for district in (ALL, DISTRICT):
            at.session_state[DISTRICT_KEY] = district
            for page in PAGES:
                visits: list[dict[str, object]] = [{}]
                if page.endswith("/issues.py"):
                    visits = [{"issues_tab": tab} for tab in ISSUE_TABS]
                elif page.endswith("/explore.py"):
                    visits = [{"explore_ledger": kind} for kind in LEDGER_KINDS]
                for state in visits:
                    for key, value in state.items():
                        at.session_state[key] = value
                    at.switch_page(page).run()
                    assert not at.exception, (page, [e.value for e in at.exception])
                    _assert_masked(_shown_texts(at), (page, district, state))
    finally:
        st.cache_resource.clear()
        st.cache_data.clear()


def test_map_popups_show_only_masked_numbers(city: Path) -> None:
    with Store(_url(city)) as store:
        for metric in ("overdue_issues", "unit_count"):
            html = dashboard_map(store, metric)._repr_html_()
            assert "leaflet" in html.lower()
            _assert_masked([html], ("map", metric))


def test_explore_downloads_show_only_masked_numbers(city: Path) -> None:
    with Store(_url(city)) as store:
        led = ledgers_at(store)
    for kind in LEDGER_KINDS:
        result = ex.explore(led.frame(kind), ex.ExploreSpec.default(kind), as_of=led.as_of)
        for download in ex.downloads(result, ["范围：全市"], "数据探索"):
            data = download.data()
            if download.file_name.endswith(".xlsx"):
                book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
                cells = [v for ws in book for row in ws.iter_rows(values_only=True) for v in row]
            else:
                cells = [c for r in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for c in r]
            _assert_masked(cells, (kind, download.file_name))
            if download.key.startswith("rows") and _holds_secrets(kind):
                assert any("****" in str(c) for c in cells), (kind, download.file_name)


@pytest.mark.parametrize("district", [None, DISTRICT], ids=["全市", DISTRICT])
def test_the_briefing_pack_shows_only_masked_numbers(city: Path, district: str | None) -> None:
    with Store(_url(city)) as store:
        load = cache(store.load)
        led = ledgers_at(store, district=district)

        def table_for(snap: SnapshotInfo) -> pd.DataFrame:
            rows = load(snap.id)
            return metric_table(
                snap.kind, rows, as_of=snap.as_of, population=CITY.population(),
                settings=led.settings,
            )  # fmt: skip

        deck = build_deck(led, table_for, load)
    assert deck is not None
    _assert_masked([slide_html(deck, i) for i in range(len(deck.slides))], "slides")
    notice = Document(io.BytesIO(briefing.notice_docx(deck, images={})))
    texts = [p.text for p in notice.paragraphs]
    texts += [c.text for t in notice.tables for row in t.rows for c in row.cells]
    _assert_masked(texts, "notice")
    pack = Presentation(io.BytesIO(briefing.slides_pptx(deck, images={})))
    shapes = [shape for s in pack.slides for shape in s.shapes]
    texts = [s.text_frame.text for s in shapes if s.has_text_frame]
    texts += [c.text for s in shapes if s.has_table for row in s.table.rows for c in row.cells]
    _assert_masked(texts, "pptx")
    book = openpyxl.load_workbook(io.BytesIO(briefing.tables_xlsx(deck)))
    _assert_masked(
        [v for ws in book for row in ws.iter_rows(values_only=True) for v in row], "xlsx"
    )


def test_the_toolkit_hands_out_only_masked_numbers(city: Path) -> None:
    with Store(_url(city)) as store:
        led = ledgers_at(store)
    for kind in LEDGER_KINDS:
        _assert_masked(_cells(led.frame(kind)), (kind, "ledgers_at frame"))
    for name in CHARTS:
        _assert_masked(list(_spec_strings(chart(name, led).to_dict())), (name, "chart"))
