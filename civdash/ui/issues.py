"""The 问题整改 page's view in the app, with the 红黑榜 cached.

The black-list streak judges every earlier weekly issues snapshot by the chosen rule, which takes
about half a second on the sample city; the result only depends on which snapshots are in force,
the district and the rule, so it is cached by exactly those.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from civdash.dashboard import Ledgers
from civdash.ui.state import load_snapshot, metrics_for, settings, unit_counts_for, view_cache
from civdash.views.issues import RULE_LABELS, IssuesView, ListRule, build_issues_view, unit_lists

__all__ = ["cached_unit_lists", "issues_view", "rule_inputs"]


def rule_inputs() -> ListRule:
    """The 红黑榜 rule widgets in one row (defaults from the settings); the rule they say."""
    default = ListRule.from_settings(settings())
    kind, first, second, floor = st.columns([2, 1, 1, 1], vertical_alignment="bottom")
    rule = kind.radio(
        "评定规则", list(RULE_LABELS), format_func=RULE_LABELS.get, key="rb_rule", horizontal=True
    )
    min_issues = int(floor.number_input("参评最少问题数", 1, 1000, 1, key="rb_min_issues"))
    if rule == "threshold":
        red_at = first.number_input(
            "红榜：整改率≥（%）", 0.0, 100.0, default.red_at, key="rb_red_at"
        )
        black_below = second.number_input(
            "黑榜：整改率＜（%）", 0.0, 100.0, default.black_below, key="rb_black_below"
        )
        return ListRule(rule, red_at=red_at, black_below=black_below, min_issues=min_issues)
    top_n = int(first.number_input("红榜名额", 0, 100, default.top_n, key="rb_top_n"))
    bottom_n = int(second.number_input("黑榜名额", 0, 100, default.bottom_n, key="rb_bottom_n"))
    return ListRule("rank", top_n=top_n, bottom_n=bottom_n, min_issues=min_issues)


def _unit_lists(key: tuple[object, ...], led: Ledgers, rule: ListRule) -> pd.DataFrame:
    def make() -> pd.DataFrame:
        with st.spinner("正在生成红黑榜……"):
            return unit_lists(led, load_snapshot, rule, unit_counts_for)

    # a copy to the page (copy-on-write: no data is copied unless the page changes it)
    return view_cache().get(("unit_lists", key, rule), make).copy()


def cached_unit_lists(led: Ledgers, rule: ListRule) -> pd.DataFrame:
    """`unit_lists` for the ledgers in force, cached by issue snapshot ids, district and rule."""
    key = (
        tuple(s.id for s in led.history.get("issues", ())),
        led.snapshots["issues"].id,
        led.district,
        repr(led.settings),
    )
    return _unit_lists(key, led, rule)


def issues_view(led: Ledgers, rule: ListRule) -> IssuesView:
    """`build_issues_view` with the metric tables and the 红黑榜 from the app's caches (the
    红黑榜 is only computed when the page shows it).

    The view is kept per rule by `led.cached`, with the charts and tables it computes on first
    read (one tab at a time), so a rerun redraws without recomputing."""
    return led.cached(
        f"issues_view {rule!r}",
        lambda: build_issues_view(
            led, metrics_for, rule=rule, lists=lambda: cached_unit_lists(led, rule)
        ),
    )
