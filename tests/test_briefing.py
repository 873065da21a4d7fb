"""The briefing pack: the week's deck as a 通报 (.docx), slides (.pptx) and tables (.xlsx).

Each file is opened with the library an office would use to read it (python-docx, python-pptx,
openpyxl) and checked for the week's numbers, against the deck and against metrics computed here
from the same snapshot; the chart pictures are checked for Chinese glyphs rather than boxes, and
text that looks like a formula stays text.
"""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Callable, Iterator
from datetime import date
from functools import cache
from typing import Any

import altair as alt
import numpy as np
import openpyxl
import pandas as pd
import pytest
from docx import Document
from docx.oxml.ns import qn
from PIL import Image
from pptx import Presentation
from pptx.oxml.ns import qn as pqn
from pptx.util import Pt

import civdash
from civdash import briefing
from civdash.dashboard import metric_table
from civdash.meeting import Deck, build_deck
from civdash.metrics import compute, real_issues
from civdash.store import SnapshotInfo
from civdash.toolkit import chart_png
from tests.test_meeting import LATE_AT, parts_deck, parts_store
from tests.views.test_targets import make_ledgers

LATEST = date(2026, 11, 15)
SECTIONS = [
    "一、本周核心指标",
    "二、目标任务进度",
    "三、问题整改情况",
    "四、红黑榜",
    "五、测评失分情况",
    "六、报送情况",
    "七、下一步工作",
]
NOTICE_FONTS = {"黑体", "仿宋", "楷体", "宋体"}
FORMULAS = ['=HYPERLINK("http://example.invalid","点我")', "@SUM(1)", "-1+2", "+86 热线"]
"""Cells a spreadsheet would run as formulas if they were written as anything but text."""
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


# ---------------------------------------------------------------- the sample city's deck


@pytest.fixture(scope="module")
def city(sample_url: str) -> tuple[Deck, Any]:
    """The sample city's deck at the latest week, and the ledgers it was built from."""
    store = civdash.open_store(sample_url)
    load = cache(store.load)
    led = civdash.ledgers_at(store)
    population = store.districts().population()  # type: ignore[union-attr]

    def table_for(snap: SnapshotInfo) -> pd.DataFrame:
        return metric_table(
            snap.kind, load(snap.id), as_of=snap.as_of, population=population, settings=led.settings
        )

    deck = build_deck(led, table_for, load)
    assert deck is not None
    return deck, led


@pytest.fixture(scope="module")
def deck(city: tuple[Deck, Any]) -> Deck:
    return city[0]


@pytest.fixture(scope="module")
def images(deck: Deck) -> dict[str, bytes]:
    return briefing.chart_images(deck)


@pytest.fixture(scope="module")
def notice(deck: Deck, images: dict[str, bytes]) -> Any:
    return Document(io.BytesIO(briefing.notice_docx(deck, images=images)))


@pytest.fixture(scope="module")
def slides(deck: Deck, images: dict[str, bytes]) -> Any:
    return Presentation(io.BytesIO(briefing.slides_pptx(deck, images=images)))


@pytest.fixture(scope="module")
def workbook(deck: Deck) -> Any:
    return openpyxl.load_workbook(io.BytesIO(briefing.tables_xlsx(deck)))


def overdue_and_close_rate(led: Any) -> tuple[int, str]:
    """逾期未整改问题数 and 问题整改率 computed here from the issues in force."""
    issues, as_of = led.frame("issues"), led.kind_as_of("issues")
    overdue = compute("overdue_issues", issues, as_of=as_of, settings=led.settings)
    rate = compute("issue_close_rate", issues, as_of=as_of, settings=led.settings)
    return int(overdue), f"{rate:.1f}%"  # type: ignore[arg-type]


def notice_text(doc: Any) -> str:
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def slide_texts(slide: Any) -> list[str]:
    out = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            out.append(shape.text_frame.text)
        if shape.has_table:
            out += [c.text for row in shape.table.rows for c in row.cells]
    return out


def table_rows(shape: Any) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in shape.table.rows]


# ---------------------------------------------------------------- chart pictures: glyphs, not boxes

