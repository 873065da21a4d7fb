"""数据概况: which ledgers are loaded, as of when, and every stored snapshot."""

import pandas as pd
import streamlit as st

from civdash.ledgers import LEDGER_KINDS, get_kind
from civdash.ui import get_store

st.title("数据概况")
store = get_store()

cols = st.columns(len(LEDGER_KINDS))
for col, kind in zip(cols, LEDGER_KINDS, strict=True):
    current = store.current(kind)
    label = get_kind(kind).label
    if current is None:
        col.metric(label, "未导入")
    else:
        col.metric(
            label, f"{current.rows_valid:,} 行", f"截至 {current.as_of:%Y-%m-%d}", delta_color="off"
        )

snaps = store.snapshots()
st.subheader("已保存的快照")
if not snaps:
    st.info("还没有任何快照。")
else:
    table = pd.DataFrame(
        [
            {
                "编号": s.id,
                "台账": get_kind(s.kind).label,
                "截至日期": s.as_of,
                "有效行": s.rows_valid,
                "无效行": s.rows_invalid,
                "当前": "✓" if s.is_current else "",
                "文件": s.file_name,
                "提交人": s.committed_by,
                "提交时间": s.committed_at,
            }
            for s in snaps
        ]
    )
    st.dataframe(table, hide_index=True, width="stretch")
