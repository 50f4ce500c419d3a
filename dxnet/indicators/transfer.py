"""Import and export of values: the per-form Excel template, CSV, and DHIS2 ``dataValueSets`` JSON.

Readers turn a file into ``services.ValueInput`` rows, each labelled with the cell it came from,
plus the problems found while reading it (a wrong header, a duplicate row, a bad period). They
query nothing: matching codes, the actor's scope, value checks and the all-or-nothing store are
``services.values_write``'s. ``Reading.explain`` maps its errors back to sheet, row and column.
Writers build the same layouts from export records, so an export can be edited and imported.

The last section (``import_reading``, ``export_records``…) is the database side: it runs a
reading through ``services.values_write`` and reads values through the access module.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .periods import Period, PeriodError, PeriodType
from .services import ValueInput

DATA_SHEET = "Dữ liệu"
HELP_SHEET = "Hướng dẫn"
H_UNIT_CODE = "Mã đơn vị"
H_UNIT_NAME = "Tên đơn vị"
H_PERIOD = "Kỳ báo cáo"
NUMERATOR = "tử số"
DENOMINATOR = "mẫu số"
FORM_MARK = "dxnet-form:"  # workbook subject of a template: which form it belongs to

# Machines writing CSV may use English headers.
_ALIASES = {
    "mã đơn vị": H_UNIT_CODE, "unit code": H_UNIT_CODE, "unit": H_UNIT_CODE, "orgunit": H_UNIT_CODE,
    "tên đơn vị": H_UNIT_NAME, "unit name": H_UNIT_NAME,
    "kỳ báo cáo": H_PERIOD, "period": H_PERIOD,
}
_HEADER_CODE = re.compile(r"\(([^()]+)\)\s*(?:[-–—:]\s*(tử số|mẫu số|numerator|denominator))?\s*$", re.IGNORECASE)
_PART = {"tử số": "numerator", "numerator": "numerator", "mẫu số": "denominator", "denominator": "denominator"}

PTYPE_NAMES = {
    PeriodType.MONTH: gettext_lazy("month"), PeriodType.QUARTER: gettext_lazy("quarter"),
    PeriodType.HALF_YEAR: gettext_lazy("half-year"), PeriodType.YEAR: gettext_lazy("year"),
}


def _norm(text: object) -> str:
    return unicodedata.normalize("NFC", str(text or "")).strip()


# --- what a form's table looks like -------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """One indicator of a form as the files show it (the definition in force for the year)."""

    code: str
    name: str
    value_type: str  # number | percentage | ratio | yes_no
    period_type: PeriodType
    description: str = ""
    unit_of_measure: str = ""
    min_value: float | None = None
    max_value: float | None = None

    @property
    def is_ratio(self) -> bool:
        return self.value_type == "ratio"

    def header(self, part: str = "value") -> str:
        base = f"{self.name} ({self.code})"
        if part == "numerator":
            return f"{base} – {NUMERATOR}"
        if part == "denominator":
            return f"{base} – {DENOMINATOR}"
        return base

    def parts(self) -> tuple[str, ...]:
        return ("numerator", "denominator") if self.is_ratio else ("value",)


@dataclass(frozen=True)
class Column:
    spec: Spec
    part: str  # value | numerator | denominator

    @property
    def header(self) -> str:
        return self.spec.header(self.part)


def columns_of(specs: Sequence[Spec]) -> list[Column]:
    return [Column(s, part) for s in specs for part in s.parts()]


def table_headers(specs: Sequence[Spec]) -> list[str]:
    return [H_UNIT_CODE, H_UNIT_NAME, H_PERIOD] + [c.header for c in columns_of(specs)]


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    out, n = "", index + 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


# --- readings and their problems ----------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """A bad row or cell: where (sheet and row, or ``dataValues[12]``), which column, why."""

    where: str
    column: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"where": self.where, "column": self.column, "message": self.message}


@dataclass
class Reading:
    """What a reader made of a file: the rows to store, the problems already found, where each
    row came from (``ValueInput.row`` → (where, column)), and how many blank cells it skipped
    (a blank never deletes a stored value)."""

    rows: list[ValueInput] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    cells: dict[str, tuple[str, str]] = field(default_factory=dict)
    order: dict[str, int] = field(default_factory=dict)
    blank: int = 0

    def add(self, row: ValueInput, where: str, column: str, position: int) -> None:
        self.rows.append(row)
        self.cells[row.row] = (where, column)
        self.order.setdefault(where, position)

    def problem(self, where: str, column: str, message: str, position: int) -> None:
        self.problems.append(Problem(where, column, message))
        self.order.setdefault(where, position)

    def explain(self, errors: Iterable[tuple[str, str, str]], columns: Mapping[str, str]) -> list[Problem]:
        """Every problem, the reader's and ``values_write``'s (``(row label, field, message)``),
        once each, in file order. ``columns`` names the column of a field (``unit`` → the unit
        code column), so a row with an unknown unit is named once, not once per cell."""
        out: list[Problem] = list(self.problems)
        seen = set(out)
        for label, fld, message in errors:
            where, column = self.cells.get(label, (label, ""))
            column = columns.get(fld, column)
            p = Problem(where, column, message)
            if p not in seen:
                seen.add(p)
                out.append(p)
        big = len(self.order) + 1
        return sorted(out, key=lambda p: self.order.get(p.where, big))


TABLE_FIELDS = {"unit": H_UNIT_CODE, "period": H_PERIOD}
DHIS2_FIELDS = {"unit": "orgUnit", "indicator": "dataElement", "period": "period"}


def _check_period(raw: object, spec_type: PeriodType | None,
                  cache: dict[tuple[object, PeriodType | None], tuple[object, str | None]] | None = None,
                  ) -> tuple[object, str | None]:
    """The period as ``values_write`` takes it, or a message in the user's language (memoized in
    ``cache``: a file repeats the same few periods thousands of times)."""
    if cache is not None and isinstance(raw, str | int | float):
        key = (raw, spec_type)
        found = cache.get(key)
        if found is None:
            found = cache[key] = _check_period(raw, spec_type)
        return found
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date):
        return raw, None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = _norm(raw)
    try:
        period = Period.parse(text)
    except PeriodError:
        return text, _("“%(raw)s” is not a period (write it like 202501, 2025Q1, 2025S1 or 2025)") % {"raw": text}
    if spec_type is not None and period.type != spec_type:
        return text, _("%(period)s is not a %(type)s period") % {
            "period": text, "type": PTYPE_NAMES[spec_type]}
    return period, None


def _code(raw: object) -> str:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return _norm(raw)


def _blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip() == "")


# --- table readers (Excel, CSV) -----------------------------------------------------------------


def read_table(rows: Iterable[tuple[int, Sequence[object]]], specs: Sequence[Spec], *,
               where: Callable[[int], str], progress: Callable[[int], None] | None = None) -> Reading:
    """Read the template layout: a header row (unit code, unit name, period, one column per
    indicator — two for a ratio), then one row per unit and period."""
    reading = Reading()
    by_code = {s.code.casefold(): s for s in specs}
    types = {s.period_type for s in specs}
    form_type = types.pop() if len(types) == 1 else None
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        reading.problem(where(1), "", _("the file is empty: download the template and fill it in"), 1)
        return reading
    header_row, header = first
    fixed: dict[str, int] = {}
    found: dict[tuple[str, str], int] = {}
    for i, cell in enumerate(header):
        text = _norm(cell)
        if not text:
            continue
        letter = column_letter(i)
        alias = _ALIASES.get(text.casefold())
        if alias:
            fixed.setdefault(alias, i)
            continue
        m = _HEADER_CODE.search(text)
        spec = by_code.get(m.group(1).strip().casefold()) if m else None
        if spec is None:
            reading.problem(where(header_row), letter, _(
                "the column “%(header)s” is not an indicator of this form: headers are written "
                "“Indicator name (code)”, as in the template") % {"header": text}, header_row)
            continue
        part = _PART.get((m.group(2) or "").casefold(), "value") if m else "value"
        if spec.is_ratio and part == "value":
            reading.problem(where(header_row), letter, _(
                "“%(header)s” is a ratio: give it two columns, “… (%(code)s) – tử số” and “… (%(code)s) – mẫu số”")
                % {"header": text, "code": spec.code}, header_row)
            continue
        if not spec.is_ratio and part != "value":
            part = "value"
        if (spec.code, part) in found:
            reading.problem(where(header_row), letter, _("the column “%(header)s” appears twice") % {"header": text},
                            header_row)
            continue
        found[(spec.code, part)] = i
    for required in (H_UNIT_CODE, H_PERIOD):
        if required not in fixed:
            reading.problem(where(header_row), required, _("the column “%(header)s” is missing") % {"header": required},
                            header_row)
    for spec in specs:
        if spec.is_ratio and ((spec.code, "numerator") in found) != ((spec.code, "denominator") in found):
            reading.problem(where(header_row), spec.header(), _(
                "give both columns of this ratio, the numerator (tử số) and the denominator (mẫu số)"), header_row)
            found.pop((spec.code, "numerator"), None)
            found.pop((spec.code, "denominator"), None)
    if H_UNIT_CODE not in fixed or H_PERIOD not in fixed:
        return reading
    unit_at, period_at = fixed[H_UNIT_CODE], fixed[H_PERIOD]
    wanted = [(spec, {p: found[(spec.code, p)] for p in spec.parts()}) for spec in specs
              if all((spec.code, p) in found for p in spec.parts())]
    seen: dict[tuple[str, object], str] = {}
    periods_seen: dict[tuple[object, PeriodType | None], tuple[object, str | None]] = {}
    for n, (number, cells) in enumerate(iterator, start=1):
        if progress is not None and n % 500 == 0:
            progress(len(reading.rows))
        if not any(not _blank(c) for c in cells):
            continue
        here = where(number)

        def cell(i: int, cells: Sequence[object] = cells) -> object:
            return cells[i] if i < len(cells) else None

        unit_code = _code(cell(unit_at))
        raw_period = cell(period_at)
        bad = False
        if not unit_code:
            reading.problem(here, H_UNIT_CODE, _("enter the unit code"), number)
            bad = True
        if _blank(raw_period):
            reading.problem(here, H_PERIOD, _("enter the period (like 202501, 2025Q1 or 2025)"), number)
            bad = True
            period: object = None
        else:
            period, message = _check_period(raw_period, form_type, periods_seen)
            if message:
                reading.problem(here, H_PERIOD, message, number)
                bad = True
        if bad:
            continue
        key = (unit_code.casefold(), period)
        if key in seen:
            reading.problem(here, "", _("duplicate of %(other)s (same unit and period)") % {"other": seen[key]},
                            number)
            continue
        seen[key] = here
        for spec, at in wanted:
            raw = {part: cell(i) for part, i in at.items()}
            if all(_blank(v) for v in raw.values()):
                reading.blank += 1
                continue
            letter = column_letter(next(iter(at.values())))
            label = f"{here}, {letter}"
            reading.add(ValueInput(indicator=spec.code, unit=unit_code, period=period, row=label,
                                   value=raw.get("value"), numerator=raw.get("numerator"),
                                   denominator=raw.get("denominator")),
                        here, spec.header(), number)
    return reading


def read_excel(content: bytes, specs: Sequence[Spec], *, form_code: str = "",
               progress: Callable[[int], None] | None = None) -> Reading:
    """Read a filled template (the sheet “Dữ liệu”, else the first sheet)."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds (zip, XML, key errors) for a file that is not a workbook
        reading = Reading()
        reading.problem(_("the file"), "", _("this is not an Excel workbook (.xlsx): download the template, "
                                             "fill it in and upload it again"), 0)
        return reading
    try:
        subject = _norm(workbook.properties.subject) if workbook.properties else ""
        sheet = workbook[DATA_SHEET] if DATA_SHEET in workbook.sheetnames else workbook.worksheets[0]
        title = sheet.title

        def where(row: int) -> str:
            return _("Sheet “%(sheet)s”, row %(row)d") % {"sheet": title, "row": row}

        if form_code and subject.startswith(FORM_MARK) and subject[len(FORM_MARK):] != form_code:
            reading = Reading()
            reading.problem(_("the file"), "", _(
                "this is the template of form %(other)s, not of form %(form)s: choose the right form or download "
                "its template") % {"other": subject[len(FORM_MARK):], "form": form_code}, 0)
            return reading
        rows = ((i, row) for i, row in enumerate(sheet.iter_rows(values_only=True), start=1))
        return read_table(rows, specs, where=where, progress=progress)
    finally:
        workbook.close()


