"""civdash.ui.chrome without a browser: the texts it translates are the installed Streamlit's
own, its script carries them safely, and Streamlit's address lookups open no socket."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest
import streamlit
from streamlit import net_util

from civdash.ui.chrome import STREAMLIT_ZH, keep_on_machine, translate_script

BUNDLE = "".join(
    path.read_text(encoding="utf-8", errors="ignore")
    for path in (Path(streamlit.__file__).parent / "static").rglob("*.js")
)
# texts Streamlit builds from a template: `Press Enter to ${e}` with e "apply" or "submit form"
TEMPLATED = re.compile(r"^Press (Enter|Ctrl\+Enter|⌘\+Enter) to (apply|submit form)$")


@pytest.mark.parametrize("english", list(STREAMLIT_ZH))
def test_each_translated_text_is_one_the_installed_streamlit_writes(english: str) -> None:
    # a Streamlit upgrade that rewords a text fails here, not silently on the page
    if TEMPLATED.match(english):
        assert "Press Enter to ${" in BUNDLE and "+Enter to ${" in BUNDLE
        assert "`apply`" in BUNDLE and "`submit form`" in BUNDLE
    else:
        assert english in BUNDLE
    chinese = re.sub(r"\b(CSV|Ctrl|MB)\b", "", STREAMLIT_ZH[english])  # what a clerk reads
    assert not re.search("[A-Za-z]", chinese), chinese


def test_the_script_carries_every_text_as_json_and_cannot_end_early() -> None:
    script = translate_script()
    assert script.startswith('<script data-civdash="translate">')
    assert script.count("</script>") == 1 and script.endswith("</script>")
    table = re.search(r"new Map\(Object\.entries\((\{.*?\})\)\);", script, re.DOTALL)
    assert table is not None
    assert json.loads(table.group(1)) == dict(STREAMLIT_ZH)


def test_streamlits_address_lookups_open_no_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("get_external_ip", "get_internal_ip"):
        monkeypatch.setattr(net_util, name, getattr(net_util, name))  # restored afterwards

    def no_socket(*args: object, **kwargs: object) -> None:
        raise AssertionError("a socket was opened")

    keep_on_machine()
    monkeypatch.setattr(socket, "socket", no_socket)
    monkeypatch.setattr(socket, "getaddrinfo", no_socket)
    assert net_util.get_external_ip() is None
    assert net_util.get_internal_ip() is None
