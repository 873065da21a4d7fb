"""The 数据探索 page's widgets: the choices that make an `ExploreSpec`, the URL, the downloads.

A link reproduces a view: the first run of a session seeds every widget from the URL's query
parameters (`ExploreSpec.from_query`), and every run writes the spec back into the URL, next to
the sidebar's district and as-of parameters. Between runs the last spec is kept in session state,
so a choice that no longer applies (a field of another ledger) falls back to the spec's default.
"""

from __future__ import annotations

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from civdash import explore as ex
from civdash.dashboard import Ledgers
from civdash.ledgers import LEDGER_KINDS, get_kind

__all__ = ["download_buttons", "explore_spec", "keep_in_url", "ledger_choices", "measure_label"]

SPEC = "explore_spec"
"""Session-state key of the last spec the widgets described."""


def _select(col: DeltaGenerator, label: str, options: dict[str, str], key: str, default: str,
            disabled: bool = False) -> str:  # fmt: skip
    """A selectbox that starts from the spec and resets when its value is no longer an option."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = default if default in options else next(iter(options))
    return col.selectbox(label, list(options), format_func=options.__getitem__, key=key,
                         disabled=disabled)  # fmt: skip


def _filter_widget(ctl: ex.FieldControl, key: str) -> object:
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


def ledger_choices(led: Ledgers) -> dict[str, str]:
    """Kind → label of the ledgers that have data (empty: nothing to explore yet)."""
    return {k: get_kind(k).label for k in LEDGER_KINDS if led.has(k)}


def explore_spec(led: Ledgers, kinds: dict[str, str]) -> ex.ExploreSpec:
    """The row of choices (ledger, two groupings, measure, chart) and the filters under it;
    the spec they describe, kept for the next run."""
    if SPEC not in st.session_state:  # the first run of a session shows the view its link describes
        st.session_state[SPEC] = ex.ExploreSpec.from_query(st.query_params.to_dict())
    last: ex.ExploreSpec = st.session_state[SPEC]

    cols = st.columns([1, 1.2, 1.2, 1.6, 1])
    ledger = _select(cols[0], "台账", kinds, "explore_ledger", last.ledger)
    base = last if last.ledger == ledger else ex.ExploreSpec.default(ledger)
    tokens = [g.token for g in base.group_by] + ["", ""]
    groups = {"": "不分组", **ex.group_choices(ledger)}
    by1 = _select(cols[1], "分组字段", groups, "explore_by1", tokens[0])
    second = {k: v for k, v in groups.items() if k != by1 or not k} if by1 else {"": "不分组"}
    by2 = _select(cols[2], "第二分组", second, "explore_by2", tokens[1], disabled=not by1)
    measure = _select(
        cols[3], "度量", ex.measure_choices(ledger), "explore_measure", base.measure.token
    )
    chart = _select(cols[4], "图表", dict(ex.CHARTS), "explore_chart", base.chart)

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
            if (flt := ctl.to_filter(_filter_widget(ctl, key))) is not None:
                filters.append(flt)

    spec = ex.ExploreSpec.from_choices(ledger, filters, (by1, by2), measure, chart)
    st.session_state[SPEC] = spec
    return spec


def keep_in_url(spec: ex.ExploreSpec) -> None:
    """Write the spec into the URL (only when it changed); the sidebar's parameters stay."""
    url = {k: v for k, v in st.query_params.to_dict().items() if not ex.ExploreSpec.is_query_key(k)}
    if st.query_params.to_dict() != url | spec.to_query():
        st.query_params.from_dict(url | spec.to_query())


def measure_label(spec: ex.ExploreSpec) -> str:
    """The Chinese name of the spec's measure, as the 度量 choice shows it."""
    return ex.measure_choices(spec.ledger)[spec.measure.token]


def download_buttons(result: ex.ExploreResult, scope: list[str], name: str) -> None:
    """The result and the matching rows, as Excel and CSV, in one row of buttons."""
    for col, d in zip(st.columns(4), ex.downloads(result, scope, name), strict=True):
        col.download_button(f"下载{d.label}", d.data, d.file_name, d.mime, key=f"explore_dl_{d.key}",
                            on_click="ignore", width="stretch", icon=":material/download:")  # fmt: skip
