"""The page registry (`civdash.pages`): every page file is listed once, and app.py, the tests and
the benchmarks all read the list from there."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from civdash.pages import DEFAULT_PAGE, PAGES, SECTIONS, Page, by_section, uses_filters

ROOT = Path(__file__).resolve().parents[1]


def test_every_page_file_is_in_the_registry_once():
    files = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "app_pages").glob("*.py"))
    assert sorted(p.path for p in PAGES.values()) == files
    assert all(key == page.key for key, page in PAGES.items())


def test_one_page_is_the_default_and_it_is_served_at_the_root():
    assert [p for p in PAGES.values() if p.default] == [DEFAULT_PAGE]
    assert DEFAULT_PAGE.url_path == ""
    assert PAGES["upload"].url_path == "upload"


def test_sections_list_every_page_in_navigation_order():
    grouped = by_section()
    assert list(grouped) == list(SECTIONS)
    assert [p for section in grouped.values() for p in section] == list(PAGES.values())
    assert [p.title for p in grouped["数据"]] == ["数据导入", "数据概况", "账号管理"]


def test_titles_and_icons_are_filled_in():
    assert len({p.title for p in PAGES.values()}) == len(PAGES)
    assert all(p.icon.startswith(":material/") and p.icon.endswith(":") for p in PAGES.values())


def test_a_page_entry_cannot_be_changed():
    with pytest.raises(dataclasses.FrozenInstanceError):
        PAGES["map"].title = "别的"  # type: ignore[misc]
    assert isinstance(PAGES["map"], Page)


def test_the_filters_are_shown_on_every_page_but_the_data_pages():
    assert [p.key for p in PAGES.values() if not p.filters] == ["upload", "data_status", "users"]
    assert uses_filters("") and uses_filters("map") and uses_filters("explore")
    assert not uses_filters("upload") and not uses_filters("data_status")
    assert uses_filters("not-a-page")  # an unknown page keeps the sidebar as it was
