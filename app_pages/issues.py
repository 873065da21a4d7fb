"""问题整改: status by week, new vs closed, aging, the overdue list, breakdowns, the 红黑榜 (with
each unit's latest escalation) and 督办 (the notices' download and the escalation records).

Switching tabs reruns the page, and only the open tab is computed and drawn."""

import streamlit as st

from civdash import ui
from civdash.charts import configure
from civdash.ui.issues import escalation_tab, issues_view, latest_escalation_texts, rule_inputs
from civdash.views.common import cn_date
from civdash.views.issues import with_latest_escalation

led = ui.ledgers()
if not ui.require_data(led, "issues"):
    st.stop()

st.title(f"问题整改 · {led.scope_label}")
top = st.container()
tabs = st.tabs(
    ["整改进度", "红黑榜", "逾期问题", "问题分布", "督办"], key="issues_tab", on_change="rerun"
)
progress, lists, late, spread, supervise = tabs
with lists:
    rule = rule_inputs()
view = issues_view(led, rule)

with top:
    since = f"，较上周对比 {cn_date(view.previous_as_of)} 的台账" if view.previous_as_of else ""
    st.caption(f"截至 {cn_date(view.as_of)}{since}")
    ui.data_sources(led, "issues")
    for col, card in zip(st.columns(len(view.headlines)), view.headlines, strict=True):
        ui.metric_card(col, card)

if progress.open is not False:
    with ui.computing(progress, "整改进度：各周问题状态、新发现与已整改、整改用时"):
        left, right = progress.columns(2)
        left.altair_chart(configure(view.status_by_week), width="stretch")
        right.altair_chart(configure(view.new_vs_closed), width="stretch")
        left, right = progress.columns(2)
        left.altair_chart(configure(view.aging), width="stretch")
        right.altair_chart(configure(view.overdue_by_point_type), width="stretch")

if lists.open is not False:
    with ui.computing(lists, "红黑榜：各责任单位的整改率、排名和连续上黑榜周数"):
        rate = st.column_config.ProgressColumn(
            "整改率（%）", min_value=0, max_value=100, format="%.1f"
        )
        lists.caption(view.lists_note)
        escalated = latest_escalation_texts(led)  # 最近督办: read anew, editors change it
        red_col, black_col = lists.columns(2)
        red_col.subheader(f":green[红榜]（{len(view.red)}个单位）")
        red = with_latest_escalation(view.red, escalated)
        ui.show_table(red, where=red_col, hide_index=True, column_config={"整改率（%）": rate})
        black_col.subheader(f":red[黑榜]（{len(view.black)}个单位）")
        black = with_latest_escalation(view.black, escalated)
        ui.show_table(black, where=black_col, hide_index=True, column_config={"整改率（%）": rate})
        lists.altair_chart(configure(view.lists_chart), width="stretch")
        with lists.expander(f"全部责任单位（{len(view.units)}个）"):
            units = with_latest_escalation(view.units, escalated)
            ui.show_table(units, hide_index=True, column_config={"整改率（%）": rate})

if late.open is not False:
    with ui.computing(late, "逾期问题清单"):
        late.caption(view.overdue_note)
        ui.show_table(view.overdue, where=late, hide_index=True)

if spread.open is not False:
    with ui.computing(spread, "问题分布：按类别、点位类型和来源"):
        columns = spread.columns(len(view.breakdowns))
        for col, (_, chart) in zip(columns, view.breakdowns, strict=True):
            col.altair_chart(configure(chart), width="stretch")

if supervise.open is not False:
    with ui.computing(supervise, "督办：应发督办通知的责任单位和督办记录"):
        escalation_tab(led, view.as_of)
