"""账号管理: every account (role, district, state, last login), adding one, and for one account
重置密码, 停用 / 启用, 解锁 and 修改角色. Admins only, checked on the server before anything is
shown and again right before each change (civdash.ui.users)."""

import streamlit as st

from civdash.ui.users import account_table, add_account, admin_or_stop, manage_account, show_flash

st.title("账号管理")
admin = admin_or_stop()
show_flash()
everyone = account_table()

tab_add, tab_manage = st.tabs(["添加账号", "管理已有账号"])
with tab_add:
    add_account(admin)
with tab_manage:
    manage_account(admin, everyone)
