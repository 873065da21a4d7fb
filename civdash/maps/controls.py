"""The map's own controls in Chinese: the scale bar, the zoom buttons and the attribution.

Leaflet's defaults speak English and point off the machine: a scale bar in kilometres and miles
("5 km", "3 mi"), zoom buttons titled "Zoom in" / "Zoom out", and an attribution prefixed with a
link to leafletjs.com. `add_chinese_controls` replaces them (`controls.js`): one scale bar in
米 / 公里, 放大 / 缩小, and an attribution that is only the tiles' own (`base._add_tiles` writes
it in Chinese: "© 高德地图"); the default map has no tiles and so no attribution line. Leaflet's
licence travels with its files in civdash/assets/leaflet/.
"""

from __future__ import annotations

import folium
from branca.element import MacroElement
from folium.template import Template

from civdash.maps.scripts import Identifier, script

__all__ = ["ATTRIBUTION_PREFIX", "add_chinese_controls"]

ATTRIBUTION_PREFIX = ""
"""The attribution's first words, before the tiles' own: none (Leaflet's is an English link)."""


class _Controls(MacroElement):
    _template = Template(
        "{% macro script(this, kwargs) %}\n{{ this.controls_script() }}\n{% endmacro %}"
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "CivdashControls"

    def controls_script(self) -> str:
        if self._parent is None:
            raise ValueError("地图控件需要先添加到地图上才能显示。")
        return script(
            "controls.js", map=Identifier(self._parent.get_name()), prefix=ATTRIBUTION_PREFIX
        ).text


def add_chinese_controls(m: folium.Map) -> folium.Map:
    """A scale bar in 米 / 公里, zoom buttons titled in Chinese and a plain-text attribution
    prefix. The map must be made with `control_scale=False` (or it keeps Leaflet's bar too)."""
    m.add_child(_Controls())
    return m
