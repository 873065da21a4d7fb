"""Words while the user waits: a block that takes a while says what it is computing.

A tab of a page is computed when it is opened, which can take seconds on a busy server (the
红黑榜 judges every earlier week). `computing(where, what)` shows a spinner in `where` naming
`what` with the seconds elapsed, until the block under it is drawn. (The first start's progress
bar is `ui.state.first_start`; a table still loading in the browser says 正在加载……, see
`ui.chrome`.)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

__all__ = ["computing"]


@contextmanager
def computing(where: DeltaGenerator, what: str) -> Iterator[None]:
    """Inside `where` (a tab, a column), "正在计算{what}……" with a spinner while the block runs.

    >>> with computing(tab, "红黑榜"):        # doctest: +SKIP
    ...     tab.dataframe(view.red)
    """
    with where, st.spinner(f"正在计算{what}……", show_time=True):
        yield
