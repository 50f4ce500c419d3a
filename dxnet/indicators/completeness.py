"""Completeness and timeliness of periodic reports, in bulk: per unit, per child unit, per
subtree and period, and the units still owing a report (the ones to urge).

Expected units come from ``selectors.expected_units`` (the dated assignment history), and every
count is taken over the expected units only: a unit that reported but was no longer expected
(closed, merged away) is shown but never counted, so no rate can exceed 100 %.

A cell's state, for one unit and period:

``not_expected``  the unit did not have to report (not assigned then, not in force then)
``pending``       expected, nothing submitted yet, the due date has not passed
``missing``       expected, nothing submitted (no report or a draft) and the due date has passed
``returned``      sent back for correction, waiting to be submitted again
``on_time``       submitted (not yet approved), first submission on or before the due date
``late``          submitted (not yet approved), first submission after the due date
``approved``      approved by the supervisor (``late`` tells whether it first came late)

Urging itself belongs to the plans module: the grid sends ``urging_requested`` and whoever
listens issues the notices.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import BooleanField, Case, Value, When
from django.dispatch import Signal
from django.utils import timezone

from dxnet.core import access, audit
from dxnet.network.models import SEGMENT, Unit, subtree_bounds

from .models import Report, ReportForm
from .periods import Period
from .selectors import expected_units

# Sent when a supervisor asks to urge units about one form and period. Arguments: ``actor``,
# ``form`` (ReportForm), ``period`` (Period), ``units`` (list of Unit). The plans module connects
# a receiver that prepares and sends the formal notices (đôn đốc).
urging_requested = Signal()

STATES = ("on_time", "late", "approved", "returned", "pending", "missing", "not_expected")
OWING = frozenset({"missing", "pending", "returned"})  # a report is still owed: these can be urged


@dataclass
class Counts:
    """Counts over the expected units of one period (and subtree)."""

    expected: int = 0
    submitted: int = 0  # submitted or approved
    on_time: int = 0  # of the submitted, first submission by the due date
    approved: int = 0
    returned: int = 0
    pending: int = 0  # nothing submitted, not yet due

    @property
    def late(self) -> int:
        return self.submitted - self.on_time

    @property
    def missing(self) -> int:
        """Expected, nothing submitted and past due (returned and pending not included)."""
        return self.expected - self.submitted - self.returned - self.pending

    @property
    def not_submitted(self) -> int:
        return self.expected - self.submitted

    def rate(self, part: int) -> float | None:
        return None if not self.expected else 100.0 * part / self.expected

    @property
    def submitted_rate(self) -> float | None:
        return self.rate(self.submitted)

    @property
    def on_time_rate(self) -> float | None:
        return self.rate(self.on_time)

    @property
    def approved_rate(self) -> float | None:
        return self.rate(self.approved)

    def add_state(self, state: str, late: bool = False) -> None:
        """Count one expected unit in ``state`` (``late``: its first submission came after the due date)."""
        self.expected += 1
        if state in {"on_time", "late", "approved"}:
            self.submitted += 1
        if state == "on_time" or (state == "approved" and not late):
            self.on_time += 1
        if state == "approved":
            self.approved += 1
        if state == "returned":
            self.returned += 1
        if state == "pending":
            self.pending += 1

    def add(self, other: Counts) -> None:
        self.expected += other.expected
        self.submitted += other.submitted
        self.on_time += other.on_time
        self.approved += other.approved
        self.returned += other.returned
        self.pending += other.pending


@dataclass(frozen=True)
class UnitInfo:
    pk: int
    code: str
    name: str
    path: str
    unit_type: str
    parent_id: int | None


@dataclass(frozen=True)
class CellState:
    state: str
    first_submitted: dt.datetime | None = None
    late: bool = False  # first submission after the due date (also for approved and returned reports)
    reported: bool = False  # a non-draft report exists (shown even when the unit was not expected)


@dataclass
class StateTable:
    """The states of every (unit, period) of a form in a subtree, from three queries per period at
    most. ``expected[period start]`` holds the expected unit ids; ``units`` the units that were
    expected in at least one period."""

    form: ReportForm
    within: Unit
    periods: list[Period]
    expected: dict[dt.date, set[int]]
    units: dict[int, UnitInfo]
    cells: dict[tuple[int, dt.date], CellState]
    today: dt.date

    def state(self, unit_id: int, period: Period) -> CellState:
        return self.cells.get((unit_id, period.start), CellState("not_expected"))

    def counts(self, period: Period, unit_ids: Iterable[int] | None = None) -> Counts:
        c = Counts()
        ids = self.expected[period.start] if unit_ids is None else set(unit_ids) & self.expected[period.start]
        for uid in ids:
            cell = self.cells[(uid, period.start)]
            c.add_state(cell.state, cell.late)
        return c

    def child_of(self, unit_id: int) -> int | None:
        """Id of the child of ``within`` whose subtree holds the unit (None for ``within`` itself)."""
        path = self.units[unit_id].path
        start = len(self.within.path)
        if len(path) <= start:
            return None
        return int(path[start : start + SEGMENT])

    def counts_by_child(self, period: Period) -> dict[int | None, Counts]:
        out: dict[int | None, Counts] = defaultdict(Counts)
        for uid in self.expected[period.start]:
            cell = self.cells[(uid, period.start)]
            out[self.child_of(uid)].add_state(cell.state, cell.late)
        return out


def _local_date(moment: dt.datetime | None) -> dt.date | None:
    return None if moment is None else timezone.localdate(moment)


def state_of(*, form: ReportForm, period: Period, expected: bool, status: str | None,
             first_submitted: dt.datetime | None, today: dt.date, late: bool | None = None,
             due: dt.date | None = None) -> CellState:
    """The state of one unit's report (see the module docstring). ``late`` may be given when it
    was computed in the query (the grid does, for speed)."""
    due = due or form.due_date(period)
    if late is None:
        first = _local_date(first_submitted)
        late = first is not None and first > due
    reported = status is not None and status != Report.Status.DRAFT
    if not expected:
        return CellState("not_expected", first_submitted, late, reported)
    if status in (None, Report.Status.DRAFT):
        return CellState("pending" if today <= due else "missing", first_submitted, False, reported)
    if status == Report.Status.RETURNED:
        return CellState("returned", first_submitted, late, reported)
    if status == Report.Status.APPROVED:
        return CellState("approved", first_submitted, late, reported)
    return CellState("late" if late else "on_time", first_submitted, late, reported)


def _late_cutoff(form: ReportForm, period: Period) -> dt.datetime:
    """The first moment that is late: midnight (Việt Nam time) after the due date."""
    day = form.due_date(period) + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone())


def state_table(*, form: ReportForm, periods: Sequence[Period], within: Unit,
                today: dt.date | None = None, with_times: bool = False) -> StateTable:
    """States of the expected units of ``within``'s subtree for each period. Queries: one per
    period for the expected units (the shared rule), one for the units, one for the reports —
    lateness is decided in that query. ``with_times`` also reads the first submission times."""
    today = today or timezone.localdate()
    periods = list(periods)
    expected = {p.start: set(expected_units(form=form, period=p, within=within).values_list("pk", flat=True))
                for p in periods}
    union = set().union(*expected.values()) if expected else set()
    units = {
        row[0]: UnitInfo(*row)
        for row in Unit.objects.filter(pk__in=union).values_list("pk", "code", "name", "path", "unit_type",
                                                                   "parent_id")
    } if union else {}
    low, high = subtree_bounds(within.path)
    late_expr = Case(*[When(period=p.start, first_submitted_at__gte=_late_cutoff(form, p), then=Value(True))
                       for p in periods], default=Value(False), output_field=BooleanField())
    fields = ["unit_id", "period", "status", "is_late"] + (["first_submitted_at"] if with_times else [])
    reports: dict[tuple[int, dt.date], tuple[str, bool, dt.datetime | None]] = {}
    for row in Report.objects.filter(
            form=form, period__in=[p.start for p in periods], unit__path__gte=low, unit__path__lt=high,
    ).annotate(is_late=late_expr).values_list(*fields):
        reports[(row[0], row[1])] = (row[2], row[3], row[4] if with_times else None)
    cells: dict[tuple[int, dt.date], CellState] = {}
    none: tuple[None, bool, None] = (None, False, None)
    shared: dict[tuple[str, bool, bool], CellState] = {}  # 3,400 units × 12 periods: reuse equal cells
    for p in periods:
        due = form.due_date(p)
        for uid in expected[p.start]:
            status, late, first = reports.get((uid, p.start), none)
            c = state_of(form=form, period=p, expected=True, status=status, first_submitted=first, today=today,
                         late=late, due=due)
            if first is None:
                c = shared.setdefault((c.state, c.late, c.reported), c)
            cells[(uid, p.start)] = c
    # Units that reported although they were not expected: shown in the grid, never counted.
    by_start = {p.start: p for p in periods}
    for (uid, start), (status, late, first) in reports.items():
        if uid in units and uid not in expected.get(start, ()):
            cells[(uid, start)] = state_of(form=form, period=by_start[start], expected=False, status=status,
                                           first_submitted=first, today=today, late=late)
    return StateTable(form, within, periods, expected, units, cells, today)


def completeness(*, form: ReportForm, period: Period, within: Unit) -> Counts:
    """Expected, submitted, on time, approved… for ``within``'s subtree and one period."""
    return state_table(form=form, periods=[period], within=within).counts(period)


