"""The toolkit behind `civdash`'s public API: the app's numbers, charts and maps in a notebook.

Every helper goes through the functions the pages use (`dashboard.load_ledgers`,
`dashboard.metric_table`, `metrics.compute`, `charts.*`, `maps.*`), so a number printed in a
notebook is the number on the dashboard for the same snapshot, and a chart or map is the one the
director saw. Exports are standalone and offline (`civdash.exports.images`): HTML files carry
their scripts inline, PNG charts are drawn by vl-convert with the CJK fonts registered, PNG maps
by headless Chromium.

>>> import civdash
>>> store = civdash.open_store()                                      # doctest: +SKIP
>>> led = civdash.ledgers_at(store, district="南港区")                 # doctest: +SKIP
>>> civdash.compute_metric(led, "逾期未整改问题数")                    # doctest: +SKIP
94.0
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import altair as alt
import folium
import pandas as pd

from civdash import charts, maps
from civdash.assessments import KIND as ASSESSMENTS_KIND
from civdash.assessments import load_rounds
from civdash.charts import Chart
from civdash.config import Settings
from civdash.dashboard import (
    Filters,
    Ledgers,
    load_ledgers,
    metric_history,
    shown_rows,
    snapshot_at,
    stored_tables,
)
from civdash.districts import DistrictTable
from civdash.exports.images import CJK_FONT_DIRS, chart_html, chart_png, chart_svg, map_png
from civdash.ingest import IngestResult, ingest_file
from civdash.ledgers import get_kind
from civdash.metrics import (
    METRICS,
    compute,
    loss_pareto,
    metric_key,
    repeat_losses,
    round_summary,
)
from civdash.metrics import assessment_ranking as metric_ranking
from civdash.parts import Composition, composition
from civdash.sample import load_sample
from civdash.store import Store

__all__ = [
    "ASSESSMENT_CHARTS",
    "CHARTS",
    "CJK_FONT_DIRS",
    "assessment_chart",
    "assessment_losses",
    "assessment_map",
    "assessment_ranking",
    "assessment_repeats",
    "assessment_rounds",
    "assessment_summary",
    "chart",
    "chart_png",
    "compute_metric",
    "dashboard_map",
    "enable_offline_charts",
    "export_chart",
    "export_map",
    "ledger_parts",
    "ledgers_at",
    "metric_by_week",
    "metric_catalogue",
    "notices_zip",
    "open_store",
    "read_ledger",
    "sample_store",
]

_OFFLINE_RENDERER = "civdash"

# Messages users read.
_MSG_NO_SNAPSHOT = "还没有导入{label}台账，无法{what}。请先在『数据导入』页面上传，或运行 python -m civdash load-sample。"
_MSG_UNKNOWN_CHART = "没有名为『{name}』的图表，可选：{known}。"
_MSG_UNKNOWN_DISTRICT = "未知区县『{name}』，可选：{known}。"
_MSG_SUFFIX = "不支持导出为『{suffix}』文件：{what}只能导出为 {allowed}。"


# ---------------------------------------------------------------------------------------------
# Store and ledgers


def open_store(url: str | None = None) -> Store:
    """The snapshot store: `$CIVDASH_DATABASE_URL`, else the SQLite file under `$CIVDASH_HOME`.

    `url` is any SQLAlchemy URL (SQLite file or PostgreSQL). The store lists snapshots
    (`snapshots(kind)`, newest first), loads one (`load(id)`, `load_current(kind)`) and gives
    the district table (`districts()`).

    Example:

    >>> store = open_store()                                    # doctest: +SKIP
    >>> snap = store.snapshots("issues")[0]                      # doctest: +SKIP
    >>> snap.as_of, snap.rows_valid                              # doctest: +SKIP
    (datetime.date(2026, 11, 15), 2089)
    >>> issues = store.load(snap.id)                             # doctest: +SKIP
    """
    return Store(url)


def sample_store(directory: str | Path | None = None) -> Store:
    """A SQLite store holding the sample city 青澜市, built in `directory` (default: a new
    temporary directory) the way the app loads it on first start; reused when already built.

    Example:

    >>> store = sample_store()                                   # doctest: +SKIP
    >>> len(store.snapshots())                                   # doctest: +SKIP
    32
    """
    home = Path(directory) if directory is not None else Path(tempfile.mkdtemp(prefix="civdash-"))
    home.mkdir(parents=True, exist_ok=True)
    store = Store(f"sqlite:///{(home / 'civdash.sqlite').as_posix()}")
    load_sample(store)
    return store


def read_ledger(
    path: str | Path,
    *,
    store: Store | None = None,
    kind: str = "auto",
    sheet: str | None = None,
    districts: DistrictTable | None = None,
) -> IngestResult:
    """Read and check one ledger file as the upload page does, without storing anything.

    District names are resolved against `districts`, else the store's district table. The
    result holds the normalised valid rows (`rows`, canonical field names) and the problems
    found (`problems_frame()`, Chinese messages naming the row and the value).

    Example:

    >>> result = read_ledger("civdash/sample/files/issues_2026-11-15.xlsx", store=store)  # doctest: +SKIP
    >>> result.kind, result.rows_valid, result.rows_invalid                            # doctest: +SKIP
    ('issues', 2089, 7)
    >>> result.problems_frame().head()                                                 # doctest: +SKIP
    """
    if districts is None and store is not None:
        districts = store.districts()
    return ingest_file(
        Path(path), kind=kind, sheet=sheet, districts=districts, settings=Settings.from_env()
    )


def _as_date(value: date | str | None) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(str(value))


def _district(table: DistrictTable | None, name: str | None) -> str | None:
    """The canonical district for what a user typed ("南港", "高新区" …); None = 全市."""
    if name is None or name in ("", "全市"):
        return None
    if table is None:
        return name
    found = table.resolve(name)
    if found is None:
        raise ValueError(_MSG_UNKNOWN_DISTRICT.format(name=name, known="、".join(table.names)))
    return found


def ledger_parts(
    store: Store,
    kind: str = "issues",
    *,
    district: str | None = None,
    as_of: date | str | None = None,
) -> Composition:
    """Which parts the ledger of `kind` in force is made of (数据来源): each district's part with
    its as-of date, when and by whom it was submitted and its rows, as the pages' 数据来源 shows.

    `as_of` (None = latest) picks the ledger in force on that date, as `ledgers_at` does;
    `district` keeps that district's part only. `summary()` is one Chinese line, `table()` the
    parts as a table, `parts` the `LedgerPart`s.

    Example:

    >>> comp = ledger_parts(store, "issues")                           # doctest: +SKIP
    >>> comp.summary(limit=2)                                          # doctest: +SKIP
    '由 7 个区县的报送合成：城关区 11月12日 陈静、东湖区 11月11日 张晓 等'
    >>> comp.table().columns.tolist()                                  # doctest: +SKIP
    ['区县', '截至', '报送时间', '报送人', '行数', '文件']
    """
    get_kind(kind)
    table = store.districts()
    snap = snapshot_at(store.snapshots(kind), kind, _as_date(as_of))
    if snap is None:
        raise ValueError(_MSG_NO_SNAPSHOT.format(label=get_kind(kind).label, what="查看数据来源"))
    found = composition(store, snap, order=table.names if table is not None else ())
    name = _district(table, district)
    return found.only(name) if name is not None else found


def ledgers_at(
    store: Store, *, district: str | None = None, as_of: date | str | None = None
) -> Ledgers:
    """The ledgers in force, as the dashboard's sidebar picks them: `load_ledgers` with
    `Filters(district, as_of)`, the store's districts and the app's settings.

    `district` (None or "全市" for the whole city; aliases such as 高新区 are resolved) narrows
    every ledger but the targets; `as_of` (a date or "2026-11-01"; None = latest) picks the
    snapshot of each kind in force on that date. The result also holds the snapshots a week
    earlier (`previous_frames`) and the history up to the date.

    Example:

    >>> led = ledgers_at(store, district="南港区", as_of="2026-11-15")   # doctest: +SKIP
    >>> led.scope_label, led.kind_as_of("issues")                          # doctest: +SKIP
    ('南港区', datetime.date(2026, 11, 15))
    >>> led.frame("issues").shape                                          # doctest: +SKIP
    (535, 17)
    """
    table = store.districts()
    filters = Filters(district=_district(table, district), as_of=_as_date(as_of))
    return load_ledgers(
        store.snapshots(), store.load, filters, districts=table, settings=Settings.from_env()
    )


# ---------------------------------------------------------------------------------------------
# Metrics


def metric_catalogue() -> pd.DataFrame:
    """The metric catalogue: key, Chinese name, ledger, unit, better direction, definition.

    Any key or Chinese name (or alias such as 整改率) can be passed where a metric is asked for.

    Example:

    >>> metric_catalogue().set_index("key").loc["issue_close_rate", "指标"]
    '问题整改率'
    """
    better = {"higher": "越高越好", "lower": "越低越好"}
    return pd.DataFrame(
        [
            {
                "key": m.key,
                "指标": m.label,
                "台账": get_kind(m.ledger).label,
                "单位": m.unit,
                "方向": better.get(m.better or "", "—"),
                "定义": m.definition,
            }
            for m in METRICS.values()
        ]
    )


def compute_metric(
    led: Ledgers, metric: str, *, by: str | list[str] | None = None
) -> float | pd.DataFrame:
    """A catalogue metric of the ledgers in force: one number for the scope, or a frame by any
    field (`by="district"`, `"street"`, `"point_type"`, `["district", "category"]` …).

    The number for the scope equals the dashboard's card for the same snapshot: the same
    `metrics.compute`, as of the snapshot's date, with the scope's resident population for the
    per-resident rates. Rates are in percent; a frame has the group columns and `value` (rates
    also `numerator` and `denominator`).

    Example:

    >>> led = ledgers_at(store, district="南港区")                           # doctest: +SKIP
    >>> compute_metric(led, "issue_close_rate")                               # doctest: +SKIP
    75.24...
    >>> compute_metric(led, "逾期未整改问题数", by="point_type").nlargest(2, "value")  # doctest: +SKIP
      point_type  value
    26      集贸市场   28.0
    24      背街小巷   26.0
    """
    key = metric_key(metric)
    mdef = METRICS[key]
    as_of = led.kind_as_of(mdef.ledger)
    if as_of is None:
        raise ValueError(
            _MSG_NO_SNAPSHOT.format(label=get_kind(mdef.ledger).label, what=f"计算『{mdef.label}』")
        )
    population = led.population() if mdef.needs_population else None
    return compute(
        key,
        led.frame(mdef.ledger),
        as_of=as_of,
        population=population,
        by=by,
        settings=led.settings,
    )


def metric_by_week(
    store: Store,
    metric: str,
    *,
    district: str | None = None,
    as_of: date | str | None = None,
) -> pd.DataFrame:
    """A metric at every weekly snapshot up to `as_of`: a frame (as_of, value), oldest first.

    These are the points of the dashboard's trend lines: one `dashboard.metric_table` per
    snapshot (whole city, every district; from the aggregates stored with it at commit, so a
    year of weeks reads no rows), read for the scope by `dashboard.metric_history`.

    Example:

    >>> metric_by_week(store, "issue_close_rate", district="南港区").tail(2)   # doctest: +SKIP
           as_of      value
    8 2026-11-08  75.10...
    9 2026-11-15  75.24...
    """
    key = metric_key(metric)
    led = ledgers_at(store, district=district, as_of=as_of)
    population = led.districts.population() if led.districts is not None else None
    return metric_history(led, key, stored_tables(store, population))


# ---------------------------------------------------------------------------------------------
# 测评 (assessments): every round the store holds, as `civdash.assessments.load_rounds` puts them
# together; the figures are `civdash.metrics`' (round_summary, assessment_ranking, loss_pareto,
# repeat_losses), the ones the 测评 page shows.


def _rounds_in(
    store: Store, district: str | None, as_of: date | str | None, what: str
) -> pd.DataFrame:
    """Every 测评 round as of `as_of`, narrowed to `district` as the pages narrow it."""
    frame = load_rounds(store, _as_date(as_of))
    if frame is None:
        raise ValueError(_MSG_NO_SNAPSHOT.format(label=get_kind(ASSESSMENTS_KIND).label, what=what))
    return shown_rows(frame, ASSESSMENTS_KIND, _district(store.districts(), district))


def assessment_rounds(
    store: Store, *, district: str | None = None, as_of: date | str | None = None
) -> pd.DataFrame:
    """The rows of every 测评 round committed up to `as_of` (None: all), oldest round first:
    each round as its most recent upload gives it (a corrected re-upload replaces a round, a
    new month adds one), narrowed to `district` (None or "全市": the whole city).

    Example:

    >>> rows = assessment_rounds(store)                                   # doctest: +SKIP
    >>> rows["round"].unique().tolist()[-2:]                               # doctest: +SKIP
    ['2026年10月模拟测评', '2026年11月模拟测评']
    """
    return _rounds_in(store, district, as_of, "查看测评结果")


def assessment_summary(
    store: Store,
    *,
    by: str | None = None,
    district: str | None = None,
    as_of: date | str | None = None,
) -> pd.DataFrame:
    """The 测评 trend: one row per round (and per group of `by`: district, street,
    responsible_unit, point_type …) with items, full_points, score, points_lost, failed_items
    and score_rate (测评得分率, %), oldest round first (`metrics.round_summary`).

    Example:

    >>> assessment_summary(store)[["round", "score_rate"]].tail(2)        # doctest: +SKIP
                   round  score_rate
    4  2026年10月模拟测评       86.12
    5  2026年11月模拟测评       88.40
    """
    return round_summary(_rounds_in(store, district, as_of, "汇总测评结果"), by=by)


def assessment_ranking(
    store: Store,
    by: str = "district",
    *,
    round: str | None = None,
    district: str | None = None,
    as_of: date | str | None = None,
    **rule: Any,
) -> pd.DataFrame:
    """The ranking by 测评得分率 of districts (or `by="street"`, "responsible_unit",
    "point_type") in `round` (default: the latest), with the change against the previous round
    and the 红黑榜 (`list`: "red", "black" or ""). The rule comes from the settings
    (CIVDASH_ASSESSMENT_*); `rule="threshold"`, `top_n`, `bottom_n`, `red_at`, `black_below`,
    `min_items` override it (`metrics.assessment_ranking`).

    Example:

    >>> assessment_ranking(store)[["district", "score_rate", "rank", "list"]]   # doctest: +SKIP
    >>> assessment_ranking(store, "street", district="南港区", rule="threshold", red_at=95)  # doctest: +SKIP
    """
    frame = _rounds_in(store, district, as_of, "生成测评排名")
    return metric_ranking(frame, by, round, settings=Settings.from_env(), **rule)


def assessment_losses(
    store: Store,
    *,
    by: str = "item",
    round: str | None = None,
    district: str | None = None,
    as_of: date | str | None = None,
) -> pd.DataFrame:
    """哪些测评项目失分最多，谁负责: the 测评 items (or `by="point_type"`, "district" …) that lost
    points in `round` (default: the latest), most first, each with its points lost, 失分项数,
    share and cumulative share of all points lost (the Pareto), and `responsible_units`: the
    units that lost them, most first.

    Example:

    >>> assessment_losses(store).head(3)[["item", "points_lost", "share", "responsible_units"]]  # doctest: +SKIP
                item  points_lost  share        responsible_units
    0  农贸市场环境卫生         12.5   18.4   区市场监管局、区城管局
    """
    frame = _rounds_in(store, district, as_of, "统计测评失分")
    return loss_pareto(frame, round, by, with_units=True)


def assessment_repeats(
    store: Store,
    *,
    min_rounds: int = 2,
    district: str | None = None,
    as_of: date | str | None = None,
) -> pd.DataFrame:
    """Repeat losses: the same 测评 item at the same 点位 lost in at least `min_rounds`
    consecutive rounds up to the latest, with the streak's length and points, the responsible
    unit and the latest 失分原因, longest streak first (`metrics.repeat_losses`).

    Example:

    >>> assessment_repeats(store)[["location", "item", "rounds_lost"]].head()   # doctest: +SKIP
    """
    return repeat_losses(_rounds_in(store, district, as_of, "查找反复失分"), min_rounds)


# ---------------------------------------------------------------------------------------------
# Charts


CHARTS: Mapping[str, str] = MappingProxyType({n: c.title for n, c in charts.CHARTS.items()})
"""The dashboard charts `chart` builds, by name, with their Chinese titles (the registry is
`civdash.charts.CHARTS`, where each chart is registered beside its builder)."""


def chart(name: str, led: Ledgers, *, large: bool = False, **options: Any) -> Chart:
    """A dashboard chart (an `alt.Chart` or a layer of charts) for the ledgers in force,
    configured with CivDash's Chinese fonts as the app shows it (`large=True`: the meeting-room
    type).

    Names (see `CHARTS`): issue_status_by_week, issues_new_vs_closed, open_issue_aging,
    issue_breakdown (`field="point_type"`, "category", "source", "district", "street",
    "responsible_unit"; `top=12`), red_black_chart (the 红黑榜 rule: `rule="threshold"`,
    `top_n`, `bottom_n`, `red_at`, `black_below`, `min_issues`), volunteer_registrations
    (`target=`, `due=` draw the target line), star_level_distribution, hours_histogram,
    units_by_category_level, score_distribution. Other keyword options go to the builder in
    `civdash.charts`.

    Example:

    >>> led = ledgers_at(store, district="南港区")                              # doctest: +SKIP
    >>> c = chart("issue_breakdown", led, field="point_type")                    # doctest: +SKIP
    >>> c                                                    # shown inline in Jupyter  # doctest: +SKIP
    >>> export_chart(c, "点位类型.png")                                          # doctest: +SKIP
    """
    spec = charts.CHARTS.get(name)
    if spec is None:
        known = "、".join(charts.CHARTS)
        raise ValueError(_MSG_UNKNOWN_CHART.format(name=name, known=known))
    as_of = led.kind_as_of(spec.ledger)
    if as_of is None:
        label = get_kind(spec.ledger).label
        raise ValueError(_MSG_NO_SNAPSHOT.format(label=label, what=f"绘制『{spec.title}』"))
    built = spec.build(led.frame(spec.ledger), as_of=as_of, settings=led.settings, **options)
    return charts.configure(built, style="large" if large else "screen")


def _vegalite_mimetype() -> str:
    """The notebook mimetype of Altair's Vega-Lite major version ("application/vnd.vegalite.v6+json").

    Spelled "+json" as JupyterLab and the notebook format expect (the format stores "+json"
    data as JSON); Altair 6's own "….v6.json" fails notebook validation.
    """
    major = alt.SCHEMA_VERSION.lstrip("v").split(".")[0]
    return f"application/vnd.vegalite.v{major}+json"


def _offline_renderer(spec: dict[str, Any], **metadata: Any) -> dict[str, Any]:
    """The Vega-Lite spec for front ends that draw it, plus an SVG drawn here by vl-convert."""
    return {
        _vegalite_mimetype(): spec,
        "image/svg+xml": chart_svg(spec),
        "text/plain": "<Vega-Lite 图表>",
    }


def enable_offline_charts() -> None:
    """Show Altair charts in Jupyter without internet.

    Altair's default display loads Vega from a CDN, which an intranet PC cannot reach. After
    this call each chart is sent as its Vega-Lite spec (drawn interactively by front ends that
    know it, such as JupyterLab) and as an SVG picture drawn locally by vl-convert (shown
    everywhere else, and kept in the saved notebook).

    Example:

    >>> enable_offline_charts()                                 # doctest: +SKIP
    >>> chart("open_issue_aging", ledgers_at(store))              # doctest: +SKIP
    """
    if _OFFLINE_RENDERER not in alt.renderers.names():
        alt.renderers.register(_OFFLINE_RENDERER, _offline_renderer)
    alt.renderers.enable(_OFFLINE_RENDERER)


def _suffix(path: Path, allowed: tuple[str, ...], what: str) -> str:
    suffix = path.suffix.lower()
    if suffix not in allowed:
        raise ValueError(
            _MSG_SUFFIX.format(
                suffix=path.suffix or path.name, what=what, allowed="、".join(allowed)
            )
        )
    return suffix


def export_chart(c: alt.TopLevelMixin, path: str | Path, *, scale: float = 2.0) -> Path:
    """Save a chart as a standalone file for sharing outside the app: `.html` (interactive,
    with Vega inlined: opens without internet) or `.png` (drawn by vl-convert with the Chinese
    fonts registered; `scale` 2 suits slides and printed notices). Returns the path.

    Raises ValueError (in Chinese) for another suffix, or for a PNG when no Chinese font is
    installed (it would show boxes instead of characters).

    Example:

    >>> c = chart("issue_status_by_week", ledgers_at(store))    # doctest: +SKIP
    >>> export_chart(c, "每周问题.html")                          # doctest: +SKIP
    PosixPath('每周问题.html')
    >>> export_chart(c, "每周问题.png")                           # doctest: +SKIP
    PosixPath('每周问题.png')
    """
    out = Path(path)
    suffix = _suffix(out, (".html", ".png"), "图表")
    if suffix == ".html":
        out.write_text(chart_html(c), encoding="utf-8")
    else:
        out.write_bytes(chart_png(c, scale=scale))
    return out


# ---------------------------------------------------------------------------------------------
# Maps


def dashboard_map(
    store: Store,
    metric: str = "issue_close_rate",
    *,
    district: str | None = None,
    as_of: date | str | None = None,
    per_capita: bool | None = None,
    tiles: str | None = None,
    tile_token: str | None = None,
) -> maps.OfflineMap:
    """The 地图 page's map: every district coloured by `metric` (per 10,000 residents for
    counts that grow with a district's size, unless `per_capita=False`), the scope's issue
    points by status and its creation units, each in its own layer, framed on `district`.

    A `folium.Map` whose scripts and stylesheets are inlined: it shows in a notebook cell and
    in a saved HTML file without internet. `tiles` ("osm", "amap", "tianditu" + `tile_token`,
    or a URL template) adds an online base map; the default has none.

    Example:

    >>> m = dashboard_map(store, "overdue_issues", district="南港区")   # doctest: +SKIP
    >>> m                                          # shown inline in Jupyter  # doctest: +SKIP
    >>> export_map(m, "南港区逾期问题.html")                              # doctest: +SKIP
    """
    key = metric_key(metric)
    mdef = METRICS[key]
    led = ledgers_at(store, district=district, as_of=as_of)
    metric_as_of = led.kind_as_of(mdef.ledger)
    if metric_as_of is None:
        label = get_kind(mdef.ledger).label
        raise ValueError(_MSG_NO_SNAPSHOT.format(label=label, what=f"在地图上显示『{mdef.label}』"))
    table = led.districts if led.districts is not None and led.districts.has_geometry else None
    m = maps.base_map(table, tiles=tiles, tile_token=tile_token)
    if table is not None:
        # the colours compare every district, whatever the scope: the whole snapshot
        whole = store.load(led.snapshots[mdef.ledger].id)
        maps.add_district_choropleth(
            m, table, whole, key, as_of=metric_as_of, per_capita=per_capita, settings=led.settings
        )
    issues_as_of = led.kind_as_of("issues")
    if issues_as_of is not None:
        maps.add_issue_points(m, led.frame("issues"), as_of=issues_as_of)
    if led.has("units"):
        maps.add_unit_points(m, led.frame("units"))
    if table is not None and led.district:
        mine = DistrictTable(tuple(d for d in table.districts if d.name == led.district))
        bounds = mine.bounds()
        if bounds is not None:
            m.fit_bounds([[bounds[0], bounds[1]], [bounds[2], bounds[3]]])
    maps.add_layer_control(m)
    return m


def _map_html(m: folium.Map) -> str:
    """The map as one page with every script and stylesheet inlined."""
    if isinstance(m, maps.OfflineMap):
        mode, m.assets = m.assets, "inline"
        try:
            return maps.render_html(m)
        finally:
            m.assets = mode
    maps.localize_assets(m, mode="inline")
    return maps.render_html(m)


def export_map(m: folium.Map, path: str | Path, *, width: int = 1280, height: int = 800) -> Path:
    """Save a map as a standalone file for sharing outside the app: `.html` (interactive, every
    script inlined: opens without internet) or `.png` (a `width` × `height` screenshot taken by
    headless Chromium with the network cut off). Returns the path.

    Raises RuntimeError (in Chinese, saying how to install it) when a PNG is asked for and
    Chromium is not installed, ValueError for another suffix.

    Example:

    >>> m = dashboard_map(store, "overdue_issues", district="南港区")   # doctest: +SKIP
    >>> export_map(m, "南港区.html")                                      # doctest: +SKIP
    PosixPath('南港区.html')
    >>> export_map(m, "南港区.png", width=1600, height=1000)              # doctest: +SKIP
    PosixPath('南港区.png')
    """
    out = Path(path)
    suffix = _suffix(out, (".html", ".png"), "地图")
    html = _map_html(m)
    if suffix == ".html":
        out.write_text(html, encoding="utf-8")
        return out
    return map_png(html, out, width=width, height=height)


# ---------------------------------------------------------------------------------------------
# 测评 charts and map: the 测评结果 page's, drawn from its view (`views.assessments`), so a
# notebook shows the figures the page, the 周例会 slide and the 通报 show

ASSESSMENT_CHARTS: Mapping[str, str] = MappingProxyType(
    {
        "trend": "测评得分率（按测评批次，全市及所选区县）",
        "ranking": "测评得分率排名及红黑榜（按区县、街道、责任单位或点位类型）",
        "pareto": "失分最多的测评项目及累计占比",
    }
)
"""The 测评 charts `assessment_chart` draws, by name."""


def _assessment_view(store: Store, district: str | None, as_of: date | str | None) -> Any:
    from civdash.views.assessments import build_assessments_view

    led = ledgers_at(store, district=district, as_of=as_of)
    view = build_assessments_view(
        led, lambda sid: shown_rows(store.load(sid), ASSESSMENTS_KIND, None)
    )
    if view is None:
        label = get_kind(ASSESSMENTS_KIND).label
        raise ValueError(
            _MSG_NO_SNAPSHOT.format(label=label, what=f"显示{led.scope_label}的测评结果")
        )
    return view


def assessment_chart(
    name: str,
    store: Store,
    *,
    district: str | None = None,
    as_of: date | str | None = None,
    by: str = "district",
    large: bool = False,
) -> Chart:
    """A chart of the 测评结果 page for the rounds in the store (`ASSESSMENT_CHARTS`):
    "trend" (得分率 per round, 全市 and the `district`), "ranking" (得分率 by `by`: district,
    street, responsible_unit or point_type, coloured by the 红黑榜 rule of the settings),
    "pareto" (the 测评项目 losing most points, with the cumulative share), configured for a page
    (`large=True`: for the back of a meeting room).

    Example:

    >>> assessment_chart("pareto", store, district="南港区")            # doctest: +SKIP
    >>> export_chart(assessment_chart("trend", store), "测评得分率.png")  # doctest: +SKIP
    """
    if name not in ASSESSMENT_CHARTS:
        known = "、".join(ASSESSMENT_CHARTS)
        raise ValueError(_MSG_UNKNOWN_CHART.format(name=name, known=known))
    view = _assessment_view(store, district, as_of)
    drawn: Chart = (
        view.trend_chart
        if name == "trend"
        else view.pareto_chart
        if name == "pareto"
        else view.ranking_chart(by)
    )
    return charts.configure(drawn, style="large" if large else "screen")


def assessment_map(
    store: Store,
    *,
    district: str | None = None,
    as_of: date | str | None = None,
    tiles: str | None = None,
    tile_token: str | None = None,
) -> folium.Map:
    """The 测评结果 page's map: every district coloured by the latest round's 得分率 (the
    `district` outlined and framed), each 测评点位 a marker (red with a ring: the same item lost
    again; orange: lost points this round; green: none), offline unless `tiles` is given.

    Example:

    >>> m = assessment_map(store, district="南港区")                  # doctest: +SKIP
    >>> export_map(m, "南港区测评点位.html")                           # doctest: +SKIP
    """
    return _assessment_view(store, district, as_of).build_map(tiles=tiles, tile_token=tile_token)


# ---------------------------------------------------------------------------------------------
# 督办通知: the notices the 问题整改 page and `python -m civdash notices` make


def notices_zip(
    store: Store, as_of: date | str | None = None, *, out: str | Path | None = None
) -> bytes:
    """The 督办通知 of every responsible unit with overdue issues or lost 测评 points, one
    Word file each, and their list (督办通知清单.xlsx), as one .zip: what the 问题整改 page's
    督办 tab downloads and `python -m civdash notices` writes.

    `as_of` (a date or "2026-11-15"; None = the current issues ledger, judged on its own date)
    picks the issues ledger in force and the day issues are overdue on. The notices carry each
    unit's escalation records (`store.escalations()`) and contacts, the phone masked. With
    `out`, the zip is also written there. To see who is notified first:
    `civdash.notices.load_notice_data(store).units()`.

    Example:

    >>> data = notices_zip(store, "2026-11-15", out="督办通知.zip")          # doctest: +SKIP
    >>> import zipfile, io; zipfile.ZipFile(io.BytesIO(data)).namelist()[:2]  # doctest: +SKIP
    ['督办通知清单.xlsx', '督办通知_临江镇人民政府.docx']
    """
    from civdash.notices import load_notice_data

    data = load_notice_data(store, _as_date(as_of)).zip(store.settings)
    if out is not None:
        Path(out).write_bytes(data)
    return data