def read_csv(content: bytes, specs: Sequence[Spec], *, progress: Callable[[int], None] | None = None) -> Reading:
    """Read the template layout from CSV: UTF-8 (with or without BOM), ``;`` or ``,`` (or tab)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        reading = Reading()
        reading.problem(_("the file"), "", _("this file is not UTF-8 text: in Excel, save it as “CSV UTF-8”"), 0)
        return reading
    first_line = text.split("\n", 1)[0]
    delimiter = max([";", ",", "\t"], key=first_line.count)

    def where(row: int) -> str:
        return _("Row %(row)d") % {"row": row}

    rows = ((i, row) for i, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter),
                                            start=1))
    return read_table(rows, specs, where=where, progress=progress)


# --- DHIS2 dataValueSets ----------------------------------------------------------------------


def read_dhis2(payload: object, *, period_types: Mapping[str, PeriodType] | None = None) -> Reading:
    """Read ``{"dataValues": [{"dataElement", "period", "orgUnit", "value", "comment"}, …]}``,
    matched by code. A ratio's two parts come as two data values with ``categoryOptionCombo``
    ``numerator`` and ``denominator``. Top-level ``period`` and ``orgUnit`` apply to data values
    that lack them; data values marked ``deleted`` or without a value are skipped."""
    reading = Reading()
    period_types = period_types or {}
    if isinstance(payload, bytes | str):
        try:
            payload = json.loads(payload)
        except (ValueError, UnicodeDecodeError) as exc:
            reading.problem("", "", _("the body is not valid JSON: %(error)s") % {"error": exc}, 0)
            return reading
    if not isinstance(payload, dict) or not isinstance(payload.get("dataValues"), list):
        reading.problem("", "dataValues", _("expected an object with a “dataValues” list"), 0)
        return reading
    default_period, default_unit = payload.get("period"), payload.get("orgUnit")
    seen: dict[tuple[str, str, str, str], str] = {}
    periods_seen: dict[tuple[object, PeriodType | None], tuple[object, str | None]] = {}
    ratios: dict[tuple[str, str, object], ValueInput] = {}
    for i, dv in enumerate(payload["dataValues"]):
        here = f"dataValues[{i}]"
        if not isinstance(dv, dict):
            reading.problem(here, "", _("each data value must be an object"), i)
            continue
        element, unit, raw_period = _norm(dv.get("dataElement")), _norm(dv.get("orgUnit") or default_unit), \
            dv.get("period") or default_period
        coc = _norm(dv.get("categoryOptionCombo")).casefold()
        missing = [name for name, v in (("dataElement", element), ("orgUnit", unit), ("period", raw_period))
                   if not v]
        for name in missing:
            reading.problem(here, name, _("this field is required"), i)
        if missing:
            continue
        period, message = _check_period(raw_period, period_types.get(element), periods_seen)
        if message:
            reading.problem(here, "period", message, i)
            continue
        key = (element.casefold(), unit.casefold(), str(period), coc)
        if key in seen:
            reading.problem(here, "", _("duplicate of %(other)s (same data element, org unit, period and category "
                                        "option combo)") % {"other": seen[key]}, i)
            continue
        seen[key] = here
        value = dv.get("value")
        if dv.get("deleted") is True or _blank(value):
            reading.blank += 1
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        comment = _norm(dv.get("comment"))
        if coc in {"numerator", "denominator"}:
            rkey = (element, unit, period)
            row = ratios.get(rkey)
            if row is None:
                row = ratios[rkey] = ValueInput(indicator=element, unit=unit, period=period, row=here,
                                                comment=comment)
                reading.add(row, here, "value", i)
            setattr(row, coc, value)
            row.comment = row.comment or comment
            continue
        if coc and coc not in {"default", "hjslj7sxyys"}:  # DHIS2's "default" combo, by name or uid
            reading.problem(here, "categoryOptionCombo", _(
                "unknown category option combo “%(coc)s” (use numerator or denominator for a ratio, or leave it "
                "out)") % {"coc": dv.get("categoryOptionCombo")}, i)
            continue
        reading.add(ValueInput(indicator=element, unit=unit, period=period, value=value, comment=comment, row=here),
                    here, "value", i)
    return reading


# --- writers ----------------------------------------------------------------------------------


@dataclass
class Record:
    """One stored value, as exports show it."""

    indicator: str
    unit_code: str
    unit_name: str
    period: Period
    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    comment: str = ""
    updated_at: dt.datetime | None = None


def _number(x: float | None) -> int | float | None:
    if x is None:
        return None
    return int(x) if float(x).is_integer() and abs(x) < 1e15 else x


def _cell(spec: Spec, part: str, rec: Record | None) -> object:
    if rec is None:
        return None
    if part == "numerator":
        return _number(rec.numerator)
    if part == "denominator":
        return _number(rec.denominator)
    if spec.value_type == "yes_no" and rec.value is not None:
        return "có" if rec.value else "không"
    return _number(rec.value)


def table_rows(specs: Sequence[Spec], units: Sequence[tuple[str, str]], periods: Sequence[Period],
               records: Iterable[Record], *, only_with_values: bool) -> Iterator[list[object]]:
    """Rows of the template layout: one per unit (``(code, name)``) and period, in that order."""
    by: dict[tuple[str, Period], dict[str, Record]] = {}
    for r in records:
        by.setdefault((r.unit_code, r.period), {})[r.indicator] = r
    columns = columns_of(specs)
    for code, name in units:
        for p in periods:
            got = by.get((code, p))
            if only_with_values and not got:
                continue
            got = got or {}
            yield [code, name, p.dhis2] + [_cell(c.spec, c.part, got.get(c.spec.code)) for c in columns]


def _range_text(spec: Spec) -> str:
    low, high = spec.min_value, spec.max_value
    if spec.value_type == "percentage":
        low, high = 0.0 if low is None else low, 100.0 if high is None else high
    if spec.value_type == "yes_no":
        return "có / không (1 / 0)"
    if spec.value_type == "ratio":
        return "0 ≤ tử số ≤ mẫu số, mẫu số > 0"
    if low is None and high is None:
        return "—"
    if high is None:
        return f"≥ {_number(low)}"
    if low is None:
        return f"≤ {_number(high)}"
    return f"{_number(low)} – {_number(high)}"


VALUE_TYPE_VI = {"number": "Số", "percentage": "Phần trăm (%)", "ratio": "Tỷ lệ tử số / mẫu số", "yes_no": "Có / không"}


def write_xlsx(*, specs: Sequence[Spec], rows: Iterable[Sequence[object]], form_code: str, form_name: str,
               period_text: str, unit_text: str, template: bool) -> bytes:
    """The template layout as a workbook: the sheet “Dữ liệu” (Vietnamese headers, codes as text,
    Excel validation of types and ranges) and a read-only sheet “Hướng dẫn”. Streams rows, so a
    national export stays small in memory."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook(write_only=True)
    wb.properties.subject = FORM_MARK + form_code
    wb.properties.title = form_name
    ws = wb.create_sheet(DATA_SHEET)
    headers = table_headers(specs)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DCE6F1")
    wrap = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "D2"
    for i in range(len(headers)):
        ws.column_dimensions[column_letter(i)].width = 14 if i == 0 else 36 if i == 1 else 12 if i == 2 else 24
    last_row = 20000
    columns = columns_of(specs)
    for offset, col in enumerate(columns):
        letter = column_letter(3 + offset)
        spec = col.spec
        dv = None
        if spec.value_type == "yes_no":
            dv = DataValidation(type="list", formula1='"có,không"', allow_blank=True)
        elif spec.value_type in {"number", "percentage"}:
            low, high = spec.min_value, spec.max_value
            if spec.value_type == "percentage":
                low, high = 0.0 if low is None else low, 100.0 if high is None else high
            if low is not None and high is not None:
                dv = DataValidation(type="decimal", operator="between", formula1=str(low), formula2=str(high),
                                    allow_blank=True)
            elif low is not None:
                dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1=str(low), allow_blank=True)
            elif high is not None:
                dv = DataValidation(type="decimal", operator="lessThanOrEqual", formula1=str(high), allow_blank=True)
        else:
            dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
        if dv is not None:
            dv.error = f"Giá trị hợp lệ: {_range_text(spec)}"
            dv.errorTitle = spec.header(col.part)
            dv.showErrorMessage = True
            dv.add(f"{letter}2:{letter}{last_row}")
            ws.data_validations.append(dv)
    header_cells = []
    for h in headers:
        c = WriteOnlyCell(ws, value=h)
        c.font, c.fill, c.alignment = bold, fill, wrap
        header_cells.append(c)
    ws.append(header_cells)
    for row in rows:
        cells: list[object] = []
        for i, v in enumerate(row):
            if i < 3:
                c = WriteOnlyCell(ws, value=v)
                c.number_format = "@"  # codes like 00070 and periods like 202501 stay text
                cells.append(c)
            else:
                cells.append(v)
        ws.append(cells)

    help_ws = wb.create_sheet(HELP_SHEET)
    help_ws.column_dimensions["A"].width = 36
    for letter, width in zip("BCDEFG", (16, 40, 50, 22, 14, 22), strict=True):
        help_ws.column_dimensions[letter].width = width
    help_ws.protection.sheet = True  # read-only: the instructions and definitions are not to be edited

    def title(text: str) -> WriteOnlyCell:
        c = WriteOnlyCell(help_ws, value=text)
        c.font = Font(bold=True, size=13)
        return c

    help_ws.append([title(f"{'Mẫu nhập liệu' if template else 'Dữ liệu xuất'}: {form_name} ({form_code})")])
    help_ws.append(["Đơn vị", unit_text])
    help_ws.append(["Kỳ báo cáo", period_text])
    help_ws.append([])
    help_ws.append([title("Cách điền")])
    for line in (
        "1. Điền số liệu vào trang tính “Dữ liệu”, mỗi dòng là một đơn vị trong một kỳ báo cáo.",
        "2. Không sửa dòng tiêu đề; cột chỉ số được nhận biết theo mã trong ngoặc “Tên chỉ số (mã)”.",
        "3. Mã đơn vị và kỳ báo cáo viết như mẫu: kỳ theo ký hiệu DHIS2 — tháng 202501, quý 2025Q1, "
        "6 tháng 2025S1, năm 2025.",
        "4. Ô để trống: giữ nguyên giá trị đã lưu (không xoá).",
        "5. Số thập phân dùng dấu phẩy hoặc dấu chấm; chỉ số có/không ghi “có”/“không” (hoặc 1/0).",
        "6. Chỉ số tỷ lệ có hai cột: tử số và mẫu số (tử số không lớn hơn mẫu số).",
        "7. Tệp được nhập toàn bộ hoặc không nhập gì: nếu có dòng sai, hệ thống liệt kê mọi dòng sai và lý do, "
        "không lưu dòng nào.",
    ):
        help_ws.append([line])
    help_ws.append([])
    help_ws.append([title("Các chỉ số")])
    head = ["Cột", "Mã", "Tên chỉ số", "Định nghĩa", "Kiểu giá trị", "Đơn vị tính", "Giới hạn cho phép"]
    help_ws.append([_bold(help_ws, h) for h in head])
    for col in columns:
        s = col.spec
        help_ws.append([col.header, s.code, s.name, s.description, VALUE_TYPE_VI.get(s.value_type, s.value_type),
                        s.unit_of_measure, _range_text(s)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _bold(ws: Any, text: str) -> Any:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    c = WriteOnlyCell(ws, value=text)
    c.font = Font(bold=True)
    return c


def write_csv(*, specs: Sequence[Spec], rows: Iterable[Sequence[object]]) -> bytes:
    """The template layout as CSV: UTF-8 with BOM (Excel opens it with the right accents), comma
    separated, decimal point — the CSV reader takes it back as it is."""
    out = io.StringIO()
    out.write("\ufeff")
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(table_headers(specs))
    for row in rows:
        w.writerow(["" if v is None else v for v in row])
    return out.getvalue().encode("utf-8")


def _dhis2_value(spec: Spec | None, x: float | None) -> str:
    if x is None:
        return ""
    if spec is not None and spec.value_type == "yes_no":
        return "true" if x else "false"
    n = _number(x)
    return str(n)


def build_dhis2(records: Iterable[Record], specs: Mapping[str, Spec], *, data_set: str = "") -> dict[str, Any]:
    """``{"dataSet", "dataValues": [...]}`` in DHIS2's shape, codes as identifiers."""
    values: list[dict[str, Any]] = []
    for r in records:
        spec = specs.get(r.indicator)
        base: dict[str, Any] = {"dataElement": r.indicator, "period": r.period.dhis2, "orgUnit": r.unit_code}
        extra: dict[str, Any] = {}
        if r.comment:
            extra["comment"] = r.comment
        if r.updated_at is not None:
            extra["lastUpdated"] = r.updated_at.isoformat()
        if spec is not None and spec.is_ratio:
            values.append({**base, "categoryOptionCombo": "numerator", "value": _dhis2_value(None, r.numerator),
                           **extra})
            values.append({**base, "categoryOptionCombo": "denominator",
                           "value": _dhis2_value(None, r.denominator), **extra})
        else:
            values.append({**base, "value": _dhis2_value(spec, r.value), **extra})
    out: dict[str, Any] = {"dataValues": values}
    if data_set:
        out = {"dataSet": data_set, **out}
    return out


# --- the database side ------------------------------------------------------------------------
# Kept here until the lead moves them: ``import_reading`` belongs with services, the ``form_*``
# and ``export_*`` reads with selectors. They go through the access module like every read.


def form_specs(form: Any, year: int) -> list[Spec]:
    """The indicators of ``form`` in order, with the definitions in force in ``year``."""
    out = []
    for fi in form.form_indicators.select_related("indicator").prefetch_related("indicator__versions"):
        ind = fi.indicator
        v = ind.version_for(year)
        if v is None:
            continue
        out.append(Spec(code=ind.code, name=v.name, value_type=v.value_type, period_type=ind.ptype,
                        description=v.description, unit_of_measure=v.unit_of_measure, min_value=v.min_value,
                        max_value=v.max_value))
    return out


def indicator_specs(codes: Iterable[str], year: int) -> dict[str, Spec]:
    from .models import Indicator

    out = {}
    for ind in Indicator.objects.filter(code__in=set(codes)).prefetch_related("versions"):
        v = ind.version_for(year)
        if v is not None:
            out[ind.code] = Spec(code=ind.code, name=v.name, value_type=v.value_type, period_type=ind.ptype,
                                 min_value=v.min_value, max_value=v.max_value)
    return out


@dataclass
class Outcome:
    """The result of an import: stored (all) or rejected (nothing stored, every problem named)."""

    ok: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    blank: int = 0
    problems: list[Problem] = field(default_factory=list)
    dry_run: bool = False

    @property
    def stored(self) -> int:
        return self.created + self.updated

    def summary(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged, "blank": self.blank}


class _DryRun(Exception):
    pass


def import_reading(*, actor: Any, reading: Reading, source: str, fields: Mapping[str, str],
                   dry_run: bool = False) -> Outcome:
    """Store a reading all or nothing. When the reader already found problems (or on a dry
    run) the rows are still checked by ``values_write`` — inside a transaction rolled back —
    so that the answer names every bad row at once."""
    from . import services

    outcome = Outcome(ok=False, blank=reading.blank, dry_run=dry_run)
    errors: list[tuple[str, str, str]] = []
    try:
        with transaction.atomic():
            result = services.values_write(actor=actor, rows=reading.rows, source=source)
            outcome.created, outcome.updated, outcome.unchanged = result.created, result.updated, result.unchanged
            if reading.problems or dry_run:
                raise _DryRun
    except _DryRun:
        pass
    except services.Rejected as exc:
        errors = exc.errors
    outcome.problems = reading.explain(errors, fields)
    outcome.ok = not outcome.problems
    if not outcome.ok:
        outcome.created = outcome.updated = outcome.unchanged = 0
    return outcome


def export_records(*, actor: Any, indicator_ids: Iterable[int], unit: Any, periods: Sequence[Period],
                   children: bool = True) -> list[Record]:
    """Stored values of ``unit`` (and its subtree) the actor may view; 404 when the unit is out
    of scope."""
    from dxnet.core import access
    from dxnet.network.models import subtree_bounds

    from .models import DataValue

    access.check(actor, "view", unit, DataValue)
    starts = {p.start: p for p in periods}
    qs = DataValue.objects.filter(indicator_id__in=list(indicator_ids), period__in=list(starts))
    if children:
        low, high = subtree_bounds(unit.path)
        qs = qs.filter(unit__path__gte=low, unit__path__lt=high)
    else:
        qs = qs.filter(unit=unit)
    qs = access.visible(actor, qs, "view").order_by("unit__path", "period", "indicator__code")
    return [
        Record(indicator=code, unit_code=ucode, unit_name=uname, period=starts[period], value=value,
               numerator=num, denominator=den, comment=comment, updated_at=updated)
        for code, ucode, uname, period, value, num, den, comment, updated in qs.values_list(
            "indicator__code", "unit__code", "unit__name", "period", "value", "numerator", "denominator", "comment",
            "updated_at").iterator(chunk_size=5000)
    ]


def template_units(*, actor: Any, form: Any, unit: Any, period: Period) -> list[tuple[str, str]]:
    """The units of ``unit``'s subtree that must report ``form`` for ``period`` and that the
    actor may write: the rows of the template (404 when ``unit`` is out of write scope)."""
    from dxnet.core import access

    from . import selectors
    from .models import DataValue

    access.check(actor, "write", unit, DataValue)
    expected = selectors.expected_units(form=form, period=period, within=unit)
    writable = access.units(actor, "write", DataValue)
    return list(expected.filter(pk__in=writable.values("pk")).order_by("path").values_list("code", "name"))


def estimate_values(kind: str, content: bytes, n_columns: int) -> int:
    """How many values a file holds, cheaply (to choose between inline and background)."""
    if kind == "dhis2":
        return content.count(b'"dataElement"')
    if kind == "csv":
        return max(content.count(b"\n") - 1, 0) * max(n_columns, 1)
    try:
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(content), read_only=True)
        try:
            ws = wb[DATA_SHEET] if DATA_SHEET in wb.sheetnames else wb.worksheets[0]
            return max((ws.max_row or 1) - 1, 0) * max(n_columns, 1)
        finally:
            wb.close()
    except Exception:  # not a workbook: the reader says so, inline
        return 0


def kind_of(filename: str) -> str | None:
    name = filename.lower()
    if name.endswith(".xlsx"):
        return "excel"
    if name.endswith(".csv") or name.endswith(".txt"):
        return "csv"
    if name.endswith(".json"):
        return "dhis2"
    return None


def read_file(kind: str, content: bytes, *, form: Any, year: int,
              progress: Callable[[int], None] | None = None) -> tuple[Reading, dict[str, str]]:
    """Read an uploaded file for ``form``; the field → column names for ``Reading.explain``."""
    if kind == "dhis2":
        try:
            payload = json.loads(content)
        except (ValueError, UnicodeDecodeError) as exc:
            reading = Reading()
            reading.problem(_("the file"), "", _("this is not a JSON file: %(error)s") % {"error": exc}, 0)
            return reading, DHIS2_FIELDS
        codes = [_norm(dv.get("dataElement")) for dv in payload.get("dataValues", []) if isinstance(dv, dict)] \
            if isinstance(payload, dict) and isinstance(payload.get("dataValues"), list) else []
        types = {code: s.period_type for code, s in indicator_specs(codes, year).items()}
        return read_dhis2(payload, period_types=types), DHIS2_FIELDS
    specs = form_specs(form, year)
    if kind == "csv":
        return read_csv(content, specs, progress=progress), TABLE_FIELDS
    return read_excel(content, specs, form_code=form.code, progress=progress), TABLE_FIELDS


SOURCES = {"excel": "excel", "csv": "csv", "dhis2": "dhis2"}
