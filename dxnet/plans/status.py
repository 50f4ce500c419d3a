"""A task's status, derived — never stored — from its deadline, progress, completion date and
cancellation, once in Python (``derive``) and once as SQL (``q``, ``case``) so that lists and
the overdue board filter and count in the database. Both read the same rules:

- **cancelled** wins over everything;
- **done** when completed (``completed_on`` set, i.e. progress reached 100 %) on or before the
  deadline, or with no deadline (ongoing); **done late** when completed after it;
- **overdue** when not completed and the deadline day has passed: the deadline day itself is
  not overdue, the next day is. Days are dates in Asia/Ho_Chi_Minh (``timezone.localdate()``):
  a task due 30/06 becomes overdue at 00:00 on 01/07 in Hà Nội, i.e. 17:00 UTC on 30/06;
- otherwise **in progress** when progress > 0, else **not started**.

An ongoing task (*Thường xuyên*, no deadline) is never overdue. It is **awaiting an update**
(``update_late``) when nothing was posted in the current reporting cycle (month, quarter or
year, quarterly when unstated) — counted apart on the overdue board, not mixed with overdue
tasks — unless it was created in this cycle.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, CharField, F, Q, Value, When
from django.utils.translation import gettext_lazy as _

from .deadlines import DEFAULT_CYCLE

NOT_STARTED, IN_PROGRESS, DONE, DONE_LATE, OVERDUE, CANCELLED = (
    "not_started", "in_progress", "done", "done_late", "overdue", "cancelled")
STATUSES = (NOT_STARTED, IN_PROGRESS, DONE, DONE_LATE, OVERDUE, CANCELLED)
LABELS = {
    NOT_STARTED: _("Not started"), IN_PROGRESS: _("In progress"), DONE: _("Done"),
    DONE_LATE: _("Done late"), OVERDUE: _("Overdue"), CANCELLED: _("Cancelled"),
}
BADGES = {
    NOT_STARTED: "text-bg-secondary", IN_PROGRESS: "text-bg-primary", DONE: "text-bg-success",
    DONE_LATE: "text-bg-warning", OVERDUE: "text-bg-danger", CANCELLED: "text-bg-light border",
}


def derive(*, deadline: dt.date | None, progress: int, completed_on: dt.date | None,
           cancelled_at: dt.datetime | None, today: dt.date) -> str:
    if cancelled_at is not None:
        return CANCELLED
    if completed_on is not None:
        return DONE if deadline is None or completed_on <= deadline else DONE_LATE
    if deadline is not None and today > deadline:
        return OVERDUE
    return IN_PROGRESS if progress > 0 else NOT_STARTED


def of(task: object, today: dt.date) -> str:
    """The status of a Task (or anything with its four fields)."""
    return derive(deadline=task.deadline, progress=task.progress,  # type: ignore[attr-defined]
                  completed_on=task.completed_on, cancelled_at=task.cancelled_at,  # type: ignore[attr-defined]
                  today=today)


# --- the same rules in SQL ------------------------------------------------------------------


def q(status: str, today: dt.date, prefix: str = "") -> Q:
    """A filter for tasks in ``status`` on ``today`` (``prefix`` = "task__" from a related model)."""
    p = prefix
    live = Q(**{f"{p}cancelled_at__isnull": True})
    open_ = live & Q(**{f"{p}completed_on__isnull": True})
    not_due = Q(**{f"{p}deadline__isnull": True}) | Q(**{f"{p}deadline__gte": today})
    if status == CANCELLED:
        return Q(**{f"{p}cancelled_at__isnull": False})
    if status == DONE:
        return live & Q(**{f"{p}completed_on__isnull": False}) & (
            Q(**{f"{p}deadline__isnull": True}) | Q(**{f"{p}completed_on__lte": F(f"{p}deadline")}))
    if status == DONE_LATE:
        return live & Q(**{f"{p}completed_on__gt": F(f"{p}deadline")})
    if status == OVERDUE:
        return open_ & Q(**{f"{p}deadline__lt": today})
    if status == IN_PROGRESS:
        return open_ & not_due & Q(**{f"{p}progress__gt": 0})
    if status == NOT_STARTED:
        return open_ & not_due & Q(**{f"{p}progress": 0})
    raise ValueError(status)


def due_q(today: dt.date, prefix: str = "") -> Q:
    """Tasks that were due by ``today`` (the denominator of the on-time rate): not cancelled,
    with a deadline that has passed or completed already."""
    p = prefix
    return Q(**{f"{p}cancelled_at__isnull": True}) & Q(**{f"{p}deadline__isnull": False}) & (
        Q(**{f"{p}deadline__lt": today}) | Q(**{f"{p}completed_on__isnull": False}))


def case(today: dt.date) -> Case:
    """``status`` as an annotation: ``Task.objects.annotate(status=status.case(today))``."""
    return Case(*(When(q(s, today), then=Value(s)) for s in (CANCELLED, DONE, DONE_LATE, OVERDUE, IN_PROGRESS)),
                default=Value(NOT_STARTED), output_field=CharField())


# --- ongoing tasks: one update per reporting cycle -------------------------------------------


def cycle_start(cycle: str, today: dt.date) -> dt.date:
    cycle = cycle or DEFAULT_CYCLE
    if cycle == "month":
        return today.replace(day=1)
    if cycle == "year":
        return today.replace(month=1, day=1)
    return today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)


def update_late(*, deadline: dt.date | None, cycle: str, last_update_on: dt.date | None,
                created_on: dt.date | None, cancelled_at: dt.datetime | None, today: dt.date) -> bool:
    """An ongoing task with nothing posted since its current reporting cycle began."""
    if deadline is not None or cancelled_at is not None:
        return False
    start = cycle_start(cycle, today)
    latest = max(d for d in (last_update_on, created_on, dt.date.min) if d is not None)
    return latest < start
