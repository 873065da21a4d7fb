"""Offline assets: every script and stylesheet a map loads comes from `civdash/assets/`.

Offices often have no internet, so folium's CDN links (Leaflet, MarkerCluster, …) are replaced
by the shipped copies, inlined as data: URIs or served from a local URL. A resource CivDash does
not ship makes the map refuse to render rather than silently go online. `civdash/assets/README.md`
lists the files, their versions and licences.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Literal

import folium
from branca.element import Element
from folium.elements import JSCSSMixin

__all__ = ["ASSET_FILES", "AssetMode", "OfflineMap", "asset_dir", "localize_assets", "render_html"]

AssetMode = Literal["inline", "local", "cdn"]

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

_ASSETS = Path(__file__).parents[1] / "assets"


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
