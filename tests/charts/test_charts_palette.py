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


def test_overdue_is_the_bad_red_and_no_other_status_shares_it():
    assert palette.STATUS_COLORS["逾期"] == palette.OVERDUE_COLOR == palette.BAD
    others = [c for s, c in palette.STATUS_COLORS.items() if s != palette.OVERDUE]
    assert palette.BAD not in others
    assert len(set(palette.STATUS_COLORS.values())) == len(palette.STATUS_COLORS)


def test_pending_is_the_warning_orange_between_overdue_and_in_progress():
    assert palette.STATUS_COLORS["待整改"] == palette.WARNING
    assert palette.STATUS_COLORS["整改中"] not in (palette.BAD, palette.WARNING)


@pytest.mark.parametrize("kind", ["normal", "deuteranopia", "protanopia", "tritanopia"])
@pytest.mark.parametrize(
    "name",
    ["STATUS_COLORS", "LIST_COLORS", "PROGRESS_COLORS", "UNIT_STATUS_COLORS", "LEVEL_COLORS"],
)
def test_colours_meant_to_differ_stay_apart_for_colour_blind_readers(name, kind):
    """ΔE (CIE76) of at least 15 between any two different colours of a set, as a reader with
    the colour-vision deficiency sees them (Machado et al. 2009): apart at a glance."""
    distance, a, b = palette.distinct_under(getattr(palette, name), kind)
    assert distance >= 15, f"{name}: {a} and {b} look alike ({distance:.1f}) under {kind}"


@pytest.mark.parametrize("kind", ["normal", "deuteranopia", "protanopia", "tritanopia"])
def test_good_bad_neutral_and_no_change_stay_apart_for_colour_blind_readers(kind):
    meanings = {
        "good": palette.GOOD,
        "bad": palette.BAD,
        "neutral": palette.NEUTRAL,
        "none": palette.LIGHT_GREY,
    }
    assert palette.distinct_under(meanings, kind)[0] >= 15


def test_the_distinctness_check_catches_colours_that_only_look_different():
    # vermillion and its darker text shade differ for most readers, but not by much
    close = {"a": palette.BAD, "b": "#C05500"}
    assert palette.distinct_under(close, "normal")[0] < 15


def test_simulating_deuteranopia_pulls_red_and_green_together():
    assert palette.color_distance("#FF0000", "#00FF00", "deuteranopia") < palette.color_distance(
        "#FF0000", "#00FF00"
    )


@pytest.mark.parametrize(
    ("change", "better", "color"),
    [
        (9.0, "lower", palette.BAD),  # 逾期未整改问题数 rising
        (-9.0, "lower", palette.GOOD),
        (3.0, "higher", palette.GOOD),  # 已命名单位数 rising
        (-3.0, "higher", palette.BAD),
        (5.0, None, palette.NEUTRAL),
        (0.0, "higher", palette.LIGHT_GREY),
        (None, "lower", palette.LIGHT_GREY),
        (float("nan"), "lower", palette.LIGHT_GREY),
    ],
)
def test_a_change_is_coloured_by_the_metrics_direction(change, better, color):
    assert palette.direction_color(change, better) == color


@pytest.mark.parametrize("status", list(palette.PROGRESS_TEXT))
def test_progress_judgements_written_as_text_are_readable_on_white(status):
    assert palette.contrast_ratio(palette.PROGRESS_TEXT[status], "#FFFFFF") >= 4.5


def test_behind_schedule_is_bad_and_on_track_is_good():
    assert palette.PROGRESS_COLORS["按当前进度无法按期完成"] == palette.BAD
    assert (
        palette.PROGRESS_COLORS["可按期完成"] == palette.PROGRESS_COLORS["已达标"] == palette.GOOD
    )


def test_levels_of_honour_are_a_blue_ramp_and_never_the_bad_red():
    assert palette.BAD not in palette.LEVEL_COLORS.values()
    lightness = [palette.simulate(c, "normal")[0] for c in palette.LEVEL_COLORS.values()]
    assert lightness == sorted(lightness)  # 全国 darkest … 县级 lightest


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
