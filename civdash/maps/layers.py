"""The folium elements CivDash draws with: one layer per payload, and one stylesheet per map.

A point layer of 50,000 issues or a district layer is one element whose script is a file from
`civdash/assets/civdash/` with its data filled in as JSON, not one folium element per feature.
"""

from __future__ import annotations

from typing import Any

import folium
from branca.element import CssLink, Element, Figure, JavascriptLink, MacroElement
from folium.elements import ElementAddToElement, JSCSSMixin
from folium.map import Layer
from folium.plugins import MarkerCluster
from folium.template import Template

from civdash import palette
from civdash.maps.scripts import Identifier, script, stylesheet

__all__ = ["GeoJsonLayer", "PointLayer", "ensure_styles"]

_BACKGROUND = "#F5F7FA"


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

    def _script(self) -> str:
        """The script that declares the layer as `var <self.get_name()>`."""
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
        self.script_text = self._script()
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


class PointLayer(_FastLayer):
    """Points from one packed payload (`payload.pack_points`), drawn by `points.js`.

    `cluster` groups them with MarkerCluster (a cluster holding category 0, 逾期, gets a red
    ring); `shape` is "circle" or "square".
    """

    def __init__(self, payload: dict[str, Any], *, name: str, cluster: bool, shape: str) -> None:
        super().__init__(name=name)
        self._name = "CivdashPoints"
        self.payload = payload
        self.cluster = cluster
        self.shape = shape
        if cluster:
            self.default_js = list(MarkerCluster.default_js)
            self.default_css = list(MarkerCluster.default_css)

    def _script(self) -> str:
        group = (
            script("cluster-group.js", total=" 个问题，其中逾期 ", overdue=" 个")
            if self.cluster
            else script("feature-group.js")
        )
        return script(
            "points.js",
            name=Identifier(self.get_name()),
            data=self.payload,
            point_class=f"civdash-pt civdash-{self.shape}",
            group=group,
        ).text


class GeoJsonLayer(_FastLayer):
    """District polygons whose style, tooltip and popup come from prepared, escaped properties.

    Each feature's properties are `s` (path style), `t` (tooltip HTML), `o` (tooltip options)
    and optionally `p` (popup HTML); `districts.js` draws them.
    """

    def __init__(self, collection: dict[str, Any], *, name: str) -> None:
        super().__init__(name=name)
        self._name = "CivdashGeoJson"
        self.collection = collection

    def _script(self) -> str:
        return script("districts.js", name=Identifier(self.get_name()), data=self.collection).text


class _Styles(MacroElement):
    """The CSS of CivDash's markers, popups and legends (inline, once per map)."""

    _template = Template("{% macro header(this, kwargs) %}{{ this.css }}{% endmacro %}")

    def __init__(self) -> None:
        super().__init__()
        self._name = "CivdashStyles"
        css = stylesheet("maps.css", background=_BACKGROUND, bad=palette.BAD)
        self.css = f"\n<style>\n{css}\n</style>\n"


def ensure_styles(m: folium.Map) -> None:
    """Add CivDash's stylesheet to `m` unless it has it."""
    if not any(isinstance(c, _Styles) for c in m._children.values()):
        m.add_child(_Styles())
