"""A `meeting.Slide` as HTML for the projector: large type, high contrast, every text escaped.

Sizes are set for a 1280×720 slide: body text 24 px, headline numbers 64 px (the hero 80 px),
and every colour has a contrast of at least 4.5:1 on white (`palette.contrast_ratio`). On the
projector the slide is zoomed to fill the screen (`civdash.ui.meeting`), so on 1920×1080 the same
text is 36 px and nothing reflows: a slide that fits 1280×720 fits every 16:9 screen. `SLIDE_CSS` is the theme; `slide_html` one slide's
body (title, message, big numbers, tables); the chart and the navigation are Streamlit
elements placed under it by `civdash.ui.meeting`.
"""

from __future__ import annotations

import html
import re

import pandas as pd

from civdash import palette
from civdash.meeting import BigNumber, Deck, Slide, SlideTable, Tone

__all__ = [
    "BODY_MIN_PX",
    "NUMBER_MIN_PX",
    "SLIDE_CSS",
    "slide_body_html",
    "slide_head_html",
    "slide_html",
    "split_number",
]

BODY_MIN_PX = 24
NUMBER_MIN_PX = 64

_TONE_COLORS: dict[Tone, str] = {
    "good": palette.GOOD_TEXT,
    "bad": palette.BAD_TEXT,
    "neutral": palette.TEXT,
}
_MARKERS: dict[Tone, str] = {"good": palette.GOOD, "bad": palette.BAD, "neutral": "#BBBBBB"}

SLIDE_CSS = f"""
<style>
.cd-slide {{ font-size: {BODY_MIN_PX}px; line-height: 1.3; color: {palette.TEXT};
  background: #FFFFFF; }}
.cd-slide * {{ font-size: inherit; }}
.cd-slide .cd-top {{ display: flex; justify-content: space-between; color: {palette.MUTED_TEXT}; }}
.cd-slide .cd-title {{ font-size: 40px; font-weight: 700; line-height: 1.2;
  margin: 0.15em 0 0.1em 0; color: {palette.TEXT}; }}
.cd-slide .cd-msg {{ font-size: 28px; font-weight: 600; margin: 0 0 0.45em 0; }}
.cd-slide .cd-grid {{ display: grid; grid-template-columns: repeat(4, minmax(0, 1fr));
  gap: 0.5em; }}
.cd-slide .cd-grid.cd-three {{ grid-template-columns: repeat(3, minmax(0, 1fr)); }}
.cd-slide .cd-grid.cd-one {{ grid-template-columns: minmax(0, 1fr); }}
.cd-slide .cd-num {{ border: 2px solid #C8CDD6; border-radius: 12px; padding: 0.2em 0.5em 0.3em;
  min-width: 0; }}
.cd-slide .cd-num.cd-hero {{ border: 4px solid {palette.NEUTRAL}; }}
.cd-slide .cd-label {{ font-weight: 600; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }}
.cd-slide .cd-value {{ font-size: {NUMBER_MIN_PX}px; font-weight: 700;
  line-height: 1.1; white-space: nowrap; }}
.cd-slide .cd-hero .cd-value {{ font-size: 80px; }}
.cd-slide .cd-value .cd-unit {{ font-size: {BODY_MIN_PX + 8}px; font-weight: 600;
  margin-left: 0.1em; }}
.cd-slide .cd-note {{ color: {palette.MUTED_TEXT}; }}
.cd-slide .cd-tables {{ display: flex; gap: 1.2em; align-items: flex-start; }}
.cd-slide .cd-tables > div {{ flex: 1 1 0; min-width: 0; }}
.cd-slide .cd-ttitle {{ font-weight: 700; margin: 0.3em 0 0.1em; }}
.cd-slide table {{ border-collapse: collapse; width: 100%; }}
.cd-slide th {{ text-align: left; font-weight: 700; border-bottom: 3px solid {palette.TEXT};
  padding: 0.1em 0.4em; white-space: nowrap; }}
.cd-slide td {{ padding: 0.1em 0.4em; border-bottom: 1px solid #C8CDD6; }}
.cd-slide td:first-child {{ border-left: 8px solid transparent; }}
{"".join(f".cd-slide tr.cd-{t} td:first-child {{ border-left-color: {c}; }}" for t, c in _MARKERS.items())}
.cd-slide .cd-foot {{ color: {palette.MUTED_TEXT}; margin-top: 0.3em; }}
</style>
"""

