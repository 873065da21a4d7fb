"""The example notebook runs top to bottom offline, and prints the numbers the app shows.

The kernel runs in its own network namespace (`unshare -rn`, talking to the test over IPC
sockets), so nothing in it can reach any host. Where namespaces are not allowed, a first cell
added for the run makes every Python socket refuse non-local addresses instead.

The numbers the notebook prints are checked against the app's own path for the same snapshot:
`dashboard.load_ledgers` with the sidebar's `Filters`, `dashboard.metric_table` / `metric_value`
for the headline cards (formatted by `metrics.format_value`, as on the cards), and the rows of
the 逾期问题 list (`metrics.issue_state`) counted by 点位类型. The 测评 section's cards, 红黑榜 and
失分 Pareto are the 测评结果 page's (`views.assessments.build_assessments_view`), and the 督办通知
zip it lists holds one notice per unit `notices.load_notice_data(store).units()` names.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

from civdash.config import Settings
from civdash.dashboard import Filters, load_ledgers, metric_table, metric_value, shown_rows
from civdash.metrics import MISSING_GROUP, format_value, issue_state, real_issues
from civdash.notices import INDEX_NAME, load_notice_data, notice_file_names
from civdash.store import Store
from civdash.views.assessments import AssessmentsView, build_assessments_view

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "青澜市_逾期问题分析.ipynb"
DISTRICT = "南港区"
OFFLINE_KERNEL = "civdash-offline"

_SOCKET_GUARD = """\
import socket as _socket
_connect = _socket.socket.connect
def _local_only(self, address, *args):
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and not host.startswith(("127.", "::1", "localhost", "/")):
        raise OSError(f"测试中禁止联网：{address}")
    return _connect(self, address, *args)
_socket.socket.connect = _local_only
"""


def _namespaces_work() -> bool:
    if shutil.which("unshare") is None:
        return False
    done = subprocess.run(["unshare", "-rn", "true"], capture_output=True, check=False)
    return done.returncode == 0


def _offline_kernel(workdir: Path) -> KernelManager:
    """ipykernel (the notebook's python3 kernel) without network, over IPC sockets."""
    spec_dir = workdir / "kernels" / OFFLINE_KERNEL
    spec_dir.mkdir(parents=True)
    argv = ["unshare", "-rn", sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec = {"argv": argv, "display_name": "Python 3 (offline)", "language": "python"}
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    specs = KernelSpecManager(kernel_dirs=[str(workdir / "kernels")])
    return KernelManager(
        kernel_name=OFFLINE_KERNEL,
        kernel_spec_manager=specs,
        transport="ipc",
        ip=str(workdir / "k"),
    )


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory, sample_home: Path) -> nbformat.NotebookNode:
    """The notebook executed against the sample store ($CIVDASH_HOME), with no network."""
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("CIVDASH_HOME", str(sample_home))
    monkeypatch.delenv("CIVDASH_DATABASE_URL", raising=False)
    nb = nbformat.read(NOTEBOOK, as_version=4)
    workdir = tmp_path_factory.mktemp("nb")
    resources = {"metadata": {"path": str(NOTEBOOK.parent)}}
    if _namespaces_work():
        km = _offline_kernel(workdir)
        client = NotebookClient(nb, km=km, timeout=600, resources=resources)
    else:
        nb.cells.insert(0, nbformat.v4.new_code_cell(_SOCKET_GUARD))
        client = NotebookClient(nb, kernel_name="python3", timeout=600, resources=resources)
    try:
        started = time.perf_counter()
        client.execute()
        nb.metadata["civdash_run_seconds"] = round(time.perf_counter() - started, 1)
    finally:
        monkeypatch.undo()
    return nb


@pytest.fixture(scope="module")
def store(sample_url: str) -> Store:
    return Store(sample_url)


def _outputs(nb: nbformat.NotebookNode) -> list[dict]:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]


def _printed(nb: nbformat.NotebookNode, tag: str) -> list[str]:
    cell = next(c for c in nb.cells if tag in c.metadata.get("tags", []))
    text = "".join(o["text"] for o in cell.outputs if o["output_type"] == "stream")
    return text.splitlines()


def _app_ledgers(store: Store, district: str | None, as_of: date | None = None):
    return load_ledgers(
        store.snapshots(),
        store.load,
        Filters(district, as_of),
        districts=store.districts(),
        settings=Settings.from_env(),
    )


def _card_text(store: Store, key: str, district: str | None) -> str:
    led = _app_ledgers(store, district)
    snap = led.snapshots["issues"]
    table = metric_table(
        "issues",
        store.load(snap.id),
        as_of=snap.as_of,
        population=store.districts().population(),  # type: ignore[union-attr]
        settings=Settings.from_env(),
    )
    return format_value(key, metric_value(table, key, district))


def test_notebook_is_stored_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


