"""CivDash's map scripts are real files whose slots take JSON, checked names or their own code."""

from __future__ import annotations

import re
from importlib import resources

import pytest
from map_support import AS_OF, render

from civdash import maps
from civdash.maps.scripts import Identifier, script, stylesheet

SHIPPED = sorted(
    p.name
    for p in (resources.files("civdash") / "assets" / "civdash").iterdir()
    if p.name.endswith((".js", ".css"))
)


def test_text_in_a_slot_is_json_that_cannot_end_the_script():
    filled = script(
        "legend.js",
        name=Identifier("legend_1"),
        map=Identifier("map_1"),
        position="bottomright",
        html='</script><script>alert("x")</script>',
    ).text
    assert "</script>" not in filled
    assert r'div.innerHTML = "\u003c/script\u003e\u003cscript\u003ealert(\"x\")' in filled
    assert "legend_1.addTo(map_1);" in filled


def test_text_put_into_a_slot_is_not_filled_again():
    # data first: filling slot by slot in keyword order would rewrite the text it just put in
    filled = script("districts.js", data="__NAME__", name=Identifier("layer_1")).text
    assert filled.startswith('var layer_1 = L.geoJson("__NAME__", {')


@pytest.mark.parametrize("name", ["map_1; alert(1)", "1map", "", "a.b"])
def test_a_variable_name_must_be_a_javascript_identifier(name):
    with pytest.raises(ValueError, match="not a JavaScript identifier"):
        Identifier(name)


def test_a_slot_left_empty_or_a_value_without_a_slot_is_refused_by_name():
    with pytest.raises(
        ValueError,
        match=re.escape("districts.js: slots without a value: data; values without a slot: colour"),
    ):
        script("districts.js", name=Identifier("layer_1"), colour="#FFFFFF")


@pytest.mark.parametrize("value", ["red", "#FFF; } body { display: none", "url(x)"])
def test_the_stylesheet_takes_only_colours(value):
    with pytest.raises(ValueError, match="background is not a colour"):
        stylesheet("maps.css", background=value, bad="#D55E00")


@pytest.mark.parametrize("file", SHIPPED)
def test_each_file_documents_exactly_its_slots(file):
    text = (resources.files("civdash") / "assets" / "civdash" / file).read_text(encoding="utf-8")
    comment = re.match(r"\s*/\*.*?\*/", text, re.DOTALL)
    assert comment, f"{file} starts with a comment saying what it draws"
    body = text[comment.end() :]
    documented = set(re.findall(r"__([A-Z][A-Z0-9_]*?)__", comment.group(0)))
    assert documented == set(re.findall(r"__([A-Z][A-Z0-9_]*?)__", body))


def test_every_shipped_script_reaches_a_page_without_its_comment(districts, issues, units):
    pages = [
        render(maps.issue_map(issues, as_of=AS_OF, districts=districts, units=units)),
        render(maps.choropleth_map(districts, issues, "issue_count", as_of=AS_OF)),
    ]
    assert SHIPPED == [
        "cluster-group.js",
        "controls.js",
        "districts.js",
        "feature-group.js",
        "legend.js",
        "maps.css",
        "points.js",
    ]
    for page in pages:
        assert "Slots (filled by" not in page
        assert not re.search(r"__[A-Z][A-Z0-9_]*__", page)
    both = "".join(pages)
    for marker in (
        "L.markerClusterGroup(",  # cluster-group.js
        "L.control.scale({metric: true, imperial: false",  # controls.js
        "L.geoJson(",  # districts.js
        "L.featureGroup()",  # feature-group.js: the units
        'L.DomUtil.create("div", "civdash-legend")',  # legend.js
        ".civdash-cluster-bad div { border-color: #D55E00; }",  # maps.css
        "function popup(i, k)",  # points.js
    ):
        assert marker in both
