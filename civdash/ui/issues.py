"""The 问题整改 page's view in the app, with the 红黑榜 cached, and its 督办 tab: the 督办通知
download and the escalation records' editor.

The black-list streak judges every earlier weekly issues snapshot by the chosen rule, which takes
about half a second on the sample city; the result only depends on which snapshots are in force,
the district and the rule, so it is cached by exactly those.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, datetime

import pandas as pd
import streamlit as st

from civdash.accounts import Account
from civdash.assessments import load_rounds
from civdash.dashboard import Ledgers
from civdash.notices import (
    ZIP_MIME,
    NoticeData,
    escalations_until,
    issue_day,
    reply_deadline,
)
from civdash.permissions import allowed
from civdash.privacy import mask_free_text
from civdash.store import (
    ESCALATION_LEVELS,
    ESCALATION_REASON_CHARS,
    LOCAL_TZ,
    EscalationError,
    EscalationNotFoundError,
)
from civdash.ui.auth import current_user, require_action
from civdash.ui.downloads import Download, offer_files
from civdash.ui.state import (
    get_store,
    ledgers_key,
    load_snapshot,
    metrics_for,
    settings,
    unit_counts_for,
    view_cache,
)
from civdash.ui.tables import show_table
from civdash.views.common import cn_date
from civdash.views.issues import (
    RULE_LABELS,
    IssuesView,
    ListRule,
    build_issues_view,
    escalation_label,
    escalation_table,
    escalation_units,
    latest_escalations,
    notice_file_name,
    notice_table,
    unit_lists,
)

__all__ = [
    "cached_unit_lists",
    "escalation_tab",
    "issues_view",
    "latest_escalation_texts",
    "notice_data",
    "rule_inputs",
    "unit_escalations",
]


def rule_inputs() -> ListRule:
    """The 红黑榜 rule widgets in one row (defaults from the settings); the rule they say."""
    default = ListRule.from_settings(settings())
    kind, first, second, floor = st.columns([2, 1, 1, 1], vertical_alignment="bottom")
    rule = kind.radio(
        "评定规则", list(RULE_LABELS), format_func=RULE_LABELS.get, key="rb_rule", horizontal=True
    )
    min_issues = int(floor.number_input("参评最少问题数", 1, 1000, 1, key="rb_min_issues"))
    if rule == "threshold":
        red_at = first.number_input(
            "红榜：整改率≥（%）", 0.0, 100.0, default.red_at, key="rb_red_at"
        )
        black_below = second.number_input(
            "黑榜：整改率＜（%）", 0.0, 100.0, default.black_below, key="rb_black_below"
        )
        return ListRule(rule, red_at=red_at, black_below=black_below, min_issues=min_issues)
    top_n = int(first.number_input("红榜名额", 0, 100, default.top_n, key="rb_top_n"))
    bottom_n = int(second.number_input("黑榜名额", 0, 100, default.bottom_n, key="rb_bottom_n"))
    return ListRule("rank", top_n=top_n, bottom_n=bottom_n, min_issues=min_issues)


def _unit_lists(key: tuple[object, ...], led: Ledgers, rule: ListRule) -> pd.DataFrame:
    def make() -> pd.DataFrame:
        with st.spinner("正在生成红黑榜……"):
            return unit_lists(led, load_snapshot, rule, unit_counts_for)

    # a copy to the page (copy-on-write: no data is copied unless the page changes it)
    return view_cache().get(("unit_lists", key, rule), make).copy()


def cached_unit_lists(led: Ledgers, rule: ListRule) -> pd.DataFrame:
    """`unit_lists` for the ledgers in force, cached by issue snapshot ids, district and rule."""
    key = (
        tuple(s.id for s in led.history.get("issues", ())),
        led.snapshots["issues"].id,
        led.district,
        repr(led.settings),
    )
    return _unit_lists(key, led, rule)


def issues_view(led: Ledgers, rule: ListRule) -> IssuesView:
    """`build_issues_view` with the metric tables and the 红黑榜 from the app's caches (the
    红黑榜 is only computed when the page shows it).

    The view is kept per rule by `led.cached`, with the charts and tables it computes on first
    read (one tab at a time), so a rerun redraws without recomputing."""
    return led.cached(
        f"issues_view {rule!r}",
        lambda: build_issues_view(
            led, metrics_for, rule=rule, lists=lambda: cached_unit_lists(led, rule)
        ),
    )


# ---------------------------------------------------------------- 督办: notices and escalations

_ESC_MESSAGE = "esc_message"
"""The outcome of the last escalation action, shown after the rerun that follows it."""
_ESC_CLEAR = "esc_clear"
"""Set after a record is stored: the next run empties the new-record form."""
_ESC_CONFIRM = "esc_confirm_delete"
"""The id of the record whose deletion awaits confirmation."""
_NEW_FIELDS = ("esc_unit", "esc_level", "esc_on", "esc_district", "esc_reason")
_CITY_DEPARTMENT = "市直部门"


def unit_escalations() -> pd.DataFrame:
    """Every escalation record in the store (read on each run: editors change them)."""
    return get_store().escalations()


def latest_escalation_texts(led: Ledgers) -> dict[str, str]:
    """Unit → its latest escalation ("约谈（2026-11-20）") up to the sidebar's 截至日期 when one
    is chosen: the 红黑榜's 最近督办 column."""
    return latest_escalations(escalations_until(unit_escalations(), led.filters.as_of))


