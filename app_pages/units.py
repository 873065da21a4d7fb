"""创建单位: headline numbers, counts by category × level × district, status pipeline, scores
against the pass mark, units below target and the sortable units table."""

import streamlit as st

from civdash import ui
from civdash.charts import configure
from civdash.views.common import MISSING_CELL, cn_date
from civdash.views.units import (
    BELOW_TARGET_LIMIT,
    UNIT_TABLE_LIMIT,
    build_units_view,
)

led = ui.ledgers()
if not ui.require_data(led, "units"):
    st.stop()
view = build_units_view(led, ui.metrics_for)

st.title(f"创建单位 · {view.scope}")
since = f"，较上周对比 {cn_date(view.previous_as_of)} 的台账" if view.previous_as_of else ""
st.caption(f"截至 {cn_date(view.as_of)}{since}" if view.as_of else "")
ui.data_sources(led, "units")

for col, card in zip(st.columns(len(view.headlines)), view.headlines, strict=True):
    ui.metric_card(col, card)

st.subheader("按类别、级别和区县")
left, right = st.columns(2)
left.altair_chart(configure(view.category_level_chart), width="stretch")
right.altair_chart(configure(view.area_level_chart), width="stretch")
with st.expander("单位数明细表（区县 × 类别 × 级别）"):
    ui.show_table(view.counts, hide_index=True, width="stretch", key="units_counts")

st.subheader("创建状态与测评得分")
left, right = st.columns(2)
left.altair_chart(configure(view.status_chart), width="stretch")
right.altair_chart(configure(view.score_chart), width="stretch")
right.caption(view.pass_rule_text)

st.subheader(f"未达标单位（{view.below_target_total}个）")
if view.below_target_total == 0:
    st.success("有得分的单位全部达标。")
else:
    more = view.below_target_total > BELOW_TARGET_LIMIT
    st.caption(f"按差距从大到小排列{f'，显示前 {BELOW_TARGET_LIMIT} 个' if more else ''}。")
    ui.show_table(view.below_target, hide_index=True, width="stretch", key="units_below")

st.subheader("单位明细")
left, right = st.columns(2)
categories = left.multiselect(
    "创建类别", view.category_options, key="units_category", placeholder="全部类别"
)
statuses = right.multiselect(
    "创建状态", view.status_options, key="units_status", placeholder="全部状态"
)
table = view.filter_units(categories, statuses)
shown = f"，显示前 {UNIT_TABLE_LIMIT:,} 个" if table.total > UNIT_TABLE_LIMIT else ""
st.caption(f"共 {table.total:,} 个单位{shown}；点击列标题可排序。")
ui.show_table(
    table.rows, hide_index=True, width="stretch", key="units_table", placeholder=MISSING_CELL
)
