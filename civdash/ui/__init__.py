"""The only package besides pages/ that imports streamlit: store access, caching, shared widgets."""

from civdash.ui.cards import metric_card
from civdash.ui.chrome import app_chrome
from civdash.ui.errors import page_errors
from civdash.ui.rebuild import rebuild_notice
from civdash.ui.state import (
    check_memory,
    current_filters,
    data_sources,
    first_start,
    get_store,
    ledgers,
    load_snapshot,
    metrics_for,
    require_data,
    settings,
    sidebar,
)
from civdash.ui.tables import show_table
from civdash.ui.waiting import computing

__all__ = [
    "app_chrome",
    "check_memory",
    "computing",
    "current_filters",
    "data_sources",
    "first_start",
    "get_store",
    "ledgers",
    "load_snapshot",
    "metric_card",
    "metrics_for",
    "page_errors",
    "rebuild_notice",
    "require_data",
    "settings",
    "show_table",
    "sidebar",
]
