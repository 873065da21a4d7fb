"""The briefing pack: the week's meeting deck as a 通报 (.docx), a slide pack (.pptx) and a
workbook of the underlying tables (.xlsx).

All three are written from one `meeting.Deck`, so the notice, the slides and the workbook say
what the projector said. Each function returns the file's bytes (for `st.download_button` or a
file), and none needs a server or an office suite:

- `notice_docx`: a 通报 shaped after GB/T 9704 (A4; red 版头; title in 黑体 二号; body in
  仿宋 三号 at a fixed 28 pt line pitch; tables in 宋体), with sections 一 to 七 (五 is 测评失分情况:
  the latest 测评 round's 得分率, the lowest districts, the items losing most points and repeat
  losses; 六 is 报送情况: who sent this week's ledgers late or not at all, and what the ledgers in
  force are made of),
  the charts as pictures and the week's newly overdue issues as an attachment.
- `slides_pptx`: a 16:9 deck, a title slide then one slide per deck slide in meeting order.
- `tables_xlsx`: every table of `deck.tables`, through `exports.to_excel_bytes` (formula-safe,
  personal data masked) with a first sheet holding the title and the summary.

Chinese renders everywhere: every run names its East Asian font (`w:eastAsia` in Word,
`a:ea` in PowerPoint), and the charts are drawn by `exports.images.chart_png` with CJK fonts.

>>> deck = build_deck(led, table_for, loader)                         # doctest: +SKIP
>>> names = file_names(deck)                                          # doctest: +SKIP
>>> open(names["docx"], "wb").write(notice_docx(deck))                # doctest: +SKIP
"""

from __future__ import annotations

import io
import itertools
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from pptx import Presentation
from pptx.dml.color import RGBColor as PptxRGB
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn as pqn
from pptx.slide import Slide as PptxSlide
from pptx.util import Emu, Inches
from pptx.util import Pt as PPt

from civdash import palette
from civdash.exports import XLSX_MIME, to_excel_bytes
from civdash.exports.images import chart_png
from civdash.meeting import BigNumber, Deck, Slide, SlideTable, Tone
from civdash.metrics import format_value
from civdash.numbers import decimals_of, is_plain_column, number
from civdash.views.assessments import RATE
from civdash.views.common import cn_date
from civdash.views.targets import STATUS_BEHIND

__all__ = [
    "DOCX_MIME",
    "PPTX_MIME",
    "XLSX_MIME",
    "OfficialDocument",
    "chart_images",
    "file_names",
    "notice_docx",
    "notice_title",
    "slides_pptx",
    "tables_xlsx",
]

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

# Fonts every Chinese Windows and WPS install has (simhei, simfang, simkai, simsun, msyh);
# GB/T 9704 asks 小标宋 for the title, which many office PCs lack, so the title is 黑体.
HEI = "黑体"
FANG_SONG = "仿宋"
KAI = "楷体"
SONG = "宋体"
SLIDE_FONT = "Microsoft YaHei"

# Chinese type sizes in points.
ER_HAO, SAN_HAO, SI_HAO, XIAO_SI, WU_HAO, XIAO_WU = 22, 16, 14, 12, 10.5, 9
BODY_PITCH = Pt(28)
"""GB/T 9704: 22 lines a page; a fixed 28 pt line pitch keeps the body on that grid."""

RED = "C00000"
"""The 版头's red (发文机关标志 and the line under it)."""

TONE_TEXT: Mapping[Tone, str] = {
    "good": palette.GOOD_TEXT,
    "bad": palette.BAD_TEXT,
    "neutral": palette.TEXT,
}
TONE_FILL: Mapping[Tone, str] = {
    "good": palette.GOOD_FILL,
    "bad": palette.BAD_FILL,
    "neutral": "#FFFFFF",
}

NEXT_STEPS = 3
"""Numbered blank items in 六、下一步工作, for the office to fill in."""
UNIT_ROWS = 30
"""Most responsible units in the notice's overdue table (the workbook has them all)."""
KEEP_TOGETHER = 12
"""Tables of up to this many rows are kept on one page in the notice."""

_NUMERALS = "一二三四五六七八九十"
_XML_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_FILE_BAD = re.compile(r'[\\/:*?"<>|\s]+')


# ---------------------------------------------------------------- shared


def notice_title(deck: Deck) -> str:
    """关于全市文明城市创建工作进展情况的通报."""
    return f"关于{deck.scope}文明城市创建工作进展情况的通报"


def file_names(deck: Deck) -> dict[str, str]:
    """Download names of the three files, by extension.

    >>> from datetime import date
    >>> d = Deck("南港区", date(2026, 11, 15), None, (), "", (), {})
    >>> file_names(d)["docx"]
    '南港区创城工作周通报_2026-11-15.docx'
    """
    scope = _FILE_BAD.sub("_", deck.scope).strip("_") or "全市"
    day = deck.as_of.isoformat()
    return {
        "docx": f"{scope}创城工作周通报_{day}.docx",
        "pptx": f"{scope}创城工作周例会_{day}.pptx",
        "xlsx": f"{scope}创城工作数据表_{day}.xlsx",
    }


