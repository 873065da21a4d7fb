"""What a user sees on a page, as text, and the rules a newcomer's eye applies to it.

Three sources make up the visible text of a document (the app's page, or a frame inside it):
- the rendered DOM: every text node whose element is displayed (not in `<script>`/`<style>`, not
  hidden by CSS, not zero-sized, not a Material Symbols icon, whose text is a ligature name), and
  what inputs show (their value, or their placeholder when empty). SVG text is DOM text too.
- canvases: `st.dataframe` (Glide data grid) and Altair charts (Vega's canvas renderer) draw their
  text with `fillText`. `PAGE_HOOK`, installed before any page script runs, records every string
  drawn on each canvas: exactly the cell texts and chart labels the user sees, as formatted by the
  grid and by Vega (the grid's accessible table holds raw values, not the displayed ones).
- each visible frame's document (the map is an iframe), read the same way.

Each text carries where it was seen: "table" (a cell or column title of a dataframe or an HTML
table), "chart" (a chart's canvas or SVG, or the map) or "text" (anything else), since the number
rule is only about tables and charts.

`PAGE_HOOK` also follows Streamlit's script runs, so that a click which reruns the script (a tab
with on_change="rerun", a select, a button) is waited for by event, not by time: `RERUN_DONE`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

__all__ = [
    "CANVASES_DRAWN",
    "COLLECT",
    "LATIN_ALLOWED",
    "PAGE_HOOK",
    "QUIET",
    "RAW_EMPTY",
    "RERUN_DONE",
    "RULES",
    "SCROLL_GRIDS",
    "Violation",
    "violations",
]

PAGE_HOOK = """(() => {
  if (window.__cdHooked) return;
  window.__cdHooked = true;
  window.__cdDraws = 0;
  const note = (canvas, text) => {
    if (!(canvas instanceof HTMLCanvasElement)) return;  // an OffscreenCanvas is never shown
    canvas.__cdDraws = (canvas.__cdDraws || 0) + 1;
    window.__cdDraws += 1;
    if (text !== undefined) (canvas.__cdTexts ||= new Set()).add(String(text));
  };
  const P = CanvasRenderingContext2D.prototype;
  for (const name of ['fillText', 'strokeText']) {
    const original = P[name];
    P[name] = function (text, ...rest) { note(this.canvas, text); return original.call(this, text, ...rest); };
  }
  for (const name of ['fill', 'stroke', 'fillRect', 'clearRect']) {
    const original = P[name];
    P[name] = function (...args) { note(this.canvas); return original.apply(this, args); };
  }
  // Streamlit's script runs, read off its websocket messages (protobuf; the field numbers come
  // from streamlit.proto): the last rerun the page asked for (a BackMsg with rerun_script) and the
  // last run that finished after it (a ForwardMsg with script_finished, other than a run cut short
  // for a newer one), counted once the app has handled the messages before it.
  const fields = data => {  // top-level field number -> varint value (or length)
    if (!(data instanceof ArrayBuffer || ArrayBuffer.isView(data))) return new Map();
    const bytes = ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
    const found = new Map();
    let i = 0;
    const varint = () => {
      let value = 0, scale = 1, byte;
      do { byte = bytes[i++]; value += (byte & 127) * scale; scale *= 128; } while (byte & 128);
      return value;
    };
    while (i < bytes.length) {
      const tag = varint(), field = Math.floor(tag / 8), wire = tag % 8;
      if (wire === 0 || wire === 2) found.set(field, varint());
      else if (wire === 1) i += 8;
      else if (wire === 5) i += 4;
      else break;
      if (wire === 2) i += found.get(field);
    }
    return found;
  };
  window.__cdSeq = 0;
  window.__cdAsked = 0;
  window.__cdDone = 0;
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if (fields(data).has(RERUN_FIELD)) window.__cdAsked = ++window.__cdSeq;
    return send.call(this, data);
  };
  const Socket = window.WebSocket;
  window.WebSocket = class extends Socket {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', event => {
        const status = fields(event.data).get(FINISHED_FIELD);
        if (status !== undefined && status !== CUT_SHORT) {
          setTimeout(() => { window.__cdDone = ++window.__cdSeq; });
        }
      });
    }
  };
  // text drawn on a buffer canvas and copied onto a shown one counts for the shown one
  const drawImage = P.drawImage;
  P.drawImage = function (source, ...rest) {
    note(this.canvas);
    if (source instanceof HTMLCanvasElement && source !== this.canvas && source.__cdTexts) {
      for (const text of source.__cdTexts) note(this.canvas, text);
    }
    return drawImage.call(this, source, ...rest);
  };
})();"""
PAGE_HOOK = (
    PAGE_HOOK.replace("RERUN_FIELD", str(BackMsg.DESCRIPTOR.fields_by_name["rerun_script"].number))
    .replace("FINISHED_FIELD", str(ForwardMsg.DESCRIPTOR.fields_by_name["script_finished"].number))
    .replace("CUT_SHORT", str(ForwardMsg.FINISHED_EARLY_FOR_RERUN))
)
"""Installed in every frame before its scripts (`BrowserContext.add_init_script`): records the
text drawn on each canvas (`__cdTexts`), counts drawing (`__cdDraws`) and follows script runs."""

_SHOWN = """const shown = el => el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})
    && [...el.getClientRects()].some(r => r.width > 1 && r.height > 1);"""

CANVASES_DRAWN = f"""() => {{
  {_SHOWN}
  const canvases = [...document.querySelectorAll(
    '[data-testid="stDataFrame"] canvas[data-testid="data-grid-canvas"], [data-testid="stVegaLiteChart"] canvas')];
  return canvases.filter(shown).every(c => c.__cdDraws > 0);
}}"""
"""True when every shown grid and chart canvas has been drawn on at least once."""

RERUN_DONE = "() => window.__cdDone > window.__cdAsked"
"""True once a script run has finished after the last rerun the page asked for (at once when
it asked for none). A tab or a select asks before its click returns; a button may ask a moment
later, so after one wait for what it changes first."""

QUIET = """(frames) => new Promise(done => {
  let last = window.__cdDraws, still = 0;
  const tick = () => {
    if (window.__cdDraws === last) still += 1; else { last = window.__cdDraws; still = 0; }
    if (still >= frames) done(true); else requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})"""
"""Resolves once no canvas has been drawn on for `frames` animation frames in a row."""

SCROLL_GRIDS = """async (maxSteps) => {
  const frame = () => new Promise(done => requestAnimationFrame(done));
  // after a scroll: the grid has drawn (waited for at most 120 frames), then nothing for a frame
  const drawn = async (canvas, before) => {
    for (let i = 0; i < 120 && canvas.__cdDraws === before; i++) await frame();
    let last;
    do { last = canvas.__cdDraws; await frame(); } while (canvas.__cdDraws !== last);
  };
  // from 0 to the last position, a view at a time with some overlap
  const positions = (total, view, overlap) => {
    const last = Math.max(total - view, 0), out = [];
    for (let p = 0; p < last; p += Math.max(view - overlap, overlap)) out.push(p);
    return [...out, last];
  };
  let steps = 0;
  const grids = [...document.querySelectorAll('[data-testid="stDataFrame"] .dvn-scroller')]
    .filter(s => s.checkVisibility());
  for (const scroller of grids) {
    const canvas = scroller.parentElement.querySelector('canvas[data-testid="data-grid-canvas"]');
    const to = async (x, y) => {
      if (scroller.scrollLeft === x && scroller.scrollTop === y) return;
      const before = canvas.__cdDraws;
      scroller.scrollTo(x, y);
      await drawn(canvas, before);
    };
    const ys = positions(scroller.scrollHeight, scroller.clientHeight, 40);
    const xs = positions(scroller.scrollWidth, scroller.clientWidth, 80);
    for (const y of ys) for (const x of xs) {
      if (steps >= maxSteps) return steps;
      await to(x, y);
      steps += 1;
    }
    await to(0, 0);
  }
  return steps;
}"""
"""Scrolls every shown grid through all its rows and columns (at most `maxSteps` views in
all), waiting after each scroll until the grid has drawn the cells it brought into view; back to
the top-left afterwards."""

COLLECT = f"""() => {{
  {_SHOWN}
  const icon = el => el.closest('[data-testid="stIconMaterial"]')
    || getComputedStyle(el).fontFamily.includes('Material Symbols');
  const where = el => el.closest('td, th, [role="gridcell"], [role="columnheader"]') ? 'table'
    : el.closest('svg, [data-testid="stVegaLiteChart"], .leaflet-container') ? 'chart' : 'text';
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {{
    const text = node.textContent.trim();
    const el = node.parentElement;
    if (!text || !el || el.closest('script, style, noscript, template, title, desc')) continue;
    if (!shown(el) || icon(el)) continue;  // hidden, or clipped to nothing (a skip link)
    const range = document.createRange();
    range.selectNodeContents(node);
    if (![...range.getClientRects()].some(r => r.width > 1 && r.height > 1)) continue;
    out.push([text, where(el)]);
  }}
  const skip = new Set(['hidden', 'file', 'checkbox', 'radio', 'range', 'color', 'password']);
  for (const input of document.querySelectorAll('input, textarea')) {{
    if (skip.has(input.type) || !shown(input)) continue;
    const text = (input.value || input.placeholder || '').trim();
    if (text) out.push([text, 'text']);
  }}
  for (const canvas of document.querySelectorAll('canvas')) {{
    if (!canvas.__cdTexts || !shown(canvas)) continue;
    const place = canvas.closest('[data-testid="stDataFrame"]') ? 'table'
      : canvas.closest('[data-testid="stVegaLiteChart"]') ? 'chart' : 'text';
    for (const text of canvas.__cdTexts) if (text.trim()) out.push([text.trim(), place]);
  }}
  return out;
}}"""
"""[text, where] of everything visible in the document it runs in; where is "table", "chart"
or "text"."""


# ---- the rules ---------------------------------------------------------------------------------

LATIN_ALLOWED: frozenset[str] = frozenset(
    {
        # File formats, as the uploader, the download buttons and the README name them; a
        # clerk picks files by these endings.
        "xlsx", "xls", "ods", "csv", "json", "geojson", "docx", "pptx", "xml",
        # Office software by its own name: what a clerk opens the downloads with (下载通报（Word）).
        "excel", "wps", "word", "ppt", "pdf",
        # File sizes: Chinese Windows itself writes "12 KB" / "100 MB".
        "kb", "mb",
        # Alibaba's DataV.GeoAtlas: the name of the site offices take district boundaries from.
        "datav",
        # The key as printed on every keyboard (and on a presentation clicker): "按 Esc 退出".
        "esc",
    }
)  # fmt: skip
"""Latin words a Chinese office reads as its own (compared case-insensitively).

Codes need no entry: a token that starts with a letter and holds a digit (coordinate systems
WGS-84, GCJ-02, BD-09; record codes QLDW0039, QLWT2026110001) or a hexadecimal fingerprint
(6d307718725a, or grouped as 数据概况 shows it: 6d30-7718-725a) is a code, not a word. Letters after a number ("100MB", "5 mi") are words."""

RAW_EMPTY = ("None", "nan", "NaN", "NaT", "<NA>", "null", "undefined")
"""How pandas, Python or JavaScript print a missing value: never what a user should read."""

_RAW_EMPTY = re.compile(
    "|".join(
        re.escape(w) if w.startswith("<") else rf"(?<![A-Za-z]){w}(?![A-Za-z])" for w in RAW_EMPTY
    )
)
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[-_.'][A-Za-z0-9]+)*")
_CODE = re.compile(
    r"[A-Za-z][A-Za-z0-9_-]*\d[A-Za-z0-9_-]*|(?=[a-f]*\d)[0-9a-f]{8,}|[0-9a-f]{4}(?:-[0-9a-f]{4}){2,}"
)
_LETTERS = re.compile(r"[A-Za-z]+")
# a run of digits with its fraction, not part of a longer number, a code or a mask
_NUMBER = re.compile(r"(?<![0-9A-Za-z.,*_])(\d+)(?:\.\d+)?(?![0-9A-Za-z*_])")
_DATE_PARTS = re.compile(
    r"(?<![\d.])(?:\d{4}[-/.]\d{1,2}(?:[-/.]\d{1,2})?|\d{1,2}[-/.]\d{1,2}[-/.]\d{4})(?![\d.])"
)
_COMPACT_DATE = re.compile(r"(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])")
# a service number is a name, not a quantity: 12345热线 is the citizens' hotline
_NAMED_NUMBER = re.compile(r"\d+(?=(?:政务服务|便民服务|服务)?(?:热线|平台))")


RULES = ("拉丁词", "空值", "数字无千分位", "异常")
"""The rules, in the order a report lists them ("异常": an exception box on the page)."""


@dataclass(frozen=True)
class Violation:
    rule: str
    """One of `RULES`."""
    token: str
    """The offending word, value or number."""
    text: str
    """The whole text it was seen in."""
    where: str
    """"table", "chart" or "text"."""


def _latin_words(text: str) -> list[str]:
    words = []
    for token in _TOKEN.findall(text):
        if _CODE.fullmatch(token):
            continue
        words += [w for w in _LETTERS.findall(token) if w.lower() not in LATIN_ALLOWED]
    return words


def _long_numbers(text: str) -> list[str]:
    text = _NAMED_NUMBER.sub(" ", _DATE_PARTS.sub(" ", text))
    return [
        m.group(0)
        for m in _NUMBER.finditer(text)
        if len(m.group(1)) >= 5 and not _COMPACT_DATE.fullmatch(m.group(0))
    ]


def violations(text: str, where: str) -> list[Violation]:
    """What a newcomer would stumble on in one visible text.

    >>> [(v.rule, v.token) for v in violations("命名年份 None，5 mi", "table")]
    [('空值', 'None'), ('拉丁词', 'mi')]
    >>> [v.token for v in violations("61842 2026-11-15 20261115 138****8000 12345热线", "table")]
    ['61842']
    """
    found = [Violation("空值", m.group(0), text, where) for m in _RAW_EMPTY.finditer(text)]
    raw = {v.token.strip("<>") for v in found}
    found += [Violation("拉丁词", w, text, where) for w in _latin_words(text) if w not in raw]
    if where in ("table", "chart"):
        found += [Violation("数字无千分位", n, text, where) for n in _long_numbers(text)]
    return found
