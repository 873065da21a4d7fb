"""总览: where the campaign stands this week, for the director's Monday meeting."""

import streamlit as st
from streamlit_folium import st_folium

from civdash import charts, ui
from civdash.views.overview import CHANGE_TABLE_LIMIT, build_overview_view

led = ui.ledgers()
if not ui.require_data(led, "issues"):
    st.stop()

view = build_overview_view(led, ui.metrics_for, ui.load_snapshot)
as_of = f"{view.as_of:%Y-%m-%d}" if view.as_of else "—"
st.title(f"总览 · {view.scope}")
compared = view.changes.previous_as_of if view.changes else None
st.caption(
    f"截至 {as_of} · "
    + (f"变化均与 {compared:%Y-%m-%d} 的快照相比" if compared else "首期数据，暂无上周对比")
    + "；颜色表示变化是变好（绿）还是变差（红）"
)
ui.data_sources(led, "issues", "volunteers", "units")
if view.missing:
    st.info(f"尚未导入{'、'.join(view.missing)}台账，相关指标暂不显示。")
    st.page_link("app_pages/upload.py", label="前往『数据导入』", icon=":material/upload_file:")

hero_col, cards_col = st.columns([1, 2], gap="medium")
if view.hero is not None:
    hero_col.html(view.hero.html())
with cards_col.container(horizontal=True, gap="small"):  # cards wrap to the screen's width
    for card in view.cards:
        ui.metric_card(st.container(width=220), card.headline, label=card.label,
                       value=card.value_text, target_text=card.target_text,
                       sparkline=card.sparkline)  # fmt: skip

if view.progress_chart is None:
    st.info("还没有目标任务，可在『目标进度』页填写。")
    st.page_link("app_pages/targets.py", label="前往『目标进度』", icon=":material/flag:")
else:
    st.altair_chart(charts.configure(view.progress_chart, style="large"), width="stretch")
    if view.behind:
        st.markdown(f"**按当前进度无法按期完成：** {'、'.join(view.behind)}")

map_col, changes_col = st.columns([3, 2], gap="large")
with map_col:
    st.subheader("各区县问题整改率")
    if view.map is None:
        st.info("还没有区县边界，无法显示地图。")
    else:
        st_folium(
            view.map, height=470, use_container_width=True, returned_objects=[], key="overview_map"
        )
changes = view.changes
with changes_col:
    if changes is not None:
        st.subheader(f"本周变化（{changes.compared_text}）")
        if changes.previous_as_of is None:
            st.info(
                "无上周数据：这是第一期问题整改台账，下周起显示新发现、已整改和新增逾期的问题。"
            )
        else:
            for label, count in changes.counts:
                st.metric(label, count, border=True)
if changes is not None and changes.previous_as_of is not None:
    ui.show_table(
        changes.table.head(CHANGE_TABLE_LIMIT), hide_index=True, width="stretch", height=360
    )
