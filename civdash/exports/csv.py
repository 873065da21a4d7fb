"""CSV downloads for Excel on a Chinese Windows PC.

UTF-8 with a byte-order mark (without it Excel shows the Chinese as mojibake), Chinese headers
and masked personal data (`civdash.exports.frame.export_frame`), ISO dates, 是/否 for booleans,
and text that Excel would run as a formula prefixed with a single quote, the usual defence
(OWASP "CSV injection").

>>> open("问题.csv", "wb").write(to_csv_bytes(issues, kind="issues"))          # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from civdash.exports.excel import WRITTEN_FORMULA_START
from civdash.exports.frame import column_kind, export_frame, has_time, text_values

__all__ = ["CSV_MIME", "neutralize_formula", "to_csv_bytes"]

CSV_MIME = "text/csv"


def neutralize_formula(text: str) -> str:
    """A text cell as CSV carries it: a leading ' when Excel would read it as a formula.

    >>> neutralize_formula("=HYPERLINK(\\"http://x\\")"), neutralize_formula("正常文本")
    ('\\'=HYPERLINK("http://x")', '正常文本')
    """
    return "'" + text if text.startswith(WRITTEN_FORMULA_START) else text


def to_csv_bytes(
    df: pd.DataFrame, *, kind: str | None = None, labels: Mapping[str, str] | None = None
) -> bytes:
    """`df` as CSV bytes for Excel: UTF-8 with BOM, Chinese headers, personal data masked,
    ISO dates, 是/否 for booleans, text that looks like a formula prefixed with '."""
    frame = export_frame(df, kind=kind, labels=labels)
    out = pd.DataFrame(index=frame.index)
    for i in range(frame.shape[1]):
        s = frame.iloc[:, i]
        kind_ = column_kind(s)
        if kind_ == "date":
            fmt = "%Y-%m-%d %H:%M:%S" if has_time(s) else "%Y-%m-%d"
            out[i] = s.dt.strftime(fmt).astype("object").where(s.notna(), None)
        elif kind_ == "bool":
            out[i] = s.map({True: "是", False: "否"})
        elif kind_ == "number":
            out[i] = s
        else:
            out[i] = [None if v is None else neutralize_formula(v) for v in text_values(s)]
    header = [neutralize_formula(str(c)) for c in frame.columns]
    text = out.to_csv(index=False, header=header, lineterminator="\r\n")
    return text.encode("utf-8-sig")
