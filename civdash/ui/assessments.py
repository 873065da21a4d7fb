"""The 测评结果 page's view in the app: the 红黑榜 rule widgets, the view kept per rule, the map.

The view is kept by `Ledgers.cached` (per store state, filters, settings and rule), computed
from the assessments snapshots' rows as the app keeps them (`state.district_rows`: masked, every
district). The map is built anew on every run from the kept view: st_folium renders and renames
a map's elements, and a map shared between sessions must not change under them.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from civdash import palette
from civdash.dashboard import Ledgers
from civdash.metrics.assessments import AssessmentListRule
from civdash.permissions import allowed
from civdash.ui.auth import current_user
from civdash.ui.state import UPLOAD_PAGE, district_rows, settings
from civdash.views.assessments import KIND, AssessmentsView, build_assessments_view

__all__ = ["LIST_COLOURS", "assessments_view", "rule_inputs", "show_map", "upload_link"]

RULE_LABELS = {"rank": "按排名（前几名上红榜、后几名上黑榜）", "threshold": "按得分率阈值"}
LIST_COLOURS = {
    "榜单": {
        "红榜": (palette.GOOD_TEXT, palette.GOOD_FILL),
        "黑榜": (palette.BAD_TEXT, palette.BAD_FILL),
    }
}
"""The ranking tables' 榜单 cells tinted as the issues' 红黑榜 (红榜 is the list of honour)."""


def rule_inputs() -> AssessmentListRule:
    """The 测评 红黑榜 rule widgets in one row (defaults from the settings); the rule they say."""
    default = AssessmentListRule.from_settings(settings())
    kind, first, second = st.columns([2, 1, 1], vertical_alignment="bottom")
    rule = kind.radio(
        "评定规则",
        list(RULE_LABELS),
        index=list(RULE_LABELS).index(default.rule),
        format_func=RULE_LABELS.get,
        key="as_rule",
        horizontal=True,
    )
    if rule == "threshold":
        red_at = first.number_input(
            "红榜：得分率≥（%）", 0.0, 100.0, default.red_at, key="as_red_at"
        )
        black_below = second.number_input(
            "黑榜：得分率＜（%）", 0.0, 100.0, default.black_below, key="as_black_below"
        )
        return AssessmentListRule("threshold", red_at=red_at, black_below=black_below)
    top_n = int(first.number_input("红榜名额", 0, 100, default.top_n, key="as_top_n"))
    bottom_n = int(second.number_input("黑榜名额", 0, 100, default.bottom_n, key="as_bottom_n"))
    return AssessmentListRule("rank", top_n=top_n, bottom_n=bottom_n)


def _rows(snapshot_id: int) -> pd.DataFrame:
    return district_rows(snapshot_id, KIND, None)


def assessments_view(led: Ledgers, rule: AssessmentListRule) -> AssessmentsView | None:
    """`build_assessments_view` for the ledgers in force and `rule`, kept for later runs."""
    return led.cached(
        f"assessments_view {rule!r}", lambda: build_assessments_view(led, _rows, rule=rule)
    )


def upload_link() -> None:
    """A link to the upload page, for a user who may import city-wide ledgers."""
    if allowed(current_user(), "upload_city"):
        st.page_link(UPLOAD_PAGE, label="前往『数据导入』上传测评结果", icon="📤")


def show_map(view: AssessmentsView, *, height: int = 600) -> None:
    """The view's map (built for this run), without sending clicks back to the app."""
    st_folium(
        view.build_map(),
        key="assessment_map",
        height=height,
        use_container_width=True,
        returned_objects=[],
    )
