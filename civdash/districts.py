"""The city's districts: names, aliases, population and boundaries, and name resolution.

Clerks spell districts several ways ("东湖", "东湖 区", "高新区" for 高新技术产业开发区).
`DistrictTable.resolve` applies the rules of ledgers.md in order: exact; ignoring spaces; an alias;
a unique prefix after dropping the suffix (东湖 → 东湖区).

Offices get boundaries as DataV / 阿里云 area files (properties `adcode`, `name`, `center`, …,
coordinates in GCJ-02, no population). `DistrictTable.from_geojson` stores boundaries in WGS-84:
it converts such a file as GCJ-02 unless told otherwise, and keeps `adcode` as the code;
`merge_population` then takes the population from a separate sheet.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from civdash.geo import geometry_to_wgs84, normalize_crs

_SUFFIXES = ("自治县", "新区", "开发区", "区", "县", "市", "镇", "乡", "旗")
_SPACE = re.compile(r"\s+")


def _clean(name: object) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFKC", str(name))).strip()


def _code_key(code: object) -> str:
    """A division code for matching: digits only, and a 12-digit statistical code (330109000000)
    cut to the 6-digit code DataV files use (330109)."""
    digits = "".join(ch for ch in unicodedata.normalize("NFKC", str(code)) if ch.isdigit())
    if len(digits) > 6 and set(digits[6:]) == {"0"}:
        return digits[:6]
    return digits


def _stem(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


@dataclass(frozen=True)
class District:
    name: str
    population: float | None = None
    code: str | None = None
    aliases: tuple[str, ...] = ()
    geometry: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class DistrictTable:
    """The districts a ledger's `district` column resolves against."""

    districts: tuple[District, ...]
    _cache: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.districts)

    @property
    def has_geometry(self) -> bool:
        return any(d.geometry for d in self.districts)

    def population(self) -> dict[str, float]:
        return {d.name: d.population for d in self.districts if d.population is not None}

    @cached_property
    def _lookup(self) -> tuple[dict[str, str], dict[str, str], dict[str, list[str]]]:
        exact: dict[str, str] = {}
        alias: dict[str, str] = {}
        stems: dict[str, list[str]] = {}
        for d in self.districts:
            exact[_clean(d.name)] = d.name
            for a in d.aliases:
                alias.setdefault(_clean(a), d.name)
            stems.setdefault(_stem(_clean(d.name)), []).append(d.name)
        return exact, alias, stems

    def resolve(self, raw: object) -> str | None:
        """The canonical district name for `raw`, or None when it does not resolve uniquely.

        >>> t = DistrictTable((District("东湖区"), District("高新技术产业开发区", aliases=("高新区",))))
        >>> t.resolve("东湖"), t.resolve(" 东 湖 区"), t.resolve("高新区"), t.resolve("西湖区")
        ('东湖区', '东湖区', '高新技术产业开发区', None)
        """
        if raw is None:
            return None
        text = str(raw)
        if text in self._cache:
            return self._cache[text]
        result = self._resolve(text)
        self._cache[text] = result
        return result

    def _resolve(self, text: str) -> str | None:
        if text in self.names:
            return text
        exact, alias, stems = self._lookup
        key = _clean(text)
        if not key:
            return None
        if key in exact:
            return exact[key]
        if key in alias:
            return alias[key]
        stem = _stem(key)
        hits = {n for s, ns in stems.items() for n in ns if s == stem}
        if len(hits) == 1:
            return hits.pop()
        hits = {n for s, ns in stems.items() for n in ns if s.startswith(stem) and len(stem) >= 2}
        if len(hits) == 1:
            return hits.pop()
        return None

    def bounds(self) -> tuple[float, float, float, float] | None:
        """(min_lat, min_lon, max_lat, max_lon) of all boundaries, or None without geometry."""
        lats: list[float] = []
        lons: list[float] = []
        for d in self.districts:
            if d.geometry:
                for lon, lat in _iter_points(d.geometry.get("coordinates", [])):
                    lons.append(lon)
                    lats.append(lat)
        if not lats:
            return None
        return (min(lats), min(lons), max(lats), max(lons))

    def to_geojson(self) -> dict[str, Any]:
        """A FeatureCollection of the districts that have boundaries."""
        feats = []
        for d in self.districts:
            if d.geometry:
                props: dict[str, Any] = {"name": d.name, "population": d.population}
                if d.code:
                    props["code"] = d.code
                if d.aliases:
                    props["aliases"] = list(d.aliases)
                feats.append({"type": "Feature", "properties": props, "geometry": d.geometry})
        return {"type": "FeatureCollection", "features": feats}

    @staticmethod
    def from_geojson(
        source: str | Path | bytes | Mapping[str, Any], *, crs: str | None = None
    ) -> DistrictTable:
        """Read a GeoJSON FeatureCollection with `name`, `population`, `code` (or a DataV file's
        `adcode`), `aliases`; boundaries are converted from `crs` to WGS-84.

        `crs` None means: GCJ-02 for a DataV / 阿里云 file (see `is_datav`), else WGS-84, which
        is then kept as it is.
        """
        data = load_geojson(source)
        source_crs = boundary_crs(data, crs)
        out = []
        for i, feat in enumerate(data.get("features") or [], start=1):
            props = feat.get("properties") or {}
            name = props.get("name") or props.get("名称") or props.get("NAME")
            if not name:
                raise ValueError(
                    f"第 {i} 个区县边界缺少 name 属性，请在 properties 中填写区县名称。"
                )
            aliases = props.get("aliases") or ()
            if isinstance(aliases, str):
                aliases = [a for a in re.split(r"[,，、;；\s]+", aliases) if a]
            pop = props.get("population", props.get("常住人口"))
            division = props.get("code")
            if division in (None, ""):
                division = props.get("adcode")
            geometry = feat.get("geometry")
            if geometry and source_crs != "WGS-84":
                geometry = geometry_to_wgs84(geometry, source_crs)
            out.append(
                District(
                    name=_clean(name),
                    population=float(pop) if pop not in (None, "") else None,
                    code=str(division) if division not in (None, "") else None,
                    aliases=tuple(str(a) for a in aliases),
                    geometry=geometry,
                )
            )
        if not out:
            raise ValueError("区县边界文件中没有任何区县，请检查文件内容。")
        return DistrictTable(tuple(out))

    @staticmethod
    def from_records(records: Iterable[Mapping[str, Any]]) -> DistrictTable:
        """Build from rows with name, population, code, aliases (list or 、-separated), geometry."""
        out = []
        for r in records:
            aliases = r.get("aliases") or ()
            if isinstance(aliases, str):
                aliases = (
                    json.loads(aliases)
                    if aliases.startswith("[")
                    else [a for a in re.split(r"[,，、;；\s]+", aliases) if a]
                )
            geom = r.get("geometry")
            if isinstance(geom, str) and geom:
                geom = json.loads(geom)
            pop = r.get("population")
            out.append(
                District(
                    name=_clean(r["name"]),
                    population=float(pop) if pop is not None and pop == pop else None,
                    code=str(r["code"]) if r.get("code") not in (None, "") else None,
                    aliases=tuple(str(a) for a in aliases),
                    geometry=geom or None,
                )
            )
        return DistrictTable(tuple(out))

    def to_records(self) -> list[dict[str, Any]]:
        """Rows for storage: aliases and geometry as JSON text."""
        return [
            {
                "name": d.name,
                "population": d.population,
                "code": d.code,
                "aliases": json.dumps(list(d.aliases), ensure_ascii=False),
                "geometry": json.dumps(d.geometry, ensure_ascii=False) if d.geometry else None,
            }
            for d in self.districts
        ]


