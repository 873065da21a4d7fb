"""数据概况与导入记录: the ledgers in force, every snapshot (make current, delete), the audit log."""

from __future__ import annotations

import streamlit as st

from civdash import upload as up
from civdash.ledgers import LEDGER_KINDS, get_kind
from civdash.store import SnapshotNotFoundError
from civdash.ui import get_store

USER = "civdash_user"  # the same name the upload page keeps
PENDING = "history_confirm_delete"
FLASH = "history_flash"
ALL = "全部"

st.title("数据概况与导入记录")
store = get_store()

cols = st.columns(len(LEDGER_KINDS))
for col, kind in zip(cols, LEDGER_KINDS, strict=True):
    current = store.current(kind)
    label = get_kind(kind).label
    if current is None:
        col.metric(label, "未导入")
    else:
        col.metric(
            label,
            f"{current.rows_valid:,} 行",
            f"截至 {current.as_of:%Y-%m-%d}",
            delta_color="off",
            delta_arrow="off",
        )

if flash := st.session_state.pop(FLASH, None):
    st.success(flash)

st.subheader("导入记录")
kinds = [ALL, *LEDGER_KINDS, "districts"]
shown = st.selectbox(
    "台账", kinds, format_func=lambda k: k if k == ALL else get_kind(k).label, key="history_kind"
)
snaps = store.snapshots(None if shown == ALL else shown)
if not snaps:
    st.info("还没有任何快照。")
else:
    st.dataframe(up.history_table(snaps), hide_index=True, width="stretch")
    by_id = {s.id: s for s in snaps}
    chosen = by_id[
        st.selectbox(
            "选择快照",
            list(by_id),
            format_func=lambda i: up.snapshot_label(by_id[i]),
            key="history_pick",
        )
    ]
    who = st.text_input("操作人", value=st.session_state.get(USER, ""), key="history_who")
    st.session_state[USER] = who
    c1, c2, _ = st.columns([1, 1, 3])
    try:
        if c1.button("设为当前快照", disabled=chosen.is_current, key="history_current"):
            store.set_current(chosen.id, actor=who.strip())
            st.session_state[FLASH] = up.audit_detail(store.audit(50), "set_current", chosen.id)
            st.rerun()
        if c2.button("删除快照…", key="history_delete"):
            st.session_state[PENDING] = chosen.id
        if st.session_state.get(PENDING) == chosen.id:
            st.warning(
                f"确定要删除 {up.snapshot_label(chosen)} 吗？删除后不可恢复（审计日志会保留记录）。"
            )
            y, n, _ = st.columns([1, 1, 3])
            if y.button("确认删除", type="primary", key="history_delete_yes"):
                store.delete(chosen.id, actor=who.strip())
                st.session_state.pop(PENDING, None)
                st.session_state[FLASH] = up.audit_detail(store.audit(50), "delete", chosen.id)
                st.rerun()
            if n.button("取消", key="history_delete_no"):
                st.session_state.pop(PENDING, None)
                st.rerun()
    except SnapshotNotFoundError as exc:
        st.session_state.pop(PENDING, None)
        st.error(str(exc))

st.subheader("审计日志")
st.caption("每一次导入、重复导入、拒收、设为当前和删除都会记录在这里，日志只能追加、不能修改。")
st.dataframe(up.audit_table(store.audit(500)), hide_index=True, width="stretch")
