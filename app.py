"""CivDash (文明创建数据看板): page config, navigation and the shared sidebar; nothing else.

The pages are listed in `civdash/pages.py` (one registry, read by the tests and benchmarks too).
"""

from pathlib import Path

import streamlit as st

from civdash import ui
from civdash.pages import by_section

st.set_page_config(
    page_title="文明创建数据看板",
    page_icon=str(Path(__file__).parent / "civdash" / "assets" / "favicon.png"),
    layout="wide",
)
ui.get_store()

pages = {
    section: [st.Page(p.path, title=p.title, icon=p.icon, default=p.default) for p in entries]
    for section, entries in by_section().items()
}
nav = st.navigation(pages)
ui.sidebar()
nav.run()