def completeness_series(*, form: ReportForm, periods: Sequence[Period], within: Unit) -> list[tuple[Period, Counts]]:
    """The subtree's counts period by period (timeliness over time)."""
    table = state_table(form=form, periods=periods, within=within)
    return [(p, table.counts(p)) for p in table.periods]


def rates_by_child(*, form: ReportForm, period: Period, within: Unit) -> list[tuple[Unit, Counts]]:
    """Counts for each child of ``within`` that holds expected units (``within`` itself first when
    it is expected), ordered as the tree is."""
    table = state_table(form=form, periods=[period], within=within)
    by_child = table.counts_by_child(period)
    ids = [k for k in by_child if k is not None]
    children = {u.pk: u for u in Unit.objects.filter(pk__in=ids)}
    out = [(within, by_child[None])] if None in by_child else []
    out += [(children[k], by_child[k]) for k in sorted(ids, key=lambda k: children[k].path)]
    return out


@dataclass(frozen=True)
class OwingUnit:
    """A unit that still owes its report (or, with ``include_late``, that sent it late)."""

    unit: UnitInfo
    state: str
    due: dt.date
    days_overdue: int  # days past the due date today (missing, returned) or at first submission (late)
    first_submitted: dt.datetime | None = None


def late_units(*, form: ReportForm, period: Period, within: Unit, include_late: bool = False,
               today: dt.date | None = None, table: StateTable | None = None) -> list[OwingUnit]:
    """The expected units of ``within``'s subtree that have not submitted ``form`` for ``period``
    (missing, returned for correction, or not yet due), ordered by their place in the tree: the
    units to urge. With ``include_late``, also those that submitted after the due date."""
    table = table or state_table(form=form, periods=[period], within=within, today=today, with_times=include_late)
    due = form.due_date(period)
    out = []
    for uid in table.expected[period.start]:
        cell = table.state(uid, period)
        if cell.state in OWING:
            out.append(OwingUnit(table.units[uid], cell.state, due, max(0, (table.today - due).days)))
        elif include_late and cell.late and cell.state in {"late", "approved"}:
            first = _local_date(cell.first_submitted)
            assert first is not None
            out.append(OwingUnit(table.units[uid], "late", due, (first - due).days, cell.first_submitted))
    return sorted(out, key=lambda o: o.unit.path)


