"""Guards, not promises: the library never imports streamlit, and its public registries cannot be
changed by whoever imports them.

Streamlit is imported only by `civdash/ui/` and the pages (style.md), so every number can be
computed in Jupyter or a script without a server; a module-level registry is shared by every
user of a Streamlit server, so one that could be assigned into could change what every user
sees.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import Any

import pytest

from civdash import charts, metrics, pages, palette, toolkit

CIVDASH = Path(charts.__file__).resolve().parent

_IMPORT_EACH = """
import importlib, json, sys
first = None
for name in json.loads(sys.argv[1]):
    importlib.import_module(name)
    if first is None and "streamlit" in sys.modules:
        first = name
importlib.import_module("civdash.ui")
print(json.dumps({"first": first, "ui": "streamlit" in sys.modules}))
"""
"""Imports the modules named in argv one by one in a fresh interpreter: which one first brought
streamlit in (null: none did), and whether civdash.ui does (it must: else the check is blind)."""


def _library_modules() -> list[str]:
    """Every module of the civdash package outside civdash/ui/ (and not `__main__`, which runs
    the command line, nor Alembic's env.py), found from the files so that nothing is imported to list them."""
    names = []
    for path in sorted(CIVDASH.rglob("*.py")):
        parts = path.relative_to(CIVDASH.parent).with_suffix("").parts
        folders = [CIVDASH.parent.joinpath(*parts[:i]) for i in range(1, len(parts))]
        if not all((folder / "__init__.py").is_file() for folder in folders):
            continue  # not inside a package (a script among the assets, say)
        if parts[1:2] == ("ui",) or parts[-1] == "__main__":
            continue
        if parts[1:] == ("migrations", "env"):
            continue  # Alembic's script: runs the migrations when Alembic executes it
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


@pytest.fixture(scope="module")
def imported() -> dict[str, Any]:
    """What importing every library module, then civdash.ui, did in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_EACH, json.dumps(_library_modules())],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_every_library_module_is_checked():
    modules = _library_modules()
    assert {"civdash", "civdash.charts", "civdash.pages", "civdash.toolkit"} <= set(modules)
    assert "civdash.io.reader" in modules  # modules of subpackages too
    assert not any(m.startswith("civdash.ui") or m.endswith("__main__") for m in modules)


def test_no_library_module_imports_streamlit(imported: dict[str, Any]):
    assert imported["first"] is None, f"importing {imported['first']} imported streamlit"


def test_the_check_sees_streamlit_when_civdash_ui_is_imported(imported: dict[str, Any]):
    assert imported["ui"] is True


def _palette_mappings() -> dict[str, Mapping[str, Any]]:
    return {
        f"palette.{name}": value
        for name in palette.__all__
        if isinstance(value := getattr(palette, name), Mapping)
    }


REGISTRIES: dict[str, Mapping[str, Any]] = {
    "metrics.METRICS": metrics.METRICS,
    "charts.CHARTS": charts.CHARTS,
    "charts.BREAKDOWN_FIELDS": charts.BREAKDOWN_FIELDS,
    "toolkit.CHARTS": toolkit.CHARTS,
    "pages.PAGES": pages.PAGES,
    **_palette_mappings(),
}


def test_every_public_palette_mapping_is_guarded():
    assert {"palette.STATUS_COLORS", "palette.LIST_COLORS", "palette.LEVEL_COLORS"} <= set(
        REGISTRIES
    )


@pytest.mark.parametrize("registry", REGISTRIES.values(), ids=REGISTRIES.keys())
def test_public_registry_is_read_only(registry: Mapping[str, Any]):
    assert not isinstance(registry, MutableMapping)
    key, value = next(iter(registry.items()))
    with pytest.raises(TypeError):
        registry[key] = value  # type: ignore[index]
    with pytest.raises(TypeError):
        registry["新增"] = value  # type: ignore[index]
    with pytest.raises(TypeError):
        del registry[key]  # type: ignore[attr-defined]
    assert registry[key] is value and "新增" not in registry
