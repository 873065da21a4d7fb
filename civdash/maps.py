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

>>> m = issue_map(issues, as_of="2026-11-15", districts=table, units=units)   # doctest: +SKIP
>>> html = m.get_root().render()                                               # doctest: +SKIP
"""

from __future__ import annotations

import base64
import html
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Literal

import folium
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from branca.element import CssLink, Element, Figure, JavascriptLink, MacroElement
from folium.elements import ElementAddToElement, JSCSSMixin
from folium.map import Layer
from folium.plugins import MarkerCluster
from folium.template import Template

from civdash import palette
from civdash.config import DEFAULT_SETTINGS, Settings
from civdash.districts import DistrictTable
from civdash.ledgers.issues import ISSUES
from civdash.ledgers.units import NAMED_STATUSES, UNITS
from civdash.ledgers.units import STATUSES as UNIT_STATUSES
from civdash.metrics import (
    METRICS,
    DateLike,
    compute,
    format_value,
    issue_state,
    metric_key,
    real_issues,
)
from civdash.privacy import mask_free_text

__all__ = [
    "ASSET_FILES",
    "ISSUE_POPUP_FIELDS",
    "TEXT_BUDGET_BYTES",
    "TILE_PROVIDERS",
    "UNIT_POPUP_FIELDS",
    "AssetMode",
    "OfflineMap",
    "add_district_choropleth",
    "add_districts",
    "add_issue_points",
    "add_layer_control",
    "add_legend",
    "add_unit_points",
    "asset_dir",
    "base_map",
    "choropleth_map",
    "issue_map",
    "localize_assets",
    "render_html",
]

AssetMode = Literal["inline", "local", "cdn"]
Districts = DistrictTable | Mapping[str, Any]

ISSUE_POPUP_FIELDS: tuple[str, ...] = (
    "issue_id",
    "found_on",
    "deadline",
    "rectified_on",
    "district",
    "street",
    "point_type",
    "category",
    "source",
    "responsible_unit",
    "description",
)
"""Issue fields shown in a point's popup (the location is its title, the status its badge)."""

UNIT_POPUP_FIELDS: tuple[str, ...] = (
    "category",
    "level",
    "score",
    "named_year",
    "district",
    "street",
    "department",
)
"""Creation-unit fields shown in a unit's popup (the name is its title, the status its badge)."""

ASSET_FILES: Mapping[str, str] = {
    "leaflet": "leaflet/leaflet.js",
    "leaflet_css": "leaflet/leaflet.css",
    "jquery": "jquery/jquery.min.js",
    "awesome_markers": "leaflet.awesome-markers/leaflet.awesome-markers.min.js",
    "awesome_markers_css": "leaflet.awesome-markers/leaflet.awesome-markers.css",
    "markerclusterjs": "leaflet.markercluster/leaflet.markercluster.js",
    "markerclustercss": "leaflet.markercluster/MarkerCluster.css",
    "markerclusterdefaultcss": "leaflet.markercluster/MarkerCluster.Default.css",
}
"""folium resource name → file under `civdash/assets/` that replaces its CDN URL."""

_ALWAYS_DROPPED = frozenset(
    {
        "bootstrap",
        "bootstrap_css",
        "glyphicons_css",
        "awesome_markers_font_css",
        "awesome_rotate_css",
    }
)
"""folium defaults no CivDash map uses (Bootstrap, icon fonts, rotated icons): not loaded."""

TILE_PROVIDERS: Mapping[str, str] = {
    "osm": "OpenStreetMap",
    "amap": "高德地图",
    "tianditu": "天地图",
}
"""Optional online base maps (a URL template with {z}/{x}/{y} is accepted too)."""

_ASSETS = Path(__file__).parent / "assets"
_COORD_SCALE = 100_000  # 1e-5 degree ≈ 1 m
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"
_ALPHABET_BYTES = np.frombuffer(_ALPHABET.encode("ascii"), dtype=np.uint8)
_BACKGROUND = "#F5F7FA"


# ---------------------------------------------------------------------------------------------
# Offline assets


def asset_dir() -> Path:
    """The directory of shipped web assets (serve it as-is for `assets="local"`)."""
    return _ASSETS


@cache
def _data_uri(relpath: str) -> str:
    """The asset as a data: URI; CSS has its url(images/…) references inlined too.

    Cached: the shipped files never change while the process runs.
    """
    path = _ASSETS / relpath
    if path.suffix == ".css":
        text = path.read_text(encoding="utf-8")

        def inline(match: re.Match[str]) -> str:
            ref = match.group(2)
            if ref.startswith(("data:", "#")):
                return match.group(0)
            image = (path.parent / ref).read_bytes()
            return f"url(data:image/png;base64,{base64.b64encode(image).decode('ascii')})"

        text = re.sub(r"url\((['\"]?)([^'\")]+)\1\)", inline, text)
        payload, mime = text.encode("utf-8"), "text/css"
    else:
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"^//# sourceMappingURL=.*$", "", text, flags=re.MULTILINE)
        payload, mime = text.encode("utf-8"), "text/javascript"
    return f"data:{mime};charset=utf-8;base64,{base64.b64encode(payload).decode('ascii')}"


def _walk(element: Element) -> Iterator[Element]:
    yield element
    for child in list(element._children.values()):
        yield from _walk(child)


def _needs(root: Element) -> set[str]:
    """Optional resources the map's elements actually use."""
    needed: set[str] = set()
    for el in _walk(root):
        if isinstance(el, folium.Popup) or getattr(el, "objects_to_stay_in_front", None):
            needed.add("jquery")  # folium's Popup template parses its HTML with $(…)
        if isinstance(el, folium.Icon):
            needed.update({"awesome_markers", "awesome_markers_css"})
    return needed


