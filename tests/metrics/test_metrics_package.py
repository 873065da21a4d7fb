"""The civdash.metrics package: one way in for every public name, whichever module defines it."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from civdash import metrics

ROOT = Path(metrics.__file__).resolve().parents[2]
USERS = ("civdash", "app_pages", "tests", "benchmarks", "notebooks")
"""Where code imports from civdash.metrics: the library, the pages, tests, benchmarks, notebooks."""


def _sources() -> list[tuple[str, str]]:
    """(path, Python source) of every module and notebook code cell under USERS."""
    found = []
    for folder in USERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            found.append((path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8")))
        for path in sorted((ROOT / folder).rglob("*.ipynb")):
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
            for cell in cells:
                if cell["cell_type"] == "code":
                    code = "".join(cell["source"])
                    lines = [
                        ln for ln in code.splitlines() if not ln.lstrip().startswith(("%", "!"))
                    ]
                    found.append((path.relative_to(ROOT).as_posix(), "\n".join(lines)))
    return found


def _imported_from_metrics(source: str) -> set[str]:
    return {
        alias.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom) and node.module == "civdash.metrics"
        for alias in node.names
    }


def test_every_name_in_all_exists_and_the_core_functions_are_exported():
    public = {n for n in vars(metrics) if not n.startswith("_")}
    exported = set(metrics.__all__)
    assert exported <= public
    assert {"compute", "red_black_list", "project_target", "metric_series"} <= exported


def test_every_name_imported_from_civdash_metrics_anywhere_is_exported():
    used: dict[str, set[str]] = {}
    for path, source in _sources():
        for name in _imported_from_metrics(source):
            used.setdefault(name, set()).add(path)
    assert {"compute", "METRICS", "format_value", "red_black_list"} <= set(used)
    modules = {p.stem for p in Path(metrics.__file__).parent.glob("*.py")}
    stray = {
        name: sorted(paths)
        for name, paths in used.items()
        if name not in metrics.__all__ and name not in modules
    }
    assert stray == {}


def test_the_names_each_module_defines_are_exported_from_the_package():
    """A public name defined in a module of the package is the same object from the package."""
    for name in metrics.__all__:
        obj = getattr(metrics, name)
        home = getattr(obj, "__module__", "")
        if home.startswith("civdash.metrics."):
            module = __import__(home, fromlist=[name])
            assert getattr(module, name) is obj, name
            assert name in module.__all__, f"{home} does not list {name} in __all__"