def test_notebook_runs_offline_and_shows_a_chart_and_a_map(executed):
    outputs = _outputs(executed)
    assert not [o for o in outputs if o["output_type"] == "error"]
    bundles = [o["data"] for o in outputs if "data" in o]
    charts = [b for b in bundles if any(k.startswith("application/vnd.vegalite") for k in b)]
    assert charts, "no Altair chart among the outputs"
    assert all(b["image/svg+xml"].startswith("<svg") for b in charts)
    maps = [b["text/html"] for b in bundles if "leaflet" in b.get("text/html", "").lower()]
    assert maps, "no Folium map among the outputs"
    assert "folium-map" in maps[0] or "<iframe" in maps[0]
    assert "cdn.jsdelivr" not in maps[0] and "unpkg.com" not in maps[0]
    assert executed.metadata["civdash_run_seconds"] < 300


def test_headline_numbers_equal_the_dashboard_cards(executed, store: Store):
    lines = _printed(executed, "headline")
    latest = store.current("issues")
    assert latest is not None
    assert lines[0] == f"截至 {latest.as_of:%Y-%m-%d}"
    expected = [
        f"{scope or '全市'} {label} {_card_text(store, key, scope)}"
        for key, label in (
            ("overdue_issues", "逾期未整改问题数"),
            ("issue_close_rate", "问题整改率"),
        )
        for scope in (DISTRICT, None)
    ]
    assert lines[1:] == expected


def _weekly_table(lines: list[str]) -> tuple[list[str], dict[str, list[int]]]:
    header = next(i for i, line in enumerate(lines) if line.split()[:1] == ["点位类型"])
    weeks = lines[header].split()[1:]
    rows: dict[str, list[int]] = {}
    for line in lines[header + 1 :]:
        cells = line.split()
        if len(cells) != len(weeks) + 1 or not all(c.isdigit() for c in cells[1:]):
            break
        rows[cells[0]] = [int(c) for c in cells[1:]]
    return weeks, rows


def test_weekly_overdue_by_point_type_equals_the_overdue_list(executed, store: Store):
    weeks, rows = _weekly_table(_printed(executed, "weekly"))
    dates = [s.as_of for s in store.snapshots("issues")]
    by_label = {f"{d:%m-%d}": d for d in dates}
    assert len(weeks) == 5  # four weeks of change
    assert {"集贸市场", "背街小巷", "其他", "合计"} <= set(rows)
    for i, week in enumerate(weeks):
        day = by_label[week]
        led = _app_ledgers(store, DISTRICT, day)
        state = issue_state(real_issues(led.frame("issues")), day)
        late = state.loc[state["is_overdue"], "point_type"].astype("string").fillna(MISSING_GROUP)
        counts = late.value_counts()
        for name, values in rows.items():
            if name == "合计":
                assert values[i] == len(late)
            elif name != "其他":
                assert values[i] == int(counts.get(name, 0)), (name, week)
        named = sum(values[i] for name, values in rows.items() if name not in ("其他", "合计"))
        assert rows["其他"][i] == len(late) - named
    # the 合计 of the latest week is the 逾期未整改问题数 card
    assert f"{rows['合计'][-1]}个" == _card_text(store, "overdue_issues", DISTRICT)


def _assessments_page(store: Store) -> AssessmentsView:
    """The 测评结果 page for 全市 on the latest data, built as the app builds it."""
    view = build_assessments_view(
        _app_ledgers(store, None), lambda sid: shown_rows(store.load(sid), "assessments", None)
    )
    assert view is not None
    return view


def test_assessment_cards_and_lists_equal_the_assessments_page(executed, store: Store):
    page = _assessments_page(store)
    lines = _printed(executed, "assessment")
    assert lines[1] == f"最近一轮：{page.round}（{page.round_date:%Y-%m-%d} 起测评）"
    assert lines[2:] == [
        f"全市 {card.label} {card.value_text}（{card.compared_with} {card.delta_text}）"
        for card in page.headlines
    ]
    lists = _printed(executed, "ranking")
    assert lists[0] == "红榜：" + "、".join(page.listed("red"))
    assert lists[1] == "黑榜：" + "、".join(page.listed("black"))


def test_losses_section_shows_the_pareto_and_lists_the_notices_zip(executed, store: Store):
    page = _assessments_page(store)
    cell = next(c for c in executed.cells if "losses" in c.metadata.get("tags", []))
    assert _printed(executed, "losses")[0] == page.pareto_note
    (table,) = [o["data"]["text/html"] for o in cell.outputs if "text/html" in o.get("data", {})]
    for header in ("测评项目", "失分（分）", "累计占比（%）", "责任单位"):
        assert header in table
    assert len(page.pareto) > 1
    assert all(f">{item}<" in table for item in page.pareto["item"])
    first_units = page.pareto["responsible_units"].iloc[0]
    assert first_units in table  # who lost the points, beside the item

    listing = _printed(executed, "notices")
    units = load_notice_data(store).units()["responsible_unit"]
    files = list(notice_file_names(units).values())
    assert listing[0] == f"督办通知.zip：{len(files) + 1} 个文件"
    assert listing[1] == INDEX_NAME
    assert sorted(listing[2 : 2 + len(files)]) == sorted(files)
    assert listing[2 + len(files) :] == ["失分最多的几个项目的责任单位都有督办通知。"]
