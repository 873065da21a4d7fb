"""The app's pages as data: one entry per page, read by app.py, the tests and the benchmarks.

app.py turns each entry into an `st.Page` under its section's heading, in this order; the page
tests, the browser walk and `benchmarks/bench_dashboard.py` go over the same entries, so a new
page is one new `Page` here plus its file under `app_pages/`. This module does not import
streamlit: a test or a benchmark reads the registry without starting the app.

A later attribute (which roles may open a page, say) is one more field of `Page`, with a
default, read by app.py when it builds the navigation.

>>> from civdash.pages import PAGES
>>> PAGES["upload"].path, PAGES["upload"].title
('app_pages/upload.py', '数据导入')
>>> [p.key for p in PAGES.values() if p.section == "数据"]
['upload', 'data_status']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from types import MappingProxyType

__all__ = ["DEFAULT_PAGE", "PAGES", "SECTIONS", "Page", "by_section"]

SECTIONS: tuple[str, ...] = ("看板", "数据")
"""The navigation's section headings, in the order the sidebar shows them."""


@dataclass(frozen=True)
class Page:
    """One page of the app's navigation."""

    path: str
    """The page's script, relative to app.py's folder ("app_pages/overview.py")."""
    title: str
    """The page's name in the sidebar and the browser tab; its heading starts with it."""
    icon: str
    """A Material Symbols icon (":material/dashboard:")."""
    section: str
    """The sidebar heading it is listed under (one of `SECTIONS`)."""
    default: bool = False
    """The page the app opens on (served at "/")."""

    @property
    def key(self) -> str:
        """The script's name without ".py": the page's key in `PAGES` and its URL path."""
        return PurePosixPath(self.path).stem

    @property
    def url_path(self) -> str:
        """The URL path Streamlit serves the page at: "" for the default page, else its key."""
        return "" if self.default else self.key


_PAGES = (
    Page("app_pages/overview.py", "总览", ":material/dashboard:", "看板", default=True),
    Page("app_pages/meeting.py", "周例会", ":material/co_present:", "看板"),
    Page("app_pages/map.py", "地图", ":material/map:", "看板"),
    Page("app_pages/units.py", "创建单位", ":material/account_balance:", "看板"),
    Page("app_pages/volunteers.py", "志愿者", ":material/volunteer_activism:", "看板"),
    Page("app_pages/issues.py", "问题整改", ":material/build:", "看板"),
    Page("app_pages/targets.py", "目标进度", ":material/flag:", "看板"),
    Page("app_pages/explore.py", "数据探索", ":material/query_stats:", "看板"),
    Page("app_pages/upload.py", "数据导入", ":material/upload_file:", "数据"),
    Page("app_pages/data_status.py", "数据概况", ":material/history:", "数据"),
)

PAGES: Mapping[str, Page] = MappingProxyType({page.key: page for page in _PAGES})
"""Every page by key ("overview", "upload" …), in navigation order; read-only."""

DEFAULT_PAGE: Page = next(page for page in _PAGES if page.default)
"""The page the app opens on."""


def by_section() -> dict[str, list[Page]]:
    """The pages under each section heading, sections and pages in navigation order: the shape
    `st.navigation` takes once each `Page` is an `st.Page`."""
    return {section: [p for p in _PAGES if p.section == section] for section in SECTIONS}
