"""The sample city (青澜市): generate its ledgers and load them into an empty store.

The weekly history is regenerated deterministically by `sample_data/make_sample.py` and goes
through the same reading path as a user's upload, one snapshot per file.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from civdash.config import data_home
from civdash.districts import DistrictTable
from civdash.ingest import ingest_file

if TYPE_CHECKING:
    from civdash.store import CommitOutcome, Store

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_data"
SAMPLE_BY = "示例数据"


def _generator() -> ModuleType:
    name = "civdash_sample_generator"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, SAMPLE_DIR / "make_sample.py")
    if spec is None or spec.loader is None:
        raise FileNotFoundError(f"找不到示例数据脚本 {SAMPLE_DIR / 'make_sample.py'}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load_sample(
    store: Store, *, cache_dir: Path | None = None, force: bool = False
) -> list[CommitOutcome]:
    """Load the sample city into `store` when it is empty (or `force`); returns the commits made.

    >>> from civdash.store import Store                       # doctest: +SKIP
    >>> len(load_sample(Store("sqlite:///demo.sqlite")))      # doctest: +SKIP
    32
    """
    if not force and not store.is_empty():
        return []
    out_dir = cache_dir or data_home() / "sample_cache"
    files = _generator().generate(out_dir)
    geo = next(f for f in files if f.kind == "districts")
    districts = DistrictTable.from_geojson(Path(geo.path))
    outcomes = [
        store.commit_districts(
            districts,
            Path(geo.path).read_bytes(),
            file_name=Path(geo.path).name,
            committed_by=SAMPLE_BY,
        )
    ]
    for f in sorted((f for f in files if f.kind != "districts"), key=lambda f: (f.as_of, f.kind)):
        path = Path(f.path)
        result = ingest_file(path, kind=f.kind, districts=districts)
        outcomes.append(
            store.commit(result, path.read_bytes(), committed_by=SAMPLE_BY, as_of=f.as_of)
        )
    return outcomes
