"""Rebuilding stale metric aggregates in the background, and saying so on every page.

When the metric definitions or the settings they read change (a new metric, other star
thresholds), the aggregates stored with each snapshot no longer apply (`Store.stale_aggregates`).
The server then rebuilds them in a background thread, current snapshots first, one transaction
each; meanwhile a page needing a snapshot not yet rebuilt computes its numbers from the rows
(the same numbers, only slower) and a notice at the top of every page shows the progress. It is
never shown stale numbers. `python -m civdash rebuild-aggregates` does the same from a shell.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import streamlit as st

from civdash.store import Store
from civdash.ui.state import get_store

__all__ = ["Rebuild", "rebuild_notice"]


@dataclass
class Rebuild:
    """The server's background rebuild: how many snapshots it has to do and has done."""

    total: int = 0
    done: int = 0
    failed: str = ""
    running: bool = False

    def start(self, store: Store) -> None:
        stale = store.stale_aggregates()
        if not stale:
            return
        self.total, self.done, self.running = len(stale), 0, True

        def work() -> None:
            try:
                for snap in stale:
                    store.rebuild_aggregates(snap.id)
                    self.done += 1
            except Exception as exc:  # shown on the pages; the numbers still come from rows
                self.failed = str(exc) or type(exc).__name__
            finally:
                self.running = False

        threading.Thread(target=work, name="civdash-rebuild-aggregates", daemon=True).start()


@st.cache_resource(show_spinner=False)
def _rebuild() -> Rebuild:
    """One per server, started on its first page run."""
    rebuild = Rebuild()
    rebuild.start(get_store())
    return rebuild


def rebuild_notice() -> None:
    """Start the server's rebuild if its aggregates are stale, and while it runs show its
    progress at the top of the page (updated every two seconds)."""
    if _rebuild().running:
        _progress()


@st.fragment(run_every=2.0)
def _progress() -> None:
    rebuild = _rebuild()
    if rebuild.running:
        share = rebuild.done / rebuild.total if rebuild.total else 0.0
        st.progress(
            share,
            text=(
                f"指标口径或设置已更新，正在后台重算各周的指标汇总（{rebuild.done}/{rebuild.total}）。"
                "重算完成前，本页数字直接由台账计算，结果相同，只是打开稍慢。"
            ),
        )
    elif rebuild.failed:
        st.warning(
            f"后台重算指标汇总未完成：{rebuild.failed}。本页数字仍由台账直接计算；"
            "请管理员运行 python -m civdash rebuild-aggregates。"
        )
