"""地图: districts coloured by a chosen metric, issue points by status, creation units.

Clicking a district narrows the whole dashboard to it (see civdash.ui.maps)."""

import streamlit as st

from civdash import ui
from civdash.ui.maps import map_view, show_map
from civdash.views.map import DEFAULT_METRIC, TILE_CHOICES, metric_options

led = ui.ledgers()
if not ui.require_data(led, "issues"):
    st.stop()

options = {o.key: o for o in metric_options(led)}
st.title(f"地图 · {led.scope_label}")
# wide enough for the whole 按每万人口 label at 1280 px
choice, scale, base = st.columns([3, 1.4, 1], vertical_alignment="bottom")
metric = choice.selectbox(
    "区县着色指标",
    list(options),
    index=list(options).index(DEFAULT_METRIC) if DEFAULT_METRIC in options else 0,
    format_func=lambda k: options[k].label,
    key="map_metric",
)
per_capita = scale.toggle(
    "按每万人口",
    value=True,
    key="map_per_capita",
    disabled=not options[metric].per_capita,
    help="人数、时长、问题数等随区县规模增长的指标，按每万常住人口比较。",
)
with base.popover("底图设置", width="stretch"):
    tiles = st.selectbox(
        "底图",
        list(TILE_CHOICES),
        format_func=lambda k: TILE_CHOICES[k],
        key="map_tiles",
        help="默认不加载底图，只显示区县边界，断网也能使用；在线底图需要联网。",
    )
    token = ""
    if tiles == "tianditu":
        token = st.text_input("天地图密钥（tk）", type="password", key="map_tile_token")

view = map_view(led, metric=metric, per_capita=per_capita, tiles=tiles, tile_token=token or None)

as_of = f"{view.as_of:%Y-%m-%d}" if view.as_of else "—"
st.caption(
    f"{view.scope} · 截至 {as_of} · 区县颜色：{view.metric_title}（{view.unit}）· "
    "点击区县可把整个看板筛选到该区县，再次点击恢复全市；点击问题点位查看详情。"
)
ui.data_sources(led, "issues", "units")
if view.notice:
    st.info(view.notice)
if view.district_warning:
    st.warning(view.district_warning)

map_col, side = st.columns([5, 2])
with map_col:
    show_map(view)
counts = side.container(horizontal=True, gap="medium")  # wraps on a narrow screen
for count in view.counts:
    counts.metric(count.label, count.value_text, help=count.help, width="content")
side.markdown(f"**各区县{view.metric_title}**")
ui.show_table(view.ranking, where=side, hide_index=True, width="stretch")
if view.ranking_note:  # where the sidebar's district stands among all of them
    side.caption(view.ranking_note)
