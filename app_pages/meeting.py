"""周例会: the week's meeting as slides for the projector (`?present=1` hides everything else)."""

import streamlit as st

from civdash import ui
from civdash.ui import meeting

led = ui.ledgers()
deck = meeting.cached_deck(led)
if deck is None:
    st.title("周例会")
    ui.require_data(led, "issues", "volunteers", "units")
    st.stop()

meeting.sidebar_controls(led, deck)
if not meeting.is_presenting():
    st.title(f"周例会 · {deck.scope}")
    st.caption(
        f"{deck.compared_text}。点『全屏放映』投到大屏：← → 或翻页笔翻页，Esc 退出；"
        "侧栏可设自动翻页、下载通报和幻灯片。"
    )
    if deck.reporting is not None and deck.reporting.source_line:
        st.caption(deck.reporting.source_line)
    if deck.missing:
        st.info(f"尚未导入{'、'.join(deck.missing)}台账，相关页已略去。")
meeting.show_deck(deck)