STAND_INS = {"boxes": "□", "missing": "\U0010fffd"}
"""What a picture without Chinese fonts shows: hollow boxes, or the renderer's own glyph for a
character no font has (a crossed box)."""


def _replace_chinese(node: Any, stand_in: str) -> Any:
    """The spec with every Chinese character replaced by `stand_in`."""
    if isinstance(node, dict):
        return {k: _replace_chinese(v, stand_in) for k, v in node.items()}
    if isinstance(node, list):
        return [_replace_chinese(v, stand_in) for v in node]
    return CJK.sub(stand_in, node) if isinstance(node, str) else node


def _gray(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("L")).astype(int)


def drawn(chart: alt.TopLevelMixin, stand_in: str = "") -> bytes:
    """`chart_png` of the chart, or of the chart with `stand_in` for its Chinese."""
    return _drawn(json.dumps(chart.to_dict(), sort_keys=True), stand_in)


@cache
def _drawn(spec: str, stand_in: str) -> bytes:
    """Each picture drawn once: one takes a second or two."""
    spec_dict = json.loads(spec)
    return chart_png(_replace_chinese(spec_dict, stand_in) if stand_in else spec_dict)


def glyph_ink(png: bytes, chart: alt.TopLevelMixin, stand_in: str) -> tuple[int, int]:
    """Black pixels only `png` has, and black pixels only the same chart drawn with
    `stand_in` for its Chinese has: Chinese strokes fill the inside of a character's square,
    where a box has none."""
    real = _gray(png)
    other = _gray(drawn(chart, stand_in))
    h, w = min(real.shape[0], other.shape[0]), min(real.shape[1], other.shape[1])
    real, other = real[:h, :w] < 60, other[:h, :w] < 60
    return int((real & ~other).sum()), int((other & ~real).sum())


