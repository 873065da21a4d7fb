"""责任单位联系人: who answers for each responsible unit named in issues and assessments — its
负责人, 联络员 and a phone (personal data, masked wherever shown or exported).

One row per responsible unit. A unit with a blank 区县 is a city department (市直部门); every
district's pages see every contact, since a district's issues are often a city department's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from civdash.ledgers.base import DeriveContext, Field, LedgerKind

CITY_DEPARTMENT = "市直部门"
"""How a blank 区县 reads: the unit is a city department."""

_MOBILE = re.compile(r"(?:\+?86)?1\d{10}")
_LANDLINE = re.compile(r"(?:0\d{2,3})?\d{7,8}(?:(?:转|ext\.?|x)\d{1,6})?", re.IGNORECASE)
_SEPARATORS = re.compile(r"[/／,，;；、]+")
_INSIDE = re.compile(r"[\s\-－—()（）]")


def _one_number(text: str) -> bool:
    digits = _INSIDE.sub("", text)
    return bool(_MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits))


def is_phone_number(text: str) -> bool:
    """A mobile (11 digits starting with 1, optionally +86) or a landline (0571-12345678,
    (0571)12345678, 12345678, with an extension 转 123), or several of them separated by / 、 ，
    or spaces.

    >>> [is_phone_number(t) for t in ("138 0000 1234", "0571-87654321", "87654321转12", "110")]
    [True, True, True, False]
    """
    parts = [p for p in _SEPARATORS.split(text.strip()) if p.strip()]
    return bool(parts) and all(
        _one_number(p) or (len(p.split()) > 1 and all(_one_number(q) for q in p.split()))
        for p in parts
    )


def _check_phones(ctx: DeriveContext) -> None:
    """A phone that is neither a mobile nor a landline is kept as written, with a warning."""
    phone = ctx.frame["phone"]
    odd = phone.notna() & ~phone.astype("string").fillna("").map(is_phone_number).astype(bool)
    for row in odd[odd].index:
        ctx.add(
            int(row),
            "phone",
            (
                "不像手机号或座机号",
                "已按原样保存；请核对，手机号为 11 位，座机号如 0571-12345678",
            ),
            severity="warning",
        )


def _one_row_per_unit(ctx: DeriveContext) -> None:
    """A responsible unit has one row: a later row naming it again is an error naming the first."""
    unit = ctx.frame["responsible_unit"]
    key = unit.astype("string").str.replace(r"\s", "", regex=True)
    first: dict[str, int] = {}
    for row, name in key[key.notna()].items():
        earlier = first.setdefault(str(name), int(row))
        if earlier != row:
            ctx.add(
                int(row),
                "responsible_unit",
                (
                    f"与{ctx.row_label(earlier)}重复：每个责任单位只能有一行",
                    "请删除其中一行，或合并两行的联系人",
                ),
            )


def _examples(districts: Sequence[str]) -> list[dict[str, Any]]:
    d = list(districts) or ["城关区"]
    return [
        {
            "responsible_unit": "市公安局交警支队",
            "leader": "王建国",
            "liaison": "陈静",
            "phone": "0571-87654321",
        },
        {
            "responsible_unit": "区市场监管局",
            "leader": "刘洋",
            "liaison": "赵磊",
            "phone": "13800001234",
            "district": d[0],
        },
    ]


CONTACTS = LedgerKind(
    key="contacts",
    label="责任单位联系人",
    title_words=("联系人", "联络员", "通讯录", "责任单位"),
    sheet_fields=("district",),
    dated=False,
    narrow_by="",
    reported_weekly=False,
    composite_key=("responsible_unit",),
    default_group="district",
    count_noun="责任单位数",
    derive=_check_phones,
    checks=(_one_row_per_unit,),
    examples=_examples,
    fields=(
        Field(
            "responsible_unit",
            "责任单位",
            required=True,
            synonyms=("责任部门", "单位名称", "部门名称", "整改责任单位", "牵头单位"),
            hint="与问题整改、测评结果中的责任单位名称一致；每个单位一行",
        ),
        Field(
            "leader",
            "负责人",
            synonyms=("主要负责人", "分管负责人", "单位负责人"),
            hint="单位负责人姓名",
        ),
        Field(
            "liaison",
            "联络员",
            required=True,
            synonyms=("联系人", "联络人", "具体联系人"),
            hint="日常联络人姓名",
        ),
        Field(
            "phone",
            "联系电话",
            required=True,
            personal="phone",
            synonyms=("电话", "手机", "手机号", "手机号码", "联系方式", "联络员电话", "联系人电话"),
            hint="11 位手机号或座机号，如 0571-12345678（按文本填写）",
        ),
        Field(
            "district",
            "所属区县",
            parser="target_district",
            blank_label=CITY_DEPARTMENT,
            synonyms=("区县", "县区", "所属县区", "所在区", "辖区", "所在区县"),
            hint="区县单位填所属区县；市直部门留空",
        ),
    ),
)

__all__ = ["CITY_DEPARTMENT", "CONTACTS", "is_phone_number"]
