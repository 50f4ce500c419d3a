"""Reads of programmes and tasks, narrowed by the access module.

A **programme** is visible to the readers of its issuing unit's subtree and to the readers of
every unit it gives a task to (lead or coordinating). A **task** is visible to the readers of
its lead unit's subtree, of its coordinating units' subtrees and of the programme's issuer: a
commune sees its own tasks, not its neighbour's; the province sees every task of its subtree.

The overdue board and the on-time rates aggregate in SQL, grouped by the branch of the tree a
task's lead unit sits in (a prefix of its materialized path), so the figures for a whole
country are one grouped query, not a loop over tasks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, F, Max, Q, QuerySet
from django.db.models.functions import Substr
from django.http import Http404
from django.utils import timezone

from dxnet.core import access
from dxnet.network.models import SEGMENT, RoleAssignment, Unit, subtree_bounds

from . import status
from .models import Evidence, Programme, Task
from .policies import READERS

# --- visibility ---------------------------------------------------------------------------------


def _reader_units(actor: Any) -> QuerySet[Unit] | None:
    """Units whose tasks ``actor`` may read; None = everywhere."""
    if access.held_paths(actor, READERS) is None:
        return None
    return access.units(actor, "view", Task)


def task_visible_q(actor: Any) -> Q:
    units = _reader_units(actor)
    if units is None:
        return Q()
    ids = units.values("pk")
    coordinated = Task.coordinating_units.through.objects.filter(unit__in=ids).values("task")
    return Q(lead_unit__in=ids) | Q(pk__in=coordinated) | Q(programme__owner__in=ids)


def tasks_visible(actor: Any) -> QuerySet[Task]:
    return Task.objects.filter(task_visible_q(actor))


def programme_list(*, actor: Any) -> QuerySet[Programme]:
    units = _reader_units(actor)
    qs = Programme.objects.select_related("owner")
    if units is None:
        return qs
    own = access.visible(actor, Programme.objects.all()).values("pk")
    given = tasks_visible(actor).values("programme")
    return qs.filter(Q(pk__in=own) | Q(pk__in=given))


def programme_get(*, actor: Any, code: str) -> Programme:
    try:
        return programme_list(actor=actor).get(code=code)
    except Programme.DoesNotExist:
        raise Http404 from None


def task_get(*, actor: Any, task_id: Any) -> Task:
    try:
        return tasks_visible(actor).select_related("programme", "programme__owner", "lead_unit", "parent").get(
            pk=int(task_id))
    except (Task.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def evidence_get(*, actor: Any, evidence_id: Any) -> Evidence:
    try:
        return Evidence.objects.select_related("update").get(
            pk=int(evidence_id), update__task__in=tasks_visible(actor).values("pk"))
    except (Evidence.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def programme_tasks(*, actor: Any, programme: Programme, today: dt.date | None = None) -> QuerySet[Task]:
    """The programme's tasks the actor may read, with their status, in the plan's order."""
    today = today or timezone.localdate()
    return (tasks_visible(actor).filter(programme=programme)
            .annotate(status=status.case(today), n_children=Count("children", distinct=True))
            .select_related("lead_unit").prefetch_related("coordinating_units")
            .order_by("id"))


# --- my tasks -----------------------------------------------------------------------------------


def my_units(actor: Any) -> list[Unit]:
    """The units the actor works for: those its roles are held on, and its own unit."""
    if not getattr(actor, "is_authenticated", False):
        return []
    ids = set(RoleAssignment.objects.active().filter(user=actor).values_list("unit", flat=True))
    profile_unit = getattr(getattr(actor, "profile", None), "unit_id", None)
    if profile_unit:
        ids.add(profile_unit)
    return list(Unit.objects.filter(pk__in=ids).order_by("path"))


def my_tasks(*, actor: Any, today: dt.date | None = None, open_only: bool = False) -> QuerySet[Task]:
    """Tasks led or coordinated by the actor's units, soonest deadline first."""
    today = today or timezone.localdate()
    ids = [u.pk for u in my_units(actor)]
    coordinated = Task.coordinating_units.through.objects.filter(unit__in=ids).values("task")
    qs = (Task.objects.filter(Q(lead_unit__in=ids) | Q(pk__in=coordinated))
          .annotate(status=status.case(today)).select_related("programme", "lead_unit"))
    if open_only:
        qs = qs.filter(cancelled_at__isnull=True, completed_on__isnull=True)
    return qs.order_by(F("deadline").asc(nulls_last=True), "id")


# --- overdue board and on-time rates ------------------------------------------------------------

_COUNTS = ("total", "overdue", "done", "done_late", "in_progress", "not_started", "cancelled", "due", "on_time",
           "awaiting_update")


