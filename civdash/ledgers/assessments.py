"""测评结果: one row per 测评 item checked at one 点位 in one 测评 round (模拟测评, 月度测评,
第三方测评), with its full points and the score or the points lost.

Third-party reports arrive as workbooks with one sheet per district, a merged header (测评结果
over 分值 / 得分 / 失分) and 合计 rows; the generic reader handles those. What belongs to the
kind is the arithmetic of a row: a report gives 得分 or 失分 (扣分), rarely both; the other is
derived (得分 = 分值 − 失分), and both given must agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from civdash.ledgers.base import DeriveContext, Field, LedgerKind
from civdash.ledgers.fields import LAT, LON, district_field, street_field
from civdash.ledgers.issues import POINT_TYPE_VOCABULARY

TOLERANCE = 0.01
"""How far 得分 + 失分 may be from 分值 before a row's figures disagree (reports round to 0.01)."""


def _points(value: float) -> str:
    """A number of points as a report writes it: 8, 0.5, 1.25."""
    return f"{round(float(value), 4):g}"


def _derive(ctx: DeriveContext) -> None:
    """得分 and 失分: at least one is given; the other is 分值 minus it; both given must add up
    to 分值; 分值 is positive and 0 ≤ 得分 ≤ 分值."""
    frame = ctx.frame
    full = frame["full_points"]
    score = frame["score"]
    lost = frame["points_lost"]
    given_score = "score" in ctx.values
    given_lost = "points_lost" in ctx.values

    not_positive = full.notna() & full.le(0)
    for row in not_positive[not_positive].index:
        ctx.add(
            int(row), "full_points", ("应大于 0", "请填写该测评项目的分值（满分），如 2 或 0.5")
        )

    # a header without either column is refused as a whole (the kind's `one_of`)
    neither = score.isna() & lost.isna() & (given_score or given_lost)
    for row in neither[neither].index:
        ctx.add(
            int(row),
            "score" if given_score or not given_lost else "points_lost",
            (
                "与『失分』都为空" if given_score or not given_lost else "与『得分』都为空",
                "请至少填写『得分』或『失分』其中一列，另一列会按 得分 = 分值 − 失分 自动计算",
            ),
        )

    usable = full.notna() & full.gt(0)
    both = usable & score.notna() & lost.notna()
    off = both & (score + lost - full).abs().gt(TOLERANCE)
    for row in off[off].index:
        f, p = full.at[row], lost.at[row]
        ctx.add(
            int(row),
            "score",
            (
                f"与分值 {_points(f)}、失分 {_points(p)} 不符（分值 − 失分 = {_points(f - p)}）",
                "请核对『得分』和『失分』，或只填其中一列",
            ),
        )

    # a derived value out of range is the given one's fault: say so on the column the report
    # filled, and derive nothing from it
    over = usable & score.gt(full + TOLERANCE) & ~off
    too_much_lost = usable & lost.gt(full + TOLERANCE) & ~off
    for name, rows, word in (("score", over, "得分"), ("points_lost", too_much_lost, "失分")):
        for row in rows[rows].index:
            ctx.add(
                int(row),
                name,
                (
                    f"超过分值 {_points(full.at[row])}",
                    f"{word}应在 0 到分值之间，请核对后重新上传",
                ),
            )
    derive_score = usable & score.isna() & lost.ge(0) & ~too_much_lost
    derive_lost = usable & lost.isna() & score.ge(0) & ~over
    frame.loc[derive_score, "score"] = (full - lost)[derive_score].round(4)
    frame.loc[derive_lost, "points_lost"] = (full - score)[derive_lost].round(4)


def _examples(districts: Sequence[str]) -> list[dict[str, Any]]:
    d = list(districts) or ["城关区"]
    return [
        {
            "round": "2026年11月模拟测评",
            "assessed_on": date(2026, 11, 12),
            "district": d[0],
            "street": "中山街道",
            "location": "中山路农贸市场",
            "point_type": "集贸市场",
            "item": "市场内环境整洁，无乱堆乱放",
            "item_code": "3.2.1",
            "full_points": 2,
            "score": 1.5,
            "points_lost": 0.5,
            "responsible_unit": "区市场监管局",
            "description": "东侧通道杂物堆放，地面有积水",
            "assessor": "某第三方测评机构",
        },
        {
            "round": "2026年11月模拟测评",
            "assessed_on": date(2026, 11, 13),
            "district": d[1 % len(d)],
            "location": "解放路与人民路交叉口",
            "point_type": "主要交通路口",
            "item": "行人、非机动车遵守交通信号",
            "item_code": "2.1.4",
            "full_points": 1,
            "score": 0.5,
            "points_lost": 0.5,
            "responsible_unit": "市公安局交警支队",
            "description": "非机动车闯红灯 3 起",
            "assessor": "某第三方测评机构",
        },
    ]


