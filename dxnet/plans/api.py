"""Programmes and tasks over the JSON API, scoped like the pages (outside scope → 404)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status
from ninja.errors import ValidationError

from dxnet.core import access
from dxnet.indicators.services import Rejected
from dxnet.network.models import Unit

from . import selectors, services, status
from .models import Task

router = Router(tags=["plans"])


class UnitRef(Schema):
    code: str
    name: str


class ProgrammeOut(Schema):
    code: str
    title: str
    kind: str
    owner: UnitRef
    legal_number: str
    legal_date: dt.date | None
    starts_on: dt.date | None
    ends_on: dt.date | None
    source_task: int | None


class TaskOut(Schema):
    id: int
    programme: str
    parent: int | None
    group: str
    number: str
    title: str
    lead_unit: UnitRef
    coordinating_units: list[UnitRef]
    deadline_text: str
    deadline_kind: str
    deadline: dt.date | None
    reporting_cycle: str
    progress: int
    completed_on: dt.date | None
    status: str


class ProgressIn(Schema):
    percent: int
    text: str = ""


def _unit(u: Unit) -> dict[str, str]:
    return {"code": u.code, "name": u.name}


def _task(t: Task, today: dt.date) -> dict[str, Any]:
    return {"id": t.pk, "programme": t.programme.code, "parent": t.parent_id, "group": t.group, "number": t.number,
            "title": t.title, "lead_unit": _unit(t.lead_unit),
            "coordinating_units": [_unit(u) for u in t.coordinating_units.all()],
            "deadline_text": t.deadline_text, "deadline_kind": t.deadline_kind, "deadline": t.deadline,
            "reporting_cycle": t.reporting_cycle, "progress": t.progress, "completed_on": t.completed_on,
            "status": getattr(t, "status", None) or status.of(t, today)}


@router.get("/programmes", response=list[ProgrammeOut])
def programmes(request: HttpRequest) -> list[dict[str, Any]]:
    return [{"code": p.code, "title": p.title, "kind": p.kind, "owner": _unit(p.owner), "legal_number": p.legal_number,
             "legal_date": p.legal_date, "starts_on": p.starts_on, "ends_on": p.ends_on,
             "source_task": p.source_task_id}
            for p in selectors.programme_list(actor=request.user).order_by("code")[:1000]]


@router.get("/programmes/{code}/tasks", response=list[TaskOut])
def programme_tasks(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    today = timezone.localdate()
    programme = selectors.programme_get(actor=request.user, code=code)
    qs = selectors.programme_tasks(actor=request.user, programme=programme, today=today).select_related("programme")
    return [_task(t, today) for t in qs]


@router.get("/tasks/overdue", response=list[TaskOut])
def tasks_overdue(request: HttpRequest, unit: str, limit: int = 500) -> list[dict[str, Any]]:
    """The overdue tasks led in ``unit``'s subtree, oldest deadline first."""
    today = timezone.localdate()
    u = access.get_or_404(request.user, Unit, "view", code=unit)
    access.check(request.user, "view", u, Task)
    qs = (selectors.subtree_tasks(u).filter(status.q(status.OVERDUE, today))
          .select_related("programme", "lead_unit").prefetch_related("coordinating_units")
          .order_by("deadline", "id")[:max(1, min(limit, 5000))])
    return [_task(t, today) | {"status": status.OVERDUE} for t in qs]


@router.post("/tasks/{task_id}/progress", response={201: TaskOut})
def task_progress(request: HttpRequest, task_id: int, payload: ProgressIn) -> Status:
    task = selectors.task_get(actor=request.user, task_id=task_id)
    try:
        services.task_update_progress(actor=request.user, task=task, percent=payload.percent, text=payload.text)
    except Rejected as exc:
        raise _invalid(exc) from None
    task.refresh_from_db()
    return Status(201, _task(task, timezone.localdate()))


def _invalid(exc: Rejected) -> ValidationError:
    return ValidationError([{"loc": ["body", field or "text"], "msg": message} for _row, field, message in exc.errors])
