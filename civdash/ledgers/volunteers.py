"""志愿者台账: registered volunteers, their team, hours and star level."""

from __future__ import annotations

from civdash.ledgers.base import Field, LedgerKind

VOLUNTEERS = LedgerKind(
    key="volunteers",
    label="志愿者",
    id_field="volunteer_id",
    title_words=("志愿者", "志愿服务"),
    sheet_fields=("district", "street", "team"),
    extra_headers={"政治面貌": ("is_party_member",)},
    fields=(
        Field("volunteer_id", "志愿者编号", synonyms=("编号", "志愿者ID", "注册编号")),
        Field("name", "姓名", required=True, synonyms=("志愿者姓名", "名字")),
        Field("gender", "性别", parser="gender", choices=("男", "女")),
        Field(
            "district",
            "所属区县",
            required=True,
            parser="district",
            synonyms=("所在区（县）", "区县", "所在区县", "县区", "所属县区", "所在区", "辖区"),
        ),
        Field(
            "street", "街道/乡镇", synonyms=("乡镇（街道）", "所属街道", "街道", "乡镇", "街道乡镇")
        ),
        Field(
            "team",
            "志愿服务队",
            synonyms=("服务队名称", "所属组织", "服务队", "所属团队", "志愿队伍"),
        ),
        Field(
            "registered_on",
            "注册日期",
            type="date",
            required=True,
            synonyms=("注册时间", "加入日期"),
        ),
        Field(
            "hours",
            "累计服务时长（小时）",
            type="float",
            required=True,
            parser="hours",
            min_value=0,
            synonyms=("服务时长", "时长", "累计时长", "累计服务时长", "志愿服务时长"),
        ),
        Field("is_party_member", "是否党员", type="bool", synonyms=("党员",)),
        Field(
            "phone",
            "联系电话",
            personal="phone",
            synonyms=("电话", "手机", "手机号", "手机号码", "联系方式"),
        ),
        Field(
            "id_number",
            "身份证号",
            personal="id_number",
            synonyms=("身份证号码", "证件号码", "身份证"),
        ),
        Field("star_level", "星级", type="int", derived=True),
    ),
)