def assert_chinese_glyphs(png: bytes, chart: alt.TopLevelMixin) -> None:
    """`png` is the chart as `chart_png` draws it, with Chinese characters, not boxes."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert np.array_equal(_gray(png), _gray(drawn(chart)))
    for stand_in in STAND_INS.values():
        hanzi, boxes = glyph_ink(png, chart, stand_in)
        assert hanzi > 2_000
        assert hanzi > 1.5 * boxes, stand_in


def test_glyph_check_tells_chinese_from_boxes(deck: Deck, images: dict[str, bytes]):
    for key in ("map", "volunteers"):
        chart = deck.slide(key).chart  # type: ignore[union-attr]
        assert_chinese_glyphs(images[key], chart)
        missing = drawn(chart, STAND_INS["missing"])
        assert glyph_ink(missing, chart, STAND_INS["missing"]) == (0, 0)
        boxes = drawn(chart, STAND_INS["boxes"])
        hanzi, crossed = glyph_ink(boxes, chart, STAND_INS["missing"])
        assert hanzi < 1.5 * crossed  # a picture of boxes fails the check


def test_chart_png_draws_geojson_districts_however_their_rings_are_wound():
    """GeoJSON winds outer rings counterclockwise, d3-geo the other way: unwound, a district
    fills the whole picture (the globe minus the district)."""
    square = [[120.0, 30.0], [120.1, 30.0], [120.1, 30.1], [120.0, 30.1], [120.0, 30.0]]

    def drawn(ring: list[list[float]]) -> np.ndarray:
        feature = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]}}
        chart = (
            alt.Chart(alt.Data(values=[feature]))
            .mark_geoshape(fill="#000000", stroke=None)
            .project("mercator")
            .properties(width=200, height=200)
            .configure(background="white", padding=40)
        )
        return _gray(chart_png(chart, scale=1))

    for ring in (square, square[::-1]):
        gray = drawn(ring)
        h, w = gray.shape
        assert gray[h // 2, w // 2] < 50, "the district is filled"
        assert gray[5, 5] > 200, "the rest of the picture is not"


# ---------------------------------------------------------------- the 通报 (.docx)


def test_notice_is_a_tongbao_with_title_date_summary_and_seven_sections(deck: Deck, notice: Any):
    paragraphs = [p.text for p in notice.paragraphs]
    assert "关于全市文明城市创建工作进展情况的通报" in paragraphs
    assert "（数据截至2026年11月15日）" in paragraphs
    assert deck.summary in paragraphs
    headings = [p for p in paragraphs if p in SECTIONS]
    assert headings == SECTIONS
    steps = paragraphs[paragraphs.index("七、下一步工作") + 1 :][:3]
    assert steps == [f"（{n}）〔请填写下一步工作安排〕" for n in "一二三"]


def test_notice_has_the_weeks_numbers_computed_from_the_same_snapshot(
    city: tuple[Deck, Any], notice: Any
):
    deck, led = city
    overdue, rate = overdue_and_close_rate(led)
    core = [[c.text for c in row.cells] for row in notice.tables[0].rows]
    assert core[0] == ["指标", "本周", "较上周", "说明"]
    by_label = {row[0]: row for row in core[1:]}
    assert by_label["问题整改率"][1] == rate
    assert by_label["逾期未整改问题数"][1] == f"{overdue:,}个"
    headline = deck.slide("headline")
    assert [row[:3] for row in core[1:]] == [[n.label, n.value, n.delta] for n in headline.numbers]  # type: ignore[union-attr]
    text = notice_text(notice)
    assert f"逾期未整改问题共{overdue:,}个" in text
    assert f"全市问题整改率为{rate}" in text
    now, before = (
        real_issues(f)["issue_id"] for f in (led.frame("issues"), led.previous_frames["issues"])
    )
    new = len(set(now) - set(before))
    assert f"本周新发现问题{new:,}个" in text


def test_notice_tables_hold_overdue_units_and_both_lists(deck: Deck, notice: Any):
    by_unit = deck.tables["逾期问题（按责任单位）"]
    unit_table = next(t for t in notice.tables if t.rows[0].cells[0].text == "责任单位")
    rows = [[c.text for c in row.cells] for row in unit_table.rows[1:]]
    assert rows == [[str(v) for v in r] for r in by_unit.head(briefing.UNIT_ROWS).values.tolist()]
    lists = deck.slide("lists")
    black = lists.tables[1].frame  # type: ignore[union-attr]
    black_table = next(t for t in notice.tables if t.rows[0].cells[-1].text == "连续上黑榜")
    assert [[c.text for c in r.cells] for r in black_table.rows[1:]] == black.values.tolist()
    assert "10周" in black["连续上黑榜"].tolist()


def test_notice_names_east_asian_fonts_on_every_run_and_is_a4(notice: Any):
    section = notice.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    normal = notice.styles["Normal"].element.rPr.rFonts
    assert normal.get(qn("w:eastAsia")) == "仿宋"
    texts = [r for r in notice.element.body.iter(qn("w:r")) if r.find(qn("w:t")) is not None]
    fonts = {r.find(qn("w:rPr")).find(qn("w:rFonts")).get(qn("w:eastAsia")) for r in texts}
    assert fonts == NOTICE_FONTS


def test_notice_pictures_are_the_charts_with_chinese_glyphs(deck: Deck, notice: Any):
    pictures = [
        notice.part.related_parts[blip.get(qn("r:embed"))].blob
        for blip in notice.element.body.iter(qn("a:blip"))
    ]
    assert len(pictures) == 2
    volunteers, district_map = pictures  # in the order of the notice: section 二, then 三
    assert_chinese_glyphs(volunteers, deck.slide("volunteers").chart)  # type: ignore[union-attr]
    assert_chinese_glyphs(district_map, deck.slide("map").chart)  # type: ignore[union-attr]
    assert "图1　注册志愿者人数累计增长" in notice_text(notice)


# ---------------------------------------------------------------- the slides (.pptx)


def test_slides_are_16_9_a_title_slide_then_the_deck_in_order(deck: Deck, slides: Any):
    assert (slides.slide_width, slides.slide_height) == (12_192_000, 6_858_000)
    assert len(slides.slides) == len(deck.slides) + 1
    first = slide_texts(slides.slides[0])
    assert deck.title in first
    assert any(deck.compared_text in t for t in first)
    assert any("截至2026年11月15日" in t for t in first)
    for s, page in zip(deck.slides, list(slides.slides)[1:], strict=True):
        texts = slide_texts(page)
        assert texts[:2] == [s.title, s.message]


def test_slide_messages_are_coloured_by_tone(deck: Deck, slides: Any):
    for s, page in zip(deck.slides, list(slides.slides)[1:], strict=True):
        message = next(sh for sh in page.shapes if sh.has_text_frame and sh.text == s.message)
        colour = message.text_frame.paragraphs[0].runs[0].font.color.rgb
        assert f"#{colour}" == briefing.TONE_TEXT[s.tone].upper()


def test_slide_big_numbers_are_the_decks_values_at_40_pt_or_more(
    city: tuple[Deck, Any], slides: Any
):
    deck, led = city
    overdue, rate = overdue_and_close_rate(led)
    headline = slides.slides[1]
    values = {}
    for shape in headline.shapes:
        if shape.has_text_frame and len(shape.text_frame.paragraphs) >= 2:
            label, value = shape.text_frame.paragraphs[:2]
            values[label.text] = value.text
            assert value.runs[0].font.size >= Pt(40)
    numbers = deck.slide("headline").numbers  # type: ignore[union-attr]
    assert values == {n.label: n.value for n in numbers}
    assert values["问题整改率"] == rate
    assert values["逾期未整改问题数"] == f"{overdue:,}个"


def test_slide_tables_are_real_tables_with_the_decks_cells(deck: Deck, slides: Any):
    seen = 0
    for s, page in zip(deck.slides, list(slides.slides)[1:], strict=True):
        tables = [sh for sh in page.shapes if sh.has_table]
        expected = [t for t in s.tables if len(t.frame)]
        assert len(tables) == len(expected)
        for shape, table in zip(tables, expected, strict=True):
            assert table_rows(shape) == [list(table.frame.columns), *table.frame.values.tolist()]
            seen += 1
    assert seen >= 5


def test_slides_name_the_east_asian_typeface_on_every_run(slides: Any):
    for page in slides.slides:
        for rpr in page._element.iter(pqn("a:rPr")):
            ea = rpr.find(pqn("a:ea"))
            assert ea is not None and ea.get("typeface") == briefing.SLIDE_FONT


def test_slide_charts_are_pictures_with_chinese_glyphs(deck: Deck, slides: Any):
    charted = [(s, page) for s, page in zip(deck.slides, list(slides.slides)[1:], strict=True)]
    with_chart = [(s, p) for s, p in charted if s.chart is not None]
    assert [s.key for s, _ in with_chart] == ["map", "volunteers"]
    for s, page in with_chart:
        pictures = [sh for sh in page.shapes if sh.shape_type == 13]  # MSO_SHAPE_TYPE.PICTURE
        assert len(pictures) == 1
        assert_chinese_glyphs(pictures[0].image.blob, s.chart)
    for s, page in charted:
        if s.chart is None:
            assert not [sh for sh in page.shapes if sh.shape_type == 13]


# ---------------------------------------------------------------- the workbook (.xlsx)


def test_workbook_has_the_notes_then_every_table_whole(city: tuple[Deck, Any], workbook: Any):
    deck, led = city
    assert workbook.sheetnames == ["说明", *deck.tables]
    notes = [row[0] for row in workbook["说明"].iter_rows(values_only=True)]
    assert notes[0] == "关于全市文明城市创建工作进展情况的通报（数据表）"
    assert deck.compared_text in notes
    summary = notes[notes.index(deck.compared_text) + 2 :]  # after a blank line
    assert "".join(summary[: summary.index("")]) == deck.summary  # up to the next one
    overdue, _ = overdue_and_close_rate(led)
    detail = list(workbook["逾期问题明细"].iter_rows(values_only=True))
    assert detail[0] == tuple(deck.tables["逾期问题明细"].columns)
    assert len(detail) - 1 == overdue
    by_unit = list(workbook["逾期问题（按责任单位）"].iter_rows(values_only=True))[1:]
    assert sum(row[1] for row in by_unit) == overdue


def test_file_names_say_scope_kind_and_date(deck: Deck):
    assert briefing.file_names(deck) == {
        "docx": "全市创城工作周通报_2026-11-15.docx",
        "pptx": "全市创城工作周例会_2026-11-15.pptx",
        "xlsx": "全市创城工作数据表_2026-11-15.xlsx",
    }


# ---------------------------------------------------------------- formula-looking text


def _issues(rows: list[tuple[str, str, str, str | None, str]]) -> pd.DataFrame:
    """(issue_id, status, deadline, rectified_on, responsible_unit); text that looks like a
    formula in the unit, the place and the description."""
    ids, status, deadline, rectified, unit = zip(*rows, strict=True)
    n = len(rows)
    return pd.DataFrame(
        {
            "issue_id": list(ids),
            "found_on": pd.to_datetime(["2026-11-01"] * n),
            "district": ["南港区"] * n,
            "location": ["@SUM(1)"] * n,
            "status": list(status),
            "deadline": pd.to_datetime(list(deadline)),
            "rectified_on": pd.to_datetime(list(rectified)),
            "description": ["-1+2"] * n,
            "responsible_unit": list(unit),
        }
    )


@pytest.fixture(scope="module")
def hostile() -> Deck:
    """A deck whose units, places and descriptions start with = + - @."""
    hyperlink, at, minus, plus = FORMULAS
    before = _issues(
        [
            ("Q1", "待整改", "2026-11-10", None, hyperlink),
            ("Q2", "待整改", "2026-11-12", None, at),
            ("Q3", "待整改", "2026-11-20", None, minus),
            ("Q4", "已整改", "2026-11-05", "2026-11-04", plus),
        ]
    )
    now = _issues(
        [
            ("Q1", "待整改", "2026-11-10", None, hyperlink),
            ("Q2", "待整改", "2026-11-12", None, at),
            ("Q3", "已整改", "2026-11-20", "2026-11-13", minus),
            ("Q4", "已销号", "2026-11-05", "2026-11-04", plus),
        ]
    )
    frames = {("issues", date(2026, 11, 8)): before, ("issues", LATEST): now}
    led, table_for = make_ledgers(frames)
    deck = build_deck(led, table_for, {1: before, 2: now}.__getitem__)  # ids in make_ledgers order
    assert deck is not None
    return deck


def _formula_cells(book: Any) -> Iterator[Any]:
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value[:1] in "=+-@":
                    yield cell


def test_workbook_writes_formula_looking_text_as_text(hostile: Deck):
    book = openpyxl.load_workbook(io.BytesIO(briefing.tables_xlsx(hostile)))
    cells = list(_formula_cells(book))
    assert {c.value for c in cells} >= set(FORMULAS)
    assert {c.data_type for c in cells} == {"s"}
    units = [r[0] for r in book["逾期问题（按责任单位）"].iter_rows(min_row=2, values_only=True)]
    assert sorted(units) == sorted(FORMULAS[:2])


@pytest.mark.parametrize(
    ("write", "read"),
    [
        (briefing.notice_docx, lambda data: notice_text(Document(io.BytesIO(data)))),
        (
            briefing.slides_pptx,
            lambda data: "\n".join(
                t for s in Presentation(io.BytesIO(data)).slides for t in slide_texts(s)
            ),
        ),
    ],
    ids=["docx", "pptx"],
)
def test_documents_keep_formula_looking_text_verbatim(
    hostile: Deck, write: Callable[..., bytes], read: Callable[[bytes], str]
):
    text = read(write(hostile, images={}))
    cells = set(text.split("\n"))
    assert set(FORMULAS[:2]) <= cells  # the overdue units, cell by cell
    assert "@SUM(1)" in cells and "-1+2" in cells  # place and description of a late issue


def test_notice_without_some_ledgers_says_which_are_missing(hostile: Deck):
    assert hostile.missing and hostile.slide("map") is None  # no boundaries: no map picture
    doc = Document(io.BytesIO(briefing.notice_docx(hostile)))
    text = notice_text(doc)
    assert f"（尚未导入{'、'.join(hostile.missing)}台账，相关内容暂缺。）" in text
    assert [p.text for p in doc.paragraphs if p.text in SECTIONS] == SECTIONS
    assert not list(doc.element.body.iter(qn("a:blip")))


def test_notice_tables_write_numbers_with_separators_and_years_plain():
    from civdash.briefing import _frame_rows

    frame = pd.DataFrame(
        {
            "责任单位": ["渔港街道", None],
            "逾期问题数": [12_345, 7],
            "服务时长（小时）": [104_620.5, 2.0],
            "命名年份": [2019, math.nan],
        }
    )
    assert _frame_rows(frame) == [
        ["渔港街道", "12,345", "104,620.5", "2019"],
        ["", "7", "2.0", ""],
    ]


# ---------------------------------------------------------------- 报送情况 and 数据来源


def _section(doc: Any, heading: str) -> list[str]:
    """The paragraphs under a 通报 heading, up to the next one."""
    paragraphs = [p.text for p in doc.paragraphs]
    start = paragraphs.index(heading) + 1
    end = next(i for i, p in enumerate(paragraphs[start:], start) if p in SECTIONS)
    return paragraphs[start:end]


def test_notice_names_the_late_district_per_ledger_and_the_parts_in_force(tmp_path: Any):
    deck = parts_deck(parts_store(tmp_path, late_at=LATE_AT))
    doc = Document(io.BytesIO(briefing.notice_docx(deck, images={})))
    assert [p.text for p in doc.paragraphs if p.text in SECTIONS] == SECTIONS
    assert _section(doc, "六、报送情况") == [
        "截止11月13日（周五）17:00，南港区迟报。",
        "志愿者台账：南港区迟报（11月14日 09:30，南港区填报员报送）。",
        "数据来源：志愿者台账由各区县报送汇总（数据均截至11月13日）："
        "东湖区（东湖区填报员）、南港区（南港区填报员）。",
    ]


def test_notice_says_every_district_was_on_time(tmp_path: Any):
    deck = parts_deck(parts_store(tmp_path, late_at=None))
    doc = Document(io.BytesIO(briefing.notice_docx(deck, images={})))
    section = _section(doc, "六、报送情况")
    assert section[0] == "各区县均按时报送本周台账（截止11月13日（周五）17:00）。"
    assert deck.reporting is not None
    assert section[1:] == [deck.reporting.source_line]
    assert section[1].startswith("数据来源：志愿者台账由各区县报送汇总")


def test_slide_pack_has_the_late_districts_slide_and_the_parts_on_its_title(tmp_path: Any):
    deck = parts_deck(parts_store(tmp_path, late_at=LATE_AT))
    pack = Presentation(io.BytesIO(briefing.slides_pptx(deck, images={})))
    assert deck.reporting is not None
    title_lines = "\n".join(slide_texts(pack.slides[0])).split("\n")
    assert deck.reporting.source_line in title_lines
    page = pack.slides[[s.key for s in deck.slides].index("submissions") + 1]
    assert slide_texts(page)[:2] == ["未按时报送的区县", "截止11月13日（周五）17:00，南港区迟报。"]
    (table,) = [sh for sh in page.shapes if sh.has_table]
    assert table_rows(table) == [
        ["区县", "未报送", "迟报", "报送时间", "报送人"],
        ["南港区", "—", "志愿者", "11月14日 09:30", "南港区填报员"],
    ]


def test_workbook_has_the_weeks_submissions_and_says_what_the_ledgers_are_made_of(
    tmp_path: Any,
):
    deck = parts_deck(parts_store(tmp_path, late_at=LATE_AT))
    book = openpyxl.load_workbook(io.BytesIO(briefing.tables_xlsx(deck)))
    rows = list(book["报送情况"].iter_rows(values_only=True))
    assert rows[0] == ("台账", "区县", "状态", "最近报送", "报送人", "行数", "截止时间")
    assert [(r[1], r[2], r[4]) for r in rows[1:]] == [
        ("东湖区", "按时报送", "东湖区填报员"),
        ("南港区", "迟报", "南港区填报员"),
    ]
    notes = [row[0] for row in book["说明"].iter_rows(values_only=True)]
    assert deck.reporting is not None
    assert notes[-3:] == [
        deck.reporting.message,
        "志愿者台账：南港区迟报（11月14日 09:30，南港区填报员报送）。",
        deck.reporting.source_line,
    ]
