"""The app's pages as data: one entry per page, read by app.py, the tests and the benchmarks.

app.py turns each entry into an `st.Page` under its section's heading, in this order; the page
tests, the browser walk and `benchmarks/bench_dashboard.py` go over the same entries, so a new
page is one new `Page` here plus its file under `app_pages/`. This module does not import
streamlit: a test or a benchmark reads the registry without starting the app.

A page's attributes beyond its script and title are fields of `Page` with defaults, read by
app.py when it builds the navigation: `filters` (the sidebar draws the 区县 / 截至日期 filters
only on the pages they act on) and `action` (the permission a role needs to open it).

>>> from civdash.pages import PAGES
>>> PAGES["upload"].path, PAGES["upload"].title
('app_pages/upload.py', '数据导入')
>>> [p.key for p in PAGES.values() if p.section == "数据"]
['upload', 'data_status', 'users']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from types import MappingProxyType

__all__ = ["DEFAULT_PAGE", "PAGES", "SECTIONS", "Page", "by_section", "uses_filters"]

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
    filters: bool = True
    """The sidebar's 区县 / 截至日期 filters act on it, so the sidebar shows them there; a page
    about every snapshot and district (数据导入, 数据概况) shows none."""
    action: str = "view_dashboards"
    """What a role must be allowed (`civdash.permissions.ACTIONS`) to open it: the sidebar lists
    only the pages the user may open, and app.py refuses any other before it runs."""

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
    Page("app_pages/meeting.py", "周例会", ":material/co_present:", "看板", action="view_meeting"),
    Page("app_pages/map.py", "地图", ":material/map:", "看板"),
    Page("app_pages/units.py", "创建单位", ":material/account_balance:", "看板"),
    Page("app_pages/volunteers.py", "志愿者", ":material/volunteer_activism:", "看板"),
    Page("app_pages/issues.py", "问题整改", ":material/build:", "看板"),
    Page("app_pages/assessments.py", "测评结果", ":material/fact_check:", "看板"),
    Page("app_pages/targets.py", "目标进度", ":material/flag:", "看板"),
    Page("app_pages/explore.py", "数据探索", ":material/query_stats:", "看板"),
    Page(
        "app_pages/upload.py",
        "数据导入",
        ":material/upload_file:",
        "数据",
        filters=False,
        action="upload",
    ),
    Page(
        "app_pages/data_status.py",
        "数据概况",
        ":material/history:",
        "数据",
        filters=False,
        action="view_status",
    ),
    Page(
        "app_pages/users.py",
        "账号管理",
        ":material/manage_accounts:",
        "数据",
        filters=False,
        action="manage_users",
    ),
)

PAGES: Mapping[str, Page] = MappingProxyType({page.key: page for page in _PAGES})
"""Every page by key ("overview", "upload" …), in navigation order; read-only."""

DEFAULT_PAGE: Page = next(page for page in _PAGES if page.default)
"""The page the app opens on."""


def uses_filters(url_path: str) -> bool:
    """Whether the sidebar's filters act on the page served at `url_path` (`st.navigation`'s
    current page's `url_path`: "" for the default page); True for a path not in the registry.

    >>> uses_filters(""), uses_filters("map"), uses_filters("upload")
    (True, True, False)
    """
    page = next((p for p in _PAGES if p.url_path == url_path), None)
    return page is None or page.filters


def by_section() -> dict[str, list[Page]]:
    """The pages under each section heading, sections and pages in navigation order: the shape
    `st.navigation` takes once each `Page` is an `st.Page`."""
    return {section: [p for p in _PAGES if p.section == section] for section in SECTIONS}