def chart_images(deck: Deck, *, scale: float = 2.0) -> dict[str, bytes]:
    """Each slide's chart as PNG bytes, by slide key: draw them once and pass them to both
    `notice_docx` and `slides_pptx` (each draws its own otherwise)."""
    return {s.key: chart_png(s.chart, scale=scale) for s in deck.slides if s.chart is not None}


def _text(value: object) -> str:
    """A cell or message as text a document can hold: "" for missing, no XML-illegal
    control characters (a ledger cell may carry one), everything else verbatim."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _XML_BAD.sub("", str(value))


def _frame_rows(frame: pd.DataFrame) -> list[list[str]]:
    """The cells as text; number columns as every table writes them (`civdash.numbers`:
    separators, as many decimals as the column needs, years and codes plain)."""
    columns: list[list[str]] = []
    for name in frame.columns:
        s = frame[name]
        if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
            values = s.astype("float64").tolist()
            d = decimals_of(values)
            plain = is_plain_column(str(name))
            columns.append(
                [
                    "" if not math.isfinite(v) else (f"{v:.{d}f}" if plain else number(v, d))
                    for v in values
                ]
            )
        else:
            columns.append([_text(v) for v in s.tolist()])
    return [list(row) for row in zip(*columns, strict=True)] if columns else []


def _ems(text: str) -> float:
    """Width in ems, on the safe side: a CJK or full-width character is one em, anything else
    0.68 (Latin letters and digits run 0.5–0.7 em across the fonts Word, WPS and LibreOffice
    pick), and a quarter em where Chinese meets Latin text (the space office suites add)."""
    wide = [ord(ch) > 0x2E80 for ch in text]
    switches = sum(
        a != b and not text[i].isspace() for i, (a, b) in enumerate(itertools.pairwise(wide))
    )
    return sum(1.0 if w else 0.68 for w in wide) + 0.25 * switches


_UNBREAKABLE = re.compile(r"[^\s\u2e80-\uffff]+")
_SHORT = 8.0
"""Ems of a cell that should not wrap when the table has room (a date such as 2026年12月31日)."""
_PAD = 0.6
"""Ems of slack per cell (autospace between Chinese and digits, rounding)."""


def _fit_columns(
    header: Sequence[str], rows: Sequence[Sequence[str]], avail: float
) -> tuple[list[float], int]:
    """Column widths in ems that fill `avail` ems, and how much had to wrap: 0 nothing,
    1 only long text, 2 also short cells, 3 even words (the table is too narrow).

    Every column gets its widest text when that fits; otherwise the widest columns give way
    first (their text wraps between characters), while short cells and then runs of Latin
    characters (numbers, dates, IDs, which cannot wrap) and headers up to four characters
    keep their width.
    """
    need, short, hard = [], [], []
    for c, name in enumerate(header):
        cells = [r[c] for r in rows]
        widest = max([_ems(name), *map(_ems, cells)]) + _PAD
        tokens = [_ems(t) for cell in cells for t in _UNBREAKABLE.findall(cell)]
        word = min(widest, max([min(_ems(name), 4.0), *tokens]) + _PAD)
        need.append(widest)
        hard.append(word)
        short.append(max(word, min(widest, _SHORT + _PAD)))
    if sum(need) <= avail:
        return [n * avail / sum(need) for n in need], 0
    for level, floor in ((1, short), (2, hard)):
        if sum(floor) <= avail:
            return _water_fill(need, floor, avail), level
    return [w * avail / sum(hard) for w in hard], 3


def _water_fill(need: Sequence[float], floor: Sequence[float], avail: float) -> list[float]:
    """Cap the widest columns (never below their floor) until the widths add up to `avail`."""
    low, high = 0.0, max(need)
    for _ in range(30):
        cap = (low + high) / 2
        if sum(min(n, max(cap, f)) for n, f in zip(need, floor, strict=True)) > avail:
            high = cap
        else:
            low = cap
    widths = [min(n, max(low, f)) for n, f in zip(need, floor, strict=True)]
    return [w * avail / sum(widths) for w in widths]


def _lines(row: Sequence[str], widths: Sequence[float]) -> int:
    """Lines the tallest cell of a row takes at these column widths."""
    return max(
        (
            math.ceil(max(_ems(t), 0.1) / max(w - 0.4, 0.5))
            for t, w in zip(row, widths, strict=True)
        ),
        default=1,
    )


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _images(deck: Deck, images: Mapping[str, bytes] | None) -> Mapping[str, bytes]:
    return images if images is not None else chart_images(deck)


def _png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


# ---------------------------------------------------------------- .docx: runs and paragraphs


def _docx_font(run: Run, font: str, size: float, *, bold: bool = False, colour: str = "") -> Run:
    """Set a run's font for Latin and East Asian text alike: python-docx's `font.name` sets
    only w:ascii / w:hAnsi, and Word then draws the Chinese in its default 宋体."""
    run.font.name = font
    run.font.size = Pt(size)
    run.font.bold = bold
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), font)
    fonts.set(qn("w:cs"), font)
    if colour:
        run.font.color.rgb = RGBColor(*_rgb(colour))
    return run


def _single_spaced(p: Paragraph) -> None:
    """Single line spacing: a fixed 28 pt pitch would crop pictures and stretch table rows."""
    pf = p.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    pf.first_line_indent = Pt(0)


def _shade(cell: Any, fill: str) -> None:
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill.lstrip("#"))
    cell._tc.get_or_add_tcPr().append(shd)


def _red_rule(p: Paragraph) -> None:
    """The 版头's red line: a bottom border under the 发文机关标志."""
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "single"), ("sz", "18"), ("space", "8"), ("color", RED)):
        bottom.set(qn(f"w:{key}"), value)
    borders.append(bottom)
    ppr = p._p.get_or_add_pPr()
    # w:pBdr comes before w:spacing, w:ind and w:jc in a paragraph's properties
    later = [e for t in ("w:spacing", "w:ind", "w:jc") if (e := ppr.find(qn(t))) is not None]
    if later:
        later[0].addprevious(borders)
    else:
        ppr.append(borders)