ASSESSMENTS = LedgerKind(
    key="assessments",
    label="测评结果",
    title_words=("测评", "失分", "扣分", "得分", "模拟测评"),
    sheet_fields=("district", "street"),
    one_of=(("score", "points_lost"),),
    reported_weekly=False,
    accumulates_by="round",
    as_of_from="assessed_on",
    composite_key=("round", "district", "location", "item"),
    default_group="district",
    count_noun="测评项数",
    # counts: the metrics (part C) may count the latest round only, via
    # civdash.metrics.assessments.latest_round_rows
    counts=None,
    derive=_derive,
    examples=_examples,
    fields=(
        Field(
            "round",
            "测评批次",
            required=True,
            synonyms=("测评轮次", "批次", "轮次", "测评批次名称", "测评期次", "期次", "测评名称"),
            hint="如“2026年11月模拟测评”；同一批次的各行写法保持一致",
        ),
        Field(
            "assessed_on",
            "测评日期",
            type="date",
            required=True,
            synonyms=("测评时间", "实施日期", "日期"),
            hint="日期，如 2026-11-15",
        ),
        district_field(),
        street_field(),
        Field(
            "location",
            "测评点位",
            type="text",
            required=True,
            synonyms=("点位名称", "点位", "具体点位", "测评地点", "点位地址"),
            hint="测评的具体点位名称或地址",
        ),
        Field(
            "point_type",
            "点位类型",
            vocabulary=POINT_TYPE_VOCABULARY,
            synonyms=("点位类别", "点位分类"),
            hint="从下拉列表选择 26 类点位之一，或“其他”",
        ),
        Field(
            "item",
            "测评项目",
            type="text",
            required=True,
            synonyms=(
                "测评内容",
                "测评指标",
                "考核项目",
                "失分项目",
                "扣分项目",
                "测评项",
                "失分项",
                "测评标准",
                "考核内容",
            ),
            hint="测评体系中的测评项目（内容）",
        ),
        Field(
            "item_code",
            "指标编号",
            synonyms=("体系编号", "指标代码", "测评体系编号", "条目编号"),
            hint="测评体系中的编号，如 3.2.1；可不填",
        ),
        Field(
            "full_points",
            "分值",
            type="float",
            required=True,
            min_value=0,
            range_reason=("应大于 0", "请填写该测评项目的分值（满分），如 2 或 0.5"),
            synonyms=("满分", "标准分", "标准分值", "满分值", "应得分"),
            hint="该项目的满分，大于 0",
        ),
        Field(
            "score",
            "得分",
            type="float",
            min_value=0,
            range_reason=("不能为负数", "得分应在 0 到分值之间，请核对后重新上传"),
            synonyms=("实得分", "实际得分", "测评得分"),
            hint="0 到分值之间；与『失分』至少填一列",
        ),
        Field(
            "points_lost",
            "失分",
            type="float",
            min_value=0,
            range_reason=("不能为负数", "失分应在 0 到分值之间，请核对后重新上传"),
            synonyms=("扣分", "扣分值", "失分值", "扣除分值", "实际扣分"),
            hint="0 到分值之间；与『得分』至少填一列",
        ),
        Field(
            "responsible_unit",
            "责任单位",
            synonyms=("责任部门", "整改责任单位", "整改单位", "牵头单位"),
            hint="负责该项目的单位",
        ),
        Field(
            "description",
            "失分原因",
            type="text",
            synonyms=(
                "扣分原因",
                "存在问题",
                "失分情况",
                "扣分情况",
                "扣分说明",
                "问题描述",
                "主要问题",
            ),
            hint="失分的具体原因，原样保存",
        ),
        Field(
            "assessor",
            "测评单位",
            synonyms=("测评机构", "第三方机构", "测评方"),
            hint="实施测评的单位或机构",
        ),
        LAT,
        LON,
    ),
)
