"""Files that take a moment to make: made on one click, then downloaded as ordinary bytes.

Streamlit's own way, `st.download_button(data=callable)`, makes the file when the button is
clicked and stores it without any session referring to it; every script run of any session on
the server then marks such a file and the next one deletes it. On a busy server (twenty
sessions, issue 15's load run) that happened between the click and the browser's fetch, and the
download was "canceled" with nothing in the server's log. A file offered as bytes belongs to the
session's page and lives until that session's next run, however busy the server.

So a page shows a 生成 button; its click makes the files (kept in the server's view cache under
what they were made from, so every session with the same data offers them at once) and the same
run shows the download buttons in its place.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Literal

import streamlit as st

from civdash.ui.state import view_cache

__all__ = ["Download", "made_on_click"]


@dataclass(frozen=True)
class Download:
    """One file's download button: its label, file name, MIME type and widget key."""

    label: str
    file_name: str
    mime: str
    key: str


def made_on_click(
    what: Hashable,
    button: str,
    downloads: Sequence[Download],
    make: Callable[[], Sequence[bytes]],
    *,
    waiting: str = "正在生成，请稍候……",
    width: Literal["content", "stretch"] = "content",
) -> bool:
    """The download buttons of `downloads` (one file each of `make()`, in order) once made for
    `what` (everything the files are made from), else a `button` that makes them; True when the
    download buttons are shown."""
    cache = view_cache()
    key = ("download", what)
    files = cache.peek(key)
    if files is None:
        slot = st.empty()
        clicked = slot.button(
            button, key=f"{downloads[0].key}_make", icon=":material/description:", width=width
        )
        if not clicked:
            return False
        with slot, st.spinner(waiting):  # in the button's place
            files = cache.get(key, lambda: tuple(make()))
        slot.empty()
    for download, data in zip(downloads, files, strict=True):
        st.download_button(
            download.label,
            data=data,
            file_name=download.file_name,
            mime=download.mime,
            key=download.key,
            on_click="ignore",
            icon=":material/download:",
            width=width,
        )
    return True