def notice_data(led: Ledgers, as_of: date, escalations: pd.DataFrame) -> NoticeData:
    """What the page's 督办通知 are made from: the issues in scope, the 测评 rounds (in the
    district, when the page is narrowed to one), the contacts and the escalation records (up to
    the sidebar's 截至日期 when one is chosen)."""
    rounds = led.cached(
        "notice_rounds", lambda: load_rounds(get_store(), led.filters.as_of, loader=load_snapshot)
    )
    if rounds is not None and led.district is not None:
        rounds = rounds[rounds["district"] == led.district]
    contacts = led.frames.get("contacts")  # None until a contacts ledger is uploaded
    return NoticeData(
        as_of=as_of,
        issues=led.frame("issues"),
        assessments=rounds,
        contacts=contacts,
        escalations=escalations_until(escalations, led.filters.as_of),
        issued_on=led.filters.as_of or max(issue_day(), as_of),
    )


def _digest(frame: pd.DataFrame) -> str:
    """A short fingerprint of `frame`'s values, for keeping what was made from it."""
    hashed = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    return hashlib.blake2b(hashed.tobytes(), digest_size=16).hexdigest()


def escalation_tab(led: Ledgers, as_of: date) -> None:
    """The 督办 tab: who gets a 督办通知 and why, the .zip of them (for roles that may
    download), the escalation records, and (for roles that may record escalations) the editor.
    Every change is checked on the server when it is made (`require_action`)."""
    account = current_user()
    escalations = unit_escalations()
    data = notice_data(led, as_of, escalations)
    units = data.units()
    reply_by = reply_deadline(data.issued, settings())
    st.caption(
        f"截至 {cn_date(as_of)}，{len(units)} 个责任单位有逾期未整改问题或最近一轮测评失分，"
        f"各发一份督办通知（Word），要求于 {cn_date(reply_by)} 前反馈"
        f"（{settings().notice_reply_days} 个工作日）。"
    )
    if account is not None and allowed(account, "download") and not units.empty:
        offer_files(
            # the escalation records are read on every run (editors change them)
            (
                "notices",
                ledgers_key(led),
                led.filters.as_of,
                as_of,
                data.issued_on,
                _digest(escalations),
            ),
            [
                Download(
                    f"下载督办通知（{len(units)} 份，压缩包）",
                    notice_file_name(led.scope_label, as_of),
                    ZIP_MIME,
                    "notices_zip",
                )
            ],
            lambda: (data.zip(settings()),),
            making=f"正在生成 {len(units)} 份督办通知……",
        )
    show_table(notice_table(units), hide_index=True)
    st.subheader("督办记录")
    if message := st.session_state.pop(_ESC_MESSAGE, None):
        st.success(message)
    if escalations.empty:
        st.info("还没有督办记录。对逾期不改的责任单位采取督办、通报、约谈或问责后，请在此记录。")
    else:
        show_table(escalation_table(escalations), hide_index=True)
    _confirm_delete(account, escalations)
    if account is None or not allowed(account, "record_escalations"):
        return
    districts = list(led.districts.names) if led.districts is not None else []
    options = escalation_units(led.frame("issues"), data.assessments, data.contacts)
    _new_record(account, options, districts)
    if not escalations.empty:
        _edit_record(account, escalations, districts)


def _act(account: Account | None, what: Callable[[], str]) -> None:
    """Do an escalation change for `account` after the server's check; its message after the
    rerun, or the store's refusal now."""
    require_action(account, "record_escalations")  # whatever the page showed
    try:
        message = what()
    except (EscalationError, EscalationNotFoundError) as exc:
        st.error(str(exc))
        return
    st.session_state[_ESC_MESSAGE] = message
    st.rerun()


