"""Indicators and live analytics over the JSON API.

``GET /api/analytics`` answers from the aggregates kept up to date on every write: a value
submitted a moment ago is in the very next answer, at every level of the tree. Bad parameters
answer 422 in the API's error shape, naming the parameter; a unit outside the caller's scope
answers 404, as if it did not exist.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import ValidationError

from dxnet.core import access
from dxnet.network.models import Unit, UnitType

from . import selectors
from .models import Aggregate, Direction, Indicator
from .periods import Period, PeriodError, span
from .selectors import achievement

router = Router(tags=["indicators"])

BY = ("self", "children", "level")
MAX_PERIODS = 240  # twenty years of months in one answer


class IndicatorOut(Schema):
    code: str
    name: str
    name_en: str
    group: str
    period_type: str
    value_type: str | None
    aggregation: str | None
    direction: str | None
    unit_of_measure: str
    valid_from_year: int | None


class UnitRef(Schema):
    code: str
    name: str


class PeriodRef(Schema):
    dhis2: str
    label: str


class AnalyticsRow(Schema):
    unit: UnitRef
    period: PeriodRef
    value: float | None
    n: int
    target: float | None
    achievement: float | None


class AnalyticsIndicator(Schema):
    code: str
    name: str
    name_en: str
    period_type: str
    aggregation: str | None
    value_type: str | None
    unit_of_measure: str
    direction: str | None


class AnalyticsOut(Schema):
    indicator: AnalyticsIndicator
    unit: UnitRef
    by: str
    level: str
    periods: list[PeriodRef]
    rows: list[AnalyticsRow]


def _invalid(field: str, message: str) -> ValidationError:
    # The API's handler turns this into {"error": {"code": "invalid", "fields": [{"field", "message"}]}}.
    return ValidationError([{"loc": ["query", field], "msg": message}])


def _indicator_out(indicator: Indicator) -> dict[str, Any]:
    version = indicator.version_for(timezone.localdate().year)
    return {
        "code": indicator.code, "name": version.name if version else indicator.code,
        "name_en": version.name_en if version else "", "group": indicator.group,
        "period_type": indicator.period_type,
        "value_type": version.value_type if version else None,
        "aggregation": version.aggregation if version else None,
        "direction": version.direction if version else None,
        "unit_of_measure": version.unit_of_measure if version else "",
        "valid_from_year": version.valid_from_year if version else None,
    }


@router.get("/indicators", response=list[IndicatorOut], summary="List the indicators")
def indicators_list(request: HttpRequest) -> Any:
    """Every indicator with the definition in force this year (any signed-in user)."""
    return [_indicator_out(i) for i in Indicator.objects.prefetch_related("versions").order_by("code")]


def parse_periods(text: str, indicator: Indicator) -> list[Period]:
    """``202501`` or a range ``202501:202512``, in the indicator's period type; empty means the
    last twelve periods up to the current one."""
    text = text.strip()
    if not text:
        last = Period.containing(indicator.ptype, timezone.localdate())
        return span(last.previous(11), last)
    first_text, sep, last_text = text.partition(":")
    try:
        first = Period.parse(first_text, indicator.ptype)
        last = Period.parse(last_text, indicator.ptype) if sep else first
    except PeriodError as exc:
        raise _invalid("period", str(exc)) from None
    if last < first:
        raise _invalid("period", _("The range ends before it starts."))
    periods = span(first, last)
    if len(periods) > MAX_PERIODS:
        raise _invalid("period", _("Ask for at most %(n)d periods at once.") % {"n": MAX_PERIODS})
    return periods


@router.get("/analytics", response=AnalyticsOut, summary="Live rollup of an indicator")
def analytics(request: HttpRequest, indicator: str = "", unit: str = "", period: str = "", by: str = "self",
              level: str = "") -> Any:
    """The value of ``indicator`` for ``unit`` (by=self), each of its children (by=children) or
    every unit of type ``level`` in its subtree (by=level), for a period or a range of periods
    (``202501``, ``2025Q1``, ``2025S1``, ``2025``, ``202501:202512``), aggregated by the rule of
    the definition in force each year, with targets and achievement (%)."""
    if not indicator:
        raise _invalid("indicator", _("Give an indicator code."))
    ind = Indicator.objects.prefetch_related("versions").filter(code=indicator).first()
    if ind is None:
        raise _invalid("indicator", _("Unknown indicator “%(code)s”.") % {"code": indicator})
    if by not in BY:
        raise _invalid("by", _("by must be one of: %(choices)s.") % {"choices": ", ".join(BY)})
    if by == "level" and level not in UnitType.values:
        raise _invalid("level", _("level must be a unit type: %(choices)s.") % {"choices": ", ".join(UnitType.values)})
    if not unit:
        raise _invalid("unit", _("Give a unit code."))
    periods = parse_periods(period, ind)
    target_unit = access.get_or_404(request.user, Unit, "view", code=unit)
    access.check(request.user, "view", target_unit, Aggregate)
    units = selectors.analytics_units(actor=request.user, unit=target_unit, by=by, level=level)
    cells = selectors.rollup_cells(indicator=ind, units=units, periods=periods)
    rows = []
    for cell in cells:
        version = ind.version_for(cell.period.start.year)
        rows.append({
            "unit": {"code": cell.unit.code, "name": cell.unit.name},
            "period": {"dhis2": cell.period.dhis2, "label": cell.period.label()},
            "value": cell.value, "n": cell.n, "target": cell.target,
            "achievement": achievement(cell.value, cell.target, version.direction if version else Direction.HIGHER),
        })
    version = ind.version_for(periods[-1].start.year)
    return {
        "indicator": {
            "code": ind.code, "name": version.name if version else ind.code,
            "name_en": version.name_en if version else "", "period_type": ind.period_type,
            "aggregation": version.aggregation if version else None,
            "value_type": version.value_type if version else None,
            "unit_of_measure": version.unit_of_measure if version else "",
            "direction": version.direction if version else None,
        },
        "unit": {"code": target_unit.code, "name": target_unit.name},
        "by": by, "level": level if by == "level" else "",
        "periods": [{"dhis2": p.dhis2, "label": p.label()} for p in periods],
        "rows": rows,
    }
