"""The sample city's latest ledgers, read the way an upload is read, shared by the explore tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from civdash.districts import DistrictTable
from civdash.ingest import ingest_file

CITY = Path(__file__).resolve().parents[2] / "civdash" / "sample" / "files"


@pytest.fixture(scope="package")
def districts() -> DistrictTable:
    return DistrictTable.from_geojson(CITY / "districts.geojson")


@pytest.fixture(scope="package")
def sample(districts: DistrictTable) -> dict[str, pd.DataFrame]:
    """The sample city's latest ledgers, read the way an upload is read."""
    return {
        kind: ingest_file(next(CITY.glob(f"{kind}*.xlsx")), kind=kind, districts=districts).rows
        for kind in ("units", "volunteers", "issues", "targets")
    }
