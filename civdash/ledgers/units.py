"""创建单位台账: the creation units (文明单位, 文明村镇, 文明社区 …), their level, status and score."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from civdash import palette
from civdash.ledgers.base import Field, LedgerKind, Otherwise, Vocabulary
from civdash.ledgers.fields import LAT, LON, district_field, street_field

CATEGORIES = ("文明单位", "文明村镇", "文明社区", "文明校园", "文明家庭", "文明窗口", "其他")
LEVELS = ("全国", "省级", "市级", "县级")
STATUSES = ("培育中", "已申报", "已命名", "复查保留", "已撤销")
NAMED_STATUSES = ("已命名", "复查保留")

CATEGORY_VOCABULARY = Vocabulary(
    "创建类别",
    CATEGORIES,
    {
        "文明村": "文明村镇",
        "文明乡镇": "文明村镇",
        "文明镇": "文明村镇",
        "文明乡": "文明村镇",
        "文明村庄": "文明村镇",
        "文明学校": "文明校园",
        "文明窗口单位": "文明窗口",
        "文明小区": "文明社区",
    },
    # "市级文明村" in a category column still gives 文明村镇
    found_inside="longest",
    otherwise=Otherwise("其他", "不在常用创建类别中，已归为『其他』", "如需区分请改为标准类别"),
)

LEVEL_VOCABULARY = Vocabulary(
    "级别",
    LEVELS,
    {
        "国家级": "全国",
        "全国级": "全国",
        "国家": "全国",
        "省": "省级",
        "省市级": "省级",
        "市": "市级",
        "地市级": "市级",
        "县": "县级",
        "区县级": "县级",
        "县区级": "县级",
        "县(区)级": "县级",
        "区级": "县级",
        "区": "县级",
    },
)

STATUS_VOCABULARY = Vocabulary(
    "创建状态",
    STATUSES,
    {
        "培育": "培育中",
        "创建中": "培育中",
        "在创": "培育中",
        "申报": "已申报",
        "申报中": "已申报",
        "待命名": "已申报",
        "命名": "已命名",
        "已授牌": "已命名",
        "保留": "复查保留",
        "复查通过": "复查保留",
        "保留称号": "复查保留",
        "撤销": "已撤销",
        "摘牌": "已撤销",
        "已摘牌": "已撤销",
        "取消": "已撤销",
    },
)


def _examples(districts: Sequence[str]) -> list[dict[str, Any]]:
    d = list(districts) or ["城关区"]
    return [
        {
            "unit_name": "市人民医院",
            "category": "文明单位",
            "level": "市级",
            "district": d[0],
            "street": "中山街道",
            "status": "已命名",
            "score": 92.5,
            "target_score": 85,
            "named_year": 2023,
            "department": "市卫生健康委",
        },
        {
            "unit_name": "青石村",
            "category": "文明村镇",
            "level": "省级",
            "district": d[1 % len(d)],
            "street": "青石镇",
            "status": "培育中",
            "score": 78,
            "target_score": 85,
            "department": "镇人民政府",
        },
    ]


_SCORE_RANGE = ("分数应在 0–100 之间", "请核对后重新上传")

UNITS = LedgerKind(
    key="units",
    label="创建单位",
    id_field="unit_id",
    title_words=("创建单位", "文明单位", "文明村镇", "文明校园", "文明社区"),
    sheet_fields=("district", "street", "department"),
    extra_headers={
        "称号": ("level", "category"),
        "荣誉称号": ("level", "category"),
        "创建称号": ("level", "category"),
    },
    id_prefix="U",
    id_from=("unit_name", "district"),
    composite_key=("unit_name", "district"),
    count_noun="创建单位数",
    examples=_examples,
    fields=(
        Field(
            "unit_id",
            "单位编号",
            synonyms=("编号", "单位代码"),
            hint="可不填；不填时按单位名称和区县自动生成",
        ),
        Field(
            "unit_name",
            "单位名称",
            required=True,
            synonyms=("名称", "创建单位", "单位", "创建单位名称"),
            hint="单位全称",
        ),
        Field(
            "category",
            "创建类别",
            vocabulary=CATEGORY_VOCABULARY,
            synonyms=("类别", "创建类型", "类型"),
            hint="从下拉列表选择",
        ),
        Field(
            "level",
            "级别",
            vocabulary=LEVEL_VOCABULARY,
            colors=palette.LEVEL_COLORS,
            synonyms=("创建级别", "层级"),
            hint="从下拉列表选择",
        ),
        district_field("所属区"),
        street_field("所属乡镇"),
        Field(
            "status",
            "创建状态",
            vocabulary=STATUS_VOCABULARY,
            colors=palette.UNIT_STATUS_COLORS,
            synonyms=("状态", "命名状态"),
            hint="从下拉列表选择",
        ),
        Field(
            "score",
            "测评得分",
            type="float",
            min_value=0,
            max_value=100,
            range_reason=_SCORE_RANGE,
            synonyms=("得分", "测评分数", "分数", "考核得分"),
            hint="0–100 之间的数字",
        ),
        Field(
            "target_score",
            "目标分",
            type="float",
            min_value=0,
            max_value=100,
            range_reason=_SCORE_RANGE,
            synonyms=("目标分值", "达标分"),
            hint="0–100 之间的数字",
        ),
        Field(
            "named_year",
            "命名年份",
            type="int",
            min_value=1980,
            max_value=2100,
            synonyms=("命名时间", "命名年度"),
            hint="四位年份，如 2024",
        ),
        Field(
            "department",
            "主管部门",
            synonyms=("牵头单位", "主管单位"),
            hint="主管部门或牵头单位",
        ),
        LAT,
        LON,
    ),
)
