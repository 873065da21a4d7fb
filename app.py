"""CivDash (文明创建数据看板): page config, navigation and the shared sidebar; nothing else."""

from pathlib import Path

import streamlit as st

from civdash import ui

st.set_page_config(
    page_title="文明创建数据看板",
    page_icon=str(Path(__file__).parent / "civdash" / "assets" / "favicon.png"),
    layout="wide",
)
ui.get_store()

pages = {
    "看板": [
        st.Page("app_pages/overview.py", title="总览", icon=":material/dashboard:", default=True),
        st.Page("app_pages/meeting.py", title="周例会", icon=":material/co_present:"),
        st.Page("app_pages/map.py", title="地图", icon=":material/map:"),
        st.Page("app_pages/units.py", title="创建单位", icon=":material/account_balance:"),
        st.Page("app_pages/volunteers.py", title="志愿者", icon=":material/volunteer_activism:"),
        st.Page("app_pages/issues.py", title="问题整改", icon=":material/build:"),
        st.Page("app_pages/targets.py", title="目标进度", icon=":material/flag:"),
        st.Page("app_pages/explore.py", title="数据探索", icon=":material/query_stats:"),
    ],
    "数据": [
        st.Page("app_pages/upload.py", title="数据导入", icon=":material/upload_file:"),
        st.Page("app_pages/data_status.py", title="数据概况", icon=":material/history:"),
    ],
}
nav = st.navigation(pages)
ui.sidebar()
nav.run()
