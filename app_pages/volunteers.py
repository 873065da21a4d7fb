"""志愿者: registrations against the target, coverage by district, stars, hours, teams and party
members. No personal data is shown: the view carries no names, phones or ID numbers."""

import streamlit as st

from civdash import ui
from civdash.charts import configure
from civdash.views.common import Headline, cn_date
from civdash.views.volunteers import (
    PARTY_NOTE,
    TEAM_SORT_LABELS,
    TeamSort,
    build_volunteers_view,
)

led = ui.ledgers()
if not ui.require_data(led, "volunteers"):
    st.stop()
view = build_volunteers_view(led, ui.metrics_for)

st.title(f"志愿者 · {view.scope}")
since = f"，较上周对比 {cn_date(view.previous_as_of)} 的台账" if view.previous_as_of else ""
st.caption(f"截至 {cn_date(view.as_of)}{since}" if view.as_of else "")
ui.data_sources(led, "volunteers")


def cards(headlines: tuple[Headline, ...]) -> None:
    for col, card in zip(st.columns(len(headlines)), headlines, strict=True):
        ui.metric_card(col, card)


cards(view.headlines)

left, right = st.columns(2)
left.altair_chart(configure(view.registrations_chart), width="stretch")
left.caption(view.registration_target_text or "本范围没有设定注册志愿者目标。")
if view.district_rates_chart is not None:
    right.altair_chart(configure(view.district_rates_chart), width="stretch")
else:
    right.info("还没有导入区县常住人口，无法计算注册志愿者占常住人口比例。")

left, right = st.columns(2)
left.altair_chart(configure(view.star_chart), width="stretch")
right.altair_chart(configure(view.hours_chart), width="stretch")

st.subheader("志愿服务队")
by: TeamSort = (
    st.segmented_control(
        "排行依据",
        list(TEAM_SORT_LABELS),
        format_func=lambda v: TEAM_SORT_LABELS[v],
        default="volunteers",
        required=True,
        key="vol_team_sort",
    )
    or "volunteers"
)
left, right = st.columns([2, 3])
left.altair_chart(configure(view.teams_chart(by)), width="stretch")
right.caption(view.teams_caption(by))
ui.show_table(view.top_teams(by), where=right, hide_index=True, width="stretch", key="vol_teams")

st.subheader("党员志愿者")
left, right = st.columns(2)
with left:
    cards(view.party)
    st.caption(PARTY_NOTE)
right.altair_chart(configure(view.party_chart), width="stretch")
