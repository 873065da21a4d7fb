"""数据探索: filter a ledger, group, measure, chart, download; the URL reproduces the view."""

from datetime import date

import streamlit as st

from civdash import explore as ex
from civdash.charts import configure
from civdash.ledgers import LEDGER_KINDS
from civdash.ui import data_sources, ledgers, require_data, show_table
from civdash.ui.explore import (
    download_buttons,
    explore_spec,
    keep_in_url,
    ledger_choices,
    measure_label,
)

st.title("数据探索")
led = ledgers()
kinds = ledger_choices(led)
if not kinds:
    require_data(led, *LEDGER_KINDS)
    st.stop()
spec = explore_spec(led, kinds)  # on a session's first run, the view its link describes
keep_in_url(spec)

as_of: date = led.as_of or led.kind_as_of(spec.ledger) or date.today()
result = ex.explore(
    led.frame(spec.ledger), spec, as_of=as_of, population=led.population(), settings=led.settings
)
st.caption(f"{led.scope_label} · 截至 {as_of:%Y-%m-%d} · 符合条件 {result.rows_matched:,} 行"
           f"（共 {result.rows_total:,} 行） · 复制本页链接即可把当前视图发给同事")  # fmt: skip
data_sources(led, spec.ledger)
if result.error:
    st.warning(result.error)
elif result.value is not None:
    st.metric(measure_label(spec), result.value_text)
else:
    if result.chart is not None:
        st.altair_chart(configure(result.chart), width="stretch")
    show_table(result.display_table, hide_index=True, width="stretch")
for note in result.notes:
    st.caption(note)

scope = [f"范围：{led.scope_label}", f"截至日期：{as_of:%Y-%m-%d}"]
download_buttons(result, scope, f"数据探索_{kinds[spec.ledger]}_{as_of:%Y%m%d}")
st.caption(f"明细最多导出 {ex.ROWS_EXPORT_MAX:,} 行；联系电话、身份证号等个人信息已脱敏。")
