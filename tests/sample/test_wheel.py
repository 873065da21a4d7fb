"""civdash installed from its wheel, away from the checkout, still builds the sample city.

The wheel is built by pip from a copy of the sources (nothing is written into the checkout) and
installed into a fresh virtual environment that reuses the installed dependencies
(`--system-site-packages`) and downloads nothing; the check runs from a temporary directory
without PYTHONPATH, so only the installed package can be imported.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from civdash.sample import END_DATE
from civdash.sample.workbooks import PACKAGED_FILES

ROOT = Path(__file__).resolve().parents[2]
BUILD_FILES = ("pyproject.toml", "requirements.txt", "README.md")

_CHECK = """
import collections, json, sys
import civdash
store = civdash.sample_store(sys.argv[1])
kinds = collections.Counter(s.kind for s in store.snapshots() if not s.assembled)
checkout = [m.__name__ for m in list(sys.modules.values())
            if (getattr(m, "__file__", None) or "").startswith(sys.argv[2])]
print(json.dumps({"civdash": civdash.__file__, "kinds": kinds, "from_checkout": checkout}))
"""


def _run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PIP_NO_INDEX"] = "1"  # nothing is downloaded
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in BUILD_FILES:
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "civdash", source / "civdash", ignore=shutil.ignore_patterns("__pycache__")
    )
    dist = tmp_path_factory.mktemp("dist")
    _run(
        sys.executable,
        *("-m", "pip", "wheel", source, "--no-deps", "--no-build-isolation", "-q", "-w", dist),
        cwd=dist,
    )
    (built,) = dist.glob("civdash-*.whl")
    return built


def test_the_wheel_ships_the_sample_city_files(wheel: Path):
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
    packaged = {f"civdash/sample/files/{n.format(d=END_DATE.isoformat())}" for n in PACKAGED_FILES}
    assert packaged <= names


@pytest.mark.slow  # > 8 s: in the full suite, not the fast tier
def test_sample_store_builds_the_city_from_the_installed_wheel(wheel: Path, tmp_path: Path):
    venv = tmp_path / "venv"
    _run(
        sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", venv, cwd=tmp_path
    )
    python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    # --ignore-installed: the checkout's editable install is in the system site-packages
    _run(
        python, "-m", "pip", "install", "--no-deps", "--ignore-installed", "-q", wheel, cwd=tmp_path
    )

    done = _run(python, "-c", _CHECK, tmp_path / "home", f"{ROOT}{os.sep}", cwd=tmp_path)

    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert Path(found["civdash"]).is_relative_to(venv)
    assert found["from_checkout"] == []
    assert found["kinds"] == {
        "districts": 1,
        "targets": 1,
        "units": 70,  # seven districts' parts of ten weeks
        "volunteers": 70,
        "issues": 70,
        "contacts": 1,
        "assessments": 6,  # one 测评 report a month, June to November
    }
