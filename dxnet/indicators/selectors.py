"""Reads: live rollups (analytics), expected reports, completeness and timeliness. Every read
is narrowed by the access module before anything is computed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from dxnet.core import access
from dxnet.network.models import Unit

from . import rollup
from .models import Aggregate, DataValue, Direction, FormAssignment, Indicator, ReportForm, Target
from .periods import Period


def achievement(value: float | None, target: float | None, direction: str = Direction.HIGHER) -> float | None:
    """% of the target reached; for "lower is better" indicators, target ÷ value (reaching a
    lower figure than the target is over 100 %)."""
    if value is None or not target:
        return None
    if direction == Direction.LOWER:
        return 100.0 * target / value if value else None
    return 100.0 * value / target


@dataclass
class Cell:
    unit: Unit
    period: Period
    value: float | None
    n: int
    target: float | None = None
    direction: str = Direction.HIGHER

    @property
    def achievement(self) -> float | None:
        return achievement(self.value, self.target, self.direction)


def analytics_units(*, actor: Any, unit: Unit, by: str = "self", level: str = "") -> list[Unit]:
    """The units a rollup reports on: the unit itself, its children, or every unit of a type in
    its subtree; 404 unless the actor may read the unit's data."""
    access.check(actor, "view", unit, Aggregate)
    if by == "children":
        return list(unit.children.current().order_by("unit_type", "name"))
    if by == "level":
        return list(Unit.objects.current().subtree_of(unit, include_self=False).filter(unit_type=level)
                    .order_by("name"))
    return [unit]


def rollup_cells(*, indicator: Indicator, units: list[Unit], periods: list[Period],
                 with_targets: bool = True) -> list[Cell]:
    """Value of ``indicator`` for each unit × period, aggregated by the rule of the version in
    force in each period's year, from the live aggregates."""
    sums = rollup.sums_for([indicator.pk], [u.pk for u in units], [p.start for p in periods])
    targets = _targets(indicator, units, periods) if with_targets else {}
    cells = []
    for u in units:
        for p in periods:
            s = sums.get((indicator.pk, u.pk, p.start), rollup.Sums())
            version = indicator.version_for(p.start.year)
            cells.append(Cell(u, p, rollup.compute(version.aggregation, s) if version else None, int(s.n),
                              targets.get((u.pk, p.start)), version.direction if version else Direction.HIGHER))
    return cells


def rollup_total(*, indicator: Indicator, unit: Unit, periods: list[Period]) -> float | None:
    """One figure for a subtree over a range of periods (a year from its months, for instance)."""
    sums = rollup.sums_for([indicator.pk], [unit.pk], [p.start for p in periods])
    version = indicator.version_for(periods[-1].start.year)
    by_period = {p.start: sums.get((indicator.pk, unit.pk, p.start), rollup.Sums()) for p in periods}
    return rollup.compute(version.aggregation, rollup.over_time(version.aggregation, by_period)) if version else None


def targets_for(*, units: list[Unit], wanted: list[tuple[Indicator, Period]]) -> dict[
    tuple[int, int, dt.date], tuple[float, bool]
]:
    """Targets of several units × (indicator, period) in one query: the target of the exact
    period, else the annual target of the period's year. Values are (target, is_annual) so that a
    caller can compare an annual target with a year-to-date figure."""
    if not wanted or not units:
        return {}
    starts = {(p.start, p.type.value) for _, p in wanted}
    years = {dt.date(p.start.year, 1, 1) for _, p in wanted}
    q = Q(period__in=years, period_type="year")
    for start, ptype in starts:
        q |= Q(period=start, period_type=ptype)
    rows = Target.objects.filter(unit__in=units, indicator__in={i.pk for i, _ in wanted}).filter(q).values_list(
        "indicator_id", "unit_id", "period", "period_type", "value")
    found = {(i, u, start, ptype): v for i, u, start, ptype, v in rows}
    out: dict[tuple[int, int, dt.date], tuple[float, bool]] = {}
    for indicator, p in wanted:
        for u in units:
            exact = found.get((indicator.pk, u.pk, p.start, p.type.value))
            if exact is not None:
                out[(indicator.pk, u.pk, p.start)] = (exact, p.type.value == "year")
                continue
            annual = found.get((indicator.pk, u.pk, dt.date(p.start.year, 1, 1), "year"))
            if annual is not None:
                out[(indicator.pk, u.pk, p.start)] = (annual, True)
    return out


def _targets(indicator: Indicator, units: list[Unit], periods: list[Period]) -> dict[tuple[int, dt.date], float]:
    found = targets_for(units=units, wanted=[(indicator, p) for p in periods])
    return {(u, start): value for (_i, u, start), (value, _annual) in found.items()}


def latest_with_data(*, unit: Unit, indicator_ids: list[int] | None = None,
                     until: dt.date | None = None) -> dict[int, dt.date]:
    """For each indicator with counted data in ``unit``'s subtree (lineage included), the first
    day of the latest period up to ``until`` that has data. Two grouped index reads."""
    until = until or timezone.localdate()
    aggregates = Aggregate.objects.filter(unit=unit, n__gt=0, period__lte=until)
    values = DataValue.objects.filter(unit=unit, counted=True, period__lte=until)
    if indicator_ids is not None:
        aggregates = aggregates.filter(indicator_id__in=indicator_ids)
        values = values.filter(indicator_id__in=indicator_ids)
    out: dict[int, dt.date] = {}
    for qs in (aggregates, values):
        for row in qs.values("indicator_id").annotate(last=Max("period")).order_by():
            if row["last"] > out.get(row["indicator_id"], dt.date.min):
                out[row["indicator_id"]] = row["last"]
    return out


# --- expected reports, completeness, timeliness ---------------------------------------------------


def expected_units(*, form: ReportForm, period: Period, within: Unit | None = None) -> QuerySet[Unit]:
    """Units that had to report ``form`` for ``period``: matched by an assignment in force on the
    period's last day, and themselves in force that day. Computed from the dated history, so a
    unit created after, or closed before, the period's end is never expected."""
    day = period.end
    assignments = FormAssignment.objects.filter(form=form, valid_from__lte=day).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=day)).select_related("unit")
    q = Q(pk__in=[])
    for a in assignments:
        low_high = Unit.objects.subtree_of(a.unit)
        if a.unit_type:
            q |= Q(pk__in=low_high.filter(unit_type=a.unit_type).values("pk"))
        else:
            q |= Q(pk=a.unit_id)
    qs = Unit.objects.current(day).filter(q)
    if within is not None:
        qs = qs.subtree_of(within)
    return qs
