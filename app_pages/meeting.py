"""周例会: the week's meeting as slides for the projector (`?present=1` hides everything else)."""

import streamlit as st

from civdash import ui
from civdash.ui import meeting

led = ui.ledgers()
deck = meeting.cached_deck(led)
if deck is None:
    ui.require_data(led, "issues", "volunteers", "units")
    st.stop()

meeting.sidebar_controls(deck)
if deck.missing and not meeting.is_presenting():
    st.caption(f"尚未导入{'、'.join(deck.missing)}台账，相关页已略去。")
meeting.show_deck(deck)
