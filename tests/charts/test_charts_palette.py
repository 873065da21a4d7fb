"""The palette: one set of colours with fixed meanings for every chart and map."""

from __future__ import annotations

import re

import pytest

from civdash import palette
from civdash.ledgers.issues import STATUSES
from civdash.ledgers.units import STATUSES as UNIT_STATUSES

OKABE_ITO = {
    "#000000",
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#999999",
}


@pytest.mark.parametrize("status", STATUSES)
def test_every_ledger_status_has_a_colour_blind_safe_colour(status):
    assert palette.STATUS_COLORS[status] in OKABE_ITO


def test_overdue_and_pending_are_the_same_red_and_that_red_means_bad():
    assert palette.STATUS_COLORS["逾期"] == palette.STATUS_COLORS["待整改"] == palette.BAD
    assert palette.OVERDUE_COLOR == palette.BAD


def test_good_bad_and_neutral_are_distinct():
    assert len({palette.GOOD, palette.BAD, palette.NEUTRAL, palette.WARNING}) == 4


def test_status_order_puts_the_worst_first_and_covers_every_status():
    assert palette.STATUS_ORDER[0] == palette.OVERDUE
    assert set(palette.STATUS_ORDER) == {palette.OVERDUE, *STATUSES}


@pytest.mark.parametrize("status", UNIT_STATUSES)
def test_every_unit_status_has_a_colour(status):
    assert re.fullmatch(r"#[0-9A-F]{6}", palette.UNIT_STATUS_COLORS[status])


@pytest.mark.parametrize(
    ("better", "ramp"),
    [("higher", palette.SEQUENTIAL), (None, palette.SEQUENTIAL), ("lower", palette.SEQUENTIAL_BAD)],
)
def test_choropleth_ramp_follows_the_metrics_direction(better, ramp):
    assert palette.sequential_for(better) == ramp


@pytest.mark.parametrize("ramp", [palette.SEQUENTIAL, palette.SEQUENTIAL_BAD, palette.STAR_COLORS])
def test_sequential_ramps_get_darker_step_by_step(ramp):
    def lightness(color: str) -> float:
        r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    values = [lightness(c) for c in ramp[1:]]  # STAR_COLORS starts with a grey for 未评星
    assert values == sorted(values, reverse=True)


def test_palette_mappings_cannot_be_changed_at_runtime():
    with pytest.raises(TypeError):
        palette.STATUS_COLORS["待整改"] = "#FF0000"  # type: ignore[index]
