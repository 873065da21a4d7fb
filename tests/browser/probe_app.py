"""A small Streamlit page with one of each thing test_newcomer.py must see, or must not.

Served by `test_the_reader_sees_what_a_user_sees_and_nothing_hidden` to show that the reader of
visible text finds a raw None in a grid cell, a long number on a chart's canvas, English in an
opened expander and inside a frame, and Streamlit's own placeholder; and that it passes over
hidden text, icon names, dates, codes, masked phone numbers and the 12345 hotline.
"""

import altair as alt
import pandas as pd
import streamlit as st
import streamlit.components.v1 as components

st.title("探针页")
st.caption("Upload your ledger")
st.html('<span style="display:none">Hidden words</span>')
st.button("下载", icon=":material/download:")
st.multiselect("筛选", ["甲", "乙"])
st.dataframe(
    pd.DataFrame(
        {
            "区县": ["城关区", None, "东湖区"],
            "人口": [61842, 1234, 7],
            "来源": ["12345热线", "QLWT2026110001", "138****8000"],
            "日期": ["2026-11-15", "20261115", "2026年11月15日"],
        }
    ),
    hide_index=True,
)
bars = pd.DataFrame(
    {"区县": ["甲区", "乙区"], "时长": [104620, 5], "标签": ["104620小时", "5小时"]}
)
base = alt.Chart(bars).encode(x=alt.X("区县:N"), y=alt.Y("时长:Q", axis=None))
st.altair_chart(base.mark_bar() + base.mark_text(dy=-8).encode(text="标签:N"))
with st.expander("更多"):
    st.write("Expanded words")
components.html("<p>框架 Frame words</p>", height=60)
