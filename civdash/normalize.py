"""Value rules: turn raw cells into canonical values, and say why a cell cannot be turned.

Each parser takes the raw column (a Series indexed by spreadsheet row number) and returns a
`Parsed`: the canonical values plus, for the cells that failed, a Chinese reason and a fix. Every
parser is vectorised or works on the distinct values only, because a volunteer ledger can have a
million rows while its districts, statuses and booleans have a handful of distinct spellings.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from civdash.districts import DistrictTable
from civdash.ledgers.base import Field, Vocabulary
from civdash.ledgers.units import UNITS

EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_MIN_DATE = pd.Timestamp("1900-01-01")
_MAX_DATE = pd.Timestamp("2100-12-31")


@dataclass
class Parsed:
    """Canonical values of one column, with the reasons for the cells that failed.

    `errors` and `warnings` map a row number to (reason, fix); the row's message is built from them
    by the caller, which knows the field's label.
    """

    values: pd.Series
    errors: dict[int, tuple[str, str]] = field(default_factory=dict)
    warnings: dict[int, tuple[str, str]] = field(default_factory=dict)


# ---------------------------------------------------------------- text


def as_text(raw: pd.Series) -> pd.Series:
    """Any column as strings: dates as ISO dates, whole numbers without ".0", blanks as NA."""
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        out = raw.dt.strftime("%Y-%m-%d")
    elif pd.api.types.is_bool_dtype(raw.dtype):
        out = raw.map({True: "是", False: "否"})
    elif pd.api.types.is_numeric_dtype(raw.dtype):
        num = pd.to_numeric(raw, errors="coerce")
        whole = num.notna() & (num == np.floor(num)) & (num.abs() < 1e15)
        out = num.astype("str")
        out = out.where(~whole, num.where(whole).astype("Int64").astype("str"))
        out = out.where(num.notna())
    elif isinstance(raw.dtype, pd.StringDtype):
        out = raw
    else:
        out = raw.map(_cell_text, na_action="ignore")
    out = out.astype("str")
    return out.where(out.notna() & (out != ""))


def _cell_text(v: object) -> object:
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d") if v == v.normalize() else v.isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float):
        if v != v:
            return None
        # repr of a float, not of numpy's float64 subclass ("np.float64(120.39)")
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(float(v))
    if isinstance(v, bool):
        return "是" if v else "否"
    return str(v)


_STR_TYPES = {
    pa.string(): pd.StringDtype(na_value=np.nan),
    pa.large_string(): pd.StringDtype(na_value=np.nan),
}


def clean_text(raw: pd.Series) -> pd.Series:
    """Coded text: NFKC (full-width letters, digits and spaces), trimmed; blank → NA.

    Uses Arrow's vectorised NFKC: pandas' `str.normalize` calls unicodedata once per cell.
    """
    s = as_text(raw)
    arr = pa.array(s.array, from_pandas=True)
    arr = pc.utf8_trim_whitespace(pc.utf8_normalize(arr, form="NFKC"))
    out = pd.Series(arr.to_pandas(types_mapper=_STR_TYPES.get).array, index=s.index).astype("str")
    return out.where(out != "")


def verbatim_text(raw: pd.Series) -> pd.Series:
    """Free text (问题描述, 整改措施) kept exactly as written; only blank cells become NA."""
    s = as_text(raw)
    return s.where(s.str.strip() != "")


def parse_str(raw: pd.Series, **_: object) -> Parsed:
    return Parsed(clean_text(raw))


def parse_text(raw: pd.Series, **_: object) -> Parsed:
    return Parsed(verbatim_text(raw))


# ---------------------------------------------------------------- dates

_DATE_RE = re.compile(
    r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_COMPACT_RE = re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$")
_SERIAL_RE = re.compile(r"^\d{1,7}(?:\.\d+)?$")


def _from_parts(parts: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Dates from year/month/day columns; the second Series marks impossible dates."""
    y = pd.to_numeric(parts["y"], errors="coerce")
    m = pd.to_numeric(parts["m"], errors="coerce")
    d = pd.to_numeric(parts["d"], errors="coerce")
    got = y.notna()
    out = pd.Series(pd.NaT, index=parts.index, dtype="datetime64[s]")
    if got.any():
        stamps = pd.to_datetime(
            pd.DataFrame({"year": y[got], "month": m[got], "day": d[got]}), errors="coerce"
        )
        out.loc[got] = stamps.astype("datetime64[s]")
    impossible = got & out.isna()
    return out, impossible


