"""数据导入: upload ledgers (check, map, fix, commit), download templates, replace the districts.

A thin view over `civdash.upload`: widgets in (civdash.ui.upload), one `Review` per file out,
rendered in the order a clerk works — what is wrong first, then columns, problems, fixes, and the
commit.
"""

import streamlit as st

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
    template_downloads,
)

st.title("数据导入")
tab_files, tab_templates, tab_districts = st.tabs(["上传台账", "下载模板", "区县与边界"])

with tab_files:
    uploads = dropped_files()
    if not uploads:
        st.info("每周更新数据：下载模板或沿用原表格 → 上传 → 核对列和问题 → 提交。")
    for area, upload in zip(file_areas(uploads), uploads, strict=True):
        with area, no_traceback(upload):
            review = checked_file(upload)  # read with a progress bar; None when refused
            if review is None:
                continue
            column_mapping(review)
            check_results(review)
            fix_rows(review)
            commit_form(review)

with tab_templates:
    template_downloads()

with tab_districts:
    district_replacement()
