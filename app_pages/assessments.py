"""测评结果: the latest round's 得分率 and its change, the district ranking with its 红黑榜, the
trend per round, where points are lost (Pareto, repeat losses), the map, and rankings by street,
responsible unit and 点位类型. Switching tabs reruns the page; only the open tab is drawn."""

import streamlit as st

from civdash import ui
from civdash.charts import configure
from civdash.ui.assessments import (
    LIST_COLOURS,
    assessments_view,
    rule_inputs,
    show_map,
    upload_link,
)
from civdash.views.assessments import RANKING_BY, missing_text

led = ui.ledgers()
st.title(f"测评结果 · {led.scope_label}")
top = st.container()
tabs = st.tabs(
    ["区县排名", "得分趋势", "失分项", "反复失分", "地图", "街道与责任单位"],
    key="assessments_tab",
    on_change="rerun",
)
ranking, trend, losses, repeats, where, groups = tabs
with ranking.expander("红黑榜规则"):
    rule = rule_inputs()
view = assessments_view(led, rule)
if view is None:
    top.info(missing_text(led))
    with top:
        upload_link()
    st.stop()

with top:
    st.caption(f"{view.round_text} · {view.compared_text} · 共 {len(view.rounds)} 轮测评")
    ui.data_sources(led, "assessments")
    hero, cards = st.columns([3, 2], gap="medium")
    hero.html(view.hero_html())
    for card in view.headlines[1:]:
        ui.metric_card(cards, card)
    files = cards.container(horizontal=True, gap="small")  # wraps on a narrow screen
    files.download_button("下载测评分析（Excel）", view.workbook, f"{view.file_stem}.xlsx",
                          key="as_xlsx", on_click="ignore", icon=":material/download:")  # fmt: skip
    files.download_button("下载本轮明细（CSV）", view.rows_csv, f"{view.file_stem}.csv",
                          key="as_csv", on_click="ignore", icon=":material/download:")  # fmt: skip

if ranking.open is not False:
    ranking.caption(view.lists_note + (f" {view.ranking_note}" if view.ranking_note else ""))
    left, right = ranking.columns([3, 4])
    left.altair_chart(configure(view.ranking_chart(), style="large"), width="stretch")
    ui.show_table(view.ranking_table(), where=right, colours=LIST_COLOURS, hide_index=True)

if trend.open is not False:
    trend.altair_chart(configure(view.trend_chart, style="large"), width="stretch")

if losses.open is not False:
    losses.caption(view.pareto_note)
    losses.altair_chart(configure(view.pareto_chart, style="large"), width="stretch")
    ui.show_table(view.pareto_table, where=losses, hide_index=True)

if repeats.open is not False:
    repeats.caption(view.repeat_note)
    ui.show_table(view.repeat_table, where=repeats, hide_index=True)

if where.open is not False:
    where.caption(view.map_note)
    with where:
        show_map(view)

if groups.open is not False:
    shown = {k: v for k, v in RANKING_BY.items() if k in view.frame.columns}
    first = next(iter(shown))
    by = groups.segmented_control("排名对象", list(shown), format_func=lambda k: shown[k],
                                  default=first, key="as_by") or first  # fmt: skip
    left, right = groups.columns([3, 4])
    left.altair_chart(configure(view.ranking_chart(by), style="large"), width="stretch")
    ui.show_table(view.ranking_table(by), where=right, colours=LIST_COLOURS, hide_index=True)