def _counts(today: dt.date) -> dict[str, Any]:
    on_time = status.q(status.DONE, today) & Q(deadline__isnull=False)
    return {
        "total": Count("id"),
        "overdue": Count("id", filter=status.q(status.OVERDUE, today)),
        "done": Count("id", filter=status.q(status.DONE, today)),
        "done_late": Count("id", filter=status.q(status.DONE_LATE, today)),
        "in_progress": Count("id", filter=status.q(status.IN_PROGRESS, today)),
        "not_started": Count("id", filter=status.q(status.NOT_STARTED, today)),
        "cancelled": Count("id", filter=status.q(status.CANCELLED, today)),
        "due": Count("id", filter=status.due_q(today)),
        "on_time": Count("id", filter=on_time),
    }


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def awaiting_update_q(today: dt.date) -> Q:
    """Ongoing tasks with nothing posted in their current reporting cycle (needs ``last_update``
    annotated: ``Max("updates__at")``), created before that cycle began."""
    q = Q(pk__in=[])
    for cycle in ("month", "quarter", "year"):
        start = _local_midnight(status.cycle_start(cycle, today))
        cycles = Q(reporting_cycle=cycle) | (Q(reporting_cycle="") if cycle == "quarter" else Q(pk__in=[]))
        q |= cycles & Q(created_at__lt=start) & (Q(last_update__isnull=True) | Q(last_update__lt=start))
    return q & Q(deadline__isnull=True, cancelled_at__isnull=True, completed_on__isnull=True)


def _rate(row: dict[str, Any]) -> float | None:
    return round(100 * row["on_time"] / row["due"], 1) if row["due"] else None


def subtree_tasks(unit: Unit) -> QuerySet[Task]:
    low, high = subtree_bounds(unit.path)
    return Task.objects.filter(lead_unit__path__gte=low, lead_unit__path__lt=high)


def board(*, actor: Any, unit: Unit, today: dt.date | None = None, late_limit: int = 200) -> dict[str, Any]:
    """The overdue board of ``unit``'s subtree: counts and on-time rate per child branch (and
    the unit's own tasks), per programme, the whole subtree, and the late tasks themselves."""
    access.check(actor, "view", unit, Task)
    today = today or timezone.localdate()
    base = subtree_tasks(unit)
    width = len(unit.path) + SEGMENT
    rows = list(base.annotate(branch=Substr("lead_unit__path", 1, width)).values("branch")
                .annotate(**_counts(today)).order_by("branch"))
    branches = {u.path: u for u in Unit.objects.filter(path__in=[r["branch"] for r in rows])}
    by_unit = []
    totals = dict.fromkeys(_COUNTS, 0)
    for r in rows:
        r["unit"] = branches.get(r["branch"])
        r["own"] = r["branch"] == unit.path
        r["rate"] = _rate(r)
        by_unit.append(r)
        for k in _COUNTS[:-1]:
            totals[k] += r[k]
    by_unit.sort(key=lambda r: (not r["own"], -r["overdue"], r["unit"].name if r["unit"] else ""))
    prog_rows = list(base.values("programme").annotate(**_counts(today)).order_by("-overdue", "programme"))
    programmes = {p.pk: p for p in Programme.objects.filter(pk__in=[r["programme"] for r in prog_rows])}
    for r in prog_rows:
        r["programme"] = programmes.get(r["programme"])
        r["rate"] = _rate(r)
    totals["awaiting_update"] = (base.filter(deadline__isnull=True).annotate(last_update=Max("updates__at"))
                                 .filter(awaiting_update_q(today)).count())
    totals["rate"] = _rate(totals)
    late = list(base.filter(status.q(status.OVERDUE, today)).select_related("lead_unit", "programme")
                .order_by("deadline", "id")[:late_limit])
    for t in late:
        t.days_late = (today - t.deadline).days
    late_units = list(base.filter(status.q(status.OVERDUE, today)).values("lead_unit", "lead_unit__code",
                                                                          "lead_unit__name")
                      .annotate(n=Count("id")).order_by("-n", "lead_unit__name")[:late_limit])
    return {"unit": unit, "today": today, "by_unit": by_unit, "by_programme": prog_rows, "totals": totals,
            "late": late, "late_units": late_units}


def on_time_rates(*, actor: Any, unit: Unit, today: dt.date | None = None) -> dict[str, Any]:
    """On-time completion rate (tasks done by their deadline ÷ tasks due) of ``unit``'s subtree
    and of each child branch — the same grouped query as the board."""
    data = board(actor=actor, unit=unit, today=today, late_limit=0)
    return {"unit": unit, "rate": data["totals"]["rate"], "due": data["totals"]["due"],
            "on_time": data["totals"]["on_time"],
            "children": [{"unit": r["unit"], "rate": r["rate"], "due": r["due"], "on_time": r["on_time"],
                          "own": r["own"]} for r in data["by_unit"]]}


def board_units(actor: Any) -> list[Unit]:
    """Where the actor's boards start."""
    return access.top_units(actor, "view", Task)
