"""Header matching: which source column feeds which canonical field.

Rules (ledgers.md): headers are compared after `normalize_header`; exact matches of a label,
field name or synonym beat partial ones; one column maps to at most one field and one field takes at
most one column; the user's explicit mapping always wins.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from civdash.ledgers import REGISTRY, get_kind
from civdash.ledgers.base import LedgerKind, normalize_header

IGNORE = "-"
"""Mapping target that tells the matcher to leave a column unmapped (`--map '备注=-'`)."""

_EXACT = 3.0
_PARTIAL = 1.0

MAX_HEADER_CHARS = 40
"""A cell longer than this is free text (a reply, a description), never a column name."""

# What the last word of a header says the column holds. In a Chinese compound header the head
# comes last: 问题序号 is a serial number about problems, 问题说明 an explanation of one. A header
# that only contains a field's synonym matches that field partially, unless its head says it
# holds another kind of value (问题序号 is never 问题描述).
_HEADS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("id", ("序号", "编号", "代码", "代号", "id", "工单号", "单号")),
    ("date", ("日期", "时间", "年份", "月份", "年度")),
    ("count", ("人数", "数量", "次数", "个数", "件数", "户数", "金额", "比例", "比率")),
)


@dataclass(frozen=True)
class ColumnMatch:
    """The result of matching headers to a kind's fields.

    `by_column` maps a source column position to a field name, or to a compound source such as
    "称号" (fills level and category) or "政治面貌" (fills is_party_member).
    """

    kind: str
    headers: tuple[str, ...]
    by_column: dict[int, str]

    @property
    def by_field(self) -> dict[str, int]:
        return {f: c for c, f in self.by_column.items()}

    def source_to_field(self) -> dict[str, str]:
        """Source header → field, as the CLI's `columns` reports it."""
        kind = get_kind(self.kind)
        out: dict[str, str] = {}
        for col, target in sorted(self.by_column.items()):
            fields = kind.extra_headers.get(target)
            out[self.headers[col]] = "+".join(fields) if fields else target
        return out

    def unmapped(self) -> list[str]:
        return [h for i, h in enumerate(self.headers) if i not in self.by_column and h]

    def missing_required(self) -> list[str]:
        kind = get_kind(self.kind)
        supplied = set(self.by_column.values())
        for target in list(supplied):
            supplied.update(kind.extra_headers.get(target, ()))
        return [f for f in kind.required if f not in supplied]


def _head(text: str) -> str | None:
    """The kind of value a (normalised) header's last word names: "id", "date", "count" or None."""
    for head, words in _HEADS:
        if text.endswith(words):
            return head
    return None


def _field_score(header: str, names: Sequence[str]) -> float:
    """How well a normalised header names a field with these normalised `names` (label first).

    Exact: `_EXACT`. Partial (one text contains the other): up to `_PARTIAL`, by how much of the
    header the name covers; none when the header's last word says it holds another kind of value
    than the field's label does (问题序号 is a serial number, not 问题描述)."""
    if not header or len(header) > MAX_HEADER_CHARS:
        return 0.0
    if header in names:
        return _EXACT
    head = _head(header)
    best = 0.0
    for n in names:
        if len(n) >= 2 and len(header) >= 2 and (n in header or header in n):
            if head is not None and not header.endswith(n) and head != _head(names[0]):
                continue
            # prefer the synonym that covers most of the header
            best = max(best, _PARTIAL * min(len(n), len(header)) / max(len(n), len(header)))
    return best


def _candidates(kind: LedgerKind, headers: Sequence[str]) -> list[tuple[float, int, str]]:
    cands: list[tuple[float, int, str]] = []
    norm = [normalize_header(h) for h in headers]
    for col, h in enumerate(norm):
        for extra in kind.extra_headers:
            if h == normalize_header(extra):
                cands.append((_EXACT + 0.5, col, extra))
        for f in kind.input_fields:
            s = _field_score(h, f.header_names())
            if s > 0:
                cands.append((s, col, f.name))
    # strongest first; on ties the leftmost column and the field declared first win
    order = {f.name: i for i, f in enumerate(kind.fields)}
    cands.sort(key=lambda c: (-c[0], c[1], order.get(c[2], -1)))
    return cands


def match_columns(
    kind: str,
    headers: Sequence[object],
    mapping: Mapping[str, str] | None = None,
) -> ColumnMatch:
    """Match source headers to the fields of `kind`.

    `mapping` is the user's explicit choice, source header → field name (or "-" to ignore the
    column); it always wins over synonyms.

    >>> m = match_columns("volunteers", ["序号", "志愿者姓名", "服务时长（小时）"])
    >>> m.source_to_field()
    {'志愿者姓名': 'name', '服务时长（小时）': 'hours'}
    """
    k = get_kind(kind)
    texts = tuple("" if h is None else str(h).strip() for h in headers)
    by_column: dict[int, str] = {}
    taken: set[str] = set()
    blocked: set[int] = set()
    valid_targets = set(k.field_names) | set(k.extra_headers)
    for src, target in (mapping or {}).items():
        src_norm = normalize_header(src)
        for col, h in enumerate(texts):
            if h == src or (src_norm and normalize_header(h) == src_norm):
                blocked.add(col)
                if target and target != IGNORE:
                    if target not in valid_targets:
                        raise ValueError(
                            f"『{target}』不是{k.label}台账的字段，可用字段：{'、'.join(k.field_names)}"
                        )
                    for c, f in list(by_column.items()):
                        if f == target:
                            del by_column[c]
                    by_column[col] = target
                    taken.add(target)
                break
    for _score, col, target in _candidates(k, texts):
        if col in blocked or col in by_column or target in taken:
            continue
        # a compound source (称号) must not fill fields that already have their own column
        if target in k.extra_headers and any(f in taken for f in k.extra_headers[target]):
            continue
        by_column[col] = target
        taken.add(target)
    # a dedicated column beats the compound one for the same field
    for col, target in list(by_column.items()):
        if target in k.extra_headers and all(f in taken for f in k.extra_headers[target]):
            del by_column[col]
    return ColumnMatch(kind=kind, headers=texts, by_column=by_column)


def exact_matches(kind: str, cells: Sequence[object]) -> int:
    """How many columns name a field of `kind` exactly (a label or synonym, not a partial match).

    A ledger kind is only recognised by itself when at least one column says so outright: an
    activity ledger's 活动名称 / 年份 / 活动类型 only resemble 单位名称 / 命名年份 / 创建类别."""
    m = match_columns(kind, list(cells))
    k = get_kind(kind)
    norm = [normalize_header(c) for c in m.headers]
    count = 0
    for col, target in m.by_column.items():
        names = (
            (normalize_header(target),)
            if target in k.extra_headers
            else k.field(target).header_names()
        )
        count += norm[col] in names
    return count


def header_scores(cells: Sequence[object]) -> dict[str, float]:
    """How strongly a row of cells looks like the header of each ledger kind.

    The score counts distinct fields matched (exact = 1, partial = 0.5), plus a bonus for each
    required field, so the header row and the kind can be chosen together.
    """
    scores: dict[str, float] = {}
    for key in REGISTRY:
        m = match_columns(key, list(cells))
        k = get_kind(key)
        norm = [normalize_header(c) for c in m.headers]
        total = 0.0
        for col, target in m.by_column.items():
            names = (
                (normalize_header(target),)
                if target in k.extra_headers
                else k.field(target).header_names()
            )
            exact = norm[col] in names
            total += 1.0 if exact else 0.5
            if target in k.required:
                total += 0.5
        scores[key] = total
    return scores
