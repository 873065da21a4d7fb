"""周例会 in the app: the deck on the projector, slide by slide.

`?present=1` turns the app into slides (`PRESENTING_CSS` hides the sidebar with the navigation,
the header and toolbar; `ZOOM_JS` zooms the 1280×720 slide to fill the screen); `?slide=N` is the slide shown, so a link opens the meeting where it was.
Next/previous are buttons with keyboard shortcuts (→ ↓ PageDown / ← ↑ PageUp: a presentation
clicker sends PageUp/PageDown; Home goes back to the first slide). `?auto=S` advances every S
seconds (a fragment rerun on a timer, so only the slide is redrawn).

The deck is built once per (snapshots in force, district) and kept (`st.cache_resource`): it is
read-only, and the briefing files are made from the same object when a download is clicked.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlencode

import streamlit as st

from civdash import briefing
from civdash.dashboard import Ledgers
from civdash.meeting import Deck, build_deck
from civdash.permissions import allowed
from civdash.slides import SLIDE_CSS, slide_body_html, slide_head_html
from civdash.ui.auth import current_user
from civdash.ui.downloads import Download, offer_files
from civdash.ui.errors import page_errors
from civdash.ui.state import (
    get_store,
    ledgers_key,
    load_snapshot,
    metrics_for,
    unit_counts_for,
    view_cache,
)

__all__ = [
    "AUTO_CHOICES",
    "PRESENT_PARAM",
    "cached_deck",
    "is_presenting",
    "show_deck",
    "sidebar_controls",
]

PRESENT_PARAM = "present"
SLIDE_PARAM = "slide"
AUTO_PARAM = "auto"
AUTO_CHOICES = (0, 10, 20, 30, 60)
"""Auto-advance intervals in seconds (0 = off)."""
_SLIDE_KEY = "deck_slide"
_TURNED_KEY = "deck_turned_at"

PRESENTING_CSS = """
<style>
header[data-testid="stHeader"], [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"], [data-testid="stToolbar"], [data-testid="stDecoration"],
[data-testid="stStatusWidget"] { display: none !important; }
[data-testid="stMainBlockContainer"] { padding: 1.2vh 2.5vw 0 2.5vw !important; max-width: 100% !important; }
[data-testid="stAppViewContainer"], [data-testid="stMain"] { background: #FFFFFF; }
</style>
"""

SLIDE_WIDTH, SLIDE_HEIGHT = 1280, 720
"""The slide's design size: on the projector it is zoomed to fill the screen."""

ZOOM_JS = f"""
<div class="cd-present" style="display:none"></div>
<script>
(() => {{
  if (window.__cdZoom) return;
  const fit = () => {{
    const main = document.querySelector('[data-testid="stMainBlockContainer"]');
    if (!main) return;
    const on = document.querySelector('.cd-present') !== null;
    const zoom = on ? Math.min(innerWidth / {SLIDE_WIDTH}, innerHeight / {SLIDE_HEIGHT}) : 1;
    const want = on ? String(zoom) : '';
    if (main.style.zoom !== want) main.style.zoom = want;
  }};
  window.__cdZoom = setInterval(fit, 250);
  addEventListener('resize', fit);
  addEventListener('keydown', e => {{
    const exit = document.querySelector('a.cd-exit');
    if (e.key === 'Escape' && exit) exit.click();
  }});
  fit();
}})();
</script>
"""

NAV_CSS = """
<style>
.st-key-deck_prev button, .st-key-deck_next button, .st-key-deck_exit button,
.st-key-deck_prev p, .st-key-deck_next p, .st-key-deck_exit p,
.st-key-deck_prev kbd, .st-key-deck_next kbd { font-size: 24px !important; }
a.cd-mode { display: inline-block; font-size: 24px; padding: 0.25em 0.8em; border-radius: 0.5rem;
  border: 1px solid #C8CDD6; color: #1A1A1A; text-decoration: none; background: #FFFFFF; }
a.cd-mode.cd-enter { background: #0B5394; border-color: #0B5394; color: #FFFFFF; }
.st-key-deck_prev button, .st-key-deck_next button { min-width: 9em; }
.st-key-deck_pgup, .st-key-deck_pgdn, .st-key-deck_up, .st-key-deck_down, .st-key-deck_home
{ display: none !important; }
</style>
"""


def is_presenting() -> bool:
    """Whether the URL asks for the projector view (`?present=1`)."""
    return st.query_params.get(PRESENT_PARAM) == "1"


def _deck(key: tuple[object, ...], led: Ledgers) -> Deck | None:
    def make() -> Deck | None:
        with st.spinner("正在准备例会材料……"):
            return build_deck(
                led, metrics_for, load_snapshot, store=get_store(), counts_for=unit_counts_for
            )

    return view_cache().get(("deck", key), make)


def cached_deck(led: Ledgers) -> Deck | None:
    """The deck for the ledgers in force, built once per snapshots-in-force and district."""
    return _deck(ledgers_key(led), led)


def _auto_seconds() -> int:
    try:
        value = int(st.query_params.get(AUTO_PARAM, "0"))
    except ValueError:
        return 0
    return value if value in AUTO_CHOICES else 0


def _current(total: int) -> int:
    """The slide shown (0-based), from session state or the URL's 1-based `slide`."""
    if _SLIDE_KEY not in st.session_state:
        try:
            st.session_state[_SLIDE_KEY] = int(st.query_params.get(SLIDE_PARAM, "1")) - 1
        except ValueError:
            st.session_state[_SLIDE_KEY] = 0
    index = min(max(int(st.session_state[_SLIDE_KEY]), 0), total - 1)
    st.session_state[_SLIDE_KEY] = index
    return index


def _go(to: int | None = None, step: int = 0, total: int = 1) -> None:
    index = st.session_state.get(_SLIDE_KEY, 0)
    index = to if to is not None else index + step
    st.session_state[_SLIDE_KEY] = min(max(index, 0), total - 1)
    st.session_state[_TURNED_KEY] = time.monotonic()


def _mode_link(index: int) -> None:
    """退出放映 / 全屏放映 as a link that reloads the page with or without `present`: the
    projector theme, the sidebar and the zoom change for the whole page, and the URL keeps the
    slide, the district and the date."""
    params = {k: v for k, v in st.query_params.items() if k != PRESENT_PARAM}
    params[SLIDE_PARAM] = str(index + 1)
    label, css = "退出放映（Esc）", "cd-mode cd-exit"
    if not is_presenting():
        params[PRESENT_PARAM] = "1"
        label, css = "全屏放映", "cd-mode cd-enter"
    href = html.escape("?" + urlencode(params), quote=True)
    st.html(
        f'<div style="text-align:center"><a class="{css}" href="{href}" target="_self">{label}</a></div>'
    )


def _navigation(total: int, index: int) -> None:
    """上一页 / 下一页 (with the clicker's keys) and 退出放映, in one row under the slide."""
    left, middle, right = st.columns([1, 1, 1], vertical_alignment="center")
    back = {"step": -1, "total": total}
    forward = {"step": 1, "total": total}
    left.button("◀ 上一页", key="deck_prev", on_click=_go, kwargs=back, shortcut="Left")
    with middle.container(horizontal_alignment="center"):
        st.button("↑", key="deck_up", on_click=_go, kwargs=back, shortcut="Up")
        st.button("⇞", key="deck_pgup", on_click=_go, kwargs=back, shortcut="PageUp")
        st.button("↓", key="deck_down", on_click=_go, kwargs=forward, shortcut="Down")
        st.button("⇟", key="deck_pgdn", on_click=_go, kwargs=forward, shortcut="PageDown")
        st.button(
            "⇱", key="deck_home", on_click=_go, kwargs={"to": 0, "total": total}, shortcut="Home"
        )
        _mode_link(index)
    with right.container(horizontal_alignment="right"):
        st.button("下一页 ▶", key="deck_next", on_click=_go, kwargs=forward, shortcut="Right")


def _slide(deck: Deck) -> None:
    total = len(deck.slides)
    auto = _auto_seconds()
    if auto:
        turned = st.session_state.get(_TURNED_KEY)
        now = time.monotonic()
        if turned is None:
            st.session_state[_TURNED_KEY] = now
        elif now - turned >= auto - 0.5:
            _go(step=1 if st.session_state.get(_SLIDE_KEY, 0) < total - 1 else -total, total=total)
    index = _current(total)
    st.query_params[SLIDE_PARAM] = str(index + 1)
    slide = deck.slides[index]
    st.html(slide_head_html(deck, index))
    body = slide_body_html(slide, stacked=slide.chart is not None)
    if slide.chart is not None and body:
        numbers, chart = st.columns([1, 2], gap="medium")
        numbers.html(body)
        # a fixed width: a "stretch" chart measures its column before the projector zoom
        chart.altair_chart(slide.chart, width="content", theme=None)
    else:
        if body:
            st.html(body)
        if slide.chart is not None:
            st.altair_chart(slide.chart, width="content", theme=None)
    _navigation(total, index)


def show_deck(deck: Deck) -> None:
    """The slide in force with its navigation; in projector mode, the app's chrome hidden."""
    st.html(SLIDE_CSS)
    st.html(NAV_CSS)
    if is_presenting():
        # one element with content, not a style-only one: Streamlit keeps style-only elements
        # after the rerun that stops presenting, and the sidebar would stay hidden
        st.html(PRESENTING_CSS + ZOOM_JS, unsafe_allow_javascript=True)
    auto = _auto_seconds()

    def slide() -> None:
        with page_errors():  # a fragment's own rerun does not pass through app.py
            _slide(deck)

    run: Callable[[], None] = st.fragment(
        slide, run_every=timedelta(seconds=auto) if auto else None
    )
    run()


def _downloads(deck: Deck, key: tuple[object, ...]) -> None:
    """The briefing pack: made at the first click of one of its buttons (about a second), not on
    every run, then offered as ordinary downloads (`offer_files`)."""
    names = briefing.file_names(deck)

    def make() -> tuple[bytes, bytes, bytes]:
        images = briefing.chart_images(deck)  # drawn once for the notice and the slides
        return (
            briefing.notice_docx(deck, images=images),
            briefing.slides_pptx(deck, images=images),
            briefing.tables_xlsx(deck),
        )

    offer_files(
        ("briefing", key),
        [
            Download("下载通报（Word）", names["docx"], briefing.DOCX_MIME, "deck_docx"),
            Download("下载幻灯片（PPT）", names["pptx"], briefing.PPTX_MIME, "deck_pptx"),
            Download("下载数据表（Excel）", names["xlsx"], briefing.XLSX_MIME, "deck_xlsx"),
        ],
        make,
        making="正在生成通报、幻灯片和数据表……",
        width="stretch",
    )


def sidebar_controls(led: Ledgers, deck: Deck) -> None:
    """The meeting page's sidebar: auto-advance, the dates compared, the briefing files."""
    with st.sidebar:
        st.divider()
        st.markdown("**周例会**")
        auto = st.selectbox(
            "自动翻页",
            AUTO_CHOICES,
            index=AUTO_CHOICES.index(_auto_seconds()),
            format_func=lambda s: "关闭" if s == 0 else f"每{s}秒",
            key="deck_auto",
        )
        if auto:
            st.query_params[AUTO_PARAM] = str(auto)
        elif AUTO_PARAM in st.query_params:
            del st.query_params[AUTO_PARAM]
        st.caption(deck.compared_text)
        account = current_user()
        if account is not None and allowed(account, "download"):
            st.markdown("**例会材料**")
            _downloads(deck, ledgers_key(led))