def localize_assets(m: Element, *, mode: AssetMode = "inline", base_url: str = "") -> None:
    """Point every script and stylesheet of `m`'s elements at the shipped copies.

    `mode="inline"` embeds them as data: URIs (one self-contained page, also inside
    streamlit-folium); `"local"` uses `base_url` + the path under `asset_dir()` (e.g. Streamlit
    static serving, "app/static/civdash"); `"cdn"` leaves folium's CDN URLs. The lists are
    rewritten on each element instance, never on folium's classes. A resource CivDash does not
    ship raises ValueError rather than silently loading from the internet.
    """
    if mode == "cdn":
        return
    needed = _needs(m)
    for el in _walk(m):
        if not isinstance(el, JSCSSMixin):
            continue
        el.default_js = _localized(el.default_js, needed, mode, base_url)
        el.default_css = _localized(el.default_css, needed, mode, base_url)


def _localized(
    links: Sequence[tuple[str, str]], needed: set[str], mode: AssetMode, base_url: str
) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for name, url in links:
        if name in _ALWAYS_DROPPED or (
            name in {"jquery", "awesome_markers", "awesome_markers_css"} and name not in needed
        ):
            continue
        relpath = ASSET_FILES.get(name)
        if relpath is None:
            if re.match(r"^(https?:)?//", url):
                raise ValueError(
                    f"离线地图缺少资源『{name}』（{url}）：请把它放进 civdash/assets/ "
                    "并在 civdash.maps.ASSET_FILES 中登记。"
                )
            out.append((name, url))
        elif mode == "inline":
            out.append((name, _data_uri(relpath)))
        else:
            out.append((name, f"{base_url.rstrip('/')}/{relpath}" if base_url else relpath))
    return out


