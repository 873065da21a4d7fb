"""问题整改台账: problems found at inspection points and their rectification loop."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd

from civdash import palette
from civdash.ledgers.base import DeriveContext, Field, LedgerKind, Otherwise, Vocabulary
from civdash.ledgers.fields import LAT, LON, district_field, street_field

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

NO_ISSUE_MARKERS = frozenset({"无", "无问题", "未发现问题", "暂无问题", "暂无", "/", "-", "—"})
"""Descriptions that record an inspection without a problem: not counted as issues."""

STATUS_VOCABULARY = Vocabulary(
    "整改状态",
    STATUSES,
    {
        "未整改": "待整改",
        "未完成": "待整改",
        "未开始": "待整改",
        "未处理": "待整改",
        "待处理": "待整改",
        "已交办": "待整改",
        "交办": "待整改",
        "否": "待整改",
        "正在整改": "整改中",
        "推进中": "整改中",
        "进行中": "整改中",
        "处理中": "整改中",
        "已完成": "已整改",
        "完成": "已整改",
        "整改完成": "已整改",
        "已完成整改": "已整改",
        "已办结": "已整改",
        "办结": "已整改",
        "是": "已整改",
        "销号": "已销号",
        "已复核销号": "已销号",
        "复核销号": "已销号",
        "长期坚持": "长期整改",
        "持续整改": "长期整改",
        "长期": "长期整改",
    },
)
"""未整改→待整改, 正在整改→整改中, 已完成/完成→已整改, 销号→已销号, 长期坚持→长期整改."""

SOURCE_VOCABULARY = Vocabulary(
    "问题来源",
    SOURCES,
    {
        "暗访": "暗访督查",
        "督查": "暗访督查",
        "明察暗访": "暗访督查",
        "测评": "模拟测评",
        "模拟": "模拟测评",
        "实地": "实地考察",
        "网上": "网上测评",
        "网络测评": "网上测评",
        "市民": "市民投诉",
        "投诉": "市民投诉",
        "群众投诉": "市民投诉",
        "12345": "12345热线",
        "市民热线": "12345热线",
        "热线": "12345热线",
        "12345政务热线": "12345热线",
        "媒体": "媒体曝光",
    },
    found_inside="first",
    otherwise=Otherwise("其他", "不在常用问题来源中，已归为『其他』", "如需区分请改为标准来源"),
)

POINT_TYPE_VOCABULARY = Vocabulary(
    "点位类型",
    POINT_TYPES,
    {
        "农贸市场": "集贸市场",
        "菜市场": "集贸市场",
        "公共厕所": "室外公厕",
        "公厕": "室外公厕",
        "学校": "中小学校",
        "酒店": "宾馆酒店",
        "宾馆": "宾馆酒店",
        "超市": "商场超市",
        "商场": "商场超市",
        "银行": "银行网点",
        "路口": "主要交通路口",
        "主干道": "主次干道",
        "次干道": "主次干道",
        "居民小区": "小区",
        "广场": "公共广场",
        "文明实践中心": "新时代文明实践中心",
        "工地": "建筑工地",
    },
    found_inside="longest",
    otherwise=Otherwise("其他", "不在 26 类点位中，已归为『其他』", "如需区分请改为标准点位类型"),
)


def real_issues(issues: pd.DataFrame) -> pd.DataFrame:
    """Issue rows that record a problem: rows whose description says 无 / 无问题 are dropped."""
    if "description" not in issues.columns or issues.empty:
        return issues
    text = issues["description"].astype("string").str.strip()
    return issues[~text.isin(NO_ISSUE_MARKERS).fillna(False).astype(bool)]


def _derive(ctx: DeriveContext) -> None:
    """整改时限『长期坚持』with no status means 长期整改; a rectification dated before the
    problem was found is kept, with a warning."""
    frame = ctx.frame
    deadline = ctx.values.get("deadline")
    long_term = deadline.attrs.get("long_term") if deadline is not None else None
    if long_term is not None and long_term.any():
        frame.loc[long_term & frame["status"].isna(), "status"] = LONG_TERM
    early = (
        frame["rectified_on"].notna()
        & frame["found_on"].notna()
        & (frame["rectified_on"] < frame["found_on"])
    )
    for row in early[early].index:
        ctx.add(
            int(row), "rectified_on", ("早于发现日期", "请核对整改完成日期"), severity="warning"
        )


def _examples(districts: Sequence[str]) -> list[dict[str, Any]]:
    d = list(districts) or ["城关区"]
    return [
        {
            "issue_id": "Q0001",
            "found_on": date(2026, 11, 3),
            "district": d[0],
            "street": "中山街道",
            "location": "中山路与解放路交叉口",
            "point_type": "主要交通路口",
            "category": "交通秩序",
            "description": "非机动车越线停车，斑马线前乱停放",
            "source": "暗访督查",
            "responsible_unit": "市公安局交警支队",
            "deadline": date(2026, 11, 10),
            "status": "已整改",
            "rectified_on": date(2026, 11, 8),
            "measures": "增派劝导员，施划停车线",
        },
        {
            "issue_id": "Q0002",
            "found_on": date(2026, 11, 5),
            "district": d[1 % len(d)],
            "location": "青石农贸市场",
            "point_type": "集贸市场",
            "category": "环境卫生",
            "description": "市场内垃圾未及时清运",
            "source": "模拟测评",
            "responsible_unit": "区市场监管局",
            "deadline": "7天",
            "status": "整改中",
        },
    ]


ISSUES = LedgerKind(
    key="issues",
    label="问题整改",
    id_field="issue_id",
    title_words=("问题", "整改", "督查", "测评"),
    sheet_fields=("district", "street", "responsible_unit"),
    id_prefix="Q",
    id_from=("found_on", "district", "location", "description", "responsible_unit"),
    composite_key=("found_on", "district", "location", "description", "responsible_unit"),
    count_noun="问题数",
    counts=real_issues,
    uncounted_note="指标按问题统计，不含问题描述记为“无”的检查记录。",
    derive=_derive,
    examples=_examples,
    fields=(
        Field(
            "issue_id",
            "问题编号",
            synonyms=("编号", "问题ID", "工单号"),
            hint="可不填；不填时自动生成；同一文件中不能重复",
        ),
        Field(
            "found_on",
            "发现日期",
            type="date",
            required=True,
            synonyms=("发现时间", "检查日期", "督查日期", "交办日期"),
            hint="日期，如 2026-11-15",
        ),
        district_field(),
        street_field(),
        Field(
            "location",
            "具体点位",
            type="text",
            synonyms=("点位", "位置", "地点", "点位名称", "具体位置"),
            hint="具体点位名称或地址",
        ),
        Field(
            "point_type",
            "点位类型",
            vocabulary=POINT_TYPE_VOCABULARY,
            synonyms=("点位类别",),
            hint="从下拉列表选择 26 类点位之一，或“其他”",
        ),
        Field("category", "问题类别", synonyms=("问题类型", "问题分类"), hint="从下拉列表选择"),
        Field(
            "description",
            "问题描述",
            type="text",
            required=True,
            synonyms=("问题内容", "存在问题", "问题详情", "问题"),
            hint="问题的具体描述，原样保存",
        ),
        Field(
            "source",
            "问题来源",
            vocabulary=SOURCE_VOCABULARY,
            synonyms=("来源",),
            hint="从下拉列表选择",
        ),
        Field(
            "responsible_unit",
            "责任单位",
            required=True,
            synonyms=("责任部门", "整改责任单位", "整改单位", "承办单位"),
            hint="负责整改的单位",
        ),
        Field(
            "deadline",
            "整改时限",
            type="date",
            parser="deadline",
            base="found_on",
            synonyms=("整改期限", "完成时限", "办结时限", "时限"),
            hint="截止日期；也可填“7天”“15个工作日”“立行立改”“长期坚持”",
        ),
        Field(
            "status",
            "整改状态",
            required=True,
            vocabulary=STATUS_VOCABULARY,
            borrows="measures",
            colors=palette.STATUS_COLORS,
            synonyms=("状态", "办理状态", "是否整改"),
            hint="从下拉列表选择",
        ),
        Field(
            "rectified_on",
            "整改完成日期",
            type="date",
            synonyms=("整改完成时间", "完成时间", "办结时间", "完成日期", "办结日期"),
            hint="日期；未整改完成的留空",
        ),
        Field("measures", "整改措施", type="text", synonyms=("整改情况",), hint="已采取的整改措施"),
        LAT,
        LON,
    ),
)
