"""Optional fields may be absent or empty, everywhere.

For every ledger kind of the registry and every field a file may leave out (not required, not
derived), a file without that column and a file with the column present but every cell empty go
through ingest (and the CLI's `--out` frame), the upload review (preview, problems, fix table,
error report, diff) without an error and with the rows a complete file gives.

After ingest both store the same blanks (checked here too), so the expensive part runs once per
kind and variant: a small city in a store whose ledger of that kind has every optional column
absent, or every optional column present but blank, committed through `Store.commit`. On it every
page of the app renders for 全市 and for one district, the 数据探索 downloads of that kind work,
the briefing pack's three files open, and the toolkit's ledgers, metrics, weekly metrics, charts
and map are built. Nowhere does a blank show as None, nan or NaT.

New kinds and fields are covered without editing this file: cases and values come from the
registry (`LEDGER_KINDS`, `Field.required`, `Field.derived`, types and choices) and the
templates' example rows.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import altair as alt
import openpyxl
import pandas as pd
import pytest
import streamlit as st
import xlsxwriter
from docx import Document
from pptx import Presentation
from streamlit.testing.v1 import AppTest

from civdash import briefing
from civdash import explore as ex
from civdash import upload as up
from civdash.charts import BREAKDOWN_FIELDS
from civdash.cli import export_frame
from civdash.config import Settings
from civdash.dashboard import Ledgers, metric_table
from civdash.districts import DistrictTable
from civdash.ingest import IngestResult, ingest_file
from civdash.ledgers import LEDGER_KINDS, Field, LedgerKind, get_kind
from civdash.meeting import build_deck
from civdash.metrics import METRICS
from civdash.pages import PAGES as APP_PAGES
from civdash.slides import slide_html
from civdash.store import SnapshotInfo, Store
from civdash.templates import example_rows
from civdash.toolkit import (
    CHARTS,
    chart,
    compute_metric,
    dashboard_map,
    ledgers_at,
    metric_by_week,
)
from civdash.ui.state import ALL, DISTRICT_KEY
from civdash.views.common import MISSING_CELL
from tests.conftest import add_test_accounts
from tests.pages.conftest import logged_in

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
PAGES = tuple(page.path for page in APP_PAGES.values())
"""Every page of the app, in navigation order."""
ISSUE_TABS = ("整改进度", "红黑榜", "逾期问题", "问题分布")
"""The 问题整改 page computes only its open tab: each is visited."""

DISTRICTS = ("城关区", "东湖区", "南港区")
DISTRICT = DISTRICTS[0]
WEEKS = (date(2026, 11, 8), date(2026, 11, 15))
VARIANTS = ("absent", "blank")
FORMATS = ("xlsx", "csv")
MISSING_MARKERS = re.compile(r"(?<![A-Za-z])(None|nan|NaN|NaT|<NA>)(?![A-Za-z])")
"""How a blank leaks into what a user reads."""

pytestmark = pytest.mark.slow  # every optional field × every path: about 75 s


def _square(i: int) -> list[list[list[float]]]:
    x, y = 120.0 + 0.1 * i, 30.2
    return [[[x, y], [x + 0.1, y], [x + 0.1, y + 0.1], [x, y + 0.1], [x, y]]]


GEOJSON = json.dumps(
    {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": name, "population": 50000 + 10000 * i},
                "geometry": {"type": "Polygon", "coordinates": _square(i)},
            }
            for i, name in enumerate(DISTRICTS)
        ],
    },
    ensure_ascii=False,
).encode("utf-8")
CITY = DistrictTable.from_geojson(GEOJSON)


def _optional(kind: str) -> tuple[Field, ...]:
    """Fields a file may leave out: neither required nor in a group it must supply one of (得分
    or 失分 of a 测评 ledger)."""
    k = get_kind(kind)
    grouped = {name for group in k.one_of for name in group}
    return tuple(f for f in k.input_fields if not f.required and f.name not in grouped)


CASES = [
    pytest.param(kind, f.name, id=f"{kind}-{f.name}")
    for kind in LEDGER_KINDS
    for f in _optional(kind)
]


# ---------------------------------------------------------------- valid rows of any kind


def _point(district: str) -> tuple[float, float]:
    """(lat, lon) inside a district's square."""
    i = DISTRICTS.index(district)
    return 30.25, 120.05 + 0.1 * i


