"""Configurable defaults: thresholds vary by city and year, so none of them is a constant in code.

`Settings.from_env()` reads overrides from environment variables; every function that needs a
threshold takes a `Settings` (or uses `DEFAULT_SETTINGS`).
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    star_thresholds: tuple[float, ...] = (100, 300, 600, 1000, 1500)
    """Cumulative hours for 一星 … 五星 (national scheme; some cities use 100/200/500/800/1000)."""
    unit_pass_mark: float = 80.0
    """Score a unit must reach when it has no target_score of its own."""
    max_file_bytes: int = 100 * 1024 * 1024
    max_rows: int = 1_048_576
    max_unzipped_bytes: int = 2 * 1024 * 1024 * 1024
    """Largest total uncompressed size of an .xlsx/.ods before it is refused as a zip bomb."""
    max_zip_ratio: float = 200.0
    red_list_size: int = 5
    black_list_size: int = 5
    assessment_list_rule: str = "rank"
    """How the 测评 红黑榜 (districts, streets, units ranked by 得分率) is drawn up: "rank" (the
    best `assessment_red_top` red, the worst `assessment_black_bottom` black) or "threshold"
    (得分率 ≥ `assessment_red_at` red, < `assessment_black_below` black)
    (CIVDASH_ASSESSMENT_LIST_RULE: rank / threshold, or 排名 / 阈值)."""
    assessment_red_top: int = 3
    """CIVDASH_ASSESSMENT_RED_TOP."""
    assessment_black_bottom: int = 3
    """CIVDASH_ASSESSMENT_BLACK_BOTTOM."""
    assessment_red_at: float = 90.0
    """得分率 (%) from which a group is on the red list (CIVDASH_ASSESSMENT_RED_AT)."""
    assessment_black_below: float = 80.0
    """得分率 (%) below which a group is on the black list (CIVDASH_ASSESSMENT_BLACK_BELOW)."""
    max_shrink_share: float = 0.30
    """Largest share of the current snapshot's rows a new current snapshot may lose without the
    committer confirming it: a one-district file or a half-filled sheet must not replace the whole
    ledger unnoticed."""
    session_idle_minutes: float = 30.0
    """A logged-in session that does nothing for this long has to log in again."""
    max_failed_logins: int = 5
    """Wrong passwords within `login_window_minutes` that lock an account."""
    login_window_minutes: float = 15.0
    lockout_minutes: float = 15.0
    """How long a locked account refuses every password, the right one included."""
    sso_header: str | None = None
    """With single sign-on: the request header (set by the office's reverse proxy, and only
    then) that names the logged-in user, e.g. "X-Remote-User". None: no single sign-on."""
    submission_weekday: int = 4
    """The weekday district parts are due (Monday 0 … Sunday 6; Friday by default)."""
    submission_time: str = "17:00"
    """The time of day they are due, Beijing time."""
    cache_bytes: int = 256 * 1024 * 1024
    """How much memory an app server gives to the snapshot rows it keeps between page runs
    (CIVDASH_CACHE_MB); the least recently used are dropped first."""
    view_cache_bytes: int = 128 * 1024 * 1024
    """How much it gives to what it makes from them and keeps: metric tables, the pages'
    views, decks, maps, 红黑榜 (CIVDASH_VIEW_CACHE_MB). Kept apart from the rows, so that one
    large snapshot read does not push out a hundred small, costly views."""
    memory_ceiling_bytes: int = 1536 * 1024 * 1024
    """The resident memory an app server should stay under (CIVDASH_MEMORY_MB): past 85 % of
    it at the start of a page run, the server drops the older half of what it keeps."""
    notice_reply_days: int = 3
    """Working days a responsible unit has to reply to a 督办通知 (CIVDASH_NOTICE_REPLY_DAYS)."""
    office_name: str = "创建全国文明城市工作办公室"
    """Who issues the 督办通知, as its red 版头 names it (CIVDASH_OFFICE_NAME), e.g.
    "青澜市创建全国文明城市工作办公室"."""
    extra: dict[str, str] = field(default_factory=dict)

    @staticmethod
    def from_env() -> Settings:
        kw: dict[str, object] = {}
        if v := os.environ.get("CIVDASH_STAR_THRESHOLDS"):
            kw["star_thresholds"] = tuple(float(x) for x in v.replace("，", ",").split(","))
        if v := os.environ.get("CIVDASH_UNIT_PASS_MARK"):
            kw["unit_pass_mark"] = float(v)
        if v := os.environ.get("CIVDASH_MAX_FILE_MB"):
            kw["max_file_bytes"] = int(float(v) * 1024 * 1024)
        if v := os.environ.get("CIVDASH_CACHE_MB"):
            kw["cache_bytes"] = int(float(v) * 1024 * 1024)
        if v := os.environ.get("CIVDASH_VIEW_CACHE_MB"):
            kw["view_cache_bytes"] = int(float(v) * 1024 * 1024)
        if v := os.environ.get("CIVDASH_MEMORY_MB"):
            kw["memory_ceiling_bytes"] = int(float(v) * 1024 * 1024)
        if v := os.environ.get("CIVDASH_MAX_ROWS"):
            kw["max_rows"] = int(v)
        if v := os.environ.get("CIVDASH_MAX_SHRINK"):
            kw["max_shrink_share"] = parse_share(v, "CIVDASH_MAX_SHRINK")
        for name, key in (
            ("CIVDASH_SESSION_IDLE_MINUTES", "session_idle_minutes"),
            ("CIVDASH_LOGIN_WINDOW_MINUTES", "login_window_minutes"),
            ("CIVDASH_LOCKOUT_MINUTES", "lockout_minutes"),
        ):
            if v := os.environ.get(name):
                kw[key] = float(v)
        if v := os.environ.get("CIVDASH_MAX_FAILED_LOGINS"):
            kw["max_failed_logins"] = int(v)
        if v := os.environ.get("CIVDASH_SSO_HEADER"):
            kw["sso_header"] = v.strip()
        if v := os.environ.get("CIVDASH_SUBMISSION_DUE"):
            kw["submission_weekday"], kw["submission_time"] = parse_due(v)
        if v := os.environ.get("CIVDASH_NOTICE_REPLY_DAYS"):
            kw["notice_reply_days"] = int(v)
        if v := os.environ.get("CIVDASH_OFFICE_NAME"):
            kw["office_name"] = v.strip()
        kw.update(_assessment_list_from_env())
        return Settings(**kw)  # type: ignore[arg-type]


DEFAULT_SETTINGS = Settings()


_LIST_RULES = {"rank": "rank", "排名": "rank", "threshold": "threshold", "阈值": "threshold"}


def _assessment_list_from_env() -> dict[str, object]:
    """The 测评 红黑榜 settings set by environment variables, checked (Chinese ValueError)."""
    kw: dict[str, object] = {}
    if v := os.environ.get("CIVDASH_ASSESSMENT_LIST_RULE"):
        rule = _LIST_RULES.get(v.strip().lower())
        if rule is None:
            raise ValueError(
                f"环境变量 CIVDASH_ASSESSMENT_LIST_RULE 为 {v}，应为 rank（按排名）或 threshold"
                "（按得分率阈值），请改正后重新运行。"
            )
        kw["assessment_list_rule"] = rule
    for name, key in (
        ("CIVDASH_ASSESSMENT_RED_TOP", "assessment_red_top"),
        ("CIVDASH_ASSESSMENT_BLACK_BOTTOM", "assessment_black_bottom"),
    ):
        if v := os.environ.get(name):
            if not v.strip().isdigit():
                raise ValueError(
                    f"环境变量 {name} 为 {v}，应为不小于 0 的整数（名次数），请改正后重新运行。"
                )
            kw[key] = int(v)
    for name, key in (
        ("CIVDASH_ASSESSMENT_RED_AT", "assessment_red_at"),
        ("CIVDASH_ASSESSMENT_BLACK_BELOW", "assessment_black_below"),
    ):
        if v := os.environ.get(name):
            try:
                value = float(v.strip().replace("％", "%").removesuffix("%"))
            except ValueError:
                value = math.nan
            if not 0 <= value <= 100:
                raise ValueError(
                    f"环境变量 {name} 为 {v}，应为 0 到 100 之间的得分率（如 90 或 90%），"
                    "请改正后重新运行。"
                )
            kw[key] = value
    return kw


def parse_share(text: str, variable: str) -> float:
    """A share set in environment variable `variable`, written as a fraction ("0.3") or a
    percentage ("30%", "30％"), as a fraction; a ValueError in Chinese when it is neither.

    >>> parse_share("30%", "CIVDASH_MAX_SHRINK")
    0.3
    """
    cleaned = text.strip().replace("％", "%")
    percent = cleaned.endswith("%")
    try:
        value = float(cleaned.removesuffix("%").strip())
    except ValueError:
        value = math.nan
    if percent:
        value /= 100
    if not 0 <= value <= 1:  # also refuses nan
        raise ValueError(
            f"环境变量 {variable} 为 {text}，应为 0 到 1 之间的比例（如 0.3）或百分数（如 30%），请改正后重新运行。"
        )
    return value


_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_WEEKDAYS_EN = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


def parse_due(text: str) -> tuple[int, str]:
    """When district parts are due each week, from CIVDASH_SUBMISSION_DUE: "周五 17:00",
    "星期五17:00" or "fri 17:00" → (weekday, "HH:MM").

    >>> parse_due("周五 17:00"), parse_due("mon 9:30")
    ((4, '17:00'), (0, '09:30'))
    """
    cleaned = text.strip().lower().replace("：", ":")
    m = re.fullmatch(
        r"(?:周|星期|礼拜)?([一二三四五六日天]|mon|tue|wed|thu|fri|sat|sun)\w*\s*(\d{1,2}):(\d{2})",
        cleaned,
    )
    if m is None or int(m.group(2)) > 23 or int(m.group(3)) > 59:
        raise ValueError(
            f"环境变量 CIVDASH_SUBMISSION_DUE 为 {text}，应写成如『周五 17:00』，请改正后重新运行。"
        )
    day = _WEEKDAYS.get(m.group(1), _WEEKDAYS_EN.get(m.group(1), 4))
    return day, f"{int(m.group(2)):02d}:{m.group(3)}"


def data_home() -> Path:
    """Where CivDash keeps its SQLite file and uploads: `$CIVDASH_HOME`, default `./data`."""
    return Path(os.environ.get("CIVDASH_HOME", "data"))


def database_url() -> str:
    """`$CIVDASH_DATABASE_URL`, else a SQLite file under `data_home()`."""
    url = os.environ.get("CIVDASH_DATABASE_URL")
    if url:
        return url
    home = data_home()
    return f"sqlite:///{(home / 'civdash.sqlite').as_posix()}"
