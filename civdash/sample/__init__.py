"""The sample city 青澜市: simulated, written as its clerks' messy files, loaded on first start.

青澜市 is a fictional city of 260,000 residents in seven districts, followed for ten weeks of a
civilization campaign (README.md beside this file tells its storyline). It ships with civdash, so
`civdash.sample_store()`, `python -m civdash load-sample` and the app's first start work from an
installed package as from a checkout.

- `city`: the storyline's dates and actors, the districts and their boundaries;
- `simulation`: `simulate()` → `SampleCity`, every volunteer, unit and issue on one time line;
- `workbooks`: `generate()` writes the weekly ledgers as messy .xlsx files (xlsxwriter);
- `loader`: `load_sample(store)` commits the history as the districts' parts, each submitted by
  its clerk (`CLERKS`, accounts without passwords) on their day of the week, the last week
  through ingest from the packaged files in `files/` (districts.geojson, targets.xlsx and the
  last week's ledgers), `LATE_DISTRICT` after that week's deadline.

>>> from civdash.sample import END_DATE, simulate
>>> simulate().volunteers_at(END_DATE)["district"].nunique()
7
"""

from civdash.sample.city import (
    CITY,
    CLERKS,
    DISTRICTS,
    EDITOR,
    END_DATE,
    IMPROVING_UNIT,
    LAGGING_DISTRICT,
    LATE_DISTRICT,
    RISING_CREATION_UNIT,
    SIMULATED_EVALUATION,
    SLOW_UNITS,
    Clerk,
    districts_geojson,
)
from civdash.sample.loader import (
    SAMPLE_BY,
    HistoryWeek,
    SampleProgress,
    history_parts,
    history_week,
    load_sample,
    packaged_file,
    submitted_at,
)
from civdash.sample.simulation import LEDGERS, SampleCity, as_of_dates, simulate
from civdash.sample.workbooks import (
    IMPOSSIBLE_DATE,
    LATEST_FILES,
    UNKNOWN_DISTRICT,
    SampleFile,
    generate,
    ledger_file_name,
)

__all__ = [
    "CITY",
    "CLERKS",
    "DISTRICTS",
    "EDITOR",
    "END_DATE",
    "IMPOSSIBLE_DATE",
    "IMPROVING_UNIT",
    "LAGGING_DISTRICT",
    "LATEST_FILES",
    "LATE_DISTRICT",
    "LEDGERS",
    "RISING_CREATION_UNIT",
    "SAMPLE_BY",
    "SIMULATED_EVALUATION",
    "SLOW_UNITS",
    "UNKNOWN_DISTRICT",
    "Clerk",
    "HistoryWeek",
    "SampleCity",
    "SampleFile",
    "SampleProgress",
    "as_of_dates",
    "districts_geojson",
    "generate",
    "history_parts",
    "history_week",
    "ledger_file_name",
    "load_sample",
    "packaged_file",
    "simulate",
    "submitted_at",
]