def _value_for(f: Field, n: int, row: dict[str, Any]) -> Any:
    """A valid value for a field no example fills, from its type and choices."""
    if f.choices:
        return f.choices[n % len(f.choices)]
    if f.parser == "coordinate":
        lat, lon = _point(row["district"])
        return lat if f.name == "lat" else lon
    if f.type == "date":
        return date(2026, 11, 1)
    if f.type in ("float", "int"):
        return f.min_value + 1 if f.min_value is not None else 1
    if f.type == "bool":
        return "是"
    return f"{f.label}{n + 1}"


@cache
def ledger_rows(kind: str) -> tuple[dict[str, Any], ...]:
    """Valid rows of `kind` with every input field filled: the templates' example rows for each
    district in turn, a field an example leaves blank taken from another example, else made
    from the field's type; ids unique, and rows distinct without their optional fields."""
    k = get_kind(kind)
    examples = example_rows(kind, DISTRICTS)
    rows: list[dict[str, Any]] = []
    for shift in range(len(DISTRICTS)):
        for example in example_rows(kind, DISTRICTS[shift:] + DISTRICTS[:shift]):
            row = dict(example)
            for f in k.input_fields:
                if row.get(f.name) is None:
                    donor = (e[f.name] for e in examples if e.get(f.name) is not None)
                    row[f.name] = next(donor, None)
            for f in k.input_fields:
                if row[f.name] is None:
                    row[f.name] = _value_for(f, len(rows), row)
            if k.id_field:
                row[k.id_field] = f"{row[k.id_field]}-{len(rows) + 1}"
            if row not in rows and _key(k, row) not in {_key(k, r) for r in rows}:
                rows.append(row)
    return tuple(rows)


def _key(k: LedgerKind, row: dict[str, Any]) -> tuple[Any, ...]:
    """What tells rows apart once every optional field is left out: the required part of the
    kind's composite key (targets: one per metric, since a file without 区县 makes every
    target city-wide, and a metric has one city-wide target)."""
    required = [name for name in k.composite_key if k.field(name).required]
    return tuple(row[name] for name in required) if required else (id(row),)


def ledger_file(
    kind: str,
    fmt: str,
    *,
    absent: Sequence[str] = (),
    blank: Sequence[str] = (),
    rows: Sequence[dict[str, Any]] | None = None,
) -> tuple[str, bytes]:
    """(file name, bytes) of a ledger of `kind`: the `absent` fields have no column, the
    `blank` ones a header and nothing under it."""
    k = get_kind(kind)
    fields = [f for f in k.input_fields if f.name not in absent]
    body = [
        [None if f.name in blank else r[f.name] for f in fields]
        for r in (ledger_rows(kind) if rows is None else rows)
    ]
    header = [f.label for f in fields]
    name = f"{k.label}台账.{fmt}"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        for values in body:
            writer.writerow(["" if v is None else v for v in values])
        return name, out.getvalue().encode("utf-8")
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet(f"{k.label}台账")
    day = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, header)
    for r, values in enumerate(body, start=1):
        for c, v in enumerate(values):
            if isinstance(v, date):
                ws.write_datetime(r, c, datetime(v.year, v.month, v.day), day)
            elif isinstance(v, str):
                ws.write_string(r, c, v)
            elif v is not None:
                ws.write_number(r, c, v)
    wb.close()
    return name, buf.getvalue()


def _variant_file(kind: str, fmt: str, names: Sequence[str], variant: str) -> tuple[str, bytes]:
    if variant == "absent":
        return ledger_file(kind, fmt, absent=names)
    return ledger_file(kind, fmt, blank=names)


@cache
def _ingested(kind: str, fmt: str, names: tuple[str, ...] = (), variant: str = "") -> IngestResult:
    name, data = _variant_file(kind, fmt, names, variant) if names else ledger_file(kind, fmt)
    return ingest_file(data, file_name=name, districts=CITY)


def _no_missing_markers(texts: Iterator[str] | Sequence[str], where: object) -> None:
    leaked = [t for t in texts if isinstance(t, str) and MISSING_MARKERS.search(t)]
    assert not leaked, (where, leaked[:5])


def _cells(frame: pd.DataFrame) -> list[str]:
    return [v for col in frame.columns for v in frame[col].tolist() if isinstance(v, str)]