def _serial_to_date(num: pd.Series) -> pd.Series:
    days = np.floor(num.astype(float))
    return (EXCEL_EPOCH + pd.to_timedelta(days, unit="D")).astype("datetime64[s]")


def parse_date(raw: pd.Series, **_: object) -> Parsed:
    """Real date cells, Excel serials, 2026-11-15, 2026/11/15, 2026.11.15, 2026年11月15日, 20261115."""
    idx = raw.index
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        values = raw.dt.normalize().astype("datetime64[s]")
        return _check_date_range(Parsed(values), raw)
    out = pd.Series(pd.NaT, index=idx, dtype="datetime64[s]")
    errors: dict[int, tuple[str, str]] = {}
    if pd.api.types.is_numeric_dtype(raw.dtype):
        num = pd.to_numeric(raw, errors="coerce")
        compact = num.between(19000101, 21001231) & (num == np.floor(num))
        serial = num.between(1, 2958465) & ~compact
        out.loc[serial] = _serial_to_date(num[serial])
        if compact.any():
            text = num[compact].astype("Int64").astype("str")
            parsed, impossible = _from_parts(text.str.extract(_COMPACT_RE))
            out.loc[compact] = parsed
            for r in impossible[impossible].index:
                errors[r] = ("日期不存在", "请填写真实存在的日期")
        bad = num.notna() & ~serial & ~compact
        for r in bad[bad].index:
            errors[r] = ("不是有效的日期", "请填写如 2026-11-15 的日期")
        return _check_date_range(Parsed(out, errors), raw)
    text = clean_text(raw)
    present = text.notna()
    if not present.any():
        return Parsed(out)
    t = text[present]
    parts = t.str.extract(_DATE_RE)
    compact = parts["y"].isna() & t.str.fullmatch(_COMPACT_RE.pattern)
    if compact.any():
        parts.loc[compact, ["y", "m", "d"]] = t[compact].str.extract(_COMPACT_RE).to_numpy()
    parsed, impossible = _from_parts(parts)
    out.loc[parsed.index] = parsed
    serial = parts["y"].isna() & t.str.fullmatch(_SERIAL_RE.pattern)
    if serial.any():
        num = pd.to_numeric(t[serial], errors="coerce")
        ok = num.between(1, 2958465)
        out.loc[ok[ok].index] = _serial_to_date(num[ok])
    for r in impossible[impossible].index:
        errors[r] = ("日期不存在", "请填写真实存在的日期")
    unread = out.loc[t.index].isna() & ~impossible
    for r in unread[unread].index:
        errors[r] = ("无法识别为日期", "请填写如 2026-11-15 或 2026年11月15日 的日期")
    return _check_date_range(Parsed(out, errors), raw)


def _check_date_range(p: Parsed, raw: pd.Series) -> Parsed:
    v = p.values
    bad = v.notna() & ((v < _MIN_DATE) | (v > _MAX_DATE))
    for r in bad[bad].index:
        p.errors[r] = ("日期超出合理范围", "请核对年份")
    p.values = v.where(~bad)
    return p


# ---------------------------------------------------------------- numbers

_NUMBER_NOISE = re.compile(r"[,\s]")


def _to_number(raw: pd.Series, suffix: str = "") -> tuple[pd.Series, pd.Series]:
    """Numbers from numeric cells or text; returns (values, unreadable mask)."""
    if pd.api.types.is_bool_dtype(raw.dtype):
        raw = raw.astype(float)
    if pd.api.types.is_numeric_dtype(raw.dtype):
        num = pd.to_numeric(raw, errors="coerce").astype(float)
        return num, pd.Series(False, index=raw.index)
    text = clean_text(raw)
    s = text.str.replace(_NUMBER_NOISE, "", regex=True)
    if suffix:
        s = s.str.replace(f"(?:{suffix})$", "", regex=True)
    num = pd.to_numeric(s, errors="coerce").astype(float)
    return num, text.notna() & num.isna()


def parse_float(raw: pd.Series, *, suffix: str = "", **_: object) -> Parsed:
    num, bad = _to_number(raw, suffix)
    return Parsed(num, {r: ("不是数字", "请只填写数字") for r in bad[bad].index})


def parse_hours(raw: pd.Series, **_: object) -> Parsed:
    """Hours: "12.5小时", "12.5h" and full-width digits are numbers."""
    num, bad = _to_number(raw, suffix="个?小时|h|H|hrs?|时")
    return Parsed(num, {r: ("不是数字", "请填写小时数，如 12.5") for r in bad[bad].index})


