"""A small volunteers ledger and its city, shared by the upload tests."""

from __future__ import annotations

from civdash import upload as up
from civdash.districts import District, DistrictTable
from tests.io.helpers import xlsx_bytes

CITY = DistrictTable(
    (
        District("城关区", 300000),
        District("东湖区", 250000),
        District("南港区", 200000),
        District("西山区", 150000, aliases=("西山县",)),
        District("高新技术产业开发区", 120000, aliases=("高新区",)),
    )
)

VOLUNTEER_HEADER = ["姓名", "所属区县", "注册日期", "累计服务时长（小时）", "联系电话"]


def volunteers_xlsx(*rows: list[object], header: list[str] = VOLUNTEER_HEADER) -> bytes:
    return xlsx_bytes({"志愿者台账": [["注册志愿者台账（截至2026年11月15日）"], header, *rows]})


GOOD = ["张伟", "东湖区", "2024-03-01", 120.5, "13800000001"]
BAD_DISTRICT = ["李娜", "北岭区", "2025-06-18", 36, "13800000002"]
BAD_HOURS = ["王芳", "南港区", "2026-03-01", -5, "13800000003"]


def check_file(
    data: bytes, name: str = "志愿者.xlsx", choice: up.FileChoice | None = None
) -> up.Review:
    """The file read and checked as the page does on upload, against `CITY`."""
    return up.Workbench().check(up.Upload.of(name, data), choice or up.FileChoice(), CITY)


def error_cells(review: up.Review) -> set[tuple[int, str]]:
    return {
        (int(p.row), p.field) for p in review.result.problems if p.severity == "error" and p.row
    }


def pdf_bytes() -> bytes:
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"
