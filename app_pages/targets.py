"""目标进度: every target with actual, gap, trend and projected date; targets edited and saved."""

import hashlib
from datetime import datetime

import streamlit as st

from civdash import ui
from civdash.permissions import allowed
from civdash.store import LOCAL_TZ, CommitRefusedError, ShrinkHeldError
from civdash.ui.auth import current_user, require_action
from civdash.views.common import MISSING_CELL
from civdash.views.targets import (
    JUDGEMENT_COLOURS,
    build_targets_view,
    parse_target_edits,
    save_target_edit,
)

SAVED = "targets_saved_message"
HELD = "targets_held"  # (bytes of the edit the store held, the store's message) until saved
CONFIRM_HOW = "如确需这样修改，请勾选下方的确认后再次保存"

led = ui.ledgers()
has_targets = ui.require_data(led, "targets")  # without targets the editor below still works
view = build_targets_view(led, ui.metrics_for)
st.title(f"目标进度 · {view.scope}")
if saved := st.session_state.pop(SAVED, None):
    st.success(saved)

if has_targets:
    as_of = f"{view.as_of:%Y-%m-%d}" if view.as_of else "—"
    st.caption(f"数据截至 {as_of} · 目标任务版本 {view.targets_as_of:%Y-%m-%d} · "
               "预计达标日期按各期快照的线性趋势推算")  # fmt: skip
    ui.data_sources(led, "volunteers", "issues", "units")
    for col, (label, value, note, colour) in zip(st.columns(4), view.count_cards, strict=True):
        col.metric(label, value, note, delta_color=colour, delta_arrow="off", border=True)
    if view.scope_note:
        st.caption(view.scope_note)
    progress = st.column_config.ProgressColumn(
        "完成度", min_value=0, max_value=100, format="%.0f%%"
    )
    # wide enough for a date or the longest reason instead ("只有一期数据，暂无法测算进度")
    projected = st.column_config.TextColumn("预计达标日期", width=220)
    ui.show_table(view.table, hide_index=True, width="stretch", height=35 * (len(view.table) + 1) + 3,
                  column_config={"完成度": progress, "预计达标日期": projected},
                  colours=JUDGEMENT_COLOURS)  # fmt: skip
    if view.trend is not None:
        st.subheader("各目标趋势")
        st.altair_chart(view.trend, width="content")

account = current_user()
if account is None or not allowed(account, "edit_targets"):
    st.stop()  # only 市创城办 and admins edit targets (checked again on save)
st.subheader("编辑目标任务")
if not view.editable:
    st.info("当前查看的是历史日期的目标任务，不能修改。请在侧栏『截至日期』选择『最新』后再编辑。")
    st.stop()
st.caption("修改、增加或删除行后点击『保存目标任务』，保存为新的目标任务版本（全部区县的目标，"
           "不受侧栏区县筛选影响）。比例类指标的目标值按百分数填写，如 90 表示 90%。")  # fmt: skip
edited = st.data_editor(
    view.editor,
    key=view.editor_key,
    num_rows="dynamic",
    hide_index=True,
    height=35 * (len(view.editor) + 2) + 3,
    width="stretch",
    placeholder=MISSING_CELL,
    column_config={
        "指标": st.column_config.SelectboxColumn(options=view.metric_options, required=True),
        "区县": st.column_config.SelectboxColumn(
            options=view.district_options, default=view.district_options[0], required=True
        ),
        "目标值": st.column_config.NumberColumn(min_value=0, required=True, format="localized"),
        "完成时限": st.column_config.DateColumn(format="YYYY-MM-DD"),
    },
)
st.caption(f"修改人：{account.name}")
held_data, held_message = st.session_state.get(HELD, (b"", ""))
confirm_key = f"targets_confirm_{hashlib.sha256(held_data).hexdigest()[:12]}"  # asks again per edit
if held_message:  # the last save would remove every target of a district, or too many targets
    st.warning(held_message)
    st.checkbox("我已核对，确认以此替换当前目标任务", key=confirm_key)
if st.button("保存目标任务", key="targets_save", type="primary"):
    require_action(account, "edit_targets")  # the server's check, whatever the page showed
    today = datetime.now(LOCAL_TZ).date()
    edit = parse_target_edits(
        edited, districts=view.district_names, current=led.frame("targets"), as_of=today
    )
    for error in edit.errors:
        st.error(error)
    if edit.ok and edit.unchanged:
        st.info("目标任务没有变化，未保存。")
    elif edit.ok:
        who = account.name
        confirmed = edit.data == held_data and st.session_state.get(confirm_key, False)
        try:
            saved = save_target_edit(
                ui.get_store(), edit, committed_by=who, as_of=today, allow_shrink=confirmed
            )
        except ShrinkHeldError as exc:
            st.session_state[HELD] = (edit.data, exc.check.message(CONFIRM_HOW))
            st.rerun()
        except CommitRefusedError as exc:
            st.error(exc.message)
        else:
            st.session_state[SAVED] = saved
            st.session_state.pop(HELD, None)
            st.rerun()