def parse_population(raw: pd.Series, **_: object) -> Parsed:
    """Population, allowing "26.3万" and "263,000人"."""
    if pd.api.types.is_numeric_dtype(raw.dtype):
        return parse_float(raw)
    text = (
        clean_text(raw)
        .str.replace(_NUMBER_NOISE, "", regex=True)
        .str.replace("人$", "", regex=True)
    )
    wan = text.str.endswith("万").fillna(False).astype(bool)
    num = pd.to_numeric(text.str.replace("万$", "", regex=True), errors="coerce").astype(float)
    num = num.where(~wan, num * 10_000)
    bad = text.notna() & num.isna()
    return Parsed(num, {r: ("不是数字", "请填写人数，如 263000") for r in bad[bad].index})


def parse_int(raw: pd.Series, **_: object) -> Parsed:
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        return Parsed(raw.dt.year.astype("Int64"))
    num, bad = _to_number(raw, suffix="年")
    frac = num.notna() & (num != np.floor(num))
    errors = {r: ("不是整数", "请填写整数，如 2024") for r in (bad | frac)[bad | frac].index}
    return Parsed(num.where(~frac).round().astype("Int64"), errors)


def parse_percent(raw: pd.Series, **_: object) -> Parsed:
    """Percentages in percent units: "13%", 0.13 formatted as %, and 13 all give 13.0.

    A fraction (0 < v ≤ 1, no % sign) is read as a share, because Excel shows 0.13 formatted as a
    percentage as "13%"; whether the target is a rate is decided by the caller.
    """
    if pd.api.types.is_numeric_dtype(raw.dtype):
        num = pd.to_numeric(raw, errors="coerce").astype(float)
        return Parsed(num, {}, {})
    text = clean_text(raw).str.replace(_NUMBER_NOISE, "", regex=True)
    pct = text.str.endswith("%").fillna(False).astype(bool)
    num = pd.to_numeric(text.str.rstrip("%"), errors="coerce").astype(float)
    bad = text.notna() & num.isna()
    p = Parsed(num, {r: ("不是数字", "请填写数字或百分比，如 13%") for r in bad[bad].index})
    p.values.attrs["explicit_percent"] = pct
    return p


# ---------------------------------------------------------------- booleans

_TRUE = {
    "是",
    "√",
    "✓",
    "✔",
    "y",
    "yes",
    "1",
    "true",
    "t",
    "对",
    "有",
    "党员",
    "中共党员",
    "中共预备党员",
    "预备党员",
    "共产党员",
}
_FALSE = {
    "否",
    "×",
    "✗",
    "✘",
    "x",
    "n",
    "no",
    "0",
    "false",
    "f",
    "无",
    "不是",
    "非党员",
    "群众",
    "共青团员",
    "团员",
    "民主党派",
    "无党派人士",
    "无党派",
}


def parse_bool(raw: pd.Series, *, political: bool = False, **_: object) -> Parsed:
    """是/否, √/×, Y/N, 1/0; blank = false. In a 政治面貌 column, 中共(预备)党员 = true."""
    text = clean_text(raw).str.lower()
    uniques = text.dropna().unique()
    mapping: dict[str, bool | None] = {}
    for u in uniques:
        if political:
            mapping[u] = "党员" in u and "非" not in u
        elif u in _TRUE:
            mapping[u] = True
        elif u in _FALSE:
            mapping[u] = False
        else:
            mapping[u] = None
    mapped = text.map(mapping)
    bad = text.notna() & mapped.isna()
    values = mapped.where(mapped.notna(), False).astype(bool)
    return Parsed(values, {r: ("无法识别为是/否", "请填写『是』或『否』") for r in bad[bad].index})


# ---------------------------------------------------------------- coded values


def _map_uniques(
    text: pd.Series, fn: Callable[[str], tuple[str | None, tuple[str, str] | None, bool]]
) -> Parsed:
    """Apply `fn` to each distinct value: fn returns (value, problem, problem_is_error)."""
    result: dict[str, tuple[str | None, tuple[str, str] | None, bool]] = {
        u: fn(u) for u in text.dropna().unique()
    }
    values = text.map({k: v[0] for k, v in result.items()}).astype("str")
    errors: dict[int, tuple[str, str]] = {}
    warnings: dict[int, tuple[str, str]] = {}
    flagged = {k: v for k, v in result.items() if v[1] is not None}
    if flagged:
        hit = text.isin(list(flagged))
        for r, t in text[hit].items():
            _, problem, is_error = flagged[t]
            assert problem is not None
            (errors if is_error else warnings)[int(r)] = problem
    return Parsed(values.where(values.notna()), errors, warnings)