# --- urging (the hook; notices are the plans module's) -------------------------------------------


@dataclass
class UrgeResult:
    units: list[Unit] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # codes not owing a report, or outside the subtree
    listeners: int = 0
    responses: list[tuple[Any, Any]] = field(default_factory=list)


def urge_request(*, actor: Any, form: ReportForm, period: Period, within: Unit,
                 unit_codes: Sequence[str]) -> UrgeResult:
    """A supervisor asks that the selected units be urged to send ``form`` for ``period``. Only
    units of ``within``'s subtree that still owe the report are kept; the request is audited and
    ``urging_requested`` is sent for the plans module to issue the notices."""
    access.check(actor, "review", within, Report)
    owing = {o.unit.code: o for o in late_units(form=form, period=period, within=within)}
    wanted = list(dict.fromkeys(c.strip() for c in unit_codes if c and c.strip()))
    keep = [c for c in wanted if c in owing]
    units = list(Unit.objects.filter(code__in=keep).order_by("path"))
    result = UrgeResult(units=units, ignored=[c for c in wanted if c not in owing])
    if not units:
        return result
    with transaction.atomic():
        audit.record(actor=actor, action="report.urge_request", obj=form, unit=within,
                     after={"period": period.dhis2, "units": [u.code for u in units],
                            "states": {u.code: owing[u.code].state for u in units}})
    result.responses = urging_requested.send(sender=ReportForm, actor=actor, form=form, period=period, units=units)
    result.listeners = len(result.responses)
    return result


# --- the grid (units × periods) -------------------------------------------------------------------


