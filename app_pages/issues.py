"""问题整改: status by week, new vs closed, aging, the overdue list, breakdowns and the 红黑榜.

Switching tabs reruns the page, and only the open tab is computed and drawn."""

import streamlit as st

from civdash import ui
from civdash.charts import configure
from civdash.ui.issues import issues_view, rule_inputs
from civdash.views.common import cn_date

led = ui.ledgers()
if not ui.require_data(led, "issues"):
    st.stop()

st.title(f"问题整改 · {led.scope_label}")
top = st.container()
tabs = st.tabs(["整改进度", "红黑榜", "逾期问题", "问题分布"], key="issues_tab", on_change="rerun")
progress, lists, late, spread = tabs
with lists:
    rule = rule_inputs()
view = issues_view(led, rule)

with top:
    since = f"，较上周对比 {cn_date(view.previous_as_of)} 的台账" if view.previous_as_of else ""
    st.caption(f"截至 {cn_date(view.as_of)}{since}")
    for col, card in zip(st.columns(len(view.headlines)), view.headlines, strict=True):
        col.metric(card.label, card.value_text, card.delta_text, delta_color=card.delta_color,
                   delta_arrow=card.delta_arrow, delta_description=card.compared_with or None,
                   help=card.help, border=True)  # fmt: skip
        if card.target_text:
            col.caption(card.target_text)

if progress.open is not False:
    left, right = progress.columns(2)
    left.altair_chart(configure(view.status_by_week), width="stretch")
    right.altair_chart(configure(view.new_vs_closed), width="stretch")
    left, right = progress.columns(2)
    left.altair_chart(configure(view.aging), width="stretch")
    right.altair_chart(configure(view.overdue_by_point_type), width="stretch")

if lists.open is not False:
    rate = st.column_config.ProgressColumn("整改率（%）", min_value=0, max_value=100, format="%.1f")
    lists.caption(view.lists_note)
    red_col, black_col = lists.columns(2)
    red_col.subheader(f":green[红榜]（{len(view.red)}个单位）")
    red_col.dataframe(view.red, hide_index=True, column_config={"整改率（%）": rate})
    black_col.subheader(f":red[黑榜]（{len(view.black)}个单位）")
    black_col.dataframe(view.black, hide_index=True, column_config={"整改率（%）": rate})
    lists.altair_chart(configure(view.lists_chart), width="stretch")
    with lists.expander(f"全部责任单位（{len(view.units)}个）"):
        st.dataframe(view.units, hide_index=True, column_config={"整改率（%）": rate})

if late.open is not False:
    late.caption(view.overdue_note)
    late.dataframe(view.overdue, hide_index=True)

if spread.open is not False:
    for col, (_, chart) in zip(spread.columns(len(view.breakdowns)), view.breakdowns, strict=True):
        col.altair_chart(configure(chart), width="stretch")
