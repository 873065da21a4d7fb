"""The 地图 page's map in the app: built once per snapshot and choice, and clickable.

Building the map (packing tens of thousands of points) is the slow part of the page, so the whole
`MapView` is kept (pickled, in the server's byte-bounded cache) by the ids of the snapshots in
force, the district and the map choices; a kept view comes back as a fresh copy, so st_folium may
render and rename its elements without touching what other sessions get.

A click on a district shape narrows the dashboard to that district: st_folium reports the clicked
GeoJSON feature as `last_active_drawing`, and its change callback sets the sidebar's district
(a callback runs before the next script run, so the sidebar selectbox shows the new value).
"""

from __future__ import annotations

import pickle
from typing import cast

import streamlit as st
from streamlit_folium import st_folium

from civdash.dashboard import Ledgers
from civdash.ui.state import (
    ALL,
    DISTRICT_KEY,
    district_table,
    get_store,
    load_snapshot,
    view_cache,
)
from civdash.views.map import MapView, build_map_view, clicked_district, toggle_district

__all__ = ["MAP_KEY", "map_view", "show_map"]

MAP_KEY = "issue_map"
"""Session-state key of the map's last reported value."""


def _cached_view(
    key: tuple[object, ...],
    led: Ledgers,
    metric: str,
    per_capita: bool | None,
    tiles: str,
    tile_token: str | None,
) -> MapView:
    def make() -> bytes:
        with st.spinner("正在生成地图……"):
            view = build_map_view(
                led,
                load_snapshot,
                metric=metric,
                per_capita=per_capita,
                tiles=tiles,
                tile_token=tile_token,
            )
        return pickle.dumps(view, protocol=pickle.HIGHEST_PROTOCOL)

    kept = view_cache().get(("map", key, metric, per_capita, tiles, tile_token), make)
    return cast(MapView, pickle.loads(kept))


def map_view(
    led: Ledgers,
    *,
    metric: str,
    per_capita: bool | None = None,
    tiles: str = "none",
    tile_token: str | None = None,
) -> MapView:
    """`build_map_view` for the ledgers in force, cached by snapshot ids, district and choices."""
    districts = get_store().current("districts")
    key = (
        tuple(sorted((kind, snap.id) for kind, snap in led.snapshots.items())),
        led.district,
        districts.id if districts else None,
        repr(led.settings),
    )
    return _cached_view(key, led, metric, per_capita, tiles, tile_token)


def _on_map_change() -> None:
    value = st.session_state.get(MAP_KEY) or {}
    table = district_table()
    names = table.names if table else ()
    clicked = clicked_district(value.get("last_active_drawing"), names)
    if clicked is None:
        return
    current = st.session_state.get(DISTRICT_KEY, ALL)
    chosen = toggle_district(None if current == ALL else current, clicked)
    st.session_state[DISTRICT_KEY] = chosen or ALL


def show_map(view: MapView, *, height: int = 620) -> None:
    """Render the view's map; a click on a district sets (or clears) the district filter."""
    st_folium(
        view.map,
        key=MAP_KEY,
        height=height,
        use_container_width=True,
        returned_objects=["last_active_drawing"],
        on_change=_on_map_change,
    )