def parse_district(
    raw: pd.Series, *, districts: DistrictTable | None = None, city: str = "", **_: object
) -> Parsed:
    """Resolve against the district table: exact, no spaces, alias, unique prefix (东湖 → 东湖区).

    `city`, when given, is offered first in the message's list (a target may be city-wide)."""
    text = clean_text(raw)
    if districts is None:
        return Parsed(text)
    options = "、".join((city, *districts.names) if city else districts.names)

    def one(u: str) -> tuple[str | None, tuple[str, str] | None, bool]:
        hit = districts.resolve(u)
        if hit is None:
            return None, ("不是本市的区县", f"请改为以下之一：{options}"), True
        return hit, None, False

    return _map_uniques(text, one)


_CITYWIDE = ("全市", "全市范围", "市级", "全部", "合计")


def parse_target_district(
    raw: pd.Series, *, districts: DistrictTable | None = None, **_: object
) -> Parsed:
    """A target's district: blank or 全市 = city-wide, stored as empty."""
    text = clean_text(raw)
    citywide = text.isna() | text.isin(_CITYWIDE)
    p = parse_district(text.where(~citywide), districts=districts, city=_CITYWIDE[0])
    p.values = p.values.where(~citywide, "")
    return p


# ---- the one parser of coded values: a field's vocabulary


def parse_coded(raw: pd.Series, *, vocabulary: Vocabulary, **_: object) -> Parsed:
    """A coded column read by its field's `Vocabulary`: each spelling becomes its canonical
    value; a text no spelling fits is an error naming the allowed values, or becomes the
    vocabulary's `otherwise` value with its warning (未整改 → 待整改; 城中村 → 其他)."""
    options = "、".join(vocabulary.values)

    def one(u: str) -> tuple[str | None, tuple[str, str] | None, bool]:
        hit = vocabulary.match(u)
        if hit is not None:
            return hit, None, False
        if vocabulary.otherwise is None:
            return None, (f"不是可识别的{vocabulary.word}", f"请改为以下之一：{options}"), True
        o = vocabulary.otherwise
        return o.value, (o.reason, o.fix), False

    return _map_uniques(clean_text(raw), one)


# ---- 称号: a unit's level and category in one cell ("省级文明单位")

_TITLE_RE = re.compile(r"^(全国|国家级|省级|省|市级|市|县\(区\)级|区县级|县区级|县级|区级)?(.*)$")


def _vocabulary(f: Field) -> Vocabulary:
    assert f.vocabulary is not None, f.name
    return f.vocabulary


def split_title(title: str) -> tuple[str | None, str | None]:
    """Split a 称号 such as "省级文明单位" into (level, category).

    >>> split_title("省级文明单位"), split_title("市级文明村"), split_title("县（区）级文明校园")
    (('省级', '文明单位'), ('市级', '文明村镇'), ('县级', '文明校园'))
    """
    key = re.sub(r"\s", "", title).replace("（", "(").replace("）", ")")
    m = _TITLE_RE.match(key)
    assert m is not None
    level = _vocabulary(UNITS.field("level")).lookup(m.group(1) or "") if m.group(1) else None
    category = _vocabulary(UNITS.field("category")).match(m.group(2)) if m.group(2) else None
    return level, category


def parse_title(raw: pd.Series) -> tuple[Parsed, Parsed]:
    """A 称号 column → (level, category)."""
    text = clean_text(raw)
    uniques = {u: split_title(u) for u in text.dropna().unique()}
    level = text.map({k: v[0] for k, v in uniques.items()}).astype("str")
    category = text.map({k: v[1] for k, v in uniques.items()}).astype("str")
    errors: dict[int, tuple[str, str]] = {}
    bad = text.notna() & category.isna()
    for r in bad[bad].index:
        errors[int(r)] = ("无法识别创建类别", "请填写如『省级文明单位』『市级文明村』的称号")
    return Parsed(level.where(level.notna())), Parsed(category.where(category.notna()), errors)


def parse_metric(raw: pd.Series, **_: object) -> Parsed:
    """Metric names: a catalogue key or its Chinese name (问题整改率 → issue_close_rate)."""
    from civdash.metrics import METRICS, metric_key

    options = "、".join(m.label for m in METRICS.values())

    def one(u: str) -> tuple[str | None, tuple[str, str] | None, bool]:
        try:
            return metric_key(u), None, False
        except KeyError:
            return None, ("不是指标目录中的指标", f"请改为以下之一：{options}"), True

    return _map_uniques(clean_text(raw), one)


