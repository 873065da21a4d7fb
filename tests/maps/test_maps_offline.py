"""Maps work without internet: no tiles by default, every script and stylesheet shipped."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import folium
import pytest
from folium.plugins import Fullscreen, MarkerCluster
from map_support import AS_OF, asset_urls, external_asset_urls, render

import civdash
from civdash import maps

BUILDERS = {
    "base": lambda d, i, u: maps.base_map(d),
    "base without districts": lambda d, i, u: maps.base_map(None),
    "issues": lambda d, i, u: maps.issue_map(i, as_of=AS_OF, districts=d, units=u),
    "issues without districts": lambda d, i, u: maps.issue_map(i, as_of=AS_OF),
    "unclustered issues": lambda d, i, u: maps.issue_map(
        i, as_of=AS_OF, districts=d, cluster=False
    ),
    "choropleth": lambda d, i, u: maps.choropleth_map(d, i, "overdue_issues", as_of=AS_OF),
}


@pytest.mark.parametrize("name", list(BUILDERS))
def test_rendered_map_references_no_external_host(name, districts, issues, units):
    html = render(BUILDERS[name](districts, issues, units))
    assert asset_urls(html), "the page still loads Leaflet"
    assert external_asset_urls(html) == []
    assert not re.search(r"https?://(?!leafletjs\.com)", html)


@pytest.mark.parametrize("name", list(BUILDERS))
def test_default_map_has_no_tile_layer(name, districts, issues, units):
    html = render(BUILDERS[name](districts, issues, units))
    assert "L.tileLayer" not in html


def test_inlined_leaflet_is_the_shipped_copy(districts):
    html = render(maps.base_map(districts))
    leaflet = next(u for u in asset_urls(html) if u.startswith("data:text/javascript"))
    code = base64.b64decode(leaflet.split(",", 1)[1]).decode("utf-8")
    shipped = (maps.asset_dir() / "leaflet/leaflet.js").read_text(encoding="utf-8")
    assert code.strip() == re.sub(r"//# sourceMappingURL=.*", "", shipped).strip()


def test_inlined_stylesheets_carry_their_images(districts):
    html = render(maps.base_map(districts))
    css = [
        base64.b64decode(u.split(",", 1)[1]).decode("utf-8")
        for u in asset_urls(html)
        if u.startswith("data:text/css")
    ]
    assert any("url(data:image/png;base64," in c for c in css)
    assert not any(re.search(r"url\(['\"]?images/", c) for c in css)


def test_local_mode_points_at_the_given_base_url(districts, issues):
    m = maps.issue_map(
        issues, as_of=AS_OF, districts=districts, assets="local", asset_url="app/static/civdash/"
    )
    urls = asset_urls(render(m))
    assert sorted(urls) == sorted(
        f"app/static/civdash/{maps.ASSET_FILES[n]}"
        for n in (
            "leaflet",
            "leaflet_css",
            "markerclusterjs",
            "markerclustercss",
            "markerclusterdefaultcss",
        )
    )


def test_local_mode_paths_exist_under_the_asset_directory(districts, issues):
    m = maps.issue_map(issues, as_of=AS_OF, districts=districts, assets="local")
    for url in asset_urls(render(m)):
        assert (maps.asset_dir() / url).is_file()


@pytest.mark.parametrize("name", sorted(maps.ASSET_FILES))
def test_every_registered_asset_is_shipped_with_its_licence(name):
    path = maps.asset_dir() / maps.ASSET_FILES[name]
    assert path.is_file()
    licences = [p for p in path.parent.iterdir() if re.match(r"(MIT-)?LICEN[CS]E", p.name)]
    assert licences


def test_asset_readme_names_each_package_version_and_licence():
    readme = (maps.asset_dir() / "README.md").read_text(encoding="utf-8")
    for package, version, licence in [
        ("leaflet", "1.9.4", "BSD-2-Clause"),
        ("leaflet.markercluster", "1.5.3", "MIT"),
        ("jquery", "3.7.1", "MIT"),
        ("leaflet.awesome-markers", "2.0.5", "MIT"),
    ]:
        row = next(line for line in readme.splitlines() if f"npmjs.com/package/{package})" in line)
        assert version in row and licence in row


def test_folium_popup_brings_the_shipped_jquery_it_needs(districts):
    m = maps.base_map(districts)
    folium.Marker([30.55, 114.35], popup=folium.Popup("说明")).add_to(m)
    html = render(m)
    assert external_asset_urls(html) == []
    decoded = [base64.b64decode(u.split(",", 1)[1])[:200] for u in asset_urls(html)]
    assert any(b"jQuery" in d for d in decoded)


def test_map_without_popups_does_not_load_jquery(districts):
    decoded = [
        base64.b64decode(u.split(",", 1)[1])[:200]
        for u in asset_urls(render(maps.base_map(districts)))
    ]
    assert not any(b"jQuery" in d for d in decoded)


def test_plugin_without_shipped_assets_is_refused_by_name(districts):
    m = maps.base_map(districts)
    Fullscreen().add_to(m)
    with pytest.raises(ValueError, match=re.escape("离线地图缺少资源『Control.Fullscreen.js』")):
        render(m)


def test_rewriting_assets_leaves_folium_classes_untouched(districts, issues):
    before = (list(folium.Map.default_js), list(MarkerCluster.default_js))
    render(maps.issue_map(issues, as_of=AS_OF, districts=districts))
    assert (folium.Map.default_js, MarkerCluster.default_js) == before
    assert render(folium.Map()).count("https://cdn.jsdelivr.net/npm/leaflet@") == 2


def test_cdn_mode_keeps_foliums_links_for_online_use(districts):
    assert external_asset_urls(render(maps.base_map(districts, assets="cdn")))


@pytest.mark.parametrize(
    ("tiles", "token", "expected"),
    [
        ("osm", None, ["https://tile.openstreetmap.org/{z}/{x}/{y}.png"]),
        ("amap", None, ["webrd0{s}.is.autonavi.com"]),
        ("tianditu", "abc123", ["tianditu.gov.cn/vec_w", "tianditu.gov.cn/cva_w", "tk=abc123"]),
        ("http://10.0.0.5/tiles/{z}/{x}/{y}.png", None, ["http://10.0.0.5/tiles/{z}/{x}/{y}.png"]),
    ],
)
def test_optional_tile_provider_adds_its_tiles_but_still_loads_no_cdn(
    districts, tiles, token, expected
):
    html = render(maps.base_map(districts, tiles=tiles, tile_token=token))
    for fragment in expected:
        assert fragment in html
    assert external_asset_urls(html) == []


def test_tianditu_without_token_asks_for_it(districts):
    with pytest.raises(ValueError, match="天地图密钥"):
        maps.base_map(districts, tiles="tianditu")


def test_unknown_tile_provider_lists_the_choices(districts):
    with pytest.raises(ValueError, match="不支持的底图『baidu』，可选：osm（OpenStreetMap）"):
        maps.base_map(districts, tiles="baidu")


def test_amap_tiles_shift_overlays_to_gcj02(districts, issues):
    plain = maps.base_map(districts)
    shifted = maps.base_map(districts, tiles="amap")
    assert not plain.gcj02 and shifted.gcj02
    # a WGS-84 corner moves by a few hundred metres in GCJ-02
    assert "[114.3,30.5]" in render(plain)
    assert "[114.3,30.5]" not in render(shifted)


def test_asset_dir_is_inside_the_package():
    assert maps.asset_dir() == Path(civdash.__file__).parent / "assets"


def test_every_name_in_all_exists():
    assert all(hasattr(maps, name) for name in maps.__all__)