# ---------------------------------------------------------------- one file, one optional field


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize(("kind", "name"), CASES)
def test_a_file_without_an_optional_field_reads_and_reviews_cleanly(
    kind: str, name: str, variant: str, fmt: str, tmp_path: Path
) -> None:
    f = get_kind(kind).field(name)
    complete = _ingested(kind, fmt)
    assert complete.problems == [] and complete.rows_valid == len(ledger_rows(kind))
    result = _ingested(kind, fmt, (name,), variant)
    assert result.kind == kind
    assert result.rows_valid == complete.rows_valid
    assert [p.message for p in result.problems if p.severity == "error"] == []
    assert [p.message for p in result.problems if p.field == name] == []
    mapped = name in result.columns.values()
    assert mapped == (variant == "blank"), result.columns  # the blank column was read

    # the CLI's --out: canonical columns, every valid row, blanks as empty cells
    out = tmp_path / "rows.csv"
    export_frame(result).to_csv(out, index=False, encoding="utf-8")
    with out.open(encoding="utf-8", newline="") as fh:
        written = list(csv.reader(fh))
    assert written[0] == list(get_kind(kind).field_names)
    assert len(written) == 1 + result.rows_valid
    _no_missing_markers([c for row in written for c in row], "--out")

    # the upload page's review of the same file
    file_name, data = _variant_file(kind, fmt, (name,), variant)
    review = up.Workbench().check(up.Upload.of(file_name, data), up.FileChoice(), CITY)
    assert review.kind == kind and review.missing_required == []
    assert review.result.rows_valid == complete.rows_valid and review.can_commit
    styler = up.preview_styler(review)
    assert f.label in styler.data.columns or variant == "absent"
    html = styler.to_html()
    assert "<th" in html and len(styler.data) == result.rows_read
    _no_missing_markers(_cells(styler.data), "preview")
    assert up.problems_table(review).columns.tolist() == ["行号", "字段", "原值", "说明", "级别"]
    assert up.fix_table(review).frame.empty  # no invalid row to fix
    _no_missing_markers(_cells(up.mapping_table(review)), "mapping")

    book = openpyxl.load_workbook(io.BytesIO(up.error_report(review)))
    sheet = book.worksheets[0]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert header[0] == up.REPORT_COLUMNS[0] and header[-1] == up.REPORT_COLUMNS[1]
    assert (f.label in header) == (variant == "blank")
    assert sheet.max_row == 1 + result.rows_read
    assert book.sheetnames[-1] == "问题清单"

    diff = up.diff_against(complete.rows, review.result.rows, kind)
    # rows are matched by id or by what identifies them: rows alike without the field are one
    assert diff.has_current and 0 < diff.added + diff.changed + diff.unchanged <= result.rows_valid
    if name != get_kind(kind).id_field:
        assert set(diff.changed_fields) <= {f.label}
    _no_missing_markers(_cells(diff.examples), "diff")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("kind", "name"), CASES)
def test_an_absent_and_a_blank_column_store_the_same_rows(kind: str, name: str, fmt: str) -> None:
    absent = _ingested(kind, fmt, (name,), "absent").rows
    blank = _ingested(kind, fmt, (name,), "blank").rows
    pd.testing.assert_frame_equal(absent, blank)


# ---------------------------------------------------------------- a city with one kind's blanks


@dataclass(frozen=True)
class City:
    """A store holding districts and two weeks of every ledger; `kind`'s files have every
    optional field absent or blank (`variant`)."""

    kind: str
    variant: str
    home: Path

    @property
    def url(self) -> str:
        return f"sqlite:///{self.home / 'civdash.sqlite'}"


def _commit_city(home: Path, kind: str, variant: str) -> None:
    optional = tuple(f.name for f in _optional(kind))
    with Store(f"sqlite:///{home / 'civdash.sqlite'}") as store:
        add_test_accounts(store)
        store.commit_districts(CITY, GEOJSON, file_name="districts.geojson", committed_by="测试")
        for k in LEDGER_KINDS:
            rows = ledger_rows(k)
            for week, upto in zip(WEEKS, (len(rows) - 1, len(rows)), strict=True):
                names = optional if k == kind else ()
                rows_of_week = rows[:upto]
                if variant == "absent":
                    file_name, data = ledger_file(k, "xlsx", absent=names, rows=rows_of_week)
                else:
                    file_name, data = ledger_file(k, "xlsx", blank=names, rows=rows_of_week)
                result = ingest_file(data, file_name=file_name, districts=CITY)
                assert result.kind == k and result.rows_valid == upto, result.problems
                store.commit(result, data, committed_by="测试", as_of=week)


