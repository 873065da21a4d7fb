"""The spec and its URL: round trips, readable links, and what does not fit a ledger dropped."""

from __future__ import annotations

import pytest

from civdash import explore as ex
from civdash.explore import ExploreSpec, Group
from tests.explore.helpers import ROUND_TRIPS


@pytest.mark.parametrize("spec", ROUND_TRIPS)
def test_spec_round_trips_through_query_parameters(spec: ExploreSpec) -> None:
    query = spec.to_query()
    assert all(isinstance(v, str) for v in query.values()), "one value per key, no lists"
    assert ExploreSpec.from_query(query) == spec


def test_query_parameters_are_readable() -> None:
    spec = ROUND_TRIPS[3]
    assert spec.to_query() == {
        "ledger": "issues",
        "by": "found_on.week,status",
        "measure": "metric.overdue_issues",
        "chart": "stacked",
        "in.status": "待整改,整改中",
        "range.found_on": "2026-09-01~",
        "has.description": "垃圾, 桶&=1+1 \\ 50%",
    }


def test_repeated_parameters_take_the_last_value() -> None:
    spec = ExploreSpec.from_query({"ledger": ["units", "volunteers"], "by": ["team"]})
    assert spec.ledger == "volunteers" and spec.group_by == (Group("team"),)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ExploreSpec()),
        ({"ledger": "nonsense"}, ExploreSpec()),
        ({"ledger": "targets"}, ExploreSpec.default("targets")),
        (
            {"by": "district,status,street"},
            ExploreSpec(group_by=(Group("district"), Group("status"))),
        ),
        ({"by": "district,district"}, ExploreSpec(group_by=(Group("district"),))),
        ({"by": "found_on"}, ExploreSpec(group_by=())),
        ({"by": "found_on.year,lat,issue_id,nope"}, ExploreSpec(group_by=())),
        ({"by": "district.month"}, ExploreSpec(group_by=())),
        ({"by": ""}, ExploreSpec(group_by=())),
        ({"measure": "metric.volunteer_rate"}, ExploreSpec()),
        ({"measure": "sum.description"}, ExploreSpec()),
        ({"measure": "median.hours"}, ExploreSpec()),
        ({"chart": "pie"}, ExploreSpec()),
        ({"in.hours": "1,2"}, ExploreSpec()),
        ({"range.status": "1~2"}, ExploreSpec()),
        ({"range.found_on": "2026-13-01~"}, ExploreSpec()),
        ({"range.found_on": "~"}, ExploreSpec()),
        ({"has.status": "待"}, ExploreSpec()),
        ({"in.status": ""}, ExploreSpec()),
        ({"in.nope": "x"}, ExploreSpec()),
    ],
)
def test_what_does_not_fit_the_ledger_is_dropped(
    params: dict[str, str], expected: ExploreSpec
) -> None:
    assert ExploreSpec.from_query(params) == expected


def test_personal_fields_cannot_be_filtered_or_grouped_through_a_link() -> None:
    spec = ExploreSpec.from_query(
        {"ledger": "volunteers", "has.phone": "138", "in.id_number": "1101", "by": "phone"}
    )
    assert spec.filters == () and spec.group_by == ()
    assert "phone" not in ex.filter_fields("volunteers")
    assert "phone" not in ex.group_choices("volunteers")


def test_the_sidebars_parameters_are_not_the_specs() -> None:
    keys = [*ROUND_TRIPS[3].to_query(), *ROUND_TRIPS[4].to_query()]
    assert all(ExploreSpec.is_query_key(k) for k in keys)
    assert not ExploreSpec.is_query_key("district")
    assert not ExploreSpec.is_query_key("as_of")


def test_widget_choices_make_the_same_spec_as_a_link() -> None:
    spec = ROUND_TRIPS[3]
    made = ExploreSpec.from_choices(
        "issues", spec.filters, ("found_on.week", "status"), "metric.overdue_issues", "stacked"
    )
    assert made == spec
    assert ExploreSpec.from_choices("issues", (), ("", ""), "count", "bar").group_by == ()
    assert ExploreSpec.from_choices("issues", (), ("hours",), "sum.hours", "pie") == ExploreSpec(
        group_by=(), chart="bar"
    )
