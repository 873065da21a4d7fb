"""Streamlit's own words in Chinese, and a server that never looks up an address off the machine.

`app_chrome()` runs at the top of every script run (app.py) and does two things:

- Streamlit writes English into its widgets that no option changes: the file uploader's button
  "Upload" and note "100MB per file", placeholders ("Choose an option"), "Press Enter to apply"
  under a text box, the tables' toolbar tips ("Download as CSV", "Add row"), the skip link, the
  connection-lost dialog. A small script (`translate_script`) puts the Chinese of
  `STREAMLIT_ZH` (exact texts) and of two patterns (the upload limit, "Help for …") in their
  place, in text and in placeholder / title / aria-label attributes, whenever Streamlit draws
  them; it touches no other text. (The date picker already follows the browser's language.)
  tests/browser/test_chinese_chrome.py looks at the uploader, a text box and a toolbar tip.
- When a browser connects from another origin (a reverse proxy that rewrites the Host header, or
  another site's page opening a websocket to the app), Streamlit compares that origin with the
  machine's internal and external addresses, which it finds by "connecting" a socket to 8.8.8.8
  and by asking checkip.amazonaws.com. `keep_on_machine` makes both answers "unknown", so such an
  origin is judged by localhost, `browser.serverAddress` and `server.corsAllowedOrigins` alone
  and the server never tries the internet. At start, `.streamlit/config.toml` already keeps
  Streamlit from looking (`browser.serverAddress` set); the lookup functions are replaced from
  the first script run on (no code of the app runs before the server starts).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType

import streamlit as st
from streamlit import net_util

__all__ = ["CHROME_CSS", "STREAMLIT_ZH", "app_chrome", "keep_on_machine", "translate_script"]

STREAMLIT_ZH: Mapping[str, str] = MappingProxyType(
    {
        # the file uploader
        "Upload": "选择文件",
        "Drag and drop files here": "松开鼠标即可上传",
        "Drag and drop a file here": "松开鼠标即可上传",
        "Add files": "添加文件",
        # select boxes, multiselects, date and number inputs
        "Choose an option": "请选择",
        "Choose options": "请选择（可多选）",
        "No options to select": "没有可选的项",
        "No results": "没有匹配的项",
        "Select all": "全选",
        "Clear all": "全部清除",
        "Clear value": "清除",
        "Clear date": "清除日期",
        "Clear dates": "清除日期",
        "Choose date": "选择日期",
        "Choose date range": "选择日期范围",
        "Press Enter to apply": "按回车键确认",
        "Press Enter to submit form": "按回车键提交",
        "Press Ctrl+Enter to apply": "按 Ctrl+回车键确认",
        "Press ⌘+Enter to apply": "按 ⌘+回车键确认",
        # tables: the toolbar, its tips, the column menu
        "Download as CSV": "下载为 CSV 文件",
        "Search": "搜索",
        "Fullscreen": "全屏",
        "Close fullscreen": "退出全屏",
        "Add row": "添加一行",
        "Delete row(s)": "删除所选行",
        "Clear selection": "取消选择",
        "Show/hide columns": "显示或隐藏列",
        "Sort ascending": "升序排列",
        "Sort descending": "降序排列",
        "Pin column": "固定此列",
        "Unpin column": "取消固定",
        "Hide column": "隐藏此列",
        "Autosize": "自动列宽",
        "Format": "数字格式",
        # the frame: skip link, running state, lost connection
        "Skip to main content": "跳到正文",
        "Stop": "停止",
        "Rerun": "重新运行",
        "Always rerun": "总是重新运行",
        "Connecting": "正在连接",
        "Connection error": "与服务器的连接中断",
        "Is Streamlit still running? If you accidentally stopped Streamlit, just restart it in "
        "your terminal:": "看板服务没有响应，可能已停止或正在重启。请稍候刷新页面；"
        "如果仍然打不开，请联系系统管理员重新启动看板服务。",
        "Streamlit server is not responding. Are you connected to the internet?": (
            "看板服务没有响应。请检查网络连接后刷新页面；如果仍然打不开，请联系系统管理员。"
        ),
    }
)
"""Streamlit 1.67's English texts a user can see → their Chinese."""