def load_geojson(source: str | Path | bytes | Mapping[str, Any]) -> Mapping[str, Any]:
    """A GeoJSON FeatureCollection from a path, bytes or an already parsed object."""
    if isinstance(source, Mapping):
        data: Any = source
    else:
        raw = Path(source).read_bytes() if isinstance(source, str | Path) else source
        data = json.loads(raw.decode("utf-8-sig"))
    if not isinstance(data, Mapping) or data.get("type") != "FeatureCollection":
        raise ValueError("区县边界文件不是 GeoJSON FeatureCollection，请检查文件内容。")
    return data


DATAV_CRS = "GCJ-02"
"""DataV / 阿里云 (高德) area files are in GCJ-02."""


def is_datav(collection: Mapping[str, Any]) -> bool:
    """True for a DataV / 阿里云 area file: every feature's properties carry `adcode` and
    `center` (as https://geo.datav.aliyun.com/areas_v3/bound/330100_full.json does)."""
    features = collection.get("features") or []
    return bool(features) and all(
        isinstance(f, Mapping)
        and isinstance(f.get("properties"), Mapping)
        and "adcode" in f["properties"]
        and "center" in f["properties"]
        for f in features
    )


def boundary_crs(collection: Mapping[str, Any], crs: str | None) -> str:
    """The coordinate system a boundary file is read in: `crs` when given (normalised, see
    `civdash.geo.normalize_crs`), GCJ-02 for a DataV file, else WGS-84."""
    if crs:
        return normalize_crs(crs)
    return DATAV_CRS if is_datav(collection) else "WGS-84"


