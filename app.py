"""CivDash (文明创建数据看板): page config, navigation and the shared sidebar; nothing else."""

import streamlit as st

from civdash import ui

st.set_page_config(page_title="文明创建数据看板", page_icon="📊", layout="wide")
ui.get_store()

pages = {
    "看板": [
        st.Page("pages/overview.py", title="总览", icon="📊", default=True),
        st.Page("pages/map.py", title="地图", icon="🗺️"),
        st.Page("pages/units.py", title="创建单位", icon="🏛️"),
        st.Page("pages/volunteers.py", title="志愿者", icon="🙋"),
        st.Page("pages/issues.py", title="问题整改", icon="🛠️"),
        st.Page("pages/targets.py", title="目标进度", icon="🎯"),
        st.Page("pages/explore.py", title="数据探索", icon="🔎"),
    ],
    "数据": [
        st.Page("pages/upload.py", title="数据导入", icon="📤"),
        st.Page("pages/data_status.py", title="数据概况", icon="🗂️"),
    ],
}
nav = st.navigation(pages)
ui.sidebar()
nav.run()
