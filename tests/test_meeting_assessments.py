"""The 测评 slide of the 周例会 deck and the 通报's 测评失分情况: both are written from the deck's
`AssessmentsView`, so they carry its figures; the slide keeps to the projector rules the other
slides follow; the .docx, .pptx and .xlsx are read back with the libraries an office would use."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pandas as pd
import pytest
from docx import Document
from pptx import Presentation

from civdash import briefing
from civdash.dashboard import Filters, load_ledgers, metric_table
from civdash.meeting import ASSESSMENT_ROWS, ITEM_LIMIT, SLIDE_ROWS, Deck, build_deck
from civdash.metrics import format_value
from civdash.names import display_width
from civdash.slides import slide_html
from civdash.views.assessments import RATE, AssessmentsView
from tests.snapshots import snapshot_info
from tests.test_briefing import SECTIONS, slide_texts, table_rows
from tests.views.assessment_rounds import (
    HOSTILE,
    MARKET,
    PHONE,
    ROUNDS,
    district_table,
    round_frame,
    snapshot_day,
)
from tests.views.test_targets import W1, W2, issues

SLIDE_TEXT_PX = 1280 - 2 * 32
"""The width a slide's message has on the 1280×720 projector (the page's side padding)."""
MESSAGE_PX = 28


CITY = Filters()


def _deck(filters: Filters = CITY, *, rounds: bool = True, hostile: bool = False) -> Deck:
    """A deck over two weeks of issues in 东湖区 and, with `rounds`, two 测评 rounds."""
    frames: dict[int, pd.DataFrame] = {1: issues(5, 10), 2: issues(7, 10)}
    snaps = [snapshot_info(1, "issues", W1, current=False), snapshot_info(2, "issues", W2)]
    if rounds:
        for sid, r in ((3, 0), (4, 1)):
            rows = round_frame(r)
            if hostile:
                rows["item"] = rows["item"] + HOSTILE
            frames[sid] = rows
            snaps.append(snapshot_info(sid, "assessments", snapshot_day(r), current=r == 1))
    table = district_table()
    led = load_ledgers(snaps, frames.__getitem__, filters, districts=table)

    def table_for(snap: Any) -> pd.DataFrame:
        return metric_table(
            snap.kind, frames[snap.id], as_of=snap.as_of, population=table.population()
        )

    deck = build_deck(led, table_for, frames.__getitem__)
    assert deck is not None
    return deck


@pytest.fixture(scope="module")
def deck() -> Deck:
    return _deck()


@pytest.fixture(scope="module")
def view(deck: Deck) -> AssessmentsView:
    assert deck.assessments is not None
    return deck.assessments


# ---------------------------------------------------------------- the slide


def test_the_slide_comes_after_the_issues_and_carries_the_views_numbers(
    deck: Deck, view: AssessmentsView
) -> None:
    keys = [s.key for s in deck.slides]
    assert keys.index("assessments") > keys.index("lists")
    slide = deck.slide("assessments")
    assert slide is not None
    assert [(n.label, n.value) for n in slide.numbers] == [
        (h.label, h.value_text) for h in view.headlines
    ]
    assert [n.delta for n in slide.numbers] == [view.delta_line(h) for h in view.headlines]
    assert slide.numbers[0].hero and slide.numbers[0].delta.startswith("↑ +")
    assert slide.title == f"测评得分与失分 · {ROUNDS[1][0]}"
    assert slide.message.startswith(f"得分率 {view.hero.value_text}，较上轮提高")
    assert "1 处点位同一项目连续失分" in slide.message
    assert slide.tone == "good"


def test_the_slides_tables_are_the_lowest_districts_and_the_items_losing_most(
    deck: Deck, view: AssessmentsView
) -> None:
    slide = deck.slide("assessments")
    assert slide is not None
    lowest, items = (t.frame for t in slide.tables)
    worst = view.lowest(ASSESSMENT_ROWS)
    assert lowest["区县"].tolist() == worst["district"].tolist() == ["南港区", "城关区", "东湖区"]
    assert lowest["得分率"].tolist() == [format_value(RATE, v) for v in worst["score_rate"]]
    # three districts, top 3 and bottom 3: the lists stop at the middle, the worst is 黑榜
    assert slide.tables[0].tones == ("bad", "good", "good")
    top = view.pareto.head(ASSESSMENT_ROWS)
    assert items["测评项目"].tolist() == top["item"].tolist()
    assert items["失分"].tolist() == [format_value("points_lost", v) for v in top["points_lost"]]


def test_the_slide_keeps_to_the_projector_rules(deck: Deck) -> None:
    index = [s.key for s in deck.slides].index("assessments")
    slide = deck.slides[index]
    assert 1 <= len(slide.numbers) <= 3  # one row of cards above the tables
    assert all(len(t.frame) <= min(ASSESSMENT_ROWS, SLIDE_ROWS) for t in slide.tables)
    assert display_width(slide.message) * MESSAGE_PX / 2 <= SLIDE_TEXT_PX  # one line
    assert display_width(slide.title) * 40 / 2 <= SLIDE_TEXT_PX
    html = slide_html(deck, index)
    assert 'class="cd-grid cd-three"' in html  # the three numbers in one row of cards
    assert all(isinstance(c, str) for t in slide.tables for c in t.frame.to_numpy().ravel())


def test_slide_text_is_escaped_and_long_items_cut(view: AssessmentsView) -> None:
    deck = _deck(hostile=True)
    index = [s.key for s in deck.slides].index("assessments")
    items = deck.slides[index].tables[1].frame["测评项目"]
    assert all(len(t) <= ITEM_LIMIT for t in items)
    html = slide_html(deck, index)
    assert "<img" not in html and "&lt;img" in html


def test_a_district_deck_shows_the_districts_lowest_streets() -> None:
    deck = _deck(Filters("南港区"))
    slide = deck.slide("assessments")
    assert slide is not None and deck.assessments is not None
    assert slide.tables[0].title == "得分率最低的街道"
    assert slide.tables[0].frame["街道/乡镇"].tolist() == ["南港街道"]
    assert slide.numbers[0].value == deck.assessments.hero.value_text
    assert slide.tone == "bad"  # 南港区 lost more this round


def test_without_assessments_there_is_no_slide() -> None:
    deck = _deck(rounds=False)
    assert deck.assessments is None and deck.slide("assessments") is None


# ---------------------------------------------------------------- the 通报 and the pack


def _section(doc: Any, heading: str) -> list[str]:
    paragraphs = [p.text for p in doc.paragraphs]
    start = paragraphs.index(heading) + 1
    end = next(i for i, p in enumerate(paragraphs[start:], start) if p in SECTIONS)
    return paragraphs[start:end]


def _table(doc: Any, first_header: str, last_header: str) -> list[list[str]]:
    found = [
        t
        for t in doc.tables
        if t.rows[0].cells[0].text == first_header and t.rows[0].cells[-1].text == last_header
    ]
    assert len(found) == 1
    return [[c.text for c in row.cells] for row in found[0].rows]


def test_the_notice_section_carries_the_views_figures(deck: Deck, view: AssessmentsView) -> None:
    doc = Document(io.BytesIO(briefing.notice_docx(deck, images={})))
    assert [p.text for p in doc.paragraphs if p.text in SECTIONS] == SECTIONS
    section = _section(doc, "五、测评失分情况")
    assert section[0] == view.summary_sentence
    assert view.hero.value_text in section[0] and view.headlines[1].value_text in section[0]
    lowest = format_value(RATE, float(view.lowest(1)["score_rate"].iloc[0]))
    assert section[1].startswith(f"得分率最低的区县：南港区（{lowest}）")
    ranking = _table(doc, "排名", "榜单")
    expected = view.ranking_table()
    assert ranking[0] == list(expected.columns)
    assert [r[1] for r in ranking[1:]] == expected["区县"].tolist()
    assert [r[2] for r in ranking[1:]] == [f"{v:.2f}" for v in expected["得分率（%）"]]
    items = _table(doc, "测评项目", "责任单位")
    assert [r[0] for r in items[1:]] == view.pareto_table["测评项目"].tolist()
    assert view.pareto_note in section and view.repeat_note in section
    repeats = _table(doc, "区县", "最近失分原因")
    assert [r[2] for r in repeats[1:]] == [MARKET]
    text = "\n".join(section + [c for row in repeats for c in row])
    assert PHONE not in text and "138****1234" in text
    assert deck.summary.endswith(view.summary_sentence)


def test_a_notice_without_assessments_says_the_section_is_missing() -> None:
    deck = _deck(rounds=False)
    doc = Document(io.BytesIO(briefing.notice_docx(deck, images={})))
    assert _section(doc, "五、测评失分情况") == ["尚未导入测评结果，本节暂缺。"]


def test_the_slide_pack_has_the_assessments_slide_with_its_tables(deck: Deck) -> None:
    pack = Presentation(io.BytesIO(briefing.slides_pptx(deck, images={})))
    index = [s.key for s in deck.slides].index("assessments")
    slide = deck.slides[index]
    page = pack.slides[index + 1]  # after the title slide
    assert slide_texts(page)[:2] == [slide.title, slide.message]
    tables = [sh for sh in page.shapes if sh.has_table]
    assert [table_rows(t) for t in tables] == [
        [list(t.frame.columns), *t.frame.astype(str).values.tolist()] for t in slide.tables
    ]


def test_the_workbook_has_the_assessment_tables_whole(deck: Deck, view: AssessmentsView) -> None:
    book = openpyxl.load_workbook(io.BytesIO(briefing.tables_xlsx(deck)))
    for sheet, frame in (
        ("测评区县排名", view.ranking_table()),
        ("测评失分项", view.pareto_table),
        ("反复失分点位", view.repeat_table),
    ):
        rows = list(book[sheet].iter_rows(values_only=True))
        assert list(rows[0]) == list(frame.columns)
        assert len(rows) == 1 + len(frame)
