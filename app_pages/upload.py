"""数据导入: upload ledgers (check, map, fix, commit), download templates, replace the districts.

A thin view over `civdash.upload`: widgets in (civdash.ui.upload), one `Review` per file out,
rendered in the order a clerk works — what is wrong first, then columns, problems, fixes, and the
commit. Who submits is the logged-in account: a district clerk submits its own district's part,
an editor or admin the whole city or a district chosen in 提交范围; only an admin sees
区县与边界.
"""

import streamlit as st

from civdash.permissions import allowed
from civdash.ui.auth import current_user, require_action
from civdash.ui.upload import (
    check_results,
    checked_file,
    column_mapping,
    commit_form,
    district_replacement,
    dropped_files,
    file_areas,
    fix_rows,
    no_traceback,
    submitter,
    template_downloads,
)

st.title("数据导入")
account = current_user()
if account is None:
    st.error("请先登录后再导入台账。")
    st.stop()
require_action(account, "upload", account.district or None)

tabs = ["上传台账", "下载模板"]
if allowed(account, "manage_districts"):
    tabs.append("区县与边界")
tab_files, tab_templates, *tab_districts = st.tabs(tabs)

with tab_files:
    sub = submitter(account)
    uploads = dropped_files()
    if not uploads:
        st.info("每周更新数据：下载模板或沿用原表格 → 上传 → 核对列和问题 → 提交。")
    for area, upload in zip(file_areas(uploads), uploads, strict=True):
        with area, no_traceback(upload):
            review = checked_file(upload, sub)  # read with a progress bar; None when refused
            if review is None:
                continue
            column_mapping(review)
            check_results(review)
            fix_rows(review)
            commit_form(review, sub)

with tab_templates:
    template_downloads()

for tab in tab_districts:
    with tab:
        district_replacement(account)
