"""CivDash (文明创建数据看板): page config, login, navigation and the shared sidebar; nothing else.

Around them: Streamlit's own widget text in Chinese (`ui.app_chrome`), the sample city on the
first start (`ui.first_start`), and any failure shown as a Chinese message (`ui.page_errors`).

The pages are listed in `civdash/pages.py` (one registry, read by the tests and benchmarks too).
Every page is known to the navigation, so a typed URL reaches the server's check: before a page
runs, `auth.guard_page` refuses it unless the user's role may open it (`Page.action`); the
sidebar lists only the pages the user may open. Nobody who is not logged in sees more than the
login page (or, while no admin exists, the form that creates the first one).
"""

from pathlib import Path

import streamlit as st

from civdash import ui
from civdash.pages import by_section, uses_filters
from civdash.ui import auth

st.set_page_config(
    page_title="文明创建数据看板",
    page_icon=str(Path(__file__).parent / "civdash" / "assets" / "favicon.png"),
    layout="wide",
)
ui.app_chrome()

pages = {
    section: [st.Page(p.path, title=p.title, icon=p.icon, default=p.default) for p in entries]
    for section, entries in by_section().items()
}
nav = st.navigation(pages, position="hidden")  # the sidebar lists the user's own pages
with ui.page_errors():  # a failure becomes a Chinese message; st.rerun/st.stop pass through
    ui.check_memory()  # past 85 % of CIVDASH_MEMORY_MB, the server drops older kept data
    ui.first_start()
    account = auth.current_user()
    if account is None:
        if auth.accounts().has_admin():
            auth.login_page()
        else:
            auth.setup_page()
        st.stop()
    auth.keep_cookie()  # a reload or a link stays logged in until the session goes idle
    auth.user_menu(account)  # at the top: the page's own sidebar controls come last
    auth.page_links(account)
    ui.sidebar(filters=uses_filters(nav.url_path), home_district=account.district or None)
    auth.guard_page(account, nav.url_path)
    ui.rebuild_notice()  # stale metric aggregates: rebuilt in the background, progress shown
    nav.run()
