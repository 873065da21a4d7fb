"""The shape of a ledger kind: its fields, Chinese labels, header synonyms, value vocabularies and
the rules that belong to it.

Every ledger kind (units, volunteers, issues, targets, assessments, contacts, districts) is one
`LedgerKind` entry in `civdash.ledgers.REGISTRY`. Reading, validation, the store, templates,
diffs, exports and the app all ask the kind (its fields, its derive hook, its composite key …)
rather than branch on its name, so adding a field, a synonym or a whole kind is an edit in
`civdash/ledgers/` alone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, Protocol

import pandas as pd

if TYPE_CHECKING:
    from civdash.config import Settings

ValueType = Literal["str", "text", "date", "float", "int", "bool"]
"""`str` is a coded value (NFKC, trimmed); `text` is free text kept verbatim."""

_NOTHING: Mapping[str, str] = MappingProxyType({})


def _spelling_key(text: str) -> str:
    """How spellings are compared: no whitespace anywhere, lower case (M = m = 男)."""
    return re.sub(r"\s", "", text).lower()


@dataclass(frozen=True)
class Otherwise:
    """What a value outside a vocabulary becomes: `value` (None leaves the cell blank), with a
    warning (reason, fix) instead of an error. E.g. an unknown 点位类型 is kept as 其他."""

    value: str | None
    reason: str
    fix: str


@dataclass(frozen=True, eq=False)
class Vocabulary:
    """The values a coded field takes and the spellings offices write for them.

    `spellings` maps another spelling to its canonical value (each value is also its own
    spelling). Spellings are compared without whitespace and case-insensitively. With
    `found_inside`, a spelling found inside a longer text also counts ("银行网点（营业厅）" is a
    银行网点): "first" tries spellings in the order declared (values first), "longest" the
    longest first. A text no spelling fits is an error ("不是可识别的{word}") unless `otherwise`
    says what it becomes.

    >>> v = Vocabulary("性别", ("男", "女"), {"male": "男"})
    >>> v.match(" Male "), v.match("未知")
    ('男', None)
    """

    word: str
    """What the values are called in messages: 整改状态, 级别, 问题来源 …"""
    values: tuple[str, ...]
    spellings: Mapping[str, str] = field(default_factory=lambda: _NOTHING)
    found_inside: Literal["never", "first", "longest"] = "never"
    otherwise: Otherwise | None = None
    _exact: dict[str, str] = field(init=False, repr=False)
    _inside: tuple[tuple[str, str], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        pairs = [(v, v) for v in self.values] + list(self.spellings.items())
        unknown = sorted({canon for _, canon in pairs} - set(self.values))
        if unknown:
            raise ValueError(f"vocabulary {self.word!r}: spellings map to unknown values {unknown}")
        exact: dict[str, str] = {}
        for spelling, canon in pairs:
            exact.setdefault(_spelling_key(spelling), canon)
        inside = tuple(exact.items())
        if self.found_inside == "longest":
            inside = tuple(sorted(inside, key=lambda kv: -len(kv[0])))
        object.__setattr__(self, "_exact", exact)
        object.__setattr__(self, "_inside", inside if self.found_inside != "never" else ())

    def lookup(self, text: str) -> str | None:
        """The canonical value `text` spells exactly (whitespace and case aside), or None."""
        return self._exact.get(_spelling_key(text))

    def match(self, text: str) -> str | None:
        """`lookup`, else (with `found_inside`) the value of a spelling found inside `text`."""
        key = _spelling_key(text)
        hit = self._exact.get(key)
        if hit is not None:
            return hit
        for spelling, canon in self._inside:
            if spelling in key:
                return canon
        return None


@dataclass(frozen=True)
class Field:
    """One canonical column of a ledger.

    `parser` names a special value rule in `civdash.normalize` (e.g. "district", "deadline",
    "metric"); when empty, a field with a `vocabulary` is read by it, any other by the rule for
    its `type`.
    """

    name: str
    label: str
    type: ValueType = "str"
    required: bool = False
    synonyms: tuple[str, ...] = ()
    parser: str = ""
    choices: tuple[str, ...] = ()
    """The allowed values (the schema checks them; templates offer them). A vocabulary's values
    when the field has one."""
    min_value: float | None = None
    max_value: float | None = None
    personal: str = ""
    """The masking rule of a field holding personal data ("phone", "id_number"); "" for others.
    `civdash.privacy` is the only code that reads it."""
    derived: bool = False
    vocabulary: Vocabulary | None = None
    """Canonical values and their spellings, read by the one coded-value parser."""
    base: str = ""
    """A field this one's values are read relative to: 整改时限『7天』counts from 发现日期."""
    borrows: str = ""
    """A field whose column this one takes when no column names this field and the column's
    values are this field's values: an 整改情况 column holding 已完成/未整改 is the status."""
    range_reason: tuple[str, str] | None = None
    """(reason, fix) said when a value is outside [min_value, max_value], instead of the
    generic "应在 a–b 之间"."""
    blank_label: str = ""
    """How a blank value reads on screen (a target's blank 区县 is 全市)."""
    colors: Mapping[str, str] = field(default_factory=lambda: _NOTHING, hash=False, compare=False)
    """Value → colour, so a status or level has the same colour on every page and chart."""
    hint: str = ""
    """What to write in the column, for the template's notes and input messages."""

    def __post_init__(self) -> None:
        if self.vocabulary is not None and not self.choices:
            object.__setattr__(self, "choices", self.vocabulary.values)

    def header_names(self) -> tuple[str, ...]:
        """Every header spelling that names this field, normalised for matching."""
        names = (self.label, self.name, *self.synonyms)
        seen: dict[str, None] = {}
        for n in names:
            key = normalize_header(n)
            if key:
                seen.setdefault(key, None)
        return tuple(seen)


