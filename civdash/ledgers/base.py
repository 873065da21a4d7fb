"""The shape of a ledger kind: its fields, Chinese labels, header synonyms and value types.

Every ledger kind (units, volunteers, issues, targets, districts) is one `LedgerKind` entry in
`civdash.ledgers.REGISTRY`. Reading, validation, the store, exports and the app all look fields up
here, so adding a field or a synonym is one edit.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

ValueType = Literal["str", "text", "date", "float", "int", "bool"]
"""`str` is a coded value (NFKC, trimmed); `text` is free text kept verbatim."""


@dataclass(frozen=True)
class Field:
    """One canonical column of a ledger.

    `parser` names a special value rule in `civdash.normalize` (e.g. "district", "deadline",
    "issue_status"); when empty, the rule for `type` applies.
    """

    name: str
    label: str
    type: ValueType = "str"
    required: bool = False
    synonyms: tuple[str, ...] = ()
    parser: str = ""
    choices: tuple[str, ...] = ()
    min_value: float | None = None
    max_value: float | None = None
    personal: str = ""
    """The masking rule of a field holding personal data ("phone", "id_number"); "" for others.
    `civdash.privacy` is the only code that reads it."""
    derived: bool = False

    def header_names(self) -> tuple[str, ...]:
        """Every header spelling that names this field, normalised for matching."""
        names = (self.label, self.name, *self.synonyms)
        seen: dict[str, None] = {}
        for n in names:
            key = normalize_header(n)
            if key:
                seen.setdefault(key, None)
        return tuple(seen)


@dataclass(frozen=True)
class LedgerKind:
    """A ledger kind: its fields in canonical order and the words that identify its files."""

    key: str
    label: str
    fields: tuple[Field, ...]
    id_field: str = ""
    title_words: tuple[str, ...] = ()
    extra_headers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Headers that feed a field indirectly (e.g. 称号 → level + category); header → target fields."""
    sheet_fields: tuple[str, ...] = ()
    """Fields a sheet's name can supply when a workbook keeps one sheet per district, street,
    team … in the same layout and has no such column, in order of preference."""

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

    def labels(self) -> dict[str, str]:
        return {f.name: f.label for f in self.fields}


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
