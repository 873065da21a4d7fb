"""The toolkit against the sample city: the app's numbers, charts and maps, and offline exports.

The sample store is the session's `sample_home` (tests/conftest.py: built once for the whole
suite) and only read here.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import altair as alt
import folium
import numpy as np
import pandas as pd
import pytest
from PIL import Image

import civdash
from civdash import charts, maps, toolkit
from civdash.cli import main
from civdash.config import Settings
from civdash.dashboard import Filters, Ledgers, load_ledgers, metric_table, metric_value
from civdash.exports import images
from civdash.metrics import METRICS
from civdash.sample import ROUNDS
from civdash.store import Store

ROOT = Path(__file__).resolve().parents[1]
LATEST = date(2026, 11, 15)
NANGANG = "南港区"
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.IGNORECASE)
"""A script, stylesheet or image loaded from another host: an offline page has none."""


@pytest.fixture(scope="module")
def store(sample_url: str) -> Store:
    return civdash.open_store(sample_url)


@pytest.fixture(scope="module")
def nangang(store: Store) -> Ledgers:
    return civdash.ledgers_at(store, district=NANGANG)


@pytest.fixture(scope="module")
def city(store: Store) -> Ledgers:
    return civdash.ledgers_at(store)


@cache
def _loader(store: Store) -> Callable[[int], pd.DataFrame]:
    """Snapshot id → rows, each read once (the app caches them by id the same way)."""
    return cache(store.load)


def app_card(store: Store, key: str, district: str | None, as_of: date | None = None) -> float:
    """The number on the dashboard's card: the app's metric table of the snapshot in force."""
    load = _loader(store)
    led = load_ledgers(
        store.snapshots(), load, Filters(district, as_of), districts=store.districts()
    )
    snap = led.snapshots[METRICS[key].ledger]
    table = metric_table(
        snap.kind,
        load(snap.id),
        as_of=snap.as_of,
        population=store.districts().population(),  # type: ignore[union-attr]
        settings=Settings.from_env(),
    )
    return metric_value(table, key, district)


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


# ---------------------------------------------------------------------------------------------
# Store and ledgers


def test_sample_store_builds_the_sample_city_once_and_reuses_it(store: Store, sample_home: Path):
    again = civdash.sample_store(sample_home)
    assert [s.id for s in again.snapshots()] == [s.id for s in store.snapshots()]
    # the district table, the targets, seven districts' parts of three ledgers for ten weeks,
    # the contacts list and one 测评 report a month
    assert len([s for s in store.snapshots() if not s.assembled]) == (
        2 + 7 * 3 * 10 + 1 + len(ROUNDS)
    )
    assert {s.kind for s in store.snapshots()} == {
        "districts",
        "targets",
        "units",
        "volunteers",
        "issues",
        "contacts",
        "assessments",
    }


def test_open_store_defaults_to_civdash_home(
    monkeypatch: pytest.MonkeyPatch, store: Store, sample_home: Path
):
    monkeypatch.delenv("CIVDASH_DATABASE_URL", raising=False)
    monkeypatch.setenv("CIVDASH_HOME", str(sample_home))
    default = civdash.open_store()
    assert [s.id for s in default.snapshots("issues")] == [s.id for s in store.snapshots("issues")]
    assert default.snapshots("issues")[0].as_of == LATEST


def test_read_ledger_reads_a_file_as_the_upload_page_stores_it(store: Store):
    result = civdash.read_ledger(ROOT / "civdash/sample/files/issues_2026-11-15.xlsx", store=store)
    assert result.kind == "issues"
    assert result.as_of == LATEST
    stored = store.load(store.current("issues").id)  # type: ignore[union-attr]
    # assembled from the districts' parts of that workbook: in its row order by source_row
    stored = stored.sort_values("source_row", ignore_index=True)
    pd.testing.assert_frame_equal(result.rows, stored, check_dtype=False)
    problems = result.problems_frame()
    assert result.rows_invalid > 0
    assert problems["message"].str.contains("西湖区").any()


def test_ledgers_at_resolves_district_aliases_and_dates(store: Store):
    led = civdash.ledgers_at(store, district="南港", as_of="2026-11-01")
    assert led.scope_label == NANGANG
    assert led.kind_as_of("issues") == date(2026, 11, 1)
    assert set(led.frame("issues")["district"]) == {NANGANG}
    assert led.previous["issues"].as_of == date(2026, 10, 25)


def test_ledgers_at_names_an_unknown_district_in_chinese(store: Store):
    with pytest.raises(ValueError, match=r"未知区县『西湖区』，可选：城关区、东湖区"):
        civdash.ledgers_at(store, district="西湖区")


# ---------------------------------------------------------------------------------------------
# Metrics


@pytest.mark.parametrize("district", [None, NANGANG])
@pytest.mark.parametrize("key", list(METRICS))
def test_compute_metric_equals_the_dashboard_card(
    store: Store, city: Ledgers, nangang: Ledgers, key: str, district: str | None
):
    led = nangang if district else city
    value = civdash.compute_metric(led, key)
    assert isinstance(value, float)
    assert same(value, app_card(store, key, district))


def test_compute_metric_by_point_type_adds_up_to_the_scope(nangang):
    by_type = civdash.compute_metric(nangang, "逾期未整改问题数", by="point_type")
    assert isinstance(by_type, pd.DataFrame)
    assert list(by_type.columns) == ["point_type", "value"]
    assert by_type["value"].sum() == civdash.compute_metric(nangang, "overdue_issues")
    top = by_type.nlargest(2, "value")["point_type"].tolist()
    assert set(top) == {"集贸市场", "背街小巷"}  # the storyline: markets and back lanes


def test_compute_metric_without_the_ledger_says_what_to_import(tmp_path: Path):
    empty = civdash.ledgers_at(civdash.open_store(f"sqlite:///{tmp_path / 'empty.sqlite'}"))
    with pytest.raises(ValueError, match="还没有导入问题整改台账，无法计算『问题整改率』"):
        civdash.compute_metric(empty, "issue_close_rate")


def test_metric_by_week_gives_the_cards_of_every_week(store: Store):
    weekly = civdash.metric_by_week(store, "issue_close_rate", district=NANGANG)
    assert list(weekly.columns) == ["as_of", "value"]
    assert len(weekly) == 10
    assert weekly["as_of"].is_monotonic_increasing
    for when, value in zip(weekly["as_of"], weekly["value"], strict=True):
        assert same(value, app_card(store, "issue_close_rate", NANGANG, when.date()))
    assert weekly["value"].iloc[-1] < 80  # 南港区 lags the city's 87.6 %


def test_metric_catalogue_lists_every_metric_in_chinese():
    table = civdash.metric_catalogue()
    assert table["key"].tolist() == list(METRICS)
    row = table.set_index("key").loc["overdue_issues"]
    assert (row["指标"], row["台账"], row["单位"], row["方向"]) == (
        "逾期未整改问题数",
        "问题整改",
        "个",
        "越低越好",
    )


# ---------------------------------------------------------------------------------------------
# Charts


@pytest.mark.parametrize("name", list(toolkit.CHARTS))
def test_chart_builds_every_dashboard_chart_with_chinese_fonts(city, name: str):
    spec = civdash.chart(name, city).to_dict()
    assert spec["config"]["font"] == charts.FONT
    titles = [spec.get("title"), *(layer.get("title") for layer in spec.get("layer", []))]
    assert any(isinstance(t, dict) and t.get("text") for t in titles)


def test_chart_is_the_page_chart_for_the_same_snapshot(nangang):
    day = nangang.kind_as_of("issues")
    ours = civdash.chart("open_issue_aging", nangang).to_dict()
    page = charts.configure(charts.open_issue_aging(nangang.frame("issues"), as_of=day))
    assert ours == page.to_dict()


def test_chart_passes_options_to_the_builder(nangang):
    spec = civdash.chart("issue_breakdown", nangang, field="point_type", large=True).to_dict()
    assert spec["layer"][0]["title"]["text"] == "问题数量（按点位类型）"
    assert spec["config"]["title"]["fontSize"] > 16
    rb = civdash.chart("red_black_chart", nangang, rule="threshold", only_listed=False).to_dict()
    lists = {row["label"] for row in next(iter(rb["datasets"].values()))}
    assert lists <= {"红榜", "黑榜", "—"}


def test_chart_with_an_unknown_name_lists_the_names(city):
    with pytest.raises(ValueError, match=r"没有名为『饼图』的图表，可选：issue_status_by_week、"):
        civdash.chart("饼图", city)


@pytest.fixture
def restore_renderer():
    active = alt.renderers.active
    yield
    alt.renderers.enable(active)


def test_offline_charts_send_the_spec_and_a_local_svg(city, restore_renderer):
    civdash.enable_offline_charts()
    bundle = civdash.chart("open_issue_aging", city)._repr_mimebundle_()
    assert isinstance(bundle, dict)  # one bundle, no separate metadata
    data: dict[str, Any] = bundle
    schema = data["application/vnd.vegalite.v6+json"]["$schema"]
    assert schema.endswith(f"{alt.SCHEMA_VERSION}.json")
    svg = data["image/svg+xml"]
    assert svg.startswith("<svg") and "未整改问题账龄" in svg
    assert not any(k.startswith("text/html") for k in data)  # nothing that loads from a CDN


# ---------------------------------------------------------------------------------------------
# Chart exports


def _title_ink(path: Path) -> int:
    """Dark pixels in the title band (the top 24 rows at scale 1)."""
    gray = np.asarray(Image.open(path).convert("L"))
    return int((gray[:24] < 128).sum())


def test_export_chart_png_draws_chinese_glyphs_not_boxes(tmp_path: Path):
    frame = pd.DataFrame({"区县": ["南港区"], "整改率": [75.2]})

    def titled(text: str) -> alt.Chart:
        return (
            alt.Chart(frame, title=text)
            .mark_bar()
            .encode(x="区县:N", y="整改率:Q")
            .properties(width=200, height=60)
        )

    hanzi = civdash.export_chart(titled("问题整改率"), tmp_path / "hanzi.png", scale=1)
    boxes = civdash.export_chart(titled("□□□□□"), tmp_path / "boxes.png", scale=1)
    assert hanzi.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # five hanzi ink far more pixels than five hollow boxes (the look of missing glyphs)
    assert _title_ink(hanzi) > 150
    assert _title_ink(hanzi) > 3 * _title_ink(boxes)


def test_export_chart_html_is_standalone_and_offline(nangang, tmp_path: Path):
    out = civdash.export_chart(
        civdash.chart("issue_breakdown", nangang, field="point_type"), tmp_path / "点位.html"
    )
    html = out.read_text(encoding="utf-8")
    assert "问题数量（按点位类型）" in html and "集贸市场" in html
    assert "vegaEmbed" in html
    assert not EXTERNAL.search(html)


def test_export_chart_refuses_other_formats(city, tmp_path: Path):
    with pytest.raises(
        ValueError, match=r"不支持导出为『\.pdf』文件：图表只能导出为 \.html、\.png"
    ):
        civdash.export_chart(civdash.chart("open_issue_aging", city), tmp_path / "a.pdf")


def test_export_chart_png_without_chinese_fonts_says_what_to_install(
    city, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(images, "register_fonts", lambda: ())
    with pytest.raises(ValueError, match=r"未找到中文字体.*apt-get install fonts-noto-cjk"):
        civdash.export_chart(civdash.chart("open_issue_aging", city), tmp_path / "a.png")


# ---------------------------------------------------------------------------------------------
# Maps


@pytest.fixture(scope="module")
def nangang_map(store: Store) -> folium.Map:
    return civdash.dashboard_map(store, "overdue_issues", district=NANGANG)


def test_dashboard_map_renders_offline_in_a_notebook(nangang_map: folium.Map):
    assert isinstance(nangang_map, folium.Map)
    cell = nangang_map._repr_html_()
    assert "<iframe" in cell
    page = maps.render_html(nangang_map)
    # the legends of the three layers: district colours, issue points, creation units
    assert (
        "每万人逾期未整改问题数" in page and "问题整改状态" in page and "创建单位（方块）" in page
    )
    assert "data:text/javascript" in page  # Leaflet itself is inlined
    assert not EXTERNAL.search(page)
    assert not EXTERNAL.search(cell)


def test_dashboard_map_frames_the_chosen_district(store: Store, nangang_map: folium.Map):
    table = store.districts()
    assert table is not None
    whole = maps.render_html(civdash.dashboard_map(store, "overdue_issues"))
    mine = maps.render_html(nangang_map)
    fits = re.compile(r"fitBounds\(\s*\[\[([\d.]+),\s*([\d.]+)\],\s*\[([\d.]+),\s*([\d.]+)\]\]")
    city_box = [float(v) for v in fits.findall(whole)[-1]]
    district_box = [float(v) for v in fits.findall(mine)[-1]]
    assert district_box != city_box
    assert city_box[0] <= district_box[0] and district_box[2] <= city_box[2]


def test_export_map_html_is_standalone_and_offline(nangang_map: folium.Map, tmp_path: Path):
    html = civdash.export_map(nangang_map, tmp_path / "南港区.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "每万人逾期未整改问题数" in html
    assert not EXTERNAL.search(html)


def test_export_map_png_without_chromium_says_to_install_it(
    nangang_map: folium.Map, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError) as err:
        civdash.export_map(nangang_map, tmp_path / "南港区.png")
    assert str(err.value) == (
        "未找到 Chromium 浏览器，无法把地图导出为 PNG。请先安装 Chromium"
        "（Debian/Ubuntu：apt-get install chromium），或改为导出 .html 文件。"
    )
    assert not (tmp_path / "南港区.png").exists()


@pytest.mark.browser
@pytest.mark.skipif(
    shutil.which("chromium") is None, reason="Chromium 未安装：apt-get install chromium"
)
def test_export_map_png_is_a_screenshot_of_the_map(nangang_map: folium.Map, tmp_path: Path):
    out = civdash.export_map(nangang_map, tmp_path / "南港区.png", width=900, height=600)
    image = Image.open(out).convert("RGB")
    assert image.size == (900, 600)
    pixels = np.asarray(image).reshape(-1, 3)
    # 南港区 (most overdue issues per resident) in the darkest class: #A63603 at 80 % opacity
    dark_fill = np.all(np.abs(pixels.astype(int) - [184, 94, 53]) <= 12, axis=1)
    assert dark_fill.mean() > 0.05
    assert len(np.unique(pixels, axis=0)) > 50  # points, legend text: not a blank page


# ---------------------------------------------------------------------------------------------
# Command line


def test_cli_exports_a_chart_as_png(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sample_url: str
):
    out = tmp_path / "点位类型.png"
    code = main(
        [
            "export",
            "chart",
            "issue_breakdown",
            "--field",
            "point_type",
            "--district",
            NANGANG,
            "--out",
            str(out),
            "--db",
            sample_url,
        ]
    )
    assert code == 0
    assert capsys.readouterr().out.strip() == f"已导出 {out}"
    assert Image.open(out).size[0] > 400


def test_cli_exports_a_map_as_html(tmp_path: Path, sample_url: str):
    out = tmp_path / "map.html"
    args = ["export", "map", "--metric", "问题整改率", "--out", str(out), "--db", sample_url]
    assert main(args) == 0
    html = out.read_text(encoding="utf-8")
    assert "问题整改率" in html and not EXTERNAL.search(html)


def test_cli_export_refusals_are_one_chinese_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    sample_url: str,
):
    db = ["--db", sample_url]
    assert main(["export", "chart", "饼图", "--out", str(tmp_path / "a.png"), *db]) == 2
    assert capsys.readouterr().err.startswith("没有名为『饼图』的图表，可选：")
    field = ["--field", "point_type", "--out", str(tmp_path / "a.png")]
    assert main(["export", "chart", "open_issue_aging", *field, *db]) == 2
    assert "--field 只适用于 issue_breakdown 图表" in capsys.readouterr().err
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert main(["export", "map", "--out", str(tmp_path / "m.png"), *db]) == 2
    assert capsys.readouterr().err.startswith("未找到 Chromium 浏览器")


def test_cli_export_runs_as_a_module(tmp_path: Path, sample_url: str):
    out = tmp_path / "map.html"
    done = subprocess.run(
        [sys.executable, "-m", "civdash", "export", "map", "--district", "南港", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "CIVDASH_DATABASE_URL": sample_url},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"已导出 {out}"
    assert "南港区" in out.read_text(encoding="utf-8")