_TRANSLATE_JS = """<script data-civdash="translate">
(() => {
  if (window.__civdashZh) return;
  window.__civdashZh = true;
  const TEXT = new Map(Object.entries(__TEXT__));
  const ATTRS = ["placeholder", "title", "aria-label"];
  const chinese = value => {
    const t = value.trim();
    if (!t || !/[A-Za-z]/.test(t)) return null;
    if (TEXT.has(t)) return TEXT.get(t);
    let m = /^(\\d+(?:\\.\\d+)?)\\s*([KMGT]?B) per file(?: • (.+))?$/.exec(t);
    if (m) return `每个文件不超过 ${m[1]} ${m[2]}` + (m[3] ? `，限 ${m[3]}` : "");
    m = /^Help for (.+)$/.exec(t);
    if (m) return `${m[1]}：说明`;
    return null;
  };
  const fixText = node => {
    const zh = chinese(node.nodeValue);
    if (zh !== null) node.nodeValue = zh;
  };
  const fixAttrs = el => {
    for (const name of ATTRS) {
      const value = el.getAttribute(name);
      const zh = value && chinese(value);
      if (zh) el.setAttribute(name, zh);
    }
  };
  const walk = root => {
    if (root.nodeType === Node.TEXT_NODE) return fixText(root);
    if (root.nodeType !== Node.ELEMENT_NODE || root.closest("style, script")) return;
    fixAttrs(root);
    const nodes = document.createTreeWalker(root, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
    for (let n = nodes.nextNode(); n; n = nodes.nextNode()) {
      if (n.nodeType === Node.TEXT_NODE) fixText(n); else fixAttrs(n);
    }
  };
  new MutationObserver(records => {
    for (const r of records) {
      if (r.type === "characterData") fixText(r.target);
      else if (r.type === "attributes") fixAttrs(r.target);
      else r.addedNodes.forEach(walk);
    }
  }).observe(document.body, {
    subtree: true, childList: true, characterData: true,
    attributes: true, attributeFilter: ATTRS,
  });
  walk(document.body);
})();
</script>"""


def translate_script() -> str:
    """The translating script (a MutationObserver on the page, installed once per browser tab)
    with `STREAMLIT_ZH` in it, for `st.html`."""
    text = json.dumps(dict(STREAMLIT_ZH), ensure_ascii=False).replace("<", "\\u003c")
    return _TRANSLATE_JS.replace("__TEXT__", text)


CHROME_CSS = """<style>
[data-testid="stSkeleton"] {
  display: flex; align-items: center; justify-content: center; min-height: 2.5rem;
}
[data-testid="stSkeleton"]::after {
  content: "正在加载……"; font-size: 0.875rem; color: rgba(49, 51, 63, 0.6);
}
[data-testid="stElementContainer"]:has(script[data-civdash]) { display: none; }
</style>"""
"""Streamlit draws a blank grey box while a table, chart or map is still loading in the browser
(its code comes on first use): the box says 正在加载…… instead of nothing. And the translating
script's element takes no room (not even the gap between elements: a slide on the projector
must fit 1080 pixels exactly)."""


def _unknown_address() -> str | None:
    return None


def keep_on_machine() -> None:
    """Make Streamlit's lookups of this machine's internal and external address answer
    "unknown" without a socket (idempotent)."""
    net_util.get_external_ip = _unknown_address
    net_util.get_internal_ip = _unknown_address


def app_chrome() -> None:
    """Once per script run, before the navigation: the translating script, the loading boxes'
    words, no address lookups."""
    keep_on_machine()
    st.html(CHROME_CSS)
    st.html(translate_script(), unsafe_allow_javascript=True)