@pytest.fixture(
    scope="module",
    params=[pytest.param((k, v), id=f"{k}-{v}") for k in LEDGER_KINDS for v in VARIANTS],
)
def city(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> City:
    kind, variant = request.param
    home = tmp_path_factory.mktemp(f"city-{kind}-{variant}")
    _commit_city(home, kind, variant)
    return City(kind, variant, home)


TEXT_ELEMENTS = ("title", "header", "subheader", "caption", "markdown")
NOTE_ELEMENTS = ("info", "success", "warning", "error")


def _shown_texts(at: AppTest) -> list[str]:
    """What a page shows as text: titles, captions, notes, cards, HTML and table cells."""
    texts: list[str] = []
    for element in (*TEXT_ELEMENTS, *NOTE_ELEMENTS):
        texts += [str(e.value) for e in at.get(element)]
    texts += [s for m in at.metric for s in (m.label, m.value, m.proto.delta)]
    texts += [re.sub(r"<[^>]+>", " ", str(h.value)) for h in at.get("html")]
    for table in at.dataframe:
        texts += _cells(table.value)
    return texts


def _visit(at: AppTest, page: str, **state: object) -> None:
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page(page).run()
    assert not at.exception, (page, state, [e.value for e in at.exception])
    _no_missing_markers(_shown_texts(at), (page, state))
    for table in at.dataframe:  # Streamlit draws a missing cell as "None" unless told otherwise
        frame = table.value
        if frame.isna().any().any():
            assert table.proto.placeholder == MISSING_CELL, (page, state, list(frame.columns))
    for c in at.get("vega_lite_chart"):
        _no_missing_markers(_spec_strings(json.loads(c.proto.spec)), (page, state, "chart"))


def _spec_strings(node: Any) -> Iterator[str]:
    """The strings of a chart spec's data and labels (not its expressions)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key not in ("expr", "calculate", "filter", "test", "signal"):
                yield from _spec_strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _spec_strings(value)
    elif isinstance(node, str):
        yield node


def test_every_page_renders_for_the_city_and_a_district(
    city: City, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIVDASH_HOME", str(city.home))
    monkeypatch.delenv("CIVDASH_DATABASE_URL", raising=False)
    monkeypatch.setenv("CIVDASH_NO_SAMPLE", "1")
    st.cache_resource.clear()
    st.cache_data.clear()
    try:
        at = logged_in(AppTest.from_file(str(APP), default_timeout=90))
        for district in (ALL, DISTRICT):  # each visit's first run goes straight to its page
            at.session_state[DISTRICT_KEY] = district
            for page in PAGES:
                if page.endswith("/issues.py"):
                    for tab in ISSUE_TABS:
                        _visit(at, page, issues_tab=tab)
                elif page.endswith("/explore.py"):
                    _visit(at, page, explore_ledger=city.kind)
                else:
                    _visit(at, page)
    finally:
        st.cache_resource.clear()
        st.cache_data.clear()


def _ledgers(city: City, district: str | None) -> Ledgers:
    with Store(city.url) as store:
        return ledgers_at(store, district=district)


def _download_texts(download: ex.Download) -> list[str]:
    """The text cells of a download, opened as Excel or read as CSV."""
    data = download.data()
    if download.file_name.endswith(".xlsx"):
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        values = [v for ws in book for row in ws.iter_rows(values_only=True) for v in row]
    else:
        values = [c for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for c in row]
    texts = [v for v in values if isinstance(v, str)]
    assert texts, download.file_name
    _no_missing_markers(texts, download.file_name)
    return texts


def test_explore_downloads_of_the_kind_work(city: City) -> None:
    led = _ledgers(city, None)
    frame, as_of = led.frame(city.kind), led.kind_as_of(city.kind)
    assert as_of == WEEKS[-1] and len(frame) == len(ledger_rows(city.kind))
    population = led.population()
    default = ex.explore(frame, ex.ExploreSpec.default(city.kind), as_of=as_of)
    assert default.rows_matched == len(frame)
    for download in ex.downloads(default, ["范围：全市"], "数据探索"):
        _download_texts(download)  # the rows (明细) are the same whatever the grouping
    # the result (汇总) by every grouping and of every measure
    groups = ["", *ex.group_choices(city.kind)]
    specs = [ex.ExploreSpec.from_choices(city.kind, (), (g,), "count", "bar") for g in groups]
    specs += [
        ex.ExploreSpec.from_choices(city.kind, (), (), m, "bar")
        for m in ex.measure_choices(city.kind)
    ]
    for spec in specs:
        result = ex.explore(frame, spec, as_of=as_of, population=population)
        assert result.error is None, (spec, result.error)  # a caught exception says so here
        _no_missing_markers(_cells(result.display_table), spec)
        if result.chart is not None:
            _no_missing_markers(_spec_strings(result.chart.to_dict()), spec)
        for download in ex.downloads(result, ["范围：全市"], "数据探索"):
            if download.key.startswith("result"):
                _download_texts(download)


_METRIC_TABLES: dict[tuple[str, int, str], pd.DataFrame] = {}


def _metric_table(url: str, snapshot_id: int, settings: Settings) -> pd.DataFrame:
    """A snapshot's metric table, made once per city's snapshot as the app keeps one per
    snapshot (`ui.metrics_for`); the city's and a district's deck read the same tables."""
    key = (url, snapshot_id, repr(settings))
    if key not in _METRIC_TABLES:
        with Store(url) as store:
            snap, rows = store.snapshot(snapshot_id), store.load(snapshot_id)
        _METRIC_TABLES[key] = metric_table(
            snap.kind, rows, as_of=snap.as_of, population=CITY.population(), settings=settings
        )
    return _METRIC_TABLES[key]


@pytest.mark.parametrize("district", [None, DISTRICT], ids=["全市", DISTRICT])
def test_the_briefing_pack_opens(city: City, district: str | None) -> None:
    with Store(city.url) as store:
        load = cache(store.load)
        led = ledgers_at(store, district=district)

        def table_for(snap: SnapshotInfo) -> pd.DataFrame:
            return _metric_table(city.url, snap.id, led.settings)

        deck = build_deck(led, table_for, load)
    assert deck is not None and deck.scope == (district or "全市")
    for i, slide in enumerate(deck.slides):
        html = re.sub(r"<[^>]+>", " ", slide_html(deck, i))
        _no_missing_markers([html], slide.key)
        if slide.chart is not None:
            _no_missing_markers(_spec_strings(slide.chart.to_dict()), slide.key)
    images = briefing.chart_images(deck, scale=0.5)
    notice = Document(io.BytesIO(briefing.notice_docx(deck, images=images)))
    text = [p.text for p in notice.paragraphs]
    text += [c.text for t in notice.tables for row in t.rows for c in row.cells]
    assert briefing.notice_title(deck) in text
    _no_missing_markers(text, "notice")
    pack = Presentation(io.BytesIO(briefing.slides_pptx(deck, images=images)))
    assert len(pack.slides) == 1 + len(deck.slides)
    shapes = [shape for s in pack.slides for shape in s.shapes]
    texts = [s.text_frame.text for s in shapes if s.has_text_frame]
    texts += [c.text for s in shapes if s.has_table for row in s.table.rows for c in row.cells]
    _no_missing_markers(texts, "slides")
    book = openpyxl.load_workbook(io.BytesIO(briefing.tables_xlsx(deck)))
    assert len(book.sheetnames) == 1 + len(deck.tables)
    cells = [v for ws in book for row in ws.iter_rows(values_only=True) for v in row]
    _no_missing_markers([c for c in cells if isinstance(c, str)], "tables")


def _chart_options(name: str) -> list[dict[str, Any]]:
    """A chart's default options; the breakdown by each of its fields."""
    if name != "issue_breakdown":
        return [{}]
    return [{"field": field} for field in BREAKDOWN_FIELDS]


@pytest.mark.parametrize("district", [None, DISTRICT], ids=["全市", DISTRICT])
def test_the_toolkit_computes_charts_and_maps(city: City, district: str | None) -> None:
    led = _ledgers(city, district)
    assert led.has(city.kind) and len(led.frame(city.kind)) > 0
    own = [key for key, m in METRICS.items() if m.ledger == city.kind]
    for key, m in METRICS.items():
        value = compute_metric(led, key)
        assert isinstance(value, float), key
        if m.ledger == city.kind and not m.needs_population:  # those go by district only
            for f in _optional(city.kind):
                by = compute_metric(led, key, by=f.name)
                assert isinstance(by, pd.DataFrame) and "value" in by, (key, f.name)
                _no_missing_markers(_cells(by), (key, f.name))
    with Store(city.url) as store:
        # one metric: a week's metric table holds every metric of its ledger
        key = (own or list(METRICS))[0]
        weekly = metric_by_week(store, key, district=district)
        assert [d.date() for d in weekly["as_of"]] == list(WEEKS), key
        html = dashboard_map(store, key, district=district)._repr_html_()
        assert "leaflet" in html.lower()
    for name in CHARTS:
        for options in _chart_options(name):
            built = chart(name, led, **options)
            assert isinstance(built, alt.TopLevelMixin), name
            _no_missing_markers(_spec_strings(built.to_dict()), (name, options))