def _new_record(account: Account, units: list[str], districts: list[str]) -> None:
    st.subheader("记录督办升级")
    if st.session_state.pop(_ESC_CLEAR, False):
        for key in _NEW_FIELDS:
            st.session_state.pop(key, None)
    today = datetime.now(LOCAL_TZ).date()
    # cleared once sent: the same record is not sent twice by a second click
    with st.form("esc_new", clear_on_submit=True):
        left, right = st.columns(2)
        # the units the ledgers name (a new one would read "Add: …", in English, and a typo
        # would start a unit of its own)
        unit = left.selectbox(
            "责任单位", units, index=None, key="esc_unit", placeholder="选择责任单位（可输入筛选）"
        )
        level = right.radio("级别", ESCALATION_LEVELS, key="esc_level", horizontal=True)
        on = left.date_input("日期", value=today, key="esc_on")  # the store refuses a future one
        district = right.selectbox("所属区县", [_CITY_DEPARTMENT, *districts], key="esc_district")
        reason = st.text_area("事由", key="esc_reason", max_chars=ESCALATION_REASON_CHARS)
        st.caption(f"记录人：{account.name}")
        submitted = st.form_submit_button("记录", key="esc_add", type="primary")
    if submitted:

        def record() -> str:
            new_id = get_store().record_escalation(
                unit or "", str(level), on, reason, actor=account.name, role=account.role,
                district=None if district == _CITY_DEPARTMENT else district,
            )  # fmt: skip
            st.session_state[_ESC_CLEAR] = True
            return f"已记录督办升级 #{new_id}：{unit} {level}（{on:%Y-%m-%d}）。"

        _act(account, record)


def _edit_record(account: Account, escalations: pd.DataFrame, districts: list[str]) -> None:
    st.subheader("修改或删除督办记录")
    records = escalations.sort_values(["on_date", "id"], ascending=False, kind="stable")
    by_id = {int(r["id"]): r for r in records.to_dict("records")}
    pick = st.selectbox(
        "督办记录", list(by_id), format_func=lambda i: escalation_label(by_id[i]), key="esc_pick"
    )
    if pick is None:
        return
    record = by_id[pick]
    shown_reason = str(mask_free_text(pd.Series([record["reason"]], dtype="string")).iat[0])
    where = record["district"] if isinstance(record["district"], str) else _CITY_DEPARTMENT
    places = [_CITY_DEPARTMENT, *districts]
    if where not in places:
        places.append(where)
    with st.form(f"esc_edit_{pick}"):
        left, right = st.columns(2)
        unit = left.text_input(
            "责任单位", value=str(record["responsible_unit"]), key=f"esc_edit_unit_{pick}"
        )
        level = right.radio(
            "级别", ESCALATION_LEVELS, index=ESCALATION_LEVELS.index(str(record["level"])),
            key=f"esc_edit_level_{pick}", horizontal=True,
        )  # fmt: skip
        on = left.date_input(
            "日期", value=pd.Timestamp(record["on_date"]).date(), key=f"esc_edit_on_{pick}"
        )
        district = right.selectbox(
            "所属区县", places, index=places.index(where), key=f"esc_edit_district_{pick}"
        )
        reason = st.text_area(
            "事由",
            value=shown_reason,
            key=f"esc_edit_reason_{pick}",
            max_chars=ESCALATION_REASON_CHARS,
        )
        save = st.form_submit_button("保存修改", key="esc_save", type="primary")
    if save:

        def update() -> str:
            get_store().update_escalation(
                pick, unit=unit, level=str(level), on=on,
                # the form shows the reason masked: unchanged, the stored text is kept
                reason=None if reason == shown_reason else reason,
                district="" if district == _CITY_DEPARTMENT else district,
                actor=account.name, role=account.role,
            )  # fmt: skip
            return f"已保存督办记录 #{pick} 的修改。"

        _act(account, update)
    if st.button("删除该记录…", key="esc_delete"):
        st.session_state[_ESC_CONFIRM] = pick
        st.rerun()


def _confirm_delete(account: Account | None, escalations: pd.DataFrame) -> None:
    """The confirmation of a deletion asked for: shown whenever one is pending (the deletion
    itself is checked on the server)."""
    pending = st.session_state.get(_ESC_CONFIRM)
    found = escalations[escalations["id"] == pending] if pending is not None else escalations[:0]
    if found.empty:
        st.session_state.pop(_ESC_CONFIRM, None)
        return
    record = found.iloc[0].to_dict()
    record_id = int(record["id"])
    st.warning(f"确定删除督办记录 {escalation_label(record)}？删除后可在审计日志中查到原记录。")
    yes, no = st.columns(2)
    if yes.button("确认删除", key="esc_delete_yes", type="primary"):

        def delete() -> str:
            assert account is not None  # require_action stopped the run otherwise
            get_store().delete_escalation(record_id, actor=account.name, role=account.role)
            st.session_state.pop(_ESC_CONFIRM, None)
            return f"已删除督办记录 {escalation_label(record)}。"

        _act(account, delete)
    if no.button("取消", key="esc_delete_no"):
        st.session_state.pop(_ESC_CONFIRM, None)
        st.rerun()
