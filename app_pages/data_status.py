"""数据概况与导入记录: the ledgers in force and their parts, 报送情况, every snapshot (make current,
delete: for the roles that may), and the audit log (admins and editors)."""

from __future__ import annotations

import streamlit as st

from civdash.ui.auth import current_user, require_action
from civdash.ui.status import audit_log, history, ledgers_in_force, submission_status

st.title("数据概况与导入记录")
account = current_user()
if account is None:
    st.error("请先登录后再查看数据概况。")
    st.stop()
require_action(account, "view_status")

ledgers_in_force()
submission_status()
history(account)
audit_log(account)
