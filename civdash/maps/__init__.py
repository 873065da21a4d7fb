"""Folium map builders that work offline: frame / GeoJSON in, `folium.Map` out.

Offices often have no internet, so by default a map has no tile layer (district shapes on a
plain background) and every script and stylesheet comes from `civdash/assets/` (Leaflet,
MarkerCluster, …), inlined as data: URIs or served from a local URL. Nothing in the rendered HTML
points at an external host. Tiles are an opt-in: "osm", "amap" (高德, GCJ-02: overlays are shifted
to match), "tianditu" (天地图, needs a token) or an intranet tile URL template.

Issue points are packed into one compact columnar JavaScript payload and drawn by one
MarkerCluster layer whose tooltip and popup content is built on demand, so 50,000 points make
one folium element, not 50,000. Every text shown in a tooltip or popup is HTML-escaped in Python
before it reaches the page, phone and ID numbers in free text are masked, and only the fields
listed in `ISSUE_POPUP_FIELDS` / `UNIT_POPUP_FIELDS` are ever written: no personal data.

The package by capability:

- `assets`: the shipped Leaflet files, inlining, `OfflineMap`;
- `base`: the base map, district outlines, optional tiles, the layer switcher;
- `choropleth`: districts coloured by a catalogue metric;
- `points`: issue and creation-unit points with their popups;
- `assessments`: districts coloured by 测评得分率, one marker per 测评点位;
- `legend`: legend boxes;
- `payload`, `layers`, `scripts`: escaped compact payloads, the folium elements that carry
  them, and CivDash's own JavaScript and CSS (files under `civdash/assets/civdash/`, filled with
  JSON).

>>> m = issue_map(issues, as_of="2026-11-15", districts=table, units=units)   # doctest: +SKIP
>>> html = m.get_root().render()                                               # doctest: +SKIP
"""

from __future__ import annotations

from civdash.maps.assessments import add_assessment_points, assessment_map, assessment_points
from civdash.maps.assets import (
    ASSET_FILES,
    AssetMode,
    OfflineMap,
    asset_dir,
    localize_assets,
    render_html,
)
from civdash.maps.base import TILE_PROVIDERS, add_districts, add_layer_control, base_map
from civdash.maps.choropleth import add_district_choropleth, choropleth_map
from civdash.maps.legend import add_legend
from civdash.maps.points import (
    ISSUE_POPUP_FIELDS,
    TEXT_BUDGET_BYTES,
    UNIT_POPUP_FIELDS,
    add_issue_points,
    add_unit_points,
    issue_map,
)

__all__ = [
    "ASSET_FILES",
    "ISSUE_POPUP_FIELDS",
    "TEXT_BUDGET_BYTES",
    "TILE_PROVIDERS",
    "UNIT_POPUP_FIELDS",
    "AssetMode",
    "OfflineMap",
    "add_assessment_points",
    "add_district_choropleth",
    "add_districts",
    "add_issue_points",
    "add_layer_control",
    "add_legend",
    "add_unit_points",
    "assessment_map",
    "assessment_points",
    "asset_dir",
    "base_map",
    "choropleth_map",
    "issue_map",
    "localize_assets",
    "render_html",
]
