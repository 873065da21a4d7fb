"""问题整改台账: problems found at inspection points and their rectification loop."""

from __future__ import annotations

from civdash.ledgers.base import Field, LedgerKind

STATUSES = ("待整改", "整改中", "已整改", "已销号", "长期整改")
CLOSED_STATUSES = ("已整改", "已销号")
LONG_TERM = "长期整改"
SOURCES = (
    "暗访督查",
    "模拟测评",
    "实地考察",
    "网上测评",
    "市民投诉",
    "12345热线",
    "媒体曝光",
    "其他",
)
POINT_TYPES = (
    "新时代文明实践中心",
    "政务大厅",
    "银行网点",
    "窗口单位",
    "公交站点",
    "公交车",
    "出租车",
    "室外公厕",
    "公共广场",
    "宾馆酒店",
    "公园",
    "社区",
    "建筑工地",
    "景区",
    "中小学校",
    "商场超市",
    "医院",
    "公共文化设施",
    "主要交通路口",
    "背街小巷",
    "商业大街",
    "主次干道",
    "城乡接合部",
    "集贸市场",
    "小区",
    "乡镇",
    "其他",
)

ISSUES = LedgerKind(
    key="issues",
    label="问题整改",
    id_field="issue_id",
    title_words=("问题", "整改", "督查", "测评"),
    sheet_fields=("district", "street", "responsible_unit"),
    fields=(
        Field("issue_id", "问题编号", synonyms=("编号", "问题ID", "工单号")),
        Field(
            "found_on",
            "发现日期",
            type="date",
            required=True,
            synonyms=("发现时间", "检查日期", "督查日期", "交办日期"),
        ),
        Field(
            "district",
            "所属区县",
            required=True,
            parser="district",
            synonyms=("区县", "县区", "所属县区", "所在区", "辖区", "所在区县"),
        ),
        Field(
            "street", "街道/乡镇", synonyms=("乡镇（街道）", "所属街道", "街道", "乡镇", "街道乡镇")
        ),
        Field(
            "location",
            "具体点位",
            type="text",
            synonyms=("点位", "位置", "地点", "点位名称", "具体位置"),
        ),
        Field(
            "point_type",
            "点位类型",
            parser="point_type",
            choices=POINT_TYPES,
            synonyms=("点位类别",),
        ),
        Field("category", "问题类别", synonyms=("问题类型", "问题分类")),
        Field(
            "description",
            "问题描述",
            type="text",
            required=True,
            synonyms=("问题内容", "存在问题", "问题详情", "问题"),
        ),
        Field("source", "问题来源", parser="issue_source", choices=SOURCES, synonyms=("来源",)),
        Field(
            "responsible_unit",
            "责任单位",
            required=True,
            synonyms=("责任部门", "整改责任单位", "整改单位", "承办单位"),
        ),
        Field(
            "deadline",
            "整改时限",
            type="date",
            parser="deadline",
            synonyms=("整改期限", "完成时限", "办结时限", "时限"),
        ),
        Field(
            "status",
            "整改状态",
            required=True,
            parser="issue_status",
            choices=STATUSES,
            synonyms=("状态", "办理状态", "是否整改"),
        ),
        Field(
            "rectified_on",
            "整改完成日期",
            type="date",
            synonyms=("整改完成时间", "完成时间", "办结时间", "完成日期", "办结日期"),
        ),
        Field("measures", "整改措施", type="text", synonyms=("整改情况",)),
        Field("lat", "纬度", type="float", parser="coordinate", synonyms=("lat", "latitude")),
        Field(
            "lon", "经度", type="float", parser="coordinate", synonyms=("lon", "lng", "longitude")
        ),
    ),
)