@dataclass
class GridCell:
    period: Period
    state: str = "not_expected"  # unit rows
    counts: Counts | None = None  # group rows: the child's subtree
    late: bool = False
    reported: bool = False
    urge_column: bool = False

    @property
    def band(self) -> str:
        """Colour band of a group cell, by the share of expected units that submitted."""
        if self.counts is None or not self.counts.expected:
            return "none"
        rate = self.counts.submitted_rate or 0.0
        if rate >= 100 and not self.counts.late:
            return "full"
        if rate >= 100:
            return "full_late"
        return "high" if rate >= 80 else "mid" if rate >= 50 else "low"


@dataclass
class GridRow:
    unit: UnitInfo
    kind: str  # "unit": one reporting unit; "group": a child unit's subtree
    build: Any  # () → list[GridCell]; cells are built only for the rows shown (a page of 3,000+)
    members: int = 1
    owing: bool = False  # still owes the report of the urge period
    parent_name: str = ""
    _cells: list[GridCell] | None = None

    @property
    def cells(self) -> list[GridCell]:
        if self._cells is None:
            self._cells = self.build()
        return self._cells


@dataclass
class Grid:
    periods: list[Period]
    rows: list[GridRow]
    totals: list[Counts]
    urge_period: Period
    owing: int  # units of the whole subtree owing the urge period's report


PROBLEM_STATES = frozenset({"missing", "late", "returned"})


def grid(*, form: ReportForm, periods: Sequence[Period], within: Unit, rows: str = "children",
         problems_only: bool = False, urge_period: Period | None = None, today: dt.date | None = None) -> Grid:
    """The completeness grid of ``within``'s subtree. ``rows="units"``: one row per unit expected
    in at least one period; ``rows="children"``: one row per child of ``within`` — a child that
    is itself the only reporting unit of its subtree keeps its report states, the others show
    the counts of their subtree. Totals per period are over every expected unit of the subtree."""
    table = state_table(form=form, periods=periods, within=within, today=today)
    urge_period = urge_period or table.periods[-1]
    totals = [table.counts(p) for p in table.periods]
    owing = sum(1 for uid in table.expected.get(urge_period.start, ())
                if table.state(uid, urge_period).state in OWING)
    out: list[GridRow] = []

    def unit_cells(uid: int) -> list[GridCell]:
        cells = []
        for p in table.periods:
            c = table.state(uid, p)
            cells.append(GridCell(p, c.state, None, c.late, c.reported, p == urge_period))
        return cells

    def unit_row(info: UnitInfo) -> GridRow:
        return GridRow(info, "unit", lambda: unit_cells(info.pk),
                       owing=table.state(info.pk, urge_period).state in OWING)

    def group_cells(ids: set[int]) -> list[GridCell]:
        return [GridCell(p, "group", table.counts(p, ids), urge_column=p == urge_period) for p in table.periods]

    if rows == "units":
        out = [unit_row(info) for info in sorted(table.units.values(), key=lambda i: i.path)]
    else:
        members: dict[int | None, set[int]] = defaultdict(set)
        for uid in table.units:
            members[table.child_of(uid)].add(uid)
        child_ids = [k for k in members if k is not None]
        infos = {row[0]: UnitInfo(*row) for row in Unit.objects.filter(pk__in=child_ids).values_list(
            "pk", "code", "name", "path", "unit_type", "parent_id")}
        if None in members:  # ``within`` itself reports
            out.append(unit_row(table.units[within.pk]))
        for child_id in sorted(child_ids, key=lambda k: infos[k].path):
            ids = members[child_id]
            if ids == {child_id}:
                out.append(unit_row(infos[child_id]))
                continue
            out.append(GridRow(infos[child_id], "group", lambda ids=ids: group_cells(ids), members=len(ids)))
    if problems_only:
        def problem(r: GridRow) -> bool:
            if r.kind == "unit":
                return any(table.state(r.unit.pk, p).state in PROBLEM_STATES for p in table.periods)
            return any(c.counts is not None and bool(c.counts.missing or c.counts.late or c.counts.returned)
                       for c in r.cells)
        out = [r for r in out if problem(r)]
    return Grid(table.periods, out, totals, urge_period, owing)


def fill_parents(rows: Sequence[GridRow]) -> None:
    """Name the parent of each row (one query for a page of rows)."""
    names = dict(Unit.objects.filter(pk__in={r.unit.parent_id for r in rows if r.unit.parent_id})
                 .values_list("pk", "name"))
    for r in rows:
        r.parent_name = names.get(r.unit.parent_id, "") if r.unit.parent_id else ""
