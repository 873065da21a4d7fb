"""The sample city 青澜市: simulated, written as its clerks' messy files, loaded on first start.

青澜市 is a fictional city of 260,000 residents in seven districts, followed for ten weeks of a
civilization campaign (README.md beside this file tells its storyline). It ships with civdash, so
`civdash.sample_store()`, `python -m civdash load-sample` and the app's first start work from an
installed package as from a checkout.

- `city`: the storyline's dates and actors, the districts and their boundaries;
- `simulation`: `simulate()` → `SampleCity`, every volunteer, unit and issue on one time line;
- `assessments`: `simulate_assessments()`, six monthly 模拟测评 rounds (`ROUNDS`) of the same
  点位 (`IMPROVING_DISTRICT` climbs, `REPEAT_LOSS` loses points every round), and `contacts()`,
  the 负责人 and 联络员 of every responsible unit;
- `workbooks`: `generate()` writes the weekly ledgers, the contacts list and the latest round's
  report as messy .xlsx files (xlsxwriter);
- `loader`: `load_sample(store)` commits the history as the districts' parts, each submitted by
  its clerk (`CLERKS`, accounts without passwords) on their day of the week, the last week
  through ingest from the packaged files in `files/` (districts.geojson, targets.xlsx and the
  last week's ledgers), `LATE_DISTRICT` after that week's deadline; and the office's own
  files, the contacts list and each round's report, the day they arrived.

>>> from civdash.sample import END_DATE, simulate
>>> simulate().volunteers_at(END_DATE)["district"].nunique()
7
"""

from civdash.sample.assessments import (
    IMPROVING_DISTRICT,
    REPEAT_LOSS,
    ROUNDS,
    AssessmentRound,
    contacts,
    simulate_assessments,
)
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
    CONTACTS_DAY,
    SAMPLE_BY,
    HistoryWeek,
    SampleProgress,
    history_parts,
    history_round,
    history_week,
    load_sample,
    packaged_file,
    reported_at,
    submitted_at,
)
from civdash.sample.simulation import LEDGERS, SampleCity, as_of_dates, simulate
from civdash.sample.workbooks import (
    IMPOSSIBLE_DATE,
    LATEST_FILES,
    PACKAGED_FILES,
    UNKNOWN_DISTRICT,
    SampleFile,
    generate,
    ledger_file_name,
)

__all__ = [
    "CITY",
    "CLERKS",
    "CONTACTS_DAY",
    "DISTRICTS",
    "EDITOR",
    "END_DATE",
    "IMPOSSIBLE_DATE",
    "IMPROVING_DISTRICT",
    "IMPROVING_UNIT",
    "LAGGING_DISTRICT",
    "LATEST_FILES",
    "LATE_DISTRICT",
    "LEDGERS",
    "PACKAGED_FILES",
    "REPEAT_LOSS",
    "RISING_CREATION_UNIT",
    "ROUNDS",
    "SAMPLE_BY",
    "SIMULATED_EVALUATION",
    "SLOW_UNITS",
    "UNKNOWN_DISTRICT",
    "AssessmentRound",
    "Clerk",
    "HistoryWeek",
    "SampleCity",
    "SampleFile",
    "SampleProgress",
    "as_of_dates",
    "contacts",
    "districts_geojson",
    "generate",
    "history_parts",
    "history_round",
    "history_week",
    "ledger_file_name",
    "load_sample",
    "packaged_file",
    "reported_at",
    "simulate",
    "simulate_assessments",
    "submitted_at",
]
