"""The shared table and card helpers of civdash.ui, and the theme's colours: one way to write a
number in a table, one meaning per colour on the cards."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd

from civdash import palette
from civdash.ui.tables import number_formats, styled

ROOT = Path(__file__).resolve().parents[2]


def test_every_number_column_of_a_table_gets_separators_and_its_own_decimals():
    frame = pd.DataFrame(
        {
            "区县": ["城关区", "南港区"],
            "常住人口": [61842, 41268],
            "服务时长（小时）": [104620.5, 9.0],
            "整改率（%）": [11.43, 8.3],
            "命名年份": [2019, None],
            "问题数": pd.array([1109, None], dtype="Int64"),
            "是否党员": [True, False],
        }
    )
    assert number_formats(frame) == {
        "常住人口": "%,d",
        "服务时长（小时）": "%,.1f",
        "整改率（%）": "%,.2f",
        "命名年份": "%d",
        "问题数": "%,d",
    }


def test_judgement_cells_are_tinted_and_other_cells_left_alone():
    frame = pd.DataFrame({"目标": ["a", "b"], "进度判断": ["按当前进度无法按期完成", "可按期完成"]})
    colours = {"进度判断": {"按当前进度无法按期完成": (palette.BAD_TEXT, palette.BAD_FILL)}}
    css = styled(frame, colours).to_html().split("</style>")[0]
    assert (
        f"_row0_col1 {{\n  color: {palette.BAD_TEXT};\n  background-color: {palette.BAD_FILL};"
        in css
    )
    assert css.count("background-color") == 1  # the other judgement has no colour given


def test_the_themes_named_colours_are_the_palettes():
    """Streamlit draws a card's change and sparkline in its theme's "red" and "green": they must
    mean what the palette says, so the card and the charts beside it agree."""
    theme = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text("utf-8"))["theme"]
    assert theme["redColor"] == palette.DELTA_COLORS["red"] == palette.BAD
    assert theme["greenColor"] == palette.DELTA_COLORS["green"] == palette.GOOD
    assert theme["redTextColor"] == palette.BAD_TEXT
    assert theme["greenTextColor"] == palette.GOOD_TEXT
    assert theme["orangeColor"] == palette.WARNING
    assert theme["blueColor"] == palette.NEUTRAL
    assert theme["grayColor"] == palette.LIGHT_GREY