@dataclass(frozen=True)
class PopulationMerge:
    """A district table with the population of a separate sheet (see `merge_population`)."""

    table: DistrictTable
    matched: int
    """Districts that got a row of the sheet."""
    missing: tuple[str, ...]
    """Districts of the table left without a population."""
    unmatched: tuple[str, ...]
    """Names (or codes) of the sheet's rows that match no district."""
    repeated: tuple[str, ...]
    """Names of rows that match a district an earlier row already gave (the first row counts)."""


def merge_population(table: DistrictTable, sheet: DistrictTable) -> PopulationMerge:
    """The population (and any aliases) of `sheet`'s rows given to the districts of `table`.

    A row matches a district by its code when both have one (a 12-digit statistical code
    matches the 6-digit adcode), else by name as `DistrictTable.resolve` resolves a ledger's
    district (萧山 → 萧山区). The sheet's population replaces the table's own.

    >>> t = DistrictTable((District("萧山区", code="330109"), District("桐庐县")))
    >>> m = merge_population(t, DistrictTable((District("萧山", 2011000.0),
    ...                                        District("临平", 1170000.0))))
    >>> m.table.population(), m.missing, m.unmatched
    ({'萧山区': 2011000.0}, ('桐庐县',), ('临平',))
    """
    by_code = {_code_key(d.code): d.name for d in table.districts if d.code}
    by_code.pop("", None)  # a code without digits matches nothing
    given: dict[str, District] = {}
    unmatched: list[str] = []
    repeated: list[str] = []
    for row in sheet.districts:
        hit = by_code.get(_code_key(row.code)) if row.code else None
        if hit is None:
            # a sheet of codes only gives each row its code as the name
            hit = table.resolve(row.name) or by_code.get(_code_key(row.name))
        if hit is None:
            unmatched.append(row.name)
        elif hit in given:
            repeated.append(row.name)
        else:
            given[hit] = row
    merged = []
    for d in table.districts:
        source = given.get(d.name)
        if source is None:
            merged.append(d)
            continue
        extra = [a for a in source.aliases if a != d.name and a not in d.aliases]
        merged.append(
            replace(
                d,
                population=source.population if source.population is not None else d.population,
                aliases=(*d.aliases, *dict.fromkeys(extra)),
            )
        )
    out = DistrictTable(tuple(merged))
    return PopulationMerge(
        table=out,
        matched=len(given),
        missing=tuple(d.name for d in out.districts if d.population is None),
        unmatched=tuple(unmatched),
        repeated=tuple(repeated),
    )


def describe_names(counts: Mapping[str, Mapping[str, int]], limit: int = 10) -> str:
    """District names with where they occur, as messages quote them.

    >>> describe_names({"西山区": {"志愿者": 3, "问题整改": 1}, "北岭": {"创建单位": 2}})
    '西山区（志愿者 3 行、问题整改 1 行）、北岭（创建单位 2 行）'
    """
    parts = [
        name + "（" + "、".join(f"{label} {n:,} 行" for label, n in where.items()) + "）"
        for name, where in list(counts.items())[:limit]
    ]
    if len(counts) > limit:
        parts.append(f"等 {len(counts)} 个")
    return "、".join(parts)


def _iter_points(coords: Sequence[Any]) -> Iterable[tuple[float, float]]:
    if coords and isinstance(coords[0], int | float):
        yield float(coords[0]), float(coords[1])
        return
    for c in coords:
        yield from _iter_points(c)
