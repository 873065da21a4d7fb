"""创建单位台账: the creation units (文明单位, 文明村镇, 文明社区 …), their level, status and score."""

from __future__ import annotations

from civdash.ledgers.base import Field, LedgerKind

CATEGORIES = ("文明单位", "文明村镇", "文明社区", "文明校园", "文明家庭", "文明窗口", "其他")
LEVELS = ("全国", "省级", "市级", "县级")
STATUSES = ("培育中", "已申报", "已命名", "复查保留", "已撤销")
NAMED_STATUSES = ("已命名", "复查保留")

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
    fields=(
        Field("unit_id", "单位编号", synonyms=("编号", "单位代码")),
        Field(
            "unit_name",
            "单位名称",
            required=True,
            synonyms=("名称", "创建单位", "单位", "创建单位名称"),
        ),
        Field(
            "category",
            "创建类别",
            parser="unit_category",
            choices=CATEGORIES,
            synonyms=("类别", "创建类型", "类型"),
        ),
        Field("level", "级别", parser="unit_level", choices=LEVELS, synonyms=("创建级别", "层级")),
        Field(
            "district",
            "所属区县",
            required=True,
            parser="district",
            synonyms=("区县", "县区", "所属县区", "所在区", "辖区", "所在区县", "所属区"),
        ),
        Field(
            "street",
            "街道/乡镇",
            synonyms=("乡镇（街道）", "所属街道", "街道", "乡镇", "街道乡镇", "所属乡镇"),
        ),
        Field(
            "status",
            "创建状态",
            parser="unit_status",
            choices=STATUSES,
            synonyms=("状态", "命名状态"),
        ),
        Field(
            "score",
            "测评得分",
            type="float",
            min_value=0,
            max_value=100,
            synonyms=("得分", "测评分数", "分数", "考核得分"),
        ),
        Field(
            "target_score",
            "目标分",
            type="float",
            min_value=0,
            max_value=100,
            synonyms=("目标分值", "达标分"),
        ),
        Field(
            "named_year",
            "命名年份",
            type="int",
            min_value=1980,
            max_value=2100,
            synonyms=("命名时间", "命名年度"),
        ),
        Field("department", "主管部门", synonyms=("牵头单位", "主管单位")),
        Field("lat", "纬度", type="float", parser="coordinate", synonyms=("lat", "latitude")),
        Field(
            "lon", "经度", type="float", parser="coordinate", synonyms=("lon", "lng", "longitude")
        ),
    ),
)
