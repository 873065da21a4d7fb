"""Every table of the app shows a blank cell as "—", never None / nan / NaT: each is drawn by
`ui.show_table` (st.dataframe's placeholder, a Styler's na_rep), each data editor says so too."""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from civdash.pages import PAGES
from civdash.ui.tables import styled
from civdash.views.common import MISSING_CELL
from tests.pages.conftest import open_app_page

ROOT = Path(__file__).resolve().parents[2]
UI_SOURCES = sorted([*ROOT.glob("app_pages/*.py"), *ROOT.glob("civdash/ui/*.py"), ROOT / "app.py"])
TABLE_HELPER = ROOT / "civdash" / "ui" / "tables.py"


def _calls(path: Path, name: str) -> list[ast.Call]:
    """Calls of `….name(…)` or `name(…)` in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Attribute) and node.func.attr == name)
            or (isinstance(node.func, ast.Name) and node.func.id == name)
        )
    ]


def test_only_the_table_helper_calls_st_dataframe():
    outside = {
        f"{path.relative_to(ROOT)}:{call.lineno}"
        for path in UI_SOURCES
        if path != TABLE_HELPER
        for call in _calls(path, "dataframe")
    }
    assert outside == set(), "表格请用 ui.show_table 绘制（空单元格显示为“—”）"
    assert len(_calls(TABLE_HELPER, "dataframe")) == 1


def test_every_data_editor_shows_a_blank_cell_as_a_dash():
    editors = [(path, call) for path in UI_SOURCES for call in _calls(path, "data_editor")]
    assert len(editors) >= 2  # 目标进度's targets, 数据导入's fixes
    for path, call in editors:
        placeholder = [k.value for k in call.keywords if k.arg == "placeholder"]
        assert len(placeholder) == 1, f"{path.relative_to(ROOT)}:{call.lineno}"
        assert ast.unparse(placeholder[0]) == "MISSING_CELL"


def test_a_tinted_table_writes_blank_text_cells_as_a_dash():
    frame = pd.DataFrame(
        {
            "单位": ["城关区文明办", None],
            "进度判断": ["可按期完成", pd.NA],
            "截止日期": pd.to_datetime(["2026-12-31", None]),
            "问题数": [12.0, float("nan")],
        }
    )
    html = styled(frame, {"进度判断": {"可按期完成": ("#00785A", "#E6F4EF")}}).to_html()
    assert html.count(f">{MISSING_CELL}<") == 3  # 单位, 进度判断, 截止日期
    for raw in (">None<", ">NaT<", "><NA><"):
        assert raw not in html
    # a number cell is drawn from its value with the column's format (show_table gives every
    # number column one), so a blank one gets st.dataframe's placeholder, not the Styler's text


@pytest.mark.parametrize("key", list(PAGES), ids=list(PAGES))
def test_every_table_on_a_page_has_the_dash_placeholder(app: AppTest, key: str):
    at = open_app_page(app, PAGES[key].path)
    for table in at.dataframe:
        assert table.proto.placeholder == MISSING_CELL