def _page_number(section: Any) -> None:
    """GB/T 9704 page number: "— 1 —" in 宋体 四号, centred."""
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _docx_font(p.add_run("— "), SONG, SI_HAO)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    p._p.append(field)
    number = _docx_font(p.add_run("1"), SONG, SI_HAO)
    field.append(number._r)
    _docx_font(p.add_run(" —"), SONG, SI_HAO)


def _new_document() -> Any:
    """A4 with GB/T 9704 margins; the body style 仿宋 三号 on a 28 pt line pitch."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = doc.styles["Normal"]
    normal.font.name = FANG_SONG
    normal.font.size = Pt(SAN_HAO)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), FANG_SONG)
    fonts.set(qn("w:cs"), FANG_SONG)
    pf = normal.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = BODY_PITCH
    pf.space_before = pf.space_after = Pt(0)
    pf.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    doc.core_properties.language = "zh-CN"
    _page_number(section)
    return doc


TEXT_WIDTH_MM = 156
"""A4 less the 28 mm and 26 mm side margins."""
CELL_PADDING_PT = 11
"""Word's default cell margins, left and right together (0.19 cm each)."""


class OfficialDocument:
    """A Word document in the office's style (`_new_document`: GB/T 9704 page, 仿宋 body) being
    written: paragraphs, headings, the red 版头, numbered tables (表1 …), every run with its East
    Asian font and text made safe for XML. The 通报 and the 督办通知 (`civdash.notices`) are
    both written with it."""

    def __init__(self) -> None:
        self.doc = _new_document()
        self.tables = 0
        self.figures = 0

    def banner(self, text: str, *, size: float = 30) -> Paragraph:
        """The 版头: the issuing office (发文机关标志) in red 黑体 over a red line."""
        p = self.para(
            text, font=HEI, size=size, colour=RED, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False
        )
        _single_spaced(p)
        _red_rule(p)
        return p

    def para(
        self,
        text: str = "",
        *,
        font: str = FANG_SONG,
        size: float = SAN_HAO,
        colour: str = "",
        align: WD_ALIGN_PARAGRAPH | None = None,
        indent: bool = True,
        outline: int | None = None,
    ) -> Paragraph:
        """A body paragraph: first line indented two characters, as official documents are."""
        p = self.doc.add_paragraph()
        if align is not None:
            p.alignment = align
        if indent:
            p.paragraph_format.first_line_indent = Pt(size * 2)
        if text:
            _docx_font(p.add_run(_text(text)), font, size, colour=colour)
        if outline is not None:  # a heading: in Word's navigation pane, kept with what follows
            p.paragraph_format.keep_with_next = True
            level = OxmlElement("w:outlineLvl")
            level.set(qn("w:val"), str(outline))
            p._p.get_or_add_pPr().append(level)
        return p

    def heading(self, text: str) -> None:
        """一级标题: 黑体 三号."""
        self.para(text, font=HEI, outline=0)

    def subheading(self, text: str) -> None:
        """二级标题: 楷体 三号."""
        self.para(text, font=KAI, outline=1)

    def caption(self, text: str, *, before: bool = True) -> None:
        """A table's caption (above it, kept with it) or a figure's (below it)."""
        p = self.para(text, font=HEI, size=XIAO_SI, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
        _single_spaced(p)
        p.paragraph_format.space_before = Pt(6)
        p.paragraph_format.space_after = Pt(3 if before else 8)
        p.paragraph_format.keep_with_next = before

    def note(self, text: str) -> None:
        p = self.para(text, font=KAI, size=XIAO_SI, indent=False, colour=palette.MUTED_TEXT)
        _single_spaced(p)
        p.paragraph_format.space_before = Pt(3)

    def table(
        self,
        title: str,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        *,
        colours: Callable[[int, int], str] | None = None,
        width_mm: float = TEXT_WIDTH_MM,
    ) -> None:
        """表N: a 宋体 五号 table, columns sized by their text, the header shaded and repeated
        on every page. `colours(row, column)` gives a cell's text colour ("" = black)."""
        self.tables += 1
        self.caption(f"表{self.tables}　{title}")
        table = self.doc.add_table(rows=1 + len(rows), cols=len(header))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        cells_pt = Mm(width_mm).pt - CELL_PADDING_PT * len(header)
        size = WU_HAO
        ems, level = _fit_columns(header, rows, cells_pt / size)
        if level >= 2:  # short cells would wrap: 小五 instead
            size = XIAO_WU
            ems, _ = _fit_columns(header, rows, cells_pt / size)
        widths = [Pt(e * size + CELL_PADDING_PT) for e in ems]
        for c, width in enumerate(widths):
            table.columns[c].width = width
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        table.rows[0]._tr.get_or_add_trPr().append(repeat)
        for r, (row, values) in enumerate(zip(table.rows, [list(header), *rows], strict=True)):
            for c, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
                cell.width = widths[c]
                p = cell.paragraphs[0]
                _single_spaced(p)
                if r == 0:
                    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                    _shade(cell, "#E7E6E6")
                # a short table stays on one page: each row kept with the next
                p.paragraph_format.keep_with_next = len(rows) <= KEEP_TOGETHER and r < len(rows)
                colour = colours(r - 1, c) if colours is not None and r > 0 else ""
                _docx_font(p.add_run(_text(value)), SONG, size, bold=r == 0, colour=colour)
        spacer = self.doc.add_paragraph()
        spacer.paragraph_format.line_spacing = Pt(8)

    def save(self) -> bytes:
        buffer = io.BytesIO()
        self.doc.save(buffer)
        return buffer.getvalue()


class _Notice(OfficialDocument):
    """The 通报 being written: the document, the chart pictures, and the running numbers of
    its tables (表1 …) and figures (图1 …)."""

    def __init__(self, deck: Deck, images: Mapping[str, bytes]) -> None:
        super().__init__()
        self.deck = deck
        self.images = images

    def slide_table(self, table: SlideTable) -> None:
        frame = table.frame
        self.table(table.title, [str(c) for c in frame.columns], _frame_rows(frame))
        if table.note:
            self.note(f"注：{table.note}，完整名单见数据表。")

    def figure(self, key: str, title: str) -> None:
        """图N: a slide's chart over the text width (a tall one held to a third of a page)."""
        png = self.images.get(key)
        if png is None:
            return
        self.figures += 1
        p = self.doc.add_paragraph()
        _single_spaced(p)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.keep_with_next = True
        width, height = _png_size(png)
        width_mm = min(TEXT_WIDTH_MM - 6, 90 * width / max(height, 1))
        p.add_run().add_picture(io.BytesIO(png), width=Mm(width_mm))
        self.caption(f"图{self.figures}　{title}", before=False)


# ---------------------------------------------------------------- .docx: the 通报


def _date_line(deck: Deck) -> str:
    """（数据截至2026年11月15日）: the comparison is in the sections that compare."""
    return f"（数据截至{cn_date(deck.as_of)}）"


def _masthead(n: _Notice) -> None:
    """版头 (red 发文机关标志 over a red line), title, date line and 主送."""
    n.banner("创建全国文明城市工作通报")
    n.para().paragraph_format.line_spacing = Pt(20)
    title = n.para(
        notice_title(n.deck), font=HEI, size=ER_HAO, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False
    )
    title.paragraph_format.line_spacing = Pt(36)
    n.para(_date_line(n.deck), font=KAI, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    n.para()
    n.para("各区县、各责任单位：", indent=False)
    n.para(n.deck.summary)
    if n.deck.missing:
        n.para(f"（尚未导入{'、'.join(n.deck.missing)}台账，相关内容暂缺。）", font=KAI)


def _section_numbers(n: _Notice) -> None:
    n.heading("一、本周核心指标")
    slide = n.deck.slide("headline")
    if slide is None or not slide.numbers:
        n.para("本周暂无核心指标数据。")
        return
    n.para(slide.message)
    numbers = slide.numbers

    def colour(row: int, column: int) -> str:
        tone = numbers[row].tone
        return TONE_TEXT[tone] if column == 2 and tone != "neutral" else ""

    rows = [[x.label, x.value, x.delta, x.note] for x in numbers]
    n.table("本周核心指标", ["指标", "本周", "较上周", "说明"], rows, colours=colour)


def _section_targets(n: _Notice) -> None:
    n.heading("二、目标任务进度")
    slide = n.deck.slide("targets")
    n.para(slide.message if slide else "尚未设定目标任务。")
    targets = n.deck.tables.get("目标进度")
    if targets is not None and "状态" in targets.columns:
        behind = targets[targets["状态"] == STATUS_BEHIND].drop(columns="状态")
        if len(behind):  # all of them: the slide has room for six
            n.table(
                "按当前进度无法按期完成的目标",
                [str(c) for c in behind.columns],
                _frame_rows(behind),
            )
    else:
        for table in slide.tables if slide else ():
            n.slide_table(table)
    volunteers = n.deck.slide("volunteers")
    if volunteers is not None:
        n.para(f"{volunteers.title}：{volunteers.message}")
        n.figure("volunteers", "注册志愿者人数累计增长")


def _section_issues(n: _Notice) -> None:
    n.heading("三、问题整改情况")
    changes = n.deck.slide("changes")
    if changes is None:
        n.para("尚未导入问题整改台账，本节暂缺。")
        return
    n.para(changes.message)
    by_unit = n.deck.tables.get("逾期问题（按责任单位）")
    if by_unit is not None and len(by_unit):
        n.subheading("（一）逾期未整改问题按责任单位分布")
        total = int(pd.to_numeric(by_unit["逾期问题数"], errors="coerce").fillna(0).sum())
        n.para(
            f"截至{cn_date(n.deck.as_of)}，逾期未整改问题共{number(total, 0, '个')}，"
            f"涉及{len(by_unit):,}个责任单位。"
        )
        shown = by_unit.head(UNIT_ROWS)
        n.table(
            "逾期未整改问题（按责任单位）",
            [str(c) for c in shown.columns],
            _frame_rows(shown),
            width_mm=120,
        )
        if len(by_unit) > UNIT_ROWS:
            n.note(f"注：共{len(by_unit):,}个单位，显示前{UNIT_ROWS}个，完整名单见数据表。")
    districts = [s for s in n.deck.slides if s.key.startswith("district:")]
    map_slide = n.deck.slide("map")
    if map_slide is not None or districts:
        n.subheading("（二）各区县整改进度")
        if map_slide is not None:
            n.para(map_slide.message)
            n.figure("map", "各区县问题整改率")
        for s in districts:
            n.para(s.message)


def _section_lists(n: _Notice) -> None:
    n.heading("四、红黑榜")
    slide = n.deck.slide("lists")
    if slide is None:
        n.para("尚未导入问题整改台账，本周暂无红黑榜。")
        return
    n.para(slide.message)
    if slide.footnote:
        n.note(slide.footnote)
    for table in slide.tables:
        if len(table.frame):
            n.slide_table(table)
        else:
            n.para(f"{table.title.split(' · ')[0]}：本周无。")


ASSESSMENT_ITEMS = 10
"""测评项目 in the 通报's table of the items losing most points (the workbook has them all)."""
REPEAT_ROWS = 20
"""Repeat losses in the 通报's table (the workbook has them all)."""


def _section_assessments(n: _Notice) -> None:
    """测评失分情况, from the deck's `AssessmentsView` (the 测评 slide's): the round's 得分率 and
    its change, the lowest districts (a district's 通报: streets) and the 红黑榜, the ranking,
    the items losing most points with their units, and the 点位 losing the same item again."""
    n.heading("五、测评失分情况")
    view = n.deck.assessments
    if view is None:
        n.para("尚未导入测评结果，本节暂缺。")
        return
    n.para(view.summary_sentence)
    by = "district" if view.district is None else "street"
    low = view.lowest(3, by)
    if len(low):
        named = "、".join(
            f"{g}（{format_value(RATE, float(r))}）"
            for g, r in zip(low[by].astype(str), low["score_rate"], strict=True)
        )
        where = "区县" if by == "district" else "街道"
        black = "、".join(view.listed("black")) if by == "district" else ""
        tail = f"；列入黑榜的区县：{black}" if black else ""
        n.para(f"得分率最低的{where}：{named}{tail}。")
    ranking = view.ranking_table(by)
    lists = ranking["榜单"].astype(str).tolist()
    column = list(ranking.columns).index("榜单")

    def colour(row: int, col: int) -> str:
        tone = {"红榜": "good", "黑榜": "bad"}.get(lists[row], "neutral")
        return TONE_TEXT[tone] if col == column and tone != "neutral" else ""  # type: ignore[index]

    n.table(
        f"{view.round}{'各区县' if by == 'district' else '各街道'}测评得分率",
        [str(c) for c in ranking.columns],
        _frame_rows(ranking),
        colours=colour,
    )
    n.note(f"红黑榜规则：{view.rule.text}")
    n.subheading("（一）失分较多的测评项目")
    n.para(view.pareto_note)
    items = view.pareto_table.drop(columns=["占全部失分（%）"])
    if len(items):
        shown = items.head(ASSESSMENT_ITEMS)
        n.table("失分较多的测评项目及责任单位", [str(c) for c in shown.columns], _frame_rows(shown))
        if len(items) > ASSESSMENT_ITEMS:
            n.note(
                f"注：共{len(items):,}个失分项目，显示前{ASSESSMENT_ITEMS}个，完整清单见数据表。"
            )
    n.subheading("（二）同一点位反复失分")
    n.para(view.repeat_note)
    repeats = view.repeat_table
    if len(repeats):
        shown = repeats.head(REPEAT_ROWS)
        n.table("同一点位同一项目连续失分", [str(c) for c in shown.columns], _frame_rows(shown))
        if len(repeats) > REPEAT_ROWS:
            n.note(f"注：共{len(repeats):,}处，显示前{REPEAT_ROWS}处，完整清单见数据表。")


def _section_reporting(n: _Notice) -> None:
    """报送情况: the districts that sent a ledger late or not at all, ledger by ledger (or that
    all were on time), then one line saying what the ledgers in force are made of."""
    n.heading("六、报送情况")
    rep = n.deck.reporting
    if rep is None:
        n.para("尚未导入区县名单，无法核对各区县报送情况。")
        return
    n.para(rep.message)
    for line in [] if rep.on_time else rep.ledger_lines():
        n.para(line)
    if rep.source_line:
        n.note(rep.source_line)


def _section_next(n: _Notice) -> None:
    n.heading("七、下一步工作")
    for i in range(NEXT_STEPS):
        p = n.para(f"（{_NUMERALS[i]}）")
        _docx_font(p.add_run("〔请填写下一步工作安排〕"), FANG_SONG, SAN_HAO, colour=palette.GREY)


def _attachment(n: _Notice) -> None:
    """附件: the week's newly overdue issues, whole (the slides show six)."""
    changes = n.deck.tables.get("本周变化")
    if changes is None or "变化" not in changes.columns:
        return
    late = changes[changes["变化"] == "新增逾期"]
    if late.empty:
        return
    wanted = ("问题编号", "区县", "点位", "问题描述", "责任单位", "整改时限")
    columns = [c for c in wanted if c in late.columns]
    p = n.para("附件", font=HEI, indent=False)
    p.paragraph_format.page_break_before = True
    n.table(f"本周新增逾期问题清单（共{len(late):,}个）", columns, _frame_rows(late[columns]))


def notice_docx(deck: Deck, *, images: Mapping[str, bytes] | None = None) -> bytes:
    """The week's 通报 as a Word file: 版头, title, date line, 主送, the summary paragraph, then
    一、本周核心指标 二、目标任务进度 三、问题整改情况 四、红黑榜 五、测评失分情况 六、报送情况
    七、下一步工作 (numbered blanks to fill in) and the newly overdue issues as an attachment.

    `images` are the charts by slide key (`chart_images`); drawn here when not given.
    """
    n = _Notice(deck, _images(deck, images))
    _masthead(n)
    _section_numbers(n)
    _section_targets(n)
    _section_issues(n)
    _section_lists(n)
    _section_assessments(n)
    _section_reporting(n)
    _section_next(n)
    _attachment(n)
    n.doc.core_properties.title = notice_title(deck)
    return n.save()


# ---------------------------------------------------------------- .pptx

SLIDE_W, SLIDE_H = Emu(12_192_000), Emu(6_858_000)
"""16:9, 13.33 × 7.5 inches (PowerPoint's widescreen)."""
MARGIN = Inches(0.5)
CONTENT_TOP = Inches(2.05)
CONTENT_BOTTOM = Inches(6.9)
GAP = Inches(0.25)
NUMBER_COLUMN = Inches(3.0)
"""Width of the big numbers beside a table or chart."""
CELL_MARGIN = Inches(0.06)


def _pptx_font(run: Any, size: float, *, bold: bool = False, colour: str = palette.TEXT) -> None:
    """Size, weight, colour and the typeface for Latin and East Asian text (a:latin, a:ea)."""
    font = run.font
    font.size = PPt(size)
    font.bold = bold
    font.color.rgb = PptxRGB(*_rgb(colour))
    font.name = SLIDE_FONT
    rpr = run._r.get_or_add_rPr()
    for tag in ("a:ea", "a:cs"):
        old = rpr.find(pqn(tag))
        if old is not None:
            rpr.remove(old)
    # schema order: a:latin, a:ea, a:cs
    ea = rpr.makeelement(pqn("a:ea"), {"typeface": SLIDE_FONT})
    cs = rpr.makeelement(pqn("a:cs"), {"typeface": SLIDE_FONT})
    rpr.find(pqn("a:latin")).addnext(ea)
    ea.addnext(cs)


Line = tuple[Sequence[tuple[str, float]], bool, str]
"""A paragraph: runs of (text, size), bold, colour."""


def _textbox(
    slide: PptxSlide,
    box: tuple[int, int, int, int],
    lines: Sequence[Line],
    *,
    align: PP_ALIGN = PP_ALIGN.LEFT,
    anchor: MSO_ANCHOR = MSO_ANCHOR.TOP,
) -> None:
    left, top, width, height = box
    shape = slide.shapes.add_textbox(Emu(left), Emu(top), Emu(width), Emu(height))
    frame = shape.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = anchor
    frame.margin_left = frame.margin_right = Inches(0.05)
    for i, (runs, bold, colour) in enumerate(lines):
        p = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        p.alignment = align
        for text, size in runs:
            run = p.add_run()
            _pptx_font(run, size, bold=bold, colour=colour)
            run.text = _text(text)


def _line(text: str, size: float, *, bold: bool = False, colour: str = palette.TEXT) -> Line:
    return ((text, size),), bold, colour


def _blank(prs: Any) -> PptxSlide:
    return prs.slides.add_slide(prs.slide_layouts[6])


def _footer(slide: PptxSlide, deck: Deck, page: int, pages: int, footnote: str = "") -> None:
    box = (MARGIN, Inches(7.0), SLIDE_W - 2 * MARGIN, Inches(0.35))
    left = " · ".join(t for t in (deck.title, f"截至{cn_date(deck.as_of)}", footnote) if t)
    _textbox(slide, box, [_line(left, 12, colour=palette.MUTED_TEXT)])
    _textbox(
        slide,
        box,
        [_line(f"{page} / {pages}", 12, colour=palette.MUTED_TEXT)],
        align=PP_ALIGN.RIGHT,
    )


def _title_slide(prs: Any, deck: Deck) -> None:
    slide = _blank(prs)
    band = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Emu(0), Inches(2.1), SLIDE_W, Inches(0.12))
    band.fill.solid()
    band.fill.fore_color.rgb = PptxRGB(*_rgb(RED))
    band.line.fill.background()
    width = SLIDE_W - 2 * MARGIN
    title = _line(deck.title, 48, bold=True)
    _textbox(slide, (MARGIN, Inches(2.5), width, Inches(1.2)), [title], align=PP_ALIGN.CENTER)
    lines = [
        _line(f"{deck.scope} · 截至{cn_date(deck.as_of)}", 28),
        _line(deck.compared_text, 24, colour=palette.MUTED_TEXT),
    ]
    if deck.missing:
        missing = f"尚未导入：{'、'.join(deck.missing)}台账"
        lines.append(_line(missing, 20, colour=palette.BAD_TEXT))
    if deck.reporting is not None and deck.reporting.source_line:
        lines.append(_line(deck.reporting.source_line, 14, colour=palette.MUTED_TEXT))
    _textbox(slide, (MARGIN, Inches(3.9), width, Inches(2.2)), lines, align=PP_ALIGN.CENTER)


_UNIT = re.compile(r"^(.*?[\d%])([\u2e80-\uffff]+)$")


def _value_runs(value: str, size: float) -> Sequence[tuple[str, float]]:
    """The number big and its unit (人, 个, 万小时) at half the size, so the number keeps its
    size in a narrow card."""
    found = _UNIT.match(value)
    if not found:
        return ((value, size),)
    return (found.group(1), size), (found.group(2), size / 2)


def _number_cards(
    slide: PptxSlide, numbers: Sequence[BigNumber], box: tuple[int, int, int, int], cols: int
) -> None:
    """The big numbers in a grid: label, value (≥ 40 pt), change and note."""
    left0, top0, width, height = box
    rows = math.ceil(len(numbers) / cols)
    card_w = (width - (cols - 1) * GAP) // cols
    card_h = (height - (rows - 1) * GAP) // rows
    for i, n in enumerate(numbers):
        left = left0 + (i % cols) * (card_w + GAP)
        top = top0 + (i // cols) * (card_h + GAP)
        card = slide.shapes.add_shape(
            MSO_SHAPE.RECTANGLE, Emu(left), Emu(top), Emu(card_w), Emu(card_h)
        )
        card.fill.solid()
        card.fill.fore_color.rgb = PptxRGB(*_rgb("#F3F6FA"))
        card.line.color.rgb = PptxRGB(*_rgb(palette.NEUTRAL if n.hero else "#D0D7E2"))
        card.line.width = PPt(2.5 if n.hero else 0.75)
        size = 48 if n.hero else 44
        lines: list[Line] = [
            _line(n.label, 18, bold=True, colour=palette.MUTED_TEXT),
            (_value_runs(n.value, size), True, palette.TEXT),
        ]
        if n.delta:
            lines.append(_line(n.delta, 18, bold=True, colour=TONE_TEXT[n.tone]))
        if n.note and card_h >= Inches(1.75):
            lines.append(_line(n.note, 13, colour=palette.MUTED_TEXT))
        inner = (left + Inches(0.1), top, card_w - Inches(0.2), card_h)
        _textbox(slide, inner, lines, anchor=MSO_ANCHOR.MIDDLE)


def _table_layout(
    header: Sequence[str], rows: Sequence[Sequence[str]], width: int, height: int
) -> tuple[float, list[float], list[int]]:
    """Font size, column widths (ems) and row heights (EMU) of a slide table: the largest
    size from 20 pt down at which it fits the box with only long text wrapping, else with
    short cells wrapping too, else 12 pt."""
    pad = 2 * CELL_MARGIN * len(header)
    layouts = []
    for size in (20, 18, 16, 14, 12):
        ems, level = _fit_columns(header, rows, (width - pad) / PPt(size))
        heights = [int(PPt(size) * (1.45 * _lines(r, ems) + 0.5)) for r in [header, *rows]]
        layouts.append((level, size, ems, heights))
    for most in (1, 2):
        for level, size, ems, heights in layouts:
            if level <= most and sum(heights) <= height:
                return size, ems, heights
    _, size, ems, heights = layouts[-1]
    return size, ems, heights


def _pptx_table(slide: PptxSlide, table: SlideTable, box: tuple[int, int, int, int]) -> None:
    """A table titled above and noted below, rows tinted by tone (红榜 green, 黑榜 red)."""
    left, top, width, height = box
    header = [str(c) for c in table.frame.columns]
    rows = _frame_rows(table.frame)
    _textbox(slide, (left, top, width, Inches(0.45)), [_line(table.title, 18, bold=True)])
    top += Inches(0.5)
    height -= Inches(0.5) + (Inches(0.4) if table.note else 0)
    if not rows:
        _textbox(slide, (left, top, width, Inches(0.5)), [_line("本周无。", 18)])
        return
    size, ems, heights = _table_layout(header, rows, width, height)
    shape = slide.shapes.add_table(
        len(rows) + 1, len(header), Emu(left), Emu(top), Emu(width), Emu(sum(heights))
    )
    grid = shape.table
    grid.first_row = True
    grid.horz_banding = False
    total = sum(ems)
    for c, e in enumerate(ems):
        grid.columns[c].width = Emu(int(width * e / total))
    for r, values in enumerate([header, *rows]):
        grid.rows[r].height = Emu(heights[r])
        tone: Tone = table.tones[r - 1] if 0 < r <= len(table.tones) else "neutral"
        fill = "#E7E6E6" if r == 0 else TONE_FILL[tone]
        for c, value in enumerate(values):
            cell = grid.cell(r, c)
            cell.margin_left = cell.margin_right = CELL_MARGIN
            cell.margin_top = cell.margin_bottom = Inches(0.03)
            cell.vertical_anchor = MSO_ANCHOR.MIDDLE
            cell.fill.solid()
            cell.fill.fore_color.rgb = PptxRGB(*_rgb(fill))
            run = cell.text_frame.paragraphs[0].add_run()
            _pptx_font(run, size, bold=r == 0)
            run.text = value
    if table.note:
        note_box = (left, top + sum(heights) + Inches(0.05), width, Inches(0.35))
        _textbox(slide, note_box, [_line(table.note, 14, colour=palette.MUTED_TEXT)])


def _pptx_picture(slide: PptxSlide, png: bytes, box: tuple[int, int, int, int]) -> None:
    """The chart as large as fits the box, centred, its aspect kept."""
    left, top, width, height = box
    w, h = _png_size(png)
    scale = min(width / w, height / h)
    pic_w, pic_h = int(w * scale), int(h * scale)
    slide.shapes.add_picture(
        io.BytesIO(png),
        Emu(left + (width - pic_w) // 2),
        Emu(top + (height - pic_h) // 2),
        Emu(pic_w),
        Emu(pic_h),
    )


def _content_slide(prs: Any, s: Slide, images: Mapping[str, bytes]) -> PptxSlide:
    """Title, message coloured by tone, then what backs it: numbers alone fill the slide in
    rows of four; beside tables or a chart they stand in a column on the left."""
    slide = _blank(prs)
    width: int = SLIDE_W - 2 * MARGIN
    _textbox(slide, (MARGIN, Inches(0.3), width, Inches(0.8)), [_line(s.title, 36, bold=True)])
    message = _line(s.message, 22, bold=True, colour=TONE_TEXT[s.tone])
    _textbox(slide, (MARGIN, Inches(1.1), width, Inches(0.9)), [message])
    left: int = MARGIN
    top: int = CONTENT_TOP
    height = CONTENT_BOTTOM - top
    png = images.get(s.key) if s.chart is not None else None
    blocks: list[SlideTable | bytes] = [*s.tables, *([png] if png is not None else [])]
    if s.numbers and not blocks:
        _number_cards(slide, s.numbers, (left, top, width, height), min(len(s.numbers), 4))
    elif s.numbers:
        _number_cards(slide, s.numbers, (left, top, NUMBER_COLUMN, height), 1)
        left += NUMBER_COLUMN + GAP
        width -= NUMBER_COLUMN + GAP
    block_w = (width - (len(blocks) - 1) * GAP) // max(len(blocks), 1)
    for i, block in enumerate(blocks):
        box = (left + i * (block_w + GAP), top, block_w, height)
        if isinstance(block, SlideTable):
            _pptx_table(slide, block, box)
        else:
            _pptx_picture(slide, block, box)
    return slide


def slides_pptx(deck: Deck, *, images: Mapping[str, bytes] | None = None) -> bytes:
    """The meeting's slides as a 16:9 PowerPoint file: a title slide (title, scope, date,
    which weeks are compared, what the ledgers are made of), then every deck slide in meeting order with its title, its
    message coloured by tone, big numbers, tables (rows tinted 红榜 green / 黑榜 red) and the
    chart as a picture.

    `images` are the charts by slide key (`chart_images`); drawn here when not given.
    """
    images = _images(deck, images)
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_W, SLIDE_H
    prs.core_properties.title = deck.title
    prs.core_properties.language = "zh-CN"
    _title_slide(prs, deck)
    pages = len(deck.slides) + 1
    for page, s in enumerate(deck.slides, start=2):
        slide = _content_slide(prs, s, images)
        _footer(slide, deck, page, pages, s.footnote)
    buffer = io.BytesIO()
    prs.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- .xlsx


def tables_xlsx(deck: Deck) -> bytes:
    """The deck's underlying tables as an Excel workbook: a first sheet 说明 (title, dates
    compared, the summary one sentence a line, 报送情况 and 数据来源), then one sheet per table,
    whole. Written by
    `exports.to_excel_bytes`: text that starts with = + - @ stays text, personal data masked."""
    notes = [
        f"{notice_title(deck)}（数据表）",
        f"数据截至{cn_date(deck.as_of)}",
        deck.compared_text,
    ]
    notes += ["", *(f"{s}。" for s in deck.summary.split("。") if s.strip())]
    if deck.missing:
        notes += ["", f"尚未导入：{'、'.join(deck.missing)}台账"]
    rep = deck.reporting
    if rep is not None:
        notes += ["", rep.message, *([] if rep.on_time else rep.ledger_lines())]
        if rep.source_line:
            notes.append(rep.source_line)
    return to_excel_bytes(dict(deck.tables), notes=notes)
