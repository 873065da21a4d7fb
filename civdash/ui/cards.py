"""Headline cards: one way every page shows a metric now, its change and its target.

A card is Streamlit's `st.metric` with the change coloured by the metric's better direction
(`views.common.Headline.delta_color`; the theme in .streamlit/config.toml maps Streamlit's
named colours onto `civdash.palette`). A card with a trend draws its sparkline itself, in the
colour of the trend's own direction (`views.overview.Card.trend_color`): `st.metric` would draw
it in the colour of the week's change, green for a count that fell this week after rising for
months.
"""

from __future__ import annotations

import base64
from typing import Any

from civdash.views.common import Headline

__all__ = ["metric_card", "sparkline_html"]


def sparkline_html(svg: str) -> str:
    """An inline SVG as an <img> of a data: URI: `st.html` sanitises SVG elements away, an
    image of a data: URI it keeps (and the browser requests nothing)."""
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return (
        f'<img src="data:image/svg+xml;base64,{data}" alt="" '
        'style="display:block;width:100%;height:44px;margin-top:0.25rem">'
    )


def metric_card(
    where: Any,
    card: Headline,
    *,
    label: str | None = None,
    value: str | None = None,
    target_text: str | None = None,
    sparkline: str = "",
) -> None:
    """Card `card` in container `where` (a column, `st`, …), with the caption of its target.

    `label`, `value` and `target_text` replace the headline's own (the 总览 cards use short
    labels); `sparkline` is an inline SVG (`views.common.sparkline_svg`) drawn inside the card.
    """
    args: dict[str, Any] = {
        "delta_color": card.delta_color,
        "delta_arrow": card.delta_arrow,
        "delta_description": card.compared_with or None,
        "help": f"{card.label}：{card.help}" if label and label != card.label else card.help,
    }
    delta = card.delta_text if card.compared_with else "无上周数据"
    shown = (label or card.label, value or card.value_text, delta)
    if sparkline:
        box = where.container(border=True, gap=None)
        box.metric(*shown, border=False, **args)
        box.html(sparkline_html(sparkline))
    else:
        where.metric(*shown, border=True, **args)
    caption = card.target_text if target_text is None else target_text
    if caption:
        where.caption(caption)
