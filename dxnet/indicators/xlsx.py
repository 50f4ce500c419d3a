"""A table as an .xlsx download (openpyxl), for every "Export XLSX" button.

``xlsx_response(filename, headers, rows)`` writes one sheet: an optional title line, a bold
header row that stays frozen while scrolling, the rows as typed cells (numbers stay numbers so
that Excel can sum them), and columns wide enough for their content.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from io import BytesIO
from typing import Any

from django.http import HttpResponse
from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
_MAX_WIDTH = 60


def _cell_value(value: Any) -> Any:
    """Numbers, dates and text as they are; anything else (lazy strings, Decimals…) as text."""
    if value is None or isinstance(value, (int, float, str, dt.date, dt.datetime)):
        return value
    return str(value)


def workbook(headers: Sequence[Any], rows: Iterable[Sequence[Any]], *, title: str = "",
             sheet_title: str = "", number_format: str = "#,##0.##") -> Workbook:
    """The workbook of one table; ``title`` (if any) goes on the first line, above the headers."""
    wb = Workbook()
    ws = wb.active
    # Excel refuses sheet names longer than 31 characters or holding []:*?/\
    ws.title = (sheet_title or "Sheet1").translate({ord(c): " " for c in "[]:*?/\\"})[:31]
    if title:
        ws.append([str(title)])
        ws.cell(row=1, column=1).font = Font(bold=True, size=13)
        ws.append([])
    ws.append([str(h) for h in headers])
    header_row = ws.max_row
    for col in range(1, len(headers) + 1):
        cell = ws.cell(row=header_row, column=col)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    widths = [len(str(h)) for h in headers]
    for row in rows:
        values = [_cell_value(v) for v in row]
        ws.append(values)
        for i, v in enumerate(values):
            if isinstance(v, float):
                ws.cell(row=ws.max_row, column=i + 1).number_format = number_format
            if i < len(widths):
                widths[i] = max(widths[i], len(str(v)) if v is not None else 0)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(_MAX_WIDTH, width + 2)
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    return wb


def xlsx_response(filename: str, headers: Sequence[Any], rows: Iterable[Sequence[Any]], *, title: str = "",
                  sheet_title: str = "") -> HttpResponse:
    """An attachment download of the table. ``filename`` is made ASCII-safe (Vietnamese accents
    dropped) and given the .xlsx extension."""
    buffer = BytesIO()
    workbook(headers, rows, title=title, sheet_title=sheet_title).save(buffer)
    safe = slugify(filename.removesuffix(".xlsx")) or "export"
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{safe}.xlsx"'
    return response
