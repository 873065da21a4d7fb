"""Charts and maps as pictures and standalone pages, drawn on this machine without internet.

Charts are drawn by vl-convert with the Chinese fonts registered (`CJK_FONT_DIRS`, or
`$CIVDASH_FONT_DIR`): a PNG for Word, PowerPoint and printed notices (`chart_png`), an SVG for
a notebook (`chart_svg`), or one HTML page with Vega inlined (`chart_html`). A map page (HTML
with its scripts inlined) becomes a PNG through headless Chromium with the network cut off
(`map_png`). The toolkit's `export_chart` / `export_map` and the briefing pack's pictures both
come from here.

>>> png = chart_png(chart("open_issue_aging", ledgers_at(store)))   # doctest: +SKIP
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import altair as alt

from civdash.charts import FONT
from civdash.geo import wind_for_d3

__all__ = [
    "CJK_FONT_DIRS",
    "MSG_NO_CHROMIUM",
    "MSG_NO_CJK_FONT",
    "chart_html",
    "chart_png",
    "chart_svg",
    "map_png",
    "register_fonts",
    "vega_lite_spec",
]

ChartLike = alt.TopLevelMixin | Mapping[str, Any]
"""An Altair chart, or its Vega-Lite spec as a dict."""

CJK_FONT_DIRS: tuple[str, ...] = (
    "/usr/share/fonts/opentype/noto",  # Debian/Ubuntu fonts-noto-cjk
    "/usr/share/fonts/google-noto-cjk",  # Fedora
    "/usr/share/fonts/truetype/wqy",  # 文泉驿
    "C:/Windows/Fonts",  # 微软雅黑
    "/System/Library/Fonts",  # 苹方
)
"""Where PNG export looks for Chinese fonts (after `$CIVDASH_FONT_DIR`)."""

_FONT_EXT = frozenset({".ttf", ".ttc", ".otf", ".otc"})
_CJK_FONT_NAMES = ("cjk", "msyh", "simhei", "simsun", "pingfang", "wqy", "sourcehan", "hiragino")
_CHROMIUM_NAMES = ("chromium", "chromium-browser")

# Messages users read.
MSG_NO_CJK_FONT = (
    "未找到中文字体，导出的 PNG 中的中文会显示为方框。请安装 Noto CJK 字体"
    "（Debian/Ubuntu：apt-get install fonts-noto-cjk），或把环境变量 CIVDASH_FONT_DIR "
    "设为含中文字体的目录。"
)
MSG_NO_CHROMIUM = (
    "未找到 Chromium 浏览器，无法把地图导出为 PNG。请先安装 Chromium"
    "（Debian/Ubuntu：apt-get install chromium），或改为导出 .html 文件。"
)
_MSG_CHROMIUM_FAILED = "Chromium 未能生成地图截图（退出码 {code}）：{detail}"


# ---------------------------------------------------------------- charts


def _vl_version() -> str:
    """vl-convert's name ("v6_4") for the Vega-Lite version Altair writes ("v6.4.1")."""
    return "_".join(alt.SCHEMA_VERSION.split(".")[:2])


def _has_cjk_font(directory: Path) -> bool:
    try:
        names = [p.name.lower() for p in directory.rglob("*") if p.suffix.lower() in _FONT_EXT]
    except OSError:
        return False
    return any(key in name for name in names for key in _CJK_FONT_NAMES)


@cache
def register_fonts() -> tuple[str, ...]:
    """Register the Chinese font directories with vl-convert once per process; the directories
    found (empty when this machine has no Chinese font)."""
    import vl_convert as vlc

    wanted = [os.environ.get("CIVDASH_FONT_DIR", ""), *CJK_FONT_DIRS]
    found = tuple(d for d in wanted if d and Path(d).is_dir() and _has_cjk_font(Path(d)))
    for directory in found:
        vlc.register_font_directory(str(Path(directory).resolve()))
    return found