_NUMBER = re.compile(r"^([+\-−]?[\d,]+(?:\.\d+)?)(.*)$")


def _e(text: object) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def split_number(value: str) -> tuple[str, str]:
    """ "278万小时" → ("278", "万小时"), "87.6%" → ("87.6", "%"): the digits in large type and
    the unit smaller, so a number fits a card at 64 px."""
    m = _NUMBER.match(value.strip())
    return (m.group(1), m.group(2).strip()) if m else (value, "")


def _number(n: BigNumber) -> str:
    digits, unit = split_number(n.value)
    unit_html = f'<span class="cd-unit">{_e(unit)}</span>' if unit else ""
    delta = (
        f'<div class="cd-delta" style="color:{_TONE_COLORS[n.tone]};font-weight:700">'
        f"{_e(n.delta)}</div>"
        if n.delta
        else ""
    )
    note = f'<div class="cd-note">{_e(n.note)}</div>' if n.note else ""
    hero = " cd-hero" if n.hero else ""
    return (
        f'<div class="cd-num{hero}"><div class="cd-label">{_e(n.label)}</div>'
        f'<div class="cd-value">{_e(digits)}{unit_html}</div>{delta}{note}</div>'
    )


def _table(t: SlideTable) -> str:
    frame: pd.DataFrame = t.frame
    head = "".join(f"<th>{_e(c)}</th>" for c in frame.columns)
    rows = []
    for i, values in enumerate(frame.itertuples(index=False)):
        tone: Tone = t.tones[i] if i < len(t.tones) else "neutral"
        cells = "".join(f"<td>{_e(v)}</td>" for v in values)
        rows.append(f'<tr class="cd-{tone}">{cells}</tr>')
    body = "".join(rows) or f'<tr><td colspan="{len(frame.columns)}">无</td></tr>'
    note = f'<div class="cd-note">{_e(t.note)}</div>' if t.note else ""
    return (
        f'<div><div class="cd-ttitle">{_e(t.title)}</div>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}</div>"
    )


def slide_head_html(deck: Deck, index: int) -> str:
    """The deck's name and date, the slide's number, title and message."""
    slide: Slide = deck.slides[index]
    return (
        f'<div class="cd-slide"><div class="cd-top">'
        f"<span>{_e(deck.title)} · 截至{deck.as_of:%Y年%m月%d日}</span>"
        f"<span>{index + 1} / {len(deck.slides)}</span></div>"
        f'<div class="cd-title">{_e(slide.title)}</div>'
        f'<div class="cd-msg" style="color:{_TONE_COLORS[slide.tone]}">{_e(slide.message)}</div>'
        "</div>"
    )


def slide_body_html(slide: Slide, *, stacked: bool = False) -> str:
    """The slide's big numbers (`stacked`: one under the other, beside a chart), tables and
    footnote; "" when it has none of them."""
    parts = []
    if slide.numbers:
        grid = "cd-grid cd-three" if len(slide.numbers) <= 3 else "cd-grid"
        grid = "cd-grid cd-one" if stacked else grid
        parts.append(f'<div class="{grid}">{"".join(_number(n) for n in slide.numbers)}</div>')
    if slide.tables:
        parts.append(f'<div class="cd-tables">{"".join(_table(t) for t in slide.tables)}</div>')
    if slide.footnote:
        parts.append(f'<div class="cd-foot">{_e(slide.footnote)}</div>')
    return f'<div class="cd-slide">{"".join(parts)}</div>' if parts else ""


def slide_html(deck: Deck, index: int) -> str:
    """Slide `index` (0-based) of `deck` as HTML, all text escaped (its chart is not in it)."""
    return slide_head_html(deck, index) + slide_body_html(deck.slides[index])
