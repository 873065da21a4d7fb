"""The metric catalogue of domain.md as pure functions of canonical ledger frames.

Every metric is one `MetricDef` in `METRICS`; targets, charts, maps and the app look metrics up
there by key or Chinese name (`metric_key("问题整改率") == "issue_close_rate"`). A metric is
computed from per-row parts (a numerator and, for ratios, a denominator) so that the same
definition gives the city-wide value and the value per district, street or responsible unit:

>>> compute("issue_close_rate", issues, as_of="2026-11-15")                    # doctest: +SKIP
87.5
>>> compute("issue_close_rate", issues, as_of="2026-11-15", by="district")     # doctest: +SKIP

Rates are in percent units (87.5 means 87.5 %). A rate whose denominator is 0 is NaN.

The modules, by what a reader looks for:

- `catalogue`: the metrics themselves (`METRICS`, `MetricDef`, `metric_key`); a new metric is
  one entry there;
- `computing`: `compute`, a metric of a frame, city-wide or per group;
- `state`: `issue_state`, each issue closed / overdue / on time on a day;
- `lists`: `red_black_list`, the weekly 红黑榜 of responsible units and black-list streaks;
- `trends`: `metric_series` over snapshots and `week_over_week` (较上周);
- `projections`: `project_target`, progress towards a target and its due date;
- `assessments`: 测评 rounds (`rounds`, `latest_round`, `merge_rounds`), `round_summary`,
  `assessment_ranking` (得分率 红黑榜), `loss_pareto` (失分项 Pareto), `repeat_losses`;
- `format`: `format_value`, `format_change`, `format_pace`, `format_gap` (the number rules of
  `civdash.numbers` with each metric's unit and precision) and the Chinese labels of results;
- `dates`: the dates every module above takes.

Everything public is imported here, so `from civdash.metrics import compute` is the way in.
"""

from __future__ import annotations

from civdash.ledgers.issues import NO_ISSUE_MARKERS, real_issues
from civdash.ledgers.volunteers import star_level
from civdash.metrics.assessments import (
    ASSESSMENT_LABELS,
    LIST_LABELS,
    RANKING_GROUPS,
    AssessmentListRule,
    assessment_ranking,
    latest_round,
    latest_round_mask,
    latest_round_rows,
    loss_pareto,
    merge_rounds,
    previous_round,
    repeat_losses,
    round_rows,
    round_summary,
    rounds,
)
from civdash.metrics.catalogue import (
    METRICS,
    LatestOnly,
    MetricDef,
    UnknownMetricError,
    metric_key,
)
from civdash.metrics.computing import compute
from civdash.metrics.dates import DateLike
from civdash.metrics.format import (
    COLUMN_LABELS,
    MISSING_GROUP,
    STAR_LABELS,
    compared_text,
    format_change,
    format_gap,
    format_pace,
    format_value,
)
from civdash.metrics.lists import red_black_list
from civdash.metrics.projections import Projection, project_target
from civdash.metrics.state import issue_state
from civdash.metrics.trends import WeekOverWeek, metric_series, week_over_week

__all__ = [
    "ASSESSMENT_LABELS",
    "COLUMN_LABELS",
    "LIST_LABELS",
    "METRICS",
    "MISSING_GROUP",
    "NO_ISSUE_MARKERS",
    "RANKING_GROUPS",
    "STAR_LABELS",
    "AssessmentListRule",
    "DateLike",
    "LatestOnly",
    "MetricDef",
    "Projection",
    "UnknownMetricError",
    "WeekOverWeek",
    "assessment_ranking",
    "compared_text",
    "compute",
    "format_change",
    "format_gap",
    "format_pace",
    "format_value",
    "issue_state",
    "latest_round",
    "latest_round_mask",
    "latest_round_rows",
    "loss_pareto",
    "merge_rounds",
    "metric_key",
    "metric_series",
    "previous_round",
    "project_target",
    "real_issues",
    "red_black_list",
    "repeat_losses",
    "round_rows",
    "round_summary",
    "rounds",
    "star_level",
    "week_over_week",
]
