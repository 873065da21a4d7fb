"""CivDash's own map scripts and stylesheet: real files under `civdash/assets/civdash/`.

A file's leading `/* … */` comment documents it and its slots and is not sent to the browser.
A slot is a name in capitals between double underscores (`__DATA__`), a valid JavaScript
identifier, so the files stay plain JavaScript and CSS. `script` fills every slot with its value
as JSON (a text can never end the string or the page's <script>), with a checked variable name
for an `Identifier`, or with the code of another filled file for a `Script`; `stylesheet` fills
slots with colours only. A slot without a value, or a value without a slot, is an error rather
than a silently broken map.

>>> script("legend.js", name=Identifier("legend_1"), map=Identifier("map_1"),
...        position="topleft", html="<b>图例</b>").text.splitlines()[0]
'var legend_1 = L.control({position: "topleft"});'
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["Identifier", "Script", "js_json", "script", "stylesheet"]

_SLOT = re.compile(r"__([A-Z][A-Z0-9_]*?)__")
_DOC_COMMENT = re.compile(r"\A\s*/\*.*?\*/", re.DOTALL)
_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_COLOR = re.compile(r"#[0-9A-Fa-f]{3,8}")


@dataclass(frozen=True)
class Identifier:
    """A JavaScript variable name (a folium element's `get_name()`), written into a slot as is."""

    name: str

    def __post_init__(self) -> None:
        if not _IDENTIFIER.fullmatch(self.name):
            raise ValueError(f"not a JavaScript identifier: {self.name!r}")


@dataclass(frozen=True)
class Script:
    """JavaScript filled from one of CivDash's files by `script`.

    Put into another file's slot, it is written as code: that is how `points.js` takes its
    group (`cluster-group.js` or `feature-group.js`).
    """

    text: str


def js_json(obj: Any) -> str:
    """JSON for a <script> block: UTF-8, no "</script>" or "<!--" possible inside."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


@cache
def _source(file: str) -> str:
    """The file's text without its leading comment. Cached: shipped files do not change."""
    text = (resources.files("civdash") / "assets" / "civdash" / file).read_text(encoding="utf-8")
    return _DOC_COMMENT.sub("", text, count=1).strip()


def _fill(file: str, values: dict[str, str]) -> str:
    source = _source(file)
    slots = {m.lower() for m in _SLOT.findall(source)}
    if slots != set(values):
        missing = ", ".join(sorted(slots - set(values))) or "-"
        unknown = ", ".join(sorted(set(values) - slots)) or "-"
        raise ValueError(
            f"{file}: slots without a value: {missing}; values without a slot: {unknown}"
        )
    # one pass: text put into a slot is never searched for slots again
    return _SLOT.sub(lambda m: values[m.group(1).lower()], source)


def script(file: str, /, **values: Any) -> Script:
    """The script `file` with each slot `__KEY__` filled by the keyword `key`.

    An `Identifier` is written as its name, a `Script` as its code, every other value as JSON
    (`js_json`).
    """
    return Script(_fill(file, {key: _js(value) for key, value in values.items()}))


def _js(value: Any) -> str:
    if isinstance(value, Identifier):
        return value.name
    if isinstance(value, Script):
        return value.text
    return js_json(value)


def stylesheet(file: str, /, **colors: str) -> str:
    """The stylesheet `file` with each slot `__KEY__` filled by the colour `key` ("#RRGGBB")."""
    for key, color in colors.items():
        if not _COLOR.fullmatch(color):
            raise ValueError(f"{file}: {key} is not a colour like #D55E00: {color!r}")
    return _fill(file, colors)
