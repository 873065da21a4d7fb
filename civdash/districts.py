"""The city's districts: names, aliases, population and boundaries, and name resolution.

Clerks spell districts several ways ("东湖", "东湖 区", "高新区" for 高新技术产业开发区).
`DistrictTable.resolve` applies the rules of ledgers.md in order: exact; ignoring spaces; an alias;
a unique prefix after dropping the suffix (东湖 → 东湖区).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

_SUFFIXES = ("自治县", "新区", "开发区", "区", "县", "市", "镇", "乡", "旗")
_SPACE = re.compile(r"\s+")


def _clean(name: object) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFKC", str(name))).strip()


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
    def from_geojson(source: str | Path | bytes | Mapping[str, Any]) -> DistrictTable:
        """Read a GeoJSON FeatureCollection with `name`, `population`, `code`, `aliases`."""
        if isinstance(source, Mapping):
            data: Any = source
        else:
            raw = Path(source).read_bytes() if isinstance(source, str | Path) else source
            data = json.loads(raw.decode("utf-8-sig"))
        if not isinstance(data, Mapping) or data.get("type") != "FeatureCollection":
            raise ValueError("区县边界文件不是 GeoJSON FeatureCollection，请检查文件内容。")
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
            out.append(
                District(
                    name=_clean(name),
                    population=float(pop) if pop not in (None, "") else None,
                    code=str(props["code"]) if props.get("code") not in (None, "") else None,
                    aliases=tuple(str(a) for a in aliases),
                    geometry=feat.get("geometry"),
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


def _iter_points(coords: Sequence[Any]) -> Iterable[tuple[float, float]]:
    if coords and isinstance(coords[0], int | float):
        yield float(coords[0]), float(coords[1])
        return
    for c in coords:
        yield from _iter_points(c)