# ---------------------------------------------------------------- deadlines

_DAYS_RE = re.compile(r"^(\d+)\s*(?:个)?(?:自然)?日?天(?:内)?$")
_WORKDAYS_RE = re.compile(r"^(\d+)\s*个?工作日(?:内)?$")
_IMMEDIATE = ("立行立改", "立即整改", "即知即改", "立查立改")
_LONG_TERM = ("长期坚持", "长期整改", "持续整改", "长期", "常态化")


def parse_deadline(raw: pd.Series, *, base: pd.Series | None = None, **_: object) -> Parsed:
    """整改时限: a date; "N天" = base + N days; "N个工作日" = base + N weekdays;
    立行立改 = base + 1 day (rectify at once: due the next day); 长期坚持/长期整改 = none.

    `base` is the date a relative deadline counts from (the issue's 发现日期: `Field.base`)."""
    if pd.api.types.is_datetime64_any_dtype(raw.dtype) or pd.api.types.is_numeric_dtype(raw.dtype):
        return parse_date(raw)
    text = clean_text(raw)
    key = text.str.replace(r"\s", "", regex=True)
    days = pd.to_numeric(key.str.extract(_DAYS_RE)[0], errors="coerce")
    workdays = pd.to_numeric(key.str.extract(_WORKDAYS_RE)[0], errors="coerce")
    immediate = key.isin(_IMMEDIATE)
    long_term = key.isin(_LONG_TERM)
    relative = days.notna() | workdays.notna() | immediate
    p = parse_date(text.where(~relative & ~long_term))
    if base is None:
        base = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[s]")
    base = base.reindex(raw.index)
    need_base = relative & base.isna()
    for r in need_base[need_base].index:
        p.errors[int(r)] = (
            "是相对时限，但发现日期缺失或有误",
            "请先填写正确的发现日期，或直接填写整改截止日期",
        )
    ok = relative & base.notna()
    if ok.any():
        offset = days.where(immediate.eq(False), 1).fillna(0)
        by_days = ok & (days.notna() | immediate)
        p.values.loc[by_days] = (base[by_days] + pd.to_timedelta(offset[by_days], unit="D")).astype(
            "datetime64[s]"
        )
        by_work = ok & workdays.notna()
        if by_work.any():
            start = base[by_work].to_numpy().astype("datetime64[D]")
            due = np.busday_offset(start, workdays[by_work].astype(int).to_numpy(), roll="forward")
            p.values.loc[by_work] = pd.Series(
                due.astype("datetime64[s]"), index=by_work[by_work].index
            )
    p.values.attrs["long_term"] = long_term.fillna(False).astype(bool)
    return p


# ---------------------------------------------------------------- ids


def stable_id(prefix: str, *parts: pd.Series) -> pd.Series:
    """A stable id from content, so the same row gets the same id in next week's file."""
    joined = parts[0].fillna("").astype("str")
    for p in parts[1:]:
        joined = joined + "|" + p.fillna("").astype("str")
    digests = {
        v: prefix + hashlib.sha1(v.encode("utf-8")).hexdigest()[:10] for v in joined.unique()
    }
    ids = joined.map(digests).astype("str")
    dup = ids.duplicated(keep="first")
    if dup.any():
        counter = ids.groupby(ids).cumcount() + 1
        ids = ids.where(~dup, ids + "-" + counter.astype("str"))
    return ids


PARSERS: dict[str, Callable[..., Parsed]] = {
    "str": parse_str,
    "text": parse_text,
    "date": parse_date,
    "float": parse_float,
    "int": parse_int,
    "bool": parse_bool,
    "hours": parse_hours,
    "population": parse_population,
    "percent": parse_percent,
    "district": parse_district,
    "target_district": parse_target_district,
    "metric": parse_metric,
    "deadline": parse_deadline,
    "coordinate": parse_float,
}
"""Parser by name: a Field's `parser`, else its `type` (see `parser_for`)."""


def parser_for(f: Field) -> Callable[..., Parsed]:
    """How a field's cells are read: its `parser`, else its vocabulary, else its type's rule."""
    if f.parser:
        return PARSERS[f.parser]
    if f.vocabulary is not None:
        return partial(parse_coded, vocabulary=f.vocabulary)
    return PARSERS[f.type]
