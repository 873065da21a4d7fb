"""The public API: exactly these names, each documented with an example, and a light import."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

import civdash
from civdash import toolkit

PUBLIC = [
    "__version__",
    "assessment_chart",
    "assessment_losses",
    "assessment_map",
    "assessment_ranking",
    "assessment_repeats",
    "assessment_rounds",
    "assessment_summary",
    "chart",
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
"""Adding a public name is a decision: add it here, with a docstring example and a test."""

FUNCTIONS = [name for name in PUBLIC if not name.startswith("__")]


def test_all_is_exactly_the_public_api():
    assert civdash.__all__ == PUBLIC


def test_all_is_sorted_so_additions_show_in_review():
    assert civdash.__all__[1:] == sorted(civdash.__all__[1:])


@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_public_function_has_a_docstring_with_an_example(name: str):
    obj = getattr(civdash, name)
    assert callable(obj)
    doc = inspect.getdoc(obj) or ""
    summary = doc.split("\n\n")[0]
    assert len(summary) > 20, f"{name}: the first paragraph should say what it does"
    assert "Example" in doc, f"{name}: no Example section"
    assert ">>>" in doc, f"{name}: no >>> line in its example"


@pytest.mark.parametrize("name", FUNCTIONS)
def test_public_names_are_the_toolkit_functions(name: str):
    assert getattr(civdash, name) is getattr(toolkit, name)
    assert name in toolkit.__all__


def test_version_is_the_package_version():
    from importlib.metadata import version

    assert civdash.__version__ == version("civdash")


def test_dir_lists_the_public_api():
    assert set(PUBLIC) <= set(dir(civdash))


def test_unknown_names_are_attribute_errors_and_submodules_still_import():
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        _ = civdash.nothing_here  # type: ignore[attr-defined]
    from civdash import maps, metrics

    assert maps.__name__ == "civdash.maps" and metrics.__name__ == "civdash.metrics"


def test_import_civdash_loads_no_heavy_library():
    heavy = ("pandas", "altair", "folium", "sqlalchemy", "pyarrow", "civdash.toolkit")
    code = f"import sys, civdash; print([m for m in {heavy!r} if m in sys.modules])"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_examples_that_need_no_store_run_as_doctests():
    import doctest

    result = doctest.testmod(toolkit, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted >= 1