class ProblemSink(Protocol):
    """Adds a problem about one cell: (row, field name, (reason, fix)), an error by default."""

    def __call__(
        self,
        row: int,
        name: str,
        problem: tuple[str, str],
        *,
        severity: Literal["error", "warning"] = "error",
    ) -> None: ...


@dataclass(frozen=True)
class DeriveContext:
    """What a kind's derive hook and table checks work on, during ingest.

    `frame` holds one column per field (parsed, in the field's dtype) indexed by row number;
    hooks may set columns in it. `values` are the parsed columns the file supplied (their
    `attrs` carry what a parser noticed, e.g. "long_term" on 整改时限). `add` reports a problem;
    `row_label` names a row as messages do ("第 12 行", "工作表『东湖区』第 12 行").
    """

    frame: pd.DataFrame
    values: Mapping[str, pd.Series]
    settings: Settings
    add: ProblemSink
    row_label: Callable[[int], str]


Derive = Callable[[DeriveContext], None]
"""A kind's hook: derived columns, cross-field and whole-table checks."""


def _no_examples(districts: Sequence[str]) -> list[dict[str, Any]]:
    return []


@dataclass(frozen=True, eq=False)
class LedgerKind:
    """A ledger kind: its fields in canonical order, the words that identify its files, and the
    facts and rules every generic code path asks it for."""

    key: str
    label: str
    fields: tuple[Field, ...]
    id_field: str = ""
    title_words: tuple[str, ...] = ()
    one_of: tuple[tuple[str, ...], ...] = ()
    """Groups of optional fields a file must supply at least one of (得分 or 失分): a header
    with no column of a group is refused like a missing required column; each row's check
    and what the others are derived from belong to the kind's `derive` hook."""
    extra_headers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Headers that feed a field indirectly (e.g. 称号 → level + category); header → target fields."""
    sheet_fields: tuple[str, ...] = ()
    """Fields a sheet's name can supply when a workbook keeps one sheet per district, street,
    team … in the same layout and has no such column, in order of preference."""
    uploaded: bool = True
    """A ledger users upload as spreadsheets and the store keeps as snapshots of rows (the
    district table is imported on its own page instead)."""
    dated: bool = True
    """Its snapshots hold data as of a date (the sidebar's dates, week-over-week comparisons);
    targets are edited in the app, dated the day of the edit, and are neither."""
    accumulates_by: str = ""
    """A field whose values each snapshot adds to the ledger rather than replacing it: a
    month's 测评 report adds its round (测评批次) and earlier rounds stay in force
    (`civdash.assessments.load_rounds`). A snapshot with fewer rows than the one before loses
    nothing then, so the shrink check does not hold it."""
    as_of_from: str = ""
    """A date field whose latest value dates a file whose title gives no date (a 测评 report is
    as of its last 测评日期)."""
    reported_weekly: bool = True
    """Districts submit their part of it by the weekly deadline (报送情况), when it is also
    dated and narrowed by district; a third-party 测评 report arrives city-wide, once a round."""
    narrow_by: str = "district"
    """The field a district's pages narrow the rows by; "" keeps every row (a district's page
    still sees the city-wide targets)."""
    id_from: tuple[str, ...] = ()
    """Fields a blank `id_field` is made from (prefixed by `id_prefix`), so that the same row
    gets the same id in next week's file."""
    id_prefix: str = ""
    composite_key: tuple[str, ...] = ()
    """What identifies a row when the rows have no ids, for diffs against the current snapshot."""
    stored_extras: tuple[tuple[str, ValueType], ...] = ()
    """Columns the store keeps beside the fields (the districts' boundaries as GeoJSON text)."""
    default_group: str = "district"
    """The field a first exploration of the ledger groups by."""
    count_noun: str = ""
    """What a count of its rows is called: 问题数, 志愿者人数 …"""
    counts: Callable[[pd.DataFrame], pd.DataFrame] | None = None
    """The rows that count (metrics, charts); None: every row. Inspection records without a
    problem are rows of the issues ledger but not issues."""
    uncounted_note: str = ""
    """Said when `counts` left rows out of a figure."""
    derive: Derive | None = None
    """Derived columns and cross-field checks, run by ingest after parsing."""
    checks: tuple[Derive, ...] = ()
    """Whole-table rules (a target appears once per metric and district), run after `derive`."""
    examples: Callable[[Sequence[str]], list[dict[str, Any]]] = _no_examples
    """Worked example rows (field → value) for the city's district names; each ingests cleanly."""

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.key} has no field {name!r}")

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def input_fields(self) -> tuple[Field, ...]:
        """Fields a file can supply (derived ones are computed, not read)."""
        return tuple(f for f in self.fields if not f.derived)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)

    def missing_groups(self, supplied: Collection[str]) -> list[tuple[str, ...]]:
        """The `one_of` groups none of whose fields is in `supplied`."""
        return [g for g in self.one_of if not any(name in supplied for name in g)]

    def labels(self) -> dict[str, str]:
        return {f.name: f.label for f in self.fields}

    def counted(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows of `frame` that count (see `counts`)."""
        return frame if self.counts is None else self.counts(frame)

    def narrow(self, frame: pd.DataFrame, district: str | None) -> pd.DataFrame:
        """The rows in `district` (every row for None, or when the kind does not narrow)."""
        by = self.narrow_by
        if district is None or not by or by not in frame.columns:
            return frame
        return frame[frame[by] == district]


_BRACKETS = re.compile(r"[（(【\[<《{][^）)】\]>》}]*[）)】\]>》}]")
_NOISE = re.compile(r"[\s*＊:：_\-—/\\、.·]+")


def normalize_header(text: object) -> str:
    """Normalise a header cell for matching: NFKC, no whitespace, no bracketed units, no marks.

    >>> normalize_header("服务时长（小时）")
    '服务时长'
    >>> normalize_header(" *姓 名 ")
    '姓名'
    """
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text))
    s = _BRACKETS.sub("", s)
    s = _NOISE.sub("", s)
    return s.lower()
