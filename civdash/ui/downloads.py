"""Files that take a moment to make (the 周例会 briefing pack, the 督办通知 .zip): made when a
download button is first clicked, then offered as ordinary downloads.

Streamlit's own way, `st.download_button(data=callable)`, makes the file when the button is
clicked and stores it without any session referring to it; every script run of any session on
the server then marks such a file and the next one deletes it. On a busy server (twenty
sessions, issue 15's load run) that happened between the click and the browser's fetch, and the
download was "canceled" with nothing in the server's log. A file offered as bytes belongs to the
session's page and lives until that session's next run, however busy the server.

So until the files are made, each download button is an ordinary button with the same label:
its click makes all of the set (kept in the server's view cache under everything they were made
from, so every session with the same data is then offered them at once), puts the download
buttons in their place and starts the download that was asked for (a small script clicks it, as
the user just did). Nothing is made for a page nobody downloads from.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Literal, cast

import streamlit as st

from civdash.ui.state import view_cache

__all__ = ["Download", "offer_files"]


@dataclass(frozen=True)
class Download:
    """One file's download button: its label, file name, MIME type and widget key."""

    label: str
    file_name: str
    mime: str
    key: str


_CLICK_JS = """
<script>
(() => {{
  const asked = window.__cdDownloadAsked = window.__cdDownloadAsked || {{}};
  if (asked[{token}]) return;
  asked[{token}] = true;
  let tries = 0;
  const click = () => {{
    const button = document.querySelector({selector});
    if (button && !button.disabled) {{ button.click(); return; }}
    if (++tries < 200) setTimeout(click, 50);
  }};
  click();
}})();
</script>
"""


def offer_files(
    what: Hashable,
    downloads: Sequence[Download],
    make: Callable[[], Sequence[bytes]],
    *,
    making: str,
    width: Literal["content", "stretch"] = "content",
) -> None:
    """Download buttons for `downloads`, one file each of `make()` in order, made for `what`
    (everything the files are made from) on the first click of any of them."""
    cache = view_cache()
    key = ("download", what)
    files = cast("tuple[bytes, ...] | None", cache.peek(key))
    asked: Download | None = None
    if files is None:
        slot = st.empty()
        with slot.container():
            for download in downloads:
                if st.button(
                    download.label,
                    key=f"{download.key}_make",
                    icon=":material/download:",
                    width=width,
                ):
                    asked = download
        if asked is None:
            return
        with slot, st.spinner(making):  # in the buttons' place
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
    if asked is not None:  # the download the click asked for, as if its button were clicked
        selector = f".st-key-{asked.key} button"
        script = _CLICK_JS.format(
            token=json.dumps(secrets.token_hex(8)), selector=json.dumps(selector)
        )
        st.html(script, unsafe_allow_javascript=True)
