"""Fields several ledger kinds share, defined once: where a row is (区县, 街道/乡镇) and its
coordinates. A kind adds the headers its own files use for them (`district_field("所属区")`)."""

from __future__ import annotations

from civdash.ledgers.base import Field

__all__ = ["LAT", "LON", "district_field", "street_field"]

_DISTRICT_HEADERS = ("区县", "县区", "所属县区", "所在区", "辖区", "所在区县")
_STREET_HEADERS = ("乡镇（街道）", "所属街道", "街道", "乡镇", "街道乡镇")


def district_field(*headers: str) -> Field:
    """The required 所属区县, resolved against the district table; `headers` are further
    spellings of its header that a kind's files use."""
    return Field(
        "district",
        "所属区县",
        required=True,
        parser="district",
        synonyms=(*headers, *(h for h in _DISTRICT_HEADERS if h not in headers)),
        hint="从下拉列表选择本市区县",
    )


def street_field(*headers: str) -> Field:
    """街道/乡镇, as written; `headers` are further spellings of its header."""
    return Field(
        "street",
        "街道/乡镇",
        synonyms=(*_STREET_HEADERS, *headers),
        hint="街道或乡镇名称",
    )


LAT = Field(
    "lat",
    "纬度",
    type="float",
    parser="coordinate",
    synonyms=("lat", "latitude"),
    hint="WGS-84 纬度，如 30.28；可不填",
)
LON = Field(
    "lon",
    "经度",
    type="float",
    parser="coordinate",
    synonyms=("lon", "lng", "longitude"),
    hint="WGS-84 经度，如 120.15；可不填",
)
