"""Reading ledger files safely into raw tables: sniffing, sheets, header rows, encodings.

`read_table` turns an .xlsx/.xlsm/.xls/.ods/.csv file (or an HTML table or Excel 2003 XML
spreadsheet saved as .xls) into a `RawTable`: the chosen sheet (with the other sheets of the same
layout: one per district, street …), its header texts, the data rows with their spreadsheet row
numbers, the rows set aside (合计, footer, blank, formula fill), and what the title says (as-of
date, coordinate system).
Files that cannot be read safely raise `FileRefused` with one Chinese sentence for the user.
"""

from __future__ import annotations

from civdash.io.messages import FileRefused
from civdash.io.reader import RawTable, list_sheets, read_table
from civdash.io.sniff import sniff_format

__all__ = ["FileRefused", "RawTable", "list_sheets", "read_table", "sniff_format"]
