"""The only package besides pages/ that imports streamlit: store access, caching, shared widgets."""

from civdash.ui.state import (
    current_filters,
    get_store,
    ledgers,
    load_snapshot,
    metrics_for,
    require_data,
    settings,
    sidebar,
)

__all__ = [
    "current_filters",
    "get_store",
    "ledgers",
    "load_snapshot",
    "metrics_for",
    "require_data",
    "settings",
    "sidebar",
]
