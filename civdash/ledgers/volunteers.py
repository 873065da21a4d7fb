"""志愿者台账: registered volunteers, their team, hours and star level."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from civdash.ledgers.base import DeriveContext, Field, LedgerKind, Otherwise, Vocabulary
from civdash.ledgers.fields import district_field, street_field

GENDER_VOCABULARY = Vocabulary(
    "性别",
    ("男", "女"),
    {"男性": "男", "女性": "女", "m": "男", "f": "女", "male": "男", "female": "女"},
    otherwise=Otherwise(None, "无法识别的性别，已留空", "请填写『男』或『女』"),
)


def star_level(hours: pd.Series, thresholds: Sequence[float]) -> pd.Series:
    """Star level 0–5 from cumulative hours: the number of thresholds reached (Int64, NA if no hours).

    >>> star_level(pd.Series([0, 100, 299.5, 1500, None]), (100, 300, 600, 1000, 1500)).tolist()
    [0, 1, 1, 5, <NA>]
    """
    values = pd.to_numeric(hours, errors="coerce").astype("float64")
    edges = np.sort(np.asarray(thresholds, dtype="float64"))
    levels = np.searchsorted(edges, values.to_numpy(), side="right")
    out = pd.Series(levels, index=hours.index, dtype="Int64")
    return out.mask(values.isna())


def _derive(ctx: DeriveContext) -> None:
    """星级 follows from the hours and the office's thresholds (`Settings.star_thresholds`)."""
    ctx.frame["star_level"] = star_level(ctx.frame["hours"], ctx.settings.star_thresholds)


def _examples(districts: Sequence[str]) -> list[dict[str, Any]]:
    d = list(districts) or ["城关区"]
    return [
        {
            "volunteer_id": "V0001",
            "name": "张晓明",
            "gender": "男",
            "district": d[0],
            "street": "中山街道",
            "team": "红马甲志愿服务队",
            "registered_on": date(2024, 3, 5),
            "hours": 126.5,
            "is_party_member": "是",
            "phone": "13800001234",
        },
        {
            "volunteer_id": "V0002",
            "name": "李芳",
            "gender": "女",
            "district": d[1 % len(d)],
            "street": "青石镇",
            "team": "青年志愿者协会",
            "registered_on": date(2025, 7, 1),
            "hours": 48,
            "is_party_member": "否",
        },
    ]


VOLUNTEERS = LedgerKind(
    key="volunteers",
    label="志愿者",
    id_field="volunteer_id",
    title_words=("志愿者", "志愿服务"),
    sheet_fields=("district", "street", "team"),
    extra_headers={"政治面貌": ("is_party_member",)},
    composite_key=("name", "district", "registered_on"),
    count_noun="志愿者人数",
    derive=_derive,
    examples=_examples,
    fields=(
        Field(
            "volunteer_id",
            "志愿者编号",
            synonyms=("编号", "志愿者ID", "注册编号"),
            hint="可不填；同一文件中不能重复",
        ),
        Field("name", "姓名", required=True, synonyms=("志愿者姓名", "名字"), hint="志愿者姓名"),
        Field("gender", "性别", vocabulary=GENDER_VOCABULARY, hint="男 或 女"),
        district_field("所在区（县）"),
        street_field(),
        Field(
            "team",
            "志愿服务队",
            synonyms=("服务队名称", "所属组织", "服务队", "所属团队", "志愿队伍"),
            hint="所属志愿服务队名称",
        ),
        Field(
            "registered_on",
            "注册日期",
            type="date",
            required=True,
            synonyms=("注册时间", "加入日期"),
            hint="日期，如 2026-11-15",
        ),
        Field(
            "hours",
            "累计服务时长（小时）",
            type="float",
            required=True,
            parser="hours",
            min_value=0,
            range_reason=("时长不能为负数", "请核对后重新上传"),
            synonyms=("服务时长", "时长", "累计时长", "累计服务时长", "志愿服务时长"),
            hint="累计服务小时数，不能为负数",
        ),
        Field(
            "is_party_member",
            "是否党员",
            type="bool",
            synonyms=("党员",),
            hint="是 或 否；空白按“否”处理",
        ),
        Field(
            "phone",
            "联系电话",
            personal="phone",
            synonyms=("电话", "手机", "手机号", "手机号码", "联系方式"),
            hint="11 位手机号或座机号（按文本填写）",
        ),
        Field(
            "id_number",
            "身份证号",
            personal="id_number",
            synonyms=("身份证号码", "证件号码", "身份证"),
            hint="18 位身份证号（按文本填写，防止变成科学计数法）",
        ),
        Field("star_level", "星级", type="int", derived=True),
    ),
)