def vega_lite_spec(c: ChartLike) -> dict[str, Any]:
    """The chart's Vega-Lite spec, with CivDash's CJK font list when the chart sets none and
    polygons wound the way Vega draws them (see `_wind_for_vega`)."""
    spec: dict[str, Any] = copy.deepcopy(dict(c)) if isinstance(c, Mapping) else c.to_dict()
    config = spec.setdefault("config", {})
    config.setdefault("font", FONT)
    _wind_for_vega(spec)
    return spec


def _wind_for_vega(node: Any) -> None:
    """Every inline GeoJSON polygon of a spec wound as Vega draws it (`geo.wind_for_d3`), in
    place: a chart made in a notebook from a city's own GeoJSON exports as districts, not as
    one filled rectangle."""
    if isinstance(node, dict):
        if node.get("type") in ("Polygon", "MultiPolygon"):
            node.update(wind_for_d3(node))
            return
        for value in node.values():
            _wind_for_vega(value)
    elif isinstance(node, list):
        for value in node:
            if isinstance(value, dict | list):
                _wind_for_vega(value)


def chart_png(c: ChartLike, *, scale: float = 2.0) -> bytes:
    """A chart (or its Vega-Lite spec as a dict) drawn as PNG bytes in memory, by vl-convert
    with the Chinese fonts registered: for pictures inside Word and PowerPoint files, where
    `export_chart` would need a temporary file. `scale` 2 suits slides and printed notices.

    Raises ValueError (in Chinese) when no Chinese font is installed (the picture would show
    boxes instead of characters).

    Example:

    >>> png = chart_png(chart("open_issue_aging", ledgers_at(store)))   # doctest: +SKIP
    >>> png[:4]                                                          # doctest: +SKIP
    b'\\x89PNG'
    """
    import vl_convert as vlc

    if not register_fonts():
        raise ValueError(MSG_NO_CJK_FONT)
    return bytes(vlc.vegalite_to_png(vega_lite_spec(c), vl_version=_vl_version(), scale=scale))


def chart_svg(c: ChartLike) -> str:
    """A chart drawn as SVG text by vl-convert with the Chinese fonts registered (the picture a
    notebook keeps, see `toolkit.enable_offline_charts`)."""
    import vl_convert as vlc

    register_fonts()
    return str(vlc.vegalite_to_svg(vega_lite_spec(c), vl_version=_vl_version()))


def chart_html(c: ChartLike) -> str:
    """A chart as one interactive HTML page with Vega inlined: it opens without internet."""
    import vl_convert as vlc

    return str(vlc.vegalite_to_html(vega_lite_spec(c), vl_version=_vl_version(), bundle=True))


# ---------------------------------------------------------------- maps


def _chromium() -> str | None:
    for name in _CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _screenshot(browser: str, page: Path, out: Path, width: int, height: int) -> None:
    """Headless Chromium draws the page into `out`, offline: every host name fails to resolve."""
    with tempfile.TemporaryDirectory(prefix="civdash-chromium-") as profile:
        done = subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--host-resolver-rules=MAP * ~NOTFOUND",
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                "--virtual-time-budget=5000",
                f"--screenshot={out.resolve()}",
                page.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    if done.returncode != 0 or not out.is_file():
        detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["无输出"]
        raise RuntimeError(_MSG_CHROMIUM_FAILED.format(code=done.returncode, detail=detail[0]))


def map_png(html: str, out: Path, *, width: int = 1280, height: int = 800) -> Path:
    """Save a map page (`html`, every script inlined) as a `width` × `height` PNG at `out`,
    drawn by headless Chromium with the network cut off. Returns `out`.

    Raises RuntimeError (in Chinese, saying how to install it) when Chromium is not installed;
    nothing is written then.
    """
    browser = _chromium()
    if browser is None:
        raise RuntimeError(MSG_NO_CHROMIUM)
    with tempfile.TemporaryDirectory(prefix="civdash-map-") as tmp:
        page = Path(tmp) / "map.html"
        page.write_text(html, encoding="utf-8")
        _screenshot(browser, page, out, width, height)
    return out
