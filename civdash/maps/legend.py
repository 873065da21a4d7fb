"""Legends: a small, foldable box in a corner of the map, its content escaped in Python."""

from __future__ import annotations

from collections.abc import Sequence

import folium
from branca.element import MacroElement
from folium.template import Template

from civdash.maps.layers import ensure_styles
from civdash.maps.payload import esc
from civdash.maps.scripts import Identifier, script

__all__ = ["add_legend"]

_SHAPE_CLASSES = {
    "dot": "",
    "ring": "civdash-ring-swatch",
    "square": "civdash-swatch",
    "swatch": "civdash-swatch",
}
"""An entry's shape → the CSS class of its swatch."""


class _Legend(MacroElement):
    """A legend box (a Leaflet control drawn by `legend.js`) with escaped entries."""

    _template = Template(
        "{% macro script(this, kwargs) %}\n{{ this.legend_script() }}\n{% endmacro %}"
    )

    def __init__(self, body: str, position: str) -> None:
        super().__init__()
        self._name = "CivdashLegend"
        self.body = body
        self.position = position

    def legend_script(self) -> str:
        """The control's script, naming this element and its map as they are named now."""
        if self._parent is None:
            raise ValueError("图例需要先添加到地图上才能显示。")
        return script(
            "legend.js",
            name=Identifier(self.get_name()),
            map=Identifier(self._parent.get_name()),
            position=self.position,
            html=self.body,
        ).text


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
    lines = [f"<details open><summary><b>{esc(title)}</b></summary>"]
    for color, label, shape in entries:
        cls = _SHAPE_CLASSES.get(shape, "")
        lines.append(
            f'<div><i class="{cls}" style="background:{esc(color)}"></i>{esc(label)}</div>'
        )
    if note:
        lines.append(f"<small>{esc(note)}</small>")
    lines.append("</details>")
    ensure_styles(m)
    m.add_child(_Legend("".join(lines), position))
    return m
