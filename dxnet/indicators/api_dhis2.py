"""DHIS2 ``dataValueSets`` import and export, and dxnet's own JSON rows (``/api/values``).

Identifiers are codes: ``dataElement`` = indicator code, ``orgUnit`` = unit code, ``dataSet`` =
report form code, periods in DHIS2 notation (``202501``, ``2025Q1``, ``2025S1``, ``2025``). A
ratio indicator is two data values, ``categoryOptionCombo`` ``numerator`` and ``denominator``.
Imports are all or nothing: any bad data value → HTTP 409, every conflict listed, nothing stored.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from dxnet.api import error_body
from dxnet.core import access
from dxnet.network.models import Unit

from . import transfer
from .models import DataValue, ReportForm
from .periods import Period, PeriodError, PeriodType, span

router = Router(tags=["dhis2"])


def _summary(outcome: transfer.Outcome, total: int) -> dict[str, Any]:
    if outcome.ok:
        return {
            "status": "SUCCESS",
            "description": _("Dry run: nothing was stored.") if outcome.dry_run else _("Import complete."),
            "dryRun": outcome.dry_run,
            "importCount": {"imported": outcome.created, "updated": outcome.updated,
                            "ignored": outcome.unchanged + outcome.blank, "deleted": 0},
            "conflicts": [],
        }
    return {
        "status": "ERROR",
        "description": _("Nothing was stored: %(n)d problem(s), listed in conflicts.") % {"n": len(outcome.problems)},
        "dryRun": outcome.dry_run,
        "importCount": {"imported": 0, "updated": 0, "ignored": total, "deleted": 0},
        "conflicts": [{"object": p.where, "property": p.column, "value": p.message} for p in outcome.problems],
    }


@router.post("/dataValueSets", response={200: dict, 400: dict, 409: dict},
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {
                 "type": "object", "properties": {"dataValues": {"type": "array", "items": {
                     "type": "object", "properties": {k: {"type": "string"} for k in (
                         "dataElement", "period", "orgUnit", "categoryOptionCombo", "value", "comment")}}}}}}}}})
def data_value_sets_import(request: HttpRequest, dry_run: bool = Query(False, alias="dryRun")) -> Any:
    """Import a DHIS2 data value set, all or nothing. ``?dryRun=true`` checks everything and
    stores nothing. Answers a DHIS2 import summary: 200 ``SUCCESS`` with the counts, or 409
    ``ERROR`` with every conflict (``object`` = ``dataValues[i]``)."""
    try:
        payload = json.loads(request.body)
    except (ValueError, UnicodeDecodeError) as exc:
        return Status(400, error_body("bad_json", _("the body is not valid JSON: %(error)s") % {"error": exc}))
    if not isinstance(payload, dict) or not isinstance(payload.get("dataValues"), list):
        return Status(400, error_body("bad_json", _("expected an object with a “dataValues” list")))
    codes = [str(dv.get("dataElement") or "").strip() for dv in payload["dataValues"] if isinstance(dv, dict)]
    types = {c: s.period_type for c, s in transfer.indicator_specs(codes, timezone.localdate().year).items()}
    reading = transfer.read_dhis2(payload, period_types=types)
    total = len(reading.rows) + reading.blank
    fields = transfer.DHIS2_FIELDS
    outcome = transfer.import_reading(actor=request.user, reading=reading, source="dhis2", fields=fields,
                                      dry_run=dry_run)
    return Status(200 if outcome.ok else 409, _summary(outcome, total))


def _periods(form: ReportForm, period: list[str] | None, start: dt.date | None, end: dt.date | None) -> list[Period]:
    ptype = PeriodType(form.period_type)
    out: list[Period] = []
    try:
        for p in period or []:
            for part in p.split(","):
                if part.strip():
                    out.append(Period.parse(part, ptype))
    except PeriodError as exc:
        raise _Invalid("period", str(exc)) from None
    if start and end:
        if end < start:
            raise _Invalid("endDate", _("endDate is before startDate"))
        periods = span(Period.containing(ptype, start), Period.containing(ptype, end))
        out += [p for p in periods if p.start >= start and p.end <= end]
    if not out:
        raise _Invalid("period", _("give period (e.g. 202501, repeatable) or startDate and endDate"))
    if len(out) > 240:
        raise _Invalid("period", _("at most 240 periods per request"))
    return sorted(set(out))


class _Invalid(Exception):
    def __init__(self, fld: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = fld, message


@router.get("/dataValueSets", response={200: dict, 422: dict})
def data_value_sets_export(
    request: HttpRequest,
    data_set: str = Query(..., alias="dataSet"),
    org_unit: str = Query(..., alias="orgUnit"),
    period: list[str] | None = Query(None),  # noqa: B008 (ninja's way of declaring query parameters)
    start_date: dt.date | None = Query(None, alias="startDate"),  # noqa: B008
    end_date: dt.date | None = Query(None, alias="endDate"),  # noqa: B008
    children: bool = False,
) -> Any:
    """Export the stored values of a report form (``dataSet`` = form code) for a unit
    (``orgUnit`` code; ``children=true`` for its whole subtree) and periods, in DHIS2's
    ``dataValueSets`` shape. 404 when the form or the unit is unknown or out of your scope."""
    form = ReportForm.objects.filter(code=data_set).first()
    unit = Unit.objects.filter(code=org_unit).first()
    if form is None or unit is None:
        raise Http404
    access.check(request.user, "view", unit, DataValue)  # out of scope: 404 before anything else is said
    try:
        periods = _periods(form, period, start_date, end_date)
    except _Invalid as exc:
        return Status(422, error_body("invalid", _("Some fields are not valid."), [{"field": exc.field,
                                                                              "message": exc.message}]))
    specs = {s.code: s for s in transfer.form_specs(form, periods[-1].start.year)}
    ids = list(form.form_indicators.values_list("indicator_id", flat=True))
    records = transfer.export_records(actor=request.user, indicator_ids=ids, unit=unit, periods=periods,
                                      children=children)
    return Status(200, transfer.build_dhis2(records, specs, data_set=form.code))


@router.post("/values", response={200: dict, 400: dict, 422: dict},
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {
                 "type": "object", "properties": {"values": {"type": "array", "items": {
                     "type": "object", "properties": {k: {"type": ["string", "number", "null"]} for k in (
                         "indicator", "unit", "period", "value", "numerator", "denominator", "comment")}}}}}}}}})
def values_import(request: HttpRequest, dry_run: bool = Query(False, alias="dryRun")) -> Any:
    """Store values given as dxnet rows ``{"values": [{"indicator", "unit", "period", "value"}
    | {…, "numerator", "denominator"}]}`` (codes, DHIS2 period notation), all or nothing.
    422 names every bad row (``values[i].field``)."""
    try:
        payload = json.loads(request.body)
    except (ValueError, UnicodeDecodeError) as exc:
        return Status(400, error_body("bad_json", _("the body is not valid JSON: %(error)s") % {"error": exc}))
    if not isinstance(payload, dict) or not isinstance(payload.get("values"), list):
        return Status(400, error_body("bad_json", _("expected an object with a “values” list")))
    data_values = []
    for item in payload["values"]:
        if not isinstance(item, dict):
            data_values.append(item)
            continue
        base = {"dataElement": item.get("indicator"), "orgUnit": item.get("unit"), "period": item.get("period"),
                "comment": item.get("comment")}
        if item.get("numerator") is not None or item.get("denominator") is not None:
            # Keep one index per row: the two parts go in as one ratio row.
            data_values.append({**base, "categoryOptionCombo": "numerator", "value": item.get("numerator")})
            data_values.append({**base, "categoryOptionCombo": "denominator", "value": item.get("denominator")})
        else:
            data_values.append({**base, "value": item.get("value")})
    # Map data value indexes back to row indexes for the messages.
    index_of: list[int] = []
    for i, item in enumerate(payload["values"]):
        two = isinstance(item, dict) and (item.get("numerator") is not None or item.get("denominator") is not None)
        index_of += [i] * (2 if two else 1)
    year = timezone.localdate().year
    types = {c: s.period_type for c, s in transfer.indicator_specs(
        [str(d.get("dataElement")) for d in data_values if isinstance(d, dict)], year).items()}
    reading = transfer.read_dhis2({"dataValues": data_values}, period_types=types)
    names = {"dataElement": "indicator", "orgUnit": "unit", "period": "period", "value": "value", "": "row",
             "categoryOptionCombo": "value"}
    outcome = transfer.import_reading(actor=request.user, reading=reading, source="api",
                                      fields=transfer.DHIS2_FIELDS, dry_run=dry_run)
    if not outcome.ok:
        fields = []
        for p in outcome.problems:
            where = p.where
            if where.startswith("dataValues["):
                where = f"values[{index_of[int(where[11:-1])]}]"
            fields.append({"field": f"{where}.{names.get(p.column, p.column)}", "message": p.message})
        message = _("Nothing was stored: %(n)d problem(s).") % {"n": len(fields)}
        return Status(422, error_body("rejected", message, fields))
    return Status(200, {"created": outcome.created, "updated": outcome.updated, "unchanged": outcome.unchanged,
                        "blank": outcome.blank, "dryRun": dry_run})
