"""How the upload pages show a cell: its text, and the colours of an error and a warning.

Shared by the mapping table, the preview, the fix table, the diff examples (the text) and by the
preview and the error report (the colours), so the screen and the Excel file agree.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

ERROR_FILL = "#FFC7CE"
"""Background of a cell that keeps its row out (Excel's "bad" red)."""
ERROR_FONT = "#9C0006"
WARNING_FILL = "#FFEB9C"
"""Background of a cell with a warning (Excel's "neutral" yellow)."""


def cell_text(v: Any) -> str:
    """A cell or value as the user reads it: dates ISO, whole numbers without .0, blank as ""."""
    if v is None or v is pd.NA or v is pd.NaT:
        return ""
    if isinstance(v, float | np.floating):
        number = float(v)
        if math.isnan(number):
            return ""
        # 15 significant digits, as Excel shows numbers: 32.05099999999999 reads 32.051
        return str(int(number)) if number.is_integer() and abs(number) < 1e15 else f"{number:.15g}"
    if isinstance(v, pd.Timestamp | datetime):
        ts = pd.Timestamp(v)
        return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, bool | np.bool_):
        return "是" if v else "否"
    if isinstance(v, np.integer):
        return str(int(v))
    return str(v)