class OfflineMap(folium.Map):
    """A `folium.Map` that loads its scripts and stylesheets from `civdash/assets/`.

    The rewrite happens when the map renders, so elements added after construction are covered
    too. `gcj02` is True when the base map uses GCJ-02 (高德) and overlays must be shifted.
    """

    def __init__(
        self,
        *args: Any,
        assets: AssetMode = "inline",
        asset_url: str = "",
        gcj02: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.assets: AssetMode = assets
        self.asset_url = asset_url
        self.gcj02 = gcj02

    def render(self, **kwargs: Any) -> Any:
        localize_assets(self, mode=self.assets, base_url=self.asset_url)
        return super().render(**kwargs)


def render_html(m: folium.Map) -> str:
    """The map as one standalone HTML page."""
    return m.get_root().render()


# ---------------------------------------------------------------------------------------------
# Safe text and compact payloads


def _js_json(obj: Any) -> str:
    """JSON for a <script> block: UTF-8, no "</script>" or "<!--" possible inside."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _shorten(text: pd.Series, limit: int | None) -> pd.Series:
    """Text cut to `limit` characters with "…"; limit 0 drops it, None keeps it whole."""
    if limit is None:
        return text
    if limit == 0:
        return pd.Series(pd.NA, index=text.index, dtype="string")
    long = text.str.len() > limit
    return text.where(~long.fillna(False).astype(bool), text.str.slice(0, limit) + "…")


_HTML_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#x27;"))


def _escape_all(text: pd.Series) -> pd.Series:
    """html.escape(quote=True) on every value at once, and "|" (the table separator) as &#124;."""
    for raw, safe in (*_HTML_ESCAPES, ("|", "&#124;")):
        text = text.str.replace(raw, safe, regex=False)
    return text


def _width(count: int) -> int:
    """Characters of the 64-letter alphabet needed to write numbers 0 … count − 1."""
    width = 1
    while 64**width < max(count, 1):
        width += 1
    return width


def _pack(codes: np.ndarray, width: int) -> str:
    """Fixed-width base-64 digits of non-negative ints, concatenated (1–3 bytes a row)."""
    codes = codes.astype(np.int64)
    digits = np.empty((len(codes), width), dtype=np.uint8)
    for k in range(width):
        digits[:, width - 1 - k] = _ALPHABET_BYTES[(codes >> (6 * k)) & 63]
    return digits.tobytes().decode("ascii")


def _text_column(values: pd.Series) -> dict[str, Any]:
    """A text column as its distinct values (HTML-escaped once each) plus one code per row.

    The table travels as one "|"-joined string ("|" itself is written &#124;). When every value
    is a shared prefix plus a fixed-width number (WT2026-000123), only the numbers are packed.
    """
    text = values.astype("string[pyarrow]").str.strip()
    codes, uniques = pd.factorize(text, sort=False, use_na_sentinel=True)
    table = _escape_all(pd.Series(uniques, dtype="string[pyarrow]")).tolist()
    prefix = _common_prefix(table) if len(table) > 50 else ""
    rest = [t[len(prefix) :] for t in table]
    digits = len(rest[0]) if rest else 0
    if (
        prefix
        and 0 < digits <= 9
        and (codes >= 0).all()
        and all(len(r) == digits and r.isascii() and r.isdigit() for r in rest)
    ):
        numbers = np.array([int(r) for r in rest], dtype=np.int64)[codes]
        width = _width(int(numbers.max()) + 1)
        return {"w": width, "c": _pack(numbers, width), "p": prefix, "z": digits}
    codes = np.where(codes < 0, len(rest), codes)
    width = _width(len(rest) + 1)
    return {"w": width, "c": _pack(codes, width), "v": "|".join(rest), "p": prefix}


def _common_prefix(values: Sequence[str]) -> str:
    lo, hi = min(values), max(values)
    n = 0
    while n < min(len(lo), len(hi)) and lo[n] == hi[n]:
        n += 1
    return lo[:n]


def _date_columns(frame: pd.DataFrame, fields: Iterable[str]) -> tuple[list[int], dict[str, Any]]:
    cols = {f: pd.to_datetime(frame[f], errors="coerce").dt.normalize() for f in fields}
    stacked = pd.concat(cols.values()) if cols else pd.Series(dtype="datetime64[ns]")
    day0 = stacked.min() if stacked.notna().any() else pd.Timestamp("2000-01-01")
    span = int((stacked.max() - day0).days) + 1 if stacked.notna().any() else 1
    width = _width(span + 1)
    missing = 64**width - 1
    out: dict[str, Any] = {}
    for name, col in cols.items():
        days = (col - day0).dt.days.fillna(missing).astype("int64").to_numpy()
        out[name] = {"w": width, "c": _pack(days, width), "m": missing}
    return [day0.year, day0.month, day0.day], out


def _coordinates(frame: pd.DataFrame, gcj02: bool) -> tuple[pd.DataFrame, int]:
    lat = pd.to_numeric(frame["lat"], errors="coerce")
    lon = pd.to_numeric(frame["lon"], errors="coerce")
    ok = lat.between(-90, 90) & lon.between(-180, 180) & ~((lat == 0) & (lon == 0))
    kept = frame[ok.fillna(False).astype(bool)]
    lat_a = lat[kept.index].to_numpy(dtype="float64")
    lon_a = lon[kept.index].to_numpy(dtype="float64")
    if gcj02 and len(kept):
        lat_a, lon_a = _to_gcj02(lat_a, lon_a)
    kept = kept.assign(_lat=lat_a, _lon=lon_a)
    return kept, int(len(frame) - len(kept))


def _to_gcj02(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from civdash.geo import wgs84_to_gcj02

    glat, glon = wgs84_to_gcj02(lat, lon)
    return np.asarray(glat, dtype="float64"), np.asarray(glon, dtype="float64")


def _pack_points(
    frame: pd.DataFrame,
    *,
    category: pd.Series,
    categories: Sequence[tuple[str, str, bool]],
    text_fields: Mapping[str, pd.Series],
    date_fields: Sequence[str],
    popup: Sequence[tuple[str, str]],
    title: str,
    tooltip: Sequence[str],
) -> dict[str, Any]:
    """The points of `frame` (with _lat/_lon) as one compact, already-escaped JSON payload."""
    lat = np.round(frame["_lat"].to_numpy(dtype="float64") * _COORD_SCALE).astype(np.int64)
    lon = np.round(frame["_lon"].to_numpy(dtype="float64") * _COORD_SCALE).astype(np.int64)
    lat0 = int(lat.min()) if len(lat) else 0
    lon0 = int(lon.min()) if len(lon) else 0
    cw = _width(int(max(lat.max() - lat0, lon.max() - lon0)) + 1 if len(lat) else 1)
    index = {name: i for i, (name, _, _) in enumerate(categories)}
    cat_codes = category.map(index).fillna(0).astype("int64").to_numpy()
    day0, dates = _date_columns(frame, date_fields)
    return {
        "n": len(frame),
        "s": _COORD_SCALE,
        "la0": lat0,
        "lo0": lon0,
        "cw": cw,
        "la": _pack(lat - lat0, cw),
        "lo": _pack(lon - lon0, cw),
        "k": _pack(cat_codes, 1),
        "K": [{"l": _esc(n), "c": c, "r": ring} for n, c, ring in categories],
        "t": {name: _text_column(values) for name, values in text_fields.items()},
        "d": dates,
        "d0": day0,
        "P": [[f, _esc(label)] for f, label in popup],
        "T": title,
        "H": list(tooltip),
        "A": _ALPHABET,
    }


_POINT_JS = """
(function () {
  var D = %(data)s;
  var T = new Int16Array(128);
  Object.keys(D.t).forEach(function (key) {
    var c = D.t[key];
    if (!c.z) { c.v = c.v === "" ? [] : c.v.split("|"); }
  });
  for (var q = 0; q < D.A.length; q++) { T[D.A.charCodeAt(q)] = q; }
  function dec(s, i, w) {
    var v = 0;
    for (var k = 0; k < w; k++) { v = v * 64 + T[s.charCodeAt(i * w + k)]; }
    return v;
  }
  function pad(x) { return x < 10 ? "0" + x : "" + x; }
  function val(key, i) {
    var c = D.t[key];
    if (c) {
      var v = dec(c.c, i, c.w);
      if (c.z) { return c.p + ("000000000" + v).slice(-c.z); }
      return v < c.v.length ? c.p + c.v[v] : "";
    }
    var d = D.d[key];
    if (d) {
      var n = dec(d.c, i, d.w);
      if (n === d.m) { return ""; }
      var t = new Date(Date.UTC(D.d0[0], D.d0[1] - 1, D.d0[2]) + n * 864e5);
      return t.getUTCFullYear() + "-" + pad(t.getUTCMonth() + 1) + "-" + pad(t.getUTCDate());
    }
    return "";
  }
  function badge(k) {
    return '<span class="civdash-badge" style="background:' + D.K[k].c + '">' + D.K[k].l + "</span>";
  }
  function popup(i, k) {
    var rows = "";
    for (var j = 0; j < D.P.length; j++) {
      var v = val(D.P[j][0], i);
      if (v !== "") { rows += "<tr><th>" + D.P[j][1] + "</th><td>" + v + "</td></tr>"; }
    }
    return '<div class="civdash-popup"><div class="civdash-popup-title">' + val(D.T, i) +
      " " + badge(k) + "</div><table>" + rows + "</table></div>";
  }
  function tooltip(i, k) {
    var parts = [];
    for (var j = 0; j < D.H.length; j++) { var v = val(D.H[j], i); if (v !== "") { parts.push(v); } }
    return parts.join(" · ") + " · " + D.K[k].l;
  }
  var icons = D.K.map(function (c) {
    return L.divIcon({
      className: "civdash-pt civdash-%(shape)s" + (c.r ? " civdash-ring" : ""),
      html: '<span style="background:' + c.c + '"></span>',
      iconSize: [14, 14]
    });
  });
  var group = %(group)s;
  var markers = new Array(D.n);
  for (var i = 0; i < D.n; i++) {
    var k = dec(D.k, i, 1);
    var m = L.marker([(D.la0 + dec(D.la, i, D.cw)) / D.s, (D.lo0 + dec(D.lo, i, D.cw)) / D.s],
                     {icon: icons[k], keyboard: false});
    m.civdashIndex = i;
    m.civdashKind = k;
    markers[i] = m;
  }
  if (group.addLayers) { group.addLayers(markers); } else { markers.forEach(function (m) { group.addLayer(m); }); }
  group.on("mouseover", function (e) {
    var m = e.layer;
    if (m.civdashIndex === undefined) { return; }
    if (!m.getTooltip()) { m.bindTooltip(tooltip(m.civdashIndex, m.civdashKind), {direction: "top"}); }
    m.openTooltip();
  });
  group.on("click", function (e) {
    var m = e.layer;
    if (m.civdashIndex === undefined || m.getPopup()) { return; }
    m.closeTooltip();
    m.bindPopup(popup(m.civdashIndex, m.civdashKind), {maxWidth: 380});
    m.openPopup();
  });
  return group;
})()
"""

_CLUSTER_JS = """L.markerClusterGroup({
    chunkedLoading: true, maxClusterRadius: 45, showCoverageOnHover: false,
    iconCreateFunction: function (cluster) {
      var kids = cluster.getAllChildMarkers(), bad = 0, n = cluster.getChildCount();
      for (var j = 0; j < kids.length; j++) { if (kids[j].civdashKind === 0) { bad++; } }
      var size = n < 100 ? 34 : n < 1000 ? 42 : 50;
      return L.divIcon({
        html: '<div title="' + n + %(total)s + bad + %(overdue)s + '"><span>' + n + "</span></div>",
        className: "civdash-cluster" + (bad ? " civdash-cluster-bad" : ""),
        iconSize: L.point(size, size)
      });
    }
  })"""

_POINT_CSS = """
<style>
.leaflet-container { background: %(background)s; }
.civdash-pt span { display: block; width: 12px; height: 12px; border-radius: 50%%;
  border: 1.5px solid #fff; box-shadow: 0 0 2px rgba(0,0,0,.7); box-sizing: border-box; }
.civdash-square span { border-radius: 2px; }
.civdash-ring span { border: 3px solid #000; width: 14px; height: 14px; margin: -1px; }
.civdash-cluster div { width: 100%%; height: 100%%; border-radius: 50%%; display: flex;
  align-items: center; justify-content: center; background: rgba(0,114,178,.85);
  color: #fff; font-weight: bold; border: 3px solid #fff; box-sizing: border-box; }
.civdash-cluster-bad div { border-color: %(bad)s; }
.civdash-popup { font-size: 13px; line-height: 1.5; }
.civdash-popup-title { font-weight: bold; font-size: 14px; margin-bottom: 4px; }
.civdash-popup th { text-align: left; padding-right: 8px; white-space: nowrap; color: #555;
  vertical-align: top; font-weight: normal; }
.civdash-badge { color: #fff; padding: 0 6px; border-radius: 3px; font-size: 12px; }
.civdash-legend { background: rgba(255,255,255,.9); padding: 4px 8px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,.3); font-size: 12px; line-height: 1.45; max-width: 170px; }
.civdash-legend summary { cursor: pointer; }
.civdash-legend i { display: inline-block; width: 11px; height: 11px; margin-right: 5px;
  vertical-align: -1px; border-radius: 50%%; }
.civdash-legend i.civdash-swatch { border-radius: 2px; width: 15px; }
.civdash-legend i.civdash-ring-swatch { border: 2px solid #000; box-sizing: border-box; }
.civdash-legend small { display: block; color: #555; font-size: 11px; line-height: 1.3;
  width: 0; min-width: 100%%; }
.civdash-label { background: transparent; border: none; box-shadow: none; font-weight: bold;
  color: #333; text-shadow: 0 0 3px #fff, 0 0 3px #fff; font-size: 13px; }
</style>
"""


class _Raw(Element):
    """Text added to the page verbatim (folium would re-parse it as a Jinja template)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "CivdashRaw"
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


class _FastLayer(JSCSSMixin, Layer):
    """A layer whose large script goes into the page as it is.

    `MacroElement.render` wraps each rendered script in a new `Element`, which compiles it as a
    Jinja template: for a multi-megabyte payload that alone takes half a second. The script
    macro is kept (streamlit-folium renders it per element) and only echoes `script_text`.
    """

    _template = Template("{% macro script(this, kwargs) %}{{ this.script_text }}{% endmacro %}")

    def __init__(self, *, name: str) -> None:
        super().__init__(name=name, overlay=True, control=True, show=True)
        self.default_js: list[tuple[str, str]] = []
        self.default_css: list[tuple[str, str]] = []
        self.script_text = ""

    def _script(self, parent: Element) -> str:
        raise NotImplementedError

    def render(self, **kwargs: Any) -> Any:
        parent = self._parent
        figure = self.get_root()
        if parent is None or not isinstance(figure, Figure):
            raise ValueError("图层需要先添加到地图上才能显示。")
        for name, url in self.default_js:
            figure.header.add_child(JavascriptLink(url), name=name)
        for name, url in self.default_css:
            figure.header.add_child(CssLink(url), name=name)
        self.script_text = f"var {self.get_name()} = {self._script(parent)};"
        figure.script.add_child(_Raw(self.script_text), name=self.get_name())
        if self.show:
            self.add_child(
                ElementAddToElement(
                    element_name=self.get_name(), element_parent_name=parent.get_name()
                ),
                name=self.get_name() + "_add",
            )
        for child in self._children.values():
            child.render(**kwargs)


class _Styles(MacroElement):
    """The CSS of CivDash's markers, popups and legends (inline, once per map)."""

    _template = Template("{% macro header(this, kwargs) %}{{ this.css }}{% endmacro %}")

    def __init__(self) -> None:
        super().__init__()
        self._name = "CivdashStyles"
        self.css = _POINT_CSS % {"background": _BACKGROUND, "bad": palette.BAD}


class _PointLayer(_FastLayer):
    """Points from one packed payload, drawn by one (optionally clustered) Leaflet layer."""

    def __init__(self, payload: dict[str, Any], *, name: str, cluster: bool, shape: str) -> None:
        super().__init__(name=name)
        self._name = "CivdashPoints"
        self.payload = payload
        self.cluster = cluster
        self.shape = shape
        if cluster:
            self.default_js = list(MarkerCluster.default_js)
            self.default_css = list(MarkerCluster.default_css)

    def _script(self, parent: Element) -> str:
        if self.cluster:
            group = _CLUSTER_JS % {
                "total": _js_json(" 个问题，其中逾期 "),
                "overdue": _js_json(" 个"),
            }
        else:
            group = "L.featureGroup()"
        return _POINT_JS % {
            "data": _js_json(self.payload),
            "group": group,
            "shape": self.shape,
        }


class _GeoJsonLayer(_FastLayer):
    """District polygons whose style, tooltip and popup come from prepared, escaped properties."""

    def __init__(self, collection: dict[str, Any], *, name: str) -> None:
        super().__init__(name=name)
        self._name = "CivdashGeoJson"
        self.collection = collection

    def _script(self, parent: Element) -> str:
        return _GEOJSON_JS % {"data": _js_json(self.collection)}


_GEOJSON_JS = """L.geoJson(%(data)s, {
  style: function (f) { return f.properties.s; },
  onEachFeature: function (f, layer) {
    if (f.properties.t) { layer.bindTooltip(f.properties.t, f.properties.o); }
    if (f.properties.p) { layer.bindPopup(f.properties.p, {maxWidth: 360}); }
  }
})"""


class _Legend(MacroElement):
    """A legend box (a Leaflet control) with escaped entries."""

    _template = Template(
        """{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.control({position: {{ this.position_json }}});
{{ this.get_name() }}.onAdd = function () {
  var div = L.DomUtil.create("div", "civdash-legend");
  div.innerHTML = {{ this.html_json }};
  L.DomEvent.disableClickPropagation(div);  // folding it must not click the district below
  L.DomEvent.disableScrollPropagation(div);
  return div;
};
{{ this.get_name() }}.addTo({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(self, body: str, position: str) -> None:
        super().__init__()
        self._name = "CivdashLegend"
        self.html_json = _js_json(body)
        self.position_json = _js_json(position)


def _ensure_styles(m: folium.Map) -> None:
    if not any(isinstance(c, _Styles) for c in m._children.values()):
        m.add_child(_Styles())


# ---------------------------------------------------------------------------------------------
# Base map and districts


def _district_collection(districts: Districts | None) -> dict[str, Any]:
    if districts is None:
        return {"type": "FeatureCollection", "features": []}
    if isinstance(districts, DistrictTable):
        return districts.to_geojson()
    return dict(districts)


def _round_coords(coords: Any, gcj02: bool) -> Any:
    arr = np.asarray(coords, dtype="float64") if _is_ring(coords) else None
    if arr is not None:
        lon, lat = arr[:, 0], arr[:, 1]
        if gcj02:
            lat, lon = _to_gcj02(lat, lon)
        return np.round(np.column_stack([lon, lat]), 5).tolist()
    return [_round_coords(c, gcj02) for c in coords]


def _is_ring(coords: Any) -> bool:
    return (
        bool(coords)
        and isinstance(coords[0], Sequence)
        and bool(coords[0])
        and isinstance(coords[0][0], int | float)
    )


def _geometry(geometry: Mapping[str, Any], gcj02: bool) -> dict[str, Any]:
    coords = geometry.get("coordinates", [])
    if geometry.get("type") == "Point":
        lon, lat = coords[0], coords[1]
        if gcj02:
            glat, glon = _to_gcj02(np.array([lat]), np.array([lon]))
            lat, lon = float(glat[0]), float(glon[0])
        return {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]}
    return {"type": geometry.get("type"), "coordinates": _round_coords(coords, gcj02)}


def _bounds_of(collection: Mapping[str, Any]) -> list[list[float]] | None:
    lats: list[float] = []
    lons: list[float] = []

    def visit(c: Any) -> None:
        if c and isinstance(c[0], int | float):
            lons.append(float(c[0]))
            lats.append(float(c[1]))
        else:
            for x in c:
                visit(x)

    for f in collection.get("features", []):
        geom = f.get("geometry") or {}
        visit(geom.get("coordinates", []))
    if not lats:
        return None
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


def _add_tiles(m: folium.Map, tiles: str, token: str | None, attribution: str | None) -> None:
    if tiles == "osm":
        folium.TileLayer(
            "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            attr="© OpenStreetMap 贡献者",
            name="OpenStreetMap",
            control=False,
            max_zoom=19,
        ).add_to(m)
    elif tiles == "amap":
        folium.TileLayer(
            "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
            "&x={x}&y={y}&z={z}",
            attr="© 高德地图",
            name="高德地图",
            subdomains="1234",
            control=False,
            max_zoom=18,
        ).add_to(m)
    elif tiles == "tianditu":
        if not token:
            raise ValueError("使用天地图底图需要提供天地图密钥（tk），请在设置中填写。")
        for layer, name in (("vec", "天地图"), ("cva", "天地图注记")):
            folium.TileLayer(
                f"https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
                f"&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
                f"&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={token}",
                attr="© 天地图",
                name=name,
                subdomains="01234567",
                control=False,
                overlay=layer == "cva",
                max_zoom=18,
            ).add_to(m)
    elif "{z}" in tiles and "{x}" in tiles and "{y}" in tiles:
        folium.TileLayer(tiles, attr=attribution or "底图", name="底图", control=False).add_to(m)
    else:
        known = "、".join(f"{k}（{v}）" for k, v in TILE_PROVIDERS.items())
        raise ValueError(
            f"不支持的底图『{tiles}』，可选：{known}，或含 {{z}}/{{x}}/{{y}} 的瓦片地址。"
        )


def base_map(
    districts: Districts | None = None,
    *,
    tiles: str | None = None,
    tile_token: str | None = None,
    tile_attribution: str | None = None,
    assets: AssetMode = "inline",
    asset_url: str = "",
    outline: bool = True,
    labels: bool = True,
    height: str | int = "100%",
) -> OfflineMap:
    """An offline map framed on the districts, with their outlines and names.

    `tiles=None` (default) draws no tiles at all: district shapes on a plain background, which
    works without internet. "osm", "amap" (高德; overlays are shifted to GCJ-02 to line up),
    "tianditu" (needs `tile_token`) or a URL template add an online base map.
    """
    gcj02 = tiles == "amap"
    m = OfflineMap(
        location=[35.0, 105.0],
        zoom_start=4,
        tiles=None,
        control_scale=True,
        maxZoom=18,  # MarkerCluster needs a maximum zoom, and with no tiles none is implied
        assets=assets,
        asset_url=asset_url,
        gcj02=gcj02,
        height=height,
    )
    if tiles:
        _add_tiles(m, tiles, tile_token, tile_attribution)
    _ensure_styles(m)
    collection = _district_collection(districts)
    if outline and collection["features"]:
        add_districts(m, collection, labels=labels)
    bounds = _bounds_of(collection)
    if bounds:
        if gcj02:
            lat, lon = _to_gcj02(np.array([b[0] for b in bounds]), np.array([b[1] for b in bounds]))
            bounds = [[float(lat[0]), float(lon[0])], [float(lat[1]), float(lon[1])]]
        m.fit_bounds(bounds)
    return m


def _features(
    collection: Mapping[str, Any], gcj02: bool
) -> Iterator[tuple[str, dict[str, Any], Mapping[str, Any]]]:
    for feat in collection.get("features", []):
        props = feat.get("properties") or {}
        geom = feat.get("geometry")
        if not geom:
            continue
        name = str(props.get("name") or props.get("名称") or props.get("NAME") or "")
        yield name, _geometry(geom, gcj02), props


def add_districts(
    m: folium.Map, districts: Districts, *, labels: bool = True, name: str = "区县边界"
) -> folium.Map:
    """District outlines on a light fill, with each name as a label (escaped)."""
    gcj02 = bool(getattr(m, "gcj02", False))
    label_opts = (
        {"permanent": True, "direction": "center", "className": "civdash-label"}
        if labels
        else {"sticky": True}
    )
    features = [
        {
            "type": "Feature",
            "geometry": geom,
            "properties": {
                "s": {
                    "color": "#666666",
                    "weight": 1.5,
                    "fillColor": "#FFFFFF",
                    "fillOpacity": 0.6,
                },
                "t": _esc(dname),
                "o": label_opts,
            },
        }
        for dname, geom, _ in _features(_district_collection(districts), gcj02)
    ]
    _ensure_styles(m)
    _GeoJsonLayer({"type": "FeatureCollection", "features": features}, name=name).add_to(m)
    return m


# ---------------------------------------------------------------------------------------------
# Choropleth


def _breaks(values: np.ndarray, classes: int) -> list[float]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return []
    lo, hi = float(finite.min()), float(finite.max())
    if lo == hi:
        return [lo, hi]
    n = min(classes, max(int(np.unique(finite).size), 1))
    return [float(x) for x in np.linspace(lo, hi, n + 1)]


def _class_of(value: float, breaks: Sequence[float]) -> int:
    if len(breaks) < 2:
        return 0
    for i in range(len(breaks) - 1):
        if value <= breaks[i + 1]:
            return i
    return len(breaks) - 2


def add_district_choropleth(
    m: folium.Map,
    districts: Districts,
    frame: pd.DataFrame,
    metric: str,
    *,
    as_of: DateLike,
    population: Mapping[str, float] | None = None,
    per_capita: bool | None = None,
    classes: int = 5,
    settings: Settings = DEFAULT_SETTINGS,
    name: str | None = None,
) -> folium.Map:
    """Colour each district by a catalogue metric, with a legend, tooltips and popups.

    Counts that grow with district size (volunteers, hours, issues, units) are shown per 10,000
    residents when `per_capita` is True, or when it is None and populations are known. Districts
    without rows get 0 for counts and 无数据 for rates and means.
    """
    mdef = METRICS[metric_key(metric)]
    collection = _district_collection(districts)
    if population is None and isinstance(districts, DistrictTable):
        population = districts.population()
    if population is None:
        population = {
            str(f.get("properties", {}).get("name")): float(f["properties"]["population"])
            for f in collection.get("features", [])
            if (f.get("properties") or {}).get("population") not in (None, "")
        }
    use_per_capita = mdef.per_capita and (
        per_capita if per_capita is not None else bool(population)
    )
    table = compute(
        mdef.key,
        frame,
        as_of=as_of,
        population=population if mdef.needs_population else None,
        by="district",
        settings=settings,
    )
    assert isinstance(table, pd.DataFrame)
    by_district = dict(
        zip(table["district"].astype(str), table["value"].astype(float), strict=True)
    )
    gcj02 = bool(getattr(m, "gcj02", False))
    rows = []
    for dname, geom, _ in _features(collection, gcj02):
        value = by_district.get(dname, 0.0 if mdef.additive else math.nan)
        pop = (population or {}).get(dname)
        shown = value
        if use_per_capita:
            shown = value / pop * 10_000 if pop else math.nan
        rows.append((dname, geom, value, shown, pop))
    values = np.array([r[3] for r in rows], dtype="float64")
    breaks = _breaks(values, classes)
    ramp = palette.sequential_for(mdef.better)
    n_classes = max(len(breaks) - 1, 1)
    colors = [ramp[round(i * (len(ramp) - 1) / max(n_classes - 1, 1))] for i in range(n_classes)]
    unit = f"{mdef.unit}/万人" if use_per_capita else mdef.unit
    title = f"每万人{mdef.label}" if use_per_capita else mdef.label
    decimals = max(mdef.decimals, 1) if use_per_capita else mdef.decimals

    def number(v: float) -> str:
        return "无数据" if not math.isfinite(v) else f"{v:,.{decimals}f}"

    def fmt(v: float) -> str:
        return "无数据" if not math.isfinite(v) else f"{number(v)}{unit}"

    features = []
    for dname, geom, value, shown, pop in rows:
        color = colors[_class_of(shown, breaks)] if math.isfinite(shown) else palette.NO_DATA
        lines = [f"<b>{_esc(dname)}</b>", f"{_esc(title)}：{_esc(fmt(shown))}"]
        if use_per_capita:
            lines.append(f"{_esc(mdef.label)}：{_esc(format_value(mdef.key, value))}")
        if pop:
            lines.append(f"常住人口：{pop:,.0f}人")
        features.append(
            {
                "type": "Feature",
                "geometry": geom,
                "properties": {
                    "s": {
                        "color": "#555555",
                        "weight": 1.5,
                        "fillColor": color,
                        "fillOpacity": 0.8,
                    },
                    "t": f"{_esc(dname)}：{_esc(fmt(shown))}",
                    "o": {"sticky": True},
                    "p": "<div class='civdash-popup'>" + "<br>".join(lines) + "</div>",
                },
            }
        )
    _ensure_styles(m)
    _GeoJsonLayer({"type": "FeatureCollection", "features": features}, name=name or title).add_to(m)
    entries = [
        (colors[i], f"{number(breaks[i])} – {number(breaks[i + 1])}", "swatch")
        for i in range(len(breaks) - 1)
    ]
    if len(breaks) == 2 and breaks[0] == breaks[1]:
        entries = [(colors[0], number(breaks[0]), "swatch")]
    if any(not math.isfinite(r[3]) for r in rows):
        entries.append((palette.NO_DATA, "无数据", "swatch"))
    better = {"higher": "越高越好", "lower": "越低越好"}.get(mdef.better or "", "")
    add_legend(m, f"{title}（{unit}）", entries, note=better or None)
    return m


def choropleth_map(
    districts: Districts,
    frame: pd.DataFrame,
    metric: str,
    *,
    as_of: DateLike,
    population: Mapping[str, float] | None = None,
    per_capita: bool | None = None,
    settings: Settings = DEFAULT_SETTINGS,
    tiles: str | None = None,
    tile_token: str | None = None,
    assets: AssetMode = "inline",
    asset_url: str = "",
) -> OfflineMap:
    """A district map coloured by one metric, with legend and layer control."""
    m = base_map(
        districts,
        tiles=tiles,
        tile_token=tile_token,
        assets=assets,
        asset_url=asset_url,
        outline=False,
    )
    add_district_choropleth(
        m,
        districts,
        frame,
        metric,
        as_of=as_of,
        population=population,
        per_capita=per_capita,
        settings=settings,
    )
    add_layer_control(m)
    return m


# ---------------------------------------------------------------------------------------------
# Points, legends, layer control


def _field_label(kind: str, field: str) -> str:
    ledger = ISSUES if kind == "issues" else UNITS
    return ledger.field(field).label


_ISSUE_TEXT_FIELDS = (
    "issue_id",
    "location",
    "district",
    "street",
    "point_type",
    "category",
    "source",
    "responsible_unit",
    "description",
)
_HOUSEHOLD_CATEGORIES = frozenset({"文明家庭"})
"""Creation units that are households: where they live is personal data, so they are not mapped."""

_DETAIL_LEVELS: tuple[tuple[int, int, int], ...] = (
    (80, 80, 40),
    (80, 30, 40),
    (80, 0, 40),
    (40, 0, 30),
    (20, 0, 20),
)
"""Characters of (description of open issues, of closed issues, location), most detail first.

A map of tens of thousands of issues with long unique descriptions would grow past what a
browser loads comfortably, so detail is shed in this order until the text fits the budget;
0 leaves the description out (the ledger has it).
"""

TEXT_BUDGET_BYTES = 3_000_000
"""Default budget for the descriptions and locations carried by an issue map (≈ 5 MB page)."""


def _text_bytes(*columns: pd.Series) -> int:
    """UTF-8 bytes of the distinct values (what the payload carries), plus a separator each."""
    total = 0
    for col in columns:
        distinct = pa.array(col.dropna().astype("string[pyarrow]").unique(), type=pa.string())
        total += int(pc.sum(pc.binary_length(distinct)).as_py() or 0) + len(distinct)
    return total


def _fit_text(
    description: pd.Series, location: pd.Series, is_open: pd.Series, budget: int
) -> tuple[pd.Series, pd.Series, int]:
    """Descriptions and locations shortened just enough to fit `budget` bytes; the level used."""
    description = mask_free_text(description.astype("string").str.strip())
    location = mask_free_text(location.astype("string").str.strip())
    for level, (open_chars, closed_chars, location_chars) in enumerate(_DETAIL_LEVELS):
        desc = _shorten(description, open_chars).where(is_open, _shorten(description, closed_chars))
        loc = _shorten(location, location_chars)
        if _text_bytes(desc, loc) <= budget or level == len(_DETAIL_LEVELS) - 1:
            return desc, loc, level
    raise AssertionError("unreachable: the last detail level always returns")


def add_issue_points(
    m: folium.Map,
    issues: pd.DataFrame,
    *,
    as_of: DateLike,
    name: str = "问题点位",
    cluster: bool = True,
    legend: bool = True,
    text_budget: int = TEXT_BUDGET_BYTES,
) -> folium.Map:
    """Issue points coloured by status (逾期 red with a black ring), clustered, as one layer.

    Hover shows the location and status; a click opens the issue's details. Rows without usable
    coordinates are left out and counted in the legend. When descriptions and locations exceed
    `text_budget` bytes, closed issues' descriptions are shortened or left out first (the legend
    says so).
    """
    state = issue_state(real_issues(issues), as_of)
    kept, missing = _coordinates(state, bool(getattr(m, "gcj02", False)))
    status = kept["status"].astype("string").fillna("待整改")
    status = status.mask(kept["is_overdue"].astype(bool), palette.OVERDUE)
    categories = [(s, palette.STATUS_COLORS[s], s == palette.OVERDUE) for s in palette.STATUS_ORDER]
    text = {f: kept[f] for f in _ISSUE_TEXT_FIELDS if f in kept.columns}
    blank = pd.Series(pd.NA, index=kept.index, dtype="string")
    is_open = ~kept["is_closed"].astype(bool)
    description, location, level = _fit_text(
        text.get("description", blank),
        text.get("location", kept.get("street", blank)),
        is_open,
        text_budget,
    )
    text["location"] = location
    if "description" in text:
        text["description"] = description
    dates = [f for f in ("found_on", "deadline", "rectified_on") if f in kept.columns]
    popup = [(f, _field_label("issues", f)) for f in ISSUE_POPUP_FIELDS if f in text or f in dates]
    payload = _pack_points(
        kept,
        category=status,
        categories=categories,
        text_fields=text,
        date_fields=dates,
        popup=popup,
        title="location",
        tooltip=["location"],
    )
    _ensure_styles(m)
    m.add_child(_PointLayer(payload, name=name, cluster=cluster, shape="circle"))
    if legend:
        entries = [
            (palette.STATUS_COLORS[s], s, "ring" if s == palette.OVERDUE else "dot")
            for s in palette.STATUS_ORDER
        ]
        notes = []
        if missing:
            notes.append(f"{missing} 个问题没有坐标，未在地图上显示")
        if level >= 2:
            notes.append("问题较多，已整改问题的描述未显示，详见问题台账")
        elif level == 1:
            notes.append("问题较多，已整改问题的描述只显示开头")
        add_legend(m, "问题整改状态", entries, note="；".join(notes) or None)
    return m


def _unit_text(values: pd.Series, field: str) -> pd.Series:
    if field == "score":
        number = pd.to_numeric(values, errors="coerce")
        return number.map(lambda v: "" if pd.isna(v) else f"{v:g}分").astype("string")
    if field == "named_year":
        number = pd.to_numeric(values, errors="coerce")
        return number.map(lambda v: "" if pd.isna(v) else f"{int(v)}年").astype("string")
    return values.astype("string")


def add_unit_points(
    m: folium.Map,
    units: pd.DataFrame,
    *,
    name: str = "创建单位",
    legend: bool = True,
    legend_position: str = "bottomright",
) -> folium.Map:
    """Creation units as square markers coloured by status, in their own layer.

    文明家庭 are households, so their locations are never put on a map.
    """
    households = (
        units["category"].astype("string").isin(_HOUSEHOLD_CATEGORIES).fillna(False).astype(bool)
        if "category" in units.columns
        else pd.Series(False, index=units.index)
    )
    kept, missing = _coordinates(units[~households], bool(getattr(m, "gcj02", False)))
    if "status" in kept.columns:
        status = kept["status"].astype("string").fillna("培育中")
    else:
        status = pd.Series("培育中", index=kept.index, dtype="string")
    categories = [(s, palette.UNIT_STATUS_COLORS[s], False) for s in UNIT_STATUSES]
    text = {
        f: _unit_text(kept[f], f) for f in ("unit_name", *UNIT_POPUP_FIELDS) if f in kept.columns
    }
    if "unit_name" in text:
        text["unit_name"] = mask_free_text(text["unit_name"])
    popup = [(f, _field_label("units", f)) for f in UNIT_POPUP_FIELDS if f in text]
    payload = _pack_points(
        kept,
        category=status,
        categories=categories,
        text_fields=text,
        date_fields=[],
        popup=popup,
        title="unit_name",
        tooltip=["unit_name"],
    )
    _ensure_styles(m)
    m.add_child(_PointLayer(payload, name=name, cluster=False, shape="square"))
    if legend:
        entries = [(palette.UNIT_STATUS_COLORS[s], s, "square") for s in UNIT_STATUSES]
        note = f"{'、'.join(NAMED_STATUSES)}为已命名单位；文明家庭不在地图上显示"
        if missing:
            note += f"；{missing} 个单位没有坐标，未显示"
        add_legend(m, "创建单位（方块）", entries, note=note, position=legend_position)
    return m


def add_legend(
    m: folium.Map,
    title: str,
    entries: Sequence[tuple[str, str, str]],
    *,
    note: str | None = None,
    position: str = "bottomright",
) -> folium.Map:
    """A legend box: `entries` are (colour, label, shape) with shape dot, ring, square or swatch.

    Small, so that it sits in a corner beside the city rather than over its districts: one
    narrow column as wide as the title or the widest entry (the note wraps within it). And
    foldable: a click on the title leaves only the title, for small screens.
    """
    css = {
        "dot": "",
        "ring": "civdash-ring-swatch",
        "square": "civdash-swatch",
        "swatch": "civdash-swatch",
    }
    lines = [f"<details open><summary><b>{_esc(title)}</b></summary>"]
    for color, label, shape in entries:
        cls = css.get(shape, "")
        lines.append(
            f'<div><i class="{cls}" style="background:{_esc(color)}"></i>{_esc(label)}</div>'
        )
    if note:
        lines.append(f"<small>{_esc(note)}</small>")
    lines.append("</details>")
    _ensure_styles(m)
    m.add_child(_Legend("".join(lines), position))
    return m


def add_layer_control(m: folium.Map) -> folium.Map:
    """The layer switcher (expanded, top right); add it after every layer."""
    folium.LayerControl(position="topright", collapsed=False).add_to(m)
    return m


def issue_map(
    issues: pd.DataFrame,
    *,
    as_of: DateLike,
    districts: Districts | None = None,
    units: pd.DataFrame | None = None,
    tiles: str | None = None,
    tile_token: str | None = None,
    assets: AssetMode = "inline",
    asset_url: str = "",
    cluster: bool = True,
) -> OfflineMap:
    """District outlines, issue points by status, creation units, legends and a layer control.

    Without districts the map is framed on the points.
    """
    m = base_map(districts, tiles=tiles, tile_token=tile_token, assets=assets, asset_url=asset_url)
    add_issue_points(m, issues, as_of=as_of, cluster=cluster)
    if units is not None:
        add_unit_points(m, units)
    if not _district_collection(districts)["features"]:
        points = [f for f in (issues, units) if f is not None and len(f)]
        lats = (
            pd.concat([pd.to_numeric(f["lat"], errors="coerce") for f in points])
            if points
            else None
        )
        lons = (
            pd.concat([pd.to_numeric(f["lon"], errors="coerce") for f in points])
            if points
            else None
        )
        if lats is not None and lons is not None and lats.notna().any():
            m.fit_bounds([[lats.min(), lons.min()], [lats.max(), lons.max()]])
    add_layer_control(m)
    return m
