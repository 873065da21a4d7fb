"""The 数据概况 page's sections: the ledgers in force (and the parts they are made of), 报送情况,
the snapshot history with 设为当前 / 删除, and the audit log.

Every control is drawn only for a role that may use it, and the action is checked again on the
server when it is clicked (`require_action`): a control reached some other way (a session state
set by hand) is refused, audited, and does nothing.
"""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from civdash import upload as up
from civdash.accounts import Account
from civdash.ledgers import LEDGER_KINDS, get_kind
from civdash.permissions import allowed
from civdash.store import LOCAL_TZ, SnapshotInfo, SnapshotNotFoundError
from civdash.submissions import city_file_districts, deadline_label, submission_kinds
from civdash.ui.auth import accounts, require_action
from civdash.ui.state import composition_of, district_table, get_store, settings, view_cache
from civdash.ui.tables import show_table
from civdash.views import data_status as ds

__all__ = ["audit_log", "history", "ledgers_in_force", "submission_status"]

PENDING = "history_confirm_delete"
FLASH = "history_flash"
ALL = "全部"


def _rows_by_district(snapshot_id: int) -> dict[str, int]:
    """Rows per district of a stored snapshot, kept by id (a snapshot never changes)."""
    return view_cache().get(
        ("rows_by_district", snapshot_id), lambda: get_store().rows_by_district(snapshot_id)
    )


def ledgers_in_force() -> None:
    """A card per ledger (rows, as-of date) and, for a city ledger assembled from district
    parts, which parts (date, who) it is made of."""
    store = get_store()
    notes = []
    for col, kind in zip(st.columns(len(LEDGER_KINDS)), LEDGER_KINDS, strict=True):
        current = store.current(kind)
        label = get_kind(kind).label
        if current is None:
            col.metric(label, "未导入")
            continue
        col.metric(label, f"{current.rows_valid:,} 行", f"截至 {current.as_of:%Y-%m-%d}",
                   delta_color="off", delta_arrow="off")  # fmt: skip
        if current.assembled:
            notes.append(f"{label}：{composition_of(current.id).summary(limit=None)}")
    for note in notes:
        st.caption(note)


def submission_status() -> None:
    """报送情况 for a chosen week (the week of the latest as-of date by default): one line naming
    the missing and late districts, then each ledger × district with its status coloured."""
    st.subheader("报送情况")
    table = district_table()
    if table is None:
        st.info("还没有区县表，无法统计各区县报送情况；请先在『数据导入 → 区县与边界』上传区县表。")
        return
    store = get_store()
    snaps = ds.submission_snapshots(store.snapshots())
    kinds = set(submission_kinds())
    as_of_dates = [s.as_of for s in snaps if s.is_current and s.kind in kinds]
    choices, default = ds.week_choices(as_of_dates, datetime.now(LOCAL_TZ).date(), settings())
    deadline = st.selectbox(
        "报送周（截止时间）", choices, index=default, format_func=deadline_label, key="status_week"
    )
    city = city_file_districts(snaps, _rows_by_district)
    view = ds.status_view(
        snaps, table.names, deadline.date(), city_districts=city, settings=settings()
    )
    (st.success if view.all_on_time else st.warning)(view.summary)
    show_table(view.table, hide_index=True, width="stretch", colours=ds.SUBMISSION_COLOURS)
    st.caption(
        "以各区县报送的部分为准；市创城办提交的全市文件含某区县的数据时，也算该区县已报送。"
        "截止时间由管理员在服务器上设置（默认每周五 17:00）。"
    )


def history(account: Account) -> None:
    """Every snapshot (of one ledger or all); for the one chosen, the parts of an assembled
    city ledger, and 设为当前 / 删除 for the roles that may."""
    store = get_store()
    if flash := st.session_state.pop(FLASH, None):
        st.success(flash)
    st.subheader("导入记录")
    kinds = [ALL, *LEDGER_KINDS, "districts"]
    shown = st.selectbox(
        "台账", kinds, format_func=lambda k: k if k == ALL else get_kind(k).label,
        key="history_kind",
    )  # fmt: skip
    snaps = store.snapshots(None if shown == ALL else shown)
    if not snaps:
        st.info("还没有任何快照。")
        return
    show_table(ds.history_table(snaps), hide_index=True, width="stretch")
    by_id = {s.id: s for s in snaps}
    chosen = by_id[
        st.selectbox(
            "选择快照",
            list(by_id),
            format_func=lambda i: up.snapshot_label(by_id[i]),
            key="history_pick",
        )
    ]
    if chosen.assembled:
        st.caption(f"快照 #{chosen.id} 是各区县报送部分的汇总，由以下部分组成：")
        show_table(
            composition_of(chosen.id).table(snapshot_ids=True),
            hide_index=True, width="stretch",
        )  # fmt: skip
    try:
        _snapshot_actions(account, chosen)
    except SnapshotNotFoundError as exc:
        st.session_state.pop(PENDING, None)
        st.error(str(exc))


def _snapshot_actions(account: Account, chosen: SnapshotInfo) -> None:
    store = get_store()
    may_set, may_delete = allowed(account, "set_current"), allowed(account, "delete")
    c1, c2, _ = st.columns([1, 1, 3])
    if may_set and c1.button("设为当前快照", disabled=chosen.is_current, key="history_current"):
        require_action(account, "set_current")  # checked again on the server when clicked
        store.set_current(chosen.id, actor=account.name, role=account.role)
        st.session_state[FLASH] = up.audit_detail(store.audit(50), "set_current", chosen.id)
        st.rerun()
    if may_delete and c2.button("删除快照…", key="history_delete"):
        st.session_state[PENDING] = chosen.id
    if st.session_state.get(PENDING) != chosen.id:
        return
    st.warning(f"确定要删除 {up.snapshot_label(chosen)} 吗？删除后不可恢复（审计日志会保留记录）。")
    y, n, _ = st.columns([1, 1, 3])
    if y.button("确认删除", type="primary", key="history_delete_yes"):
        st.session_state.pop(PENDING, None)
        require_action(account, "delete")  # a confirmation reached without the right is refused
        store.delete(chosen.id, actor=account.name, role=account.role)
        st.session_state[FLASH] = up.audit_detail(store.audit(50), "delete", chosen.id)
        st.rerun()
    if n.button("取消", key="history_delete_no"):
        st.session_state.pop(PENDING, None)
        st.rerun()


def audit_log(account: Account) -> None:
    """The audit log (admins and editors), filterable by user."""
    if not allowed(account, "view_audit"):
        return
    store = get_store()
    st.subheader("审计日志")
    st.caption(
        "每一次登录、导入、拒收、拒绝操作、设为当前、删除和账号变更都会记录在这里，"
        "日志只能追加、不能修改。"
    )
    names = ds.actor_choices(store.audit(5000), (a.name for a in accounts().list()))
    actor = st.selectbox("按用户筛选", [ALL, *names], key="audit_actor")
    require_action(account, "view_audit")
    audit = store.audit(500, actor=None if actor == ALL else actor)
    show_table(ds.audit_table(audit), hide_index=True, width="stretch")
