"""数据探索: filter a ledger, group, measure, chart, download; the URL reproduces the view."""

from datetime import date

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from civdash import explore as ex
from civdash.charts import configure
from civdash.ledgers import LEDGER_KINDS, get_kind
from civdash.ui import ledgers, require_data

SPEC = "explore_spec"


def select(col: DeltaGenerator, label: str, options: dict[str, str], key: str, default: str,
           disabled: bool = False) -> str:  # fmt: skip
    """A selectbox that starts from the spec and resets when its value is no longer an option."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = default if default in options else next(iter(options))
    return col.selectbox(label, list(options), format_func=options.__getitem__, key=key,
                         disabled=disabled)  # fmt: skip


def filter_widget(ctl: ex.FieldControl, key: str) -> object:
    if ctl.widget == "multiselect":
        return st.multiselect(ctl.label, ctl.options, key=key, placeholder="全部")
    if ctl.widget == "text":
        return st.text_input(f"{ctl.label}包含", key=key)
    if ctl.widget == "date_range" and ctl.dates:
        return st.date_input(ctl.label, min_value=ctl.dates[0], max_value=ctl.dates[1], key=key)
    if ctl.widget == "number_range" and ctl.numbers:
        return st.slider(ctl.label, min_value=ctl.numbers[0], max_value=ctl.numbers[1], key=key)
    st.caption(f"{ctl.label}：没有可筛选的数据")
    return None


st.title("数据探索")
led = ledgers()
kinds = {k: get_kind(k).label for k in LEDGER_KINDS if led.has(k)}
if not kinds:
    require_data(led, *LEDGER_KINDS)
    st.stop()
if SPEC not in st.session_state:  # the first run of a session shows the view its link describes
    st.session_state[SPEC] = ex.ExploreSpec.from_query(st.query_params.to_dict())
last: ex.ExploreSpec = st.session_state[SPEC]

cols = st.columns([1, 1.2, 1.2, 1.6, 1])
ledger = select(cols[0], "台账", kinds, "explore_ledger", last.ledger)
base = last if last.ledger == ledger else ex.ExploreSpec.default(ledger)
tokens = [g.token for g in base.group_by] + ["", ""]
groups = {"": "不分组", **ex.group_choices(ledger)}
by1 = select(cols[1], "分组字段", groups, "explore_by1", tokens[0])
second = {k: v for k, v in groups.items() if k != by1 or not k} if by1 else {"": "不分组"}
by2 = select(cols[2], "第二分组", second, "explore_by2", tokens[1], disabled=not by1)
measures = ex.measure_choices(ledger)
measure = select(cols[3], "度量", measures, "explore_measure", base.measure.token)
chart = select(cols[4], "图表", dict(ex.CHARTS), "explore_chart", base.chart)

frame, fields, filters = led.frame(ledger), ex.filter_fields(ledger), []
picked = st.session_state.get("explore_filter_fields", [f.field for f in base.filters])
st.session_state["explore_filter_fields"] = [f for f in picked if f in fields]
with st.expander(f"筛选条件（{len(st.session_state['explore_filter_fields'])} 个字段）"):
    chosen = st.multiselect("按字段筛选", list(fields), format_func=fields.__getitem__,
                            key="explore_filter_fields")  # fmt: skip
    for name in chosen:
        ctl, key = ex.field_control(frame, ledger, name), f"explore_f_{name}"
        seeded = st.session_state.get(key, ctl.value_for(base.filter_for(name)))
        st.session_state[key] = ctl.clean(seeded)
        if (flt := ctl.to_filter(filter_widget(ctl, key))) is not None:
            filters.append(flt)

spec = ex.ExploreSpec.from_choices(ledger, filters, (by1, by2), measure, chart)
st.session_state[SPEC] = spec
url = {k: v for k, v in st.query_params.to_dict().items() if not ex.ExploreSpec.is_query_key(k)}
if st.query_params.to_dict() != url | spec.to_query():  # the sidebar's district/as_of stay
    st.query_params.from_dict(url | spec.to_query())

as_of: date = led.as_of or led.kind_as_of(ledger) or date.today()
result = ex.explore(frame, spec, as_of=as_of, population=led.population(), settings=led.settings)
st.caption(f"{led.scope_label} · 截至 {as_of:%Y-%m-%d} · 符合条件 {result.rows_matched:,} 行"
           f"（共 {result.rows_total:,} 行） · 复制本页链接即可把当前视图发给同事")  # fmt: skip
if result.error:
    st.warning(result.error)
elif result.value is not None:
    st.metric(measures[measure], result.value_text)
else:
    if result.chart is not None:
        st.altair_chart(configure(result.chart), width="stretch")
    st.dataframe(result.display_table, hide_index=True, width="stretch")
for note in result.notes:
    st.caption(note)

scope = [f"范围：{led.scope_label}", f"截至日期：{as_of:%Y-%m-%d}"]
name = f"数据探索_{kinds[ledger]}_{as_of:%Y%m%d}"
for col, d in zip(st.columns(4), ex.downloads(result, scope, name), strict=True):
    col.download_button(f"下载{d.label}", d.data, d.file_name, d.mime, key=f"explore_dl_{d.key}",
                        on_click="ignore", width="stretch", icon=":material/download:")  # fmt: skip
st.caption(f"明细最多导出 {ex.ROWS_EXPORT_MAX:,} 行；联系电话、身份证号等个人信息已脱敏。")
