"""Writes of programmes and tasks. Every write checks access, validates, stores and records its
audit line in one transaction.

Rules decided here (and shown in the pages):

- **Progress** is moved by the lead unit's writers only. A coordinating unit posts updates too
  (text, its own estimate of its part, evidence) but they do not move the task's progress: the
  lead unit answers for the task.
- A task with live (not cancelled) **children** takes its progress from them: the mean of the
  children's progress weighted by ``Task.weight`` (1 by default, so the plain mean unless a plan
  says otherwise — Decidim's results do the same). Updates posted on such a task are kept with
  their text and evidence, but its progress is the rollup, computed in the same transaction as
  the child's update, up the whole chain of parents.
- A task is **completed** the day its progress reaches 100 % (``completed_on`` = that day in
  Asia/Ho_Chi_Minh) and no longer completed if it falls below. The supervisor of the lead unit
  accepts a completed task, or reopens it: its progress falls back to the last percent the lead
  unit posted below 100 (0 when none).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from dxnet.core import access, audit
from dxnet.indicators.services import Rejected
from dxnet.network.models import Unit

from .deadlines import DeadlineError, parse_deadline
from .models import Evidence, GuidanceFile, Phase, Programme, Task, TaskUpdate

MAX_EVIDENCE_BYTES = 25 * 1024 * 1024
PROGRAMME_FIELDS = ("title", "kind", "legal_number", "legal_date", "legal_issuer", "starts_on", "ends_on",
                    "description")


def _can_manage(actor: Any, programme: Programme) -> bool:
    """Who writes a programme's tasks: supervisors and leaders of its issuing unit; for a unit's
    detailed plan, also that unit's writers (a commune's reporter writes the commune's plan)."""
    if access.can(actor, "change", programme.owner, Programme):
        return True
    return programme.source_task_id is not None and access.can(actor, "update", programme.owner, Task)


def _check_manage(actor: Any, programme: Programme) -> None:
    if not _can_manage(actor, programme):
        raise Http404


# --- programmes ---------------------------------------------------------------------------------


def _programme_problems(code: str | None, fields: dict[str, Any], exclude: int | None = None) -> list:
    errors = []
    if code is not None:
        if not code.strip():
            errors.append(("", "code", _("Enter a code for the programme.")))
        elif Programme.objects.filter(code=code.strip()).exclude(pk=exclude).exists():
            errors.append(("", "code", _("The code “%(code)s” is already used by another programme.") % {"code": code}))
    if "title" in fields and not str(fields["title"] or "").strip():
        errors.append(("", "title", _("Enter the title of the programme.")))
    if "kind" in fields and fields["kind"] not in Programme.Kind.values:
        errors.append(("", "kind", _("Unknown kind of programme.")))
    starts, ends = fields.get("starts_on"), fields.get("ends_on")
    if starts and ends and ends < starts:
        errors.append(("", "ends_on", _("The programme cannot end before it starts.")))
    return errors


def programme_create(*, actor: Any, code: str, title: str, owner: Unit, kind: str = Programme.Kind.PLAN,
                     source_task: Task | None = None, **fields: Any) -> Programme:
    """Issue a programme (a decree's action plan, a project, a movement) in the name of ``owner``."""
    if source_task is None:
        access.check(actor, "change", owner, Programme)
    elif owner.pk not in {u.pk for u in receivers(source_task)} or not access.can(actor, "update", owner, Task):
        raise Http404  # a detailed plan is written by a unit that received the task
    unknown = set(fields) - set(PROGRAMME_FIELDS)
    if unknown:
        raise TypeError(f"unknown programme fields: {sorted(unknown)}")
    errors = _programme_problems(code, {"title": title, "kind": kind, **fields})
    if errors:
        raise Rejected(errors)
    with transaction.atomic():
        programme = Programme.objects.create(
            code=code.strip(), title=title.strip(), owner=owner, kind=kind, source_task=source_task,
            created_by=actor if getattr(actor, "is_authenticated", False) else None, **fields)
        audit.record(actor=actor, action="programme.create", obj=programme, unit=owner,
                     after=audit.snapshot(programme))
    return programme


def programme_update(*, actor: Any, programme: Programme, **changes: Any) -> Programme:
    _check_manage(actor, programme)
    unknown = set(changes) - set(PROGRAMME_FIELDS) - {"code"}
    if unknown:
        raise TypeError(f"unknown programme fields: {sorted(unknown)}")
    merged = {f: getattr(programme, f) for f in ("starts_on", "ends_on")} | changes
    errors = _programme_problems(changes.get("code"), merged, exclude=programme.pk)
    if errors:
        raise Rejected(errors)
    with transaction.atomic():
        before = audit.snapshot(programme, changes)
        for name, value in changes.items():
            setattr(programme, name, value.strip() if isinstance(value, str) else value)
        programme.save(update_fields=list(changes))
        audit.record(actor=actor, action="programme.update", obj=programme, unit=programme.owner,
                     before=before, after=audit.snapshot(programme, changes))
    return programme


def phase_add(*, actor: Any, programme: Programme, name: str, starts_on: dt.date, ends_on: dt.date,
              is_review: bool = False) -> Phase:
    """A phase of the programme (or a review milestone, e.g. the preliminary review in 2027)."""
    _check_manage(actor, programme)
    errors = []
    if not name.strip():
        errors.append(("", "name", _("Enter the name of the phase.")))
    if ends_on < starts_on:
        errors.append(("", "ends_on", _("The phase cannot end before it starts.")))
    if errors:
        raise Rejected(errors)
    with transaction.atomic():
        phase = Phase.objects.create(programme=programme, name=name.strip(), starts_on=starts_on, ends_on=ends_on,
                                     is_review=is_review)
        audit.record(actor=actor, action="programme.phase_add", obj=phase, unit=programme.owner,
                     after=audit.snapshot(phase))
    return phase


def phase_remove(*, actor: Any, phase: Phase) -> None:
    """Remove a phase of the programme (entered by mistake, or replanned)."""
    programme = phase.programme
    _check_manage(actor, programme)
    with transaction.atomic():
        before = audit.snapshot(phase)
        audit.record(actor=actor, action="programme.phase_remove", obj=phase, unit=programme.owner, before=before)
        phase.delete()


def guidance_add(*, actor: Any, programme: Programme, title: str, file: Any) -> GuidanceFile:
    """Attach a guidance document for the localities (every plan must come with one)."""
    _check_manage(actor, programme)
    errors = []
    if not title.strip():
        errors.append(("", "title", _("Enter the title of the guidance.")))
    if file is None:
        errors.append(("", "file", _("Choose the guidance file.")))
    if errors:
        raise Rejected(errors)
    with transaction.atomic():
        guidance = GuidanceFile.objects.create(programme=programme, title=title.strip(), file=file)
        audit.record(actor=actor, action="programme.guidance_add", obj=guidance, unit=programme.owner,
                     after={"title": guidance.title, "file": guidance.file.name})
    return guidance


# --- tasks --------------------------------------------------------------------------------------


def _deadline_fields(text: str, row: str = "") -> dict[str, Any]:
    try:
        d = parse_deadline(text)
    except DeadlineError as exc:
        raise Rejected([(row, "deadline", str(exc))]) from None
    kind = d.kind
    return {"deadline_kind": kind, "deadline": d.due, "deadline_text": text.strip(), "reporting_cycle": d.cycle}


def task_create(*, actor: Any, programme: Programme, title: str, lead_unit: Unit, deadline_text: str,
                coordinating_units: Iterable[Unit] = (), group: str = "", number: str = "",
                expected_output: str = "", priority: int = Task.Priority.NORMAL, weight: float = 1.0,
                parent: Task | None = None) -> Task:
    """Give a task to a lead unit (with coordinating units) under a deadline as written in the
    plan ("6/2025", "Quý II/2025", "Thường xuyên"…). In a unit's detailed plan the task goes to
    one of the unit's own sub-units and hangs under the task the unit received."""
    _check_manage(actor, programme)
    errors = []
    if not title.strip():
        errors.append(("", "title", _("Enter what the task is.")))
    if programme.source_task_id is not None:
        parent = parent or programme.source_task
        if not programme.owner.contains(lead_unit):
            errors.append(("", "lead_unit", _("A detailed plan gives tasks to the units of %(unit)s only.")
                           % {"unit": programme.owner.name}))
    if not 0 < weight <= 1000:
        errors.append(("", "weight", _("The weight must be a positive number.")))
    if priority not in Task.Priority.values:
        errors.append(("", "priority", _("Unknown priority.")))
    try:
        deadline = _deadline_fields(deadline_text)
    except Rejected as exc:
        errors += exc.errors
    if errors:
        raise Rejected(errors)
    with transaction.atomic():
        task = Task.objects.create(programme=programme, parent=parent, group=group.strip(), number=number.strip(),
                                   title=title.strip(), lead_unit=lead_unit, expected_output=expected_output.strip(),
                                   priority=priority, weight=weight, **deadline)
        coordinators = [u for u in coordinating_units if u.pk != lead_unit.pk]
        if coordinators:
            task.coordinating_units.set(coordinators)
        audit.record(actor=actor, action="task.create", obj=task, unit=lead_unit,
                     after=audit.snapshot(task) | {"coordinating_units": [u.pk for u in coordinators]})
        if parent is not None:
            _rollup(actor, parent)
    return task


def _writer_unit(actor: Any, task: Task) -> tuple[Unit, bool] | None:
    """The unit in whose name ``actor`` posts on ``task``, and whether it is the lead unit."""
    if access.can(actor, "update", task.lead_unit, Task):
        return task.lead_unit, True
    for unit in task.coordinating_units.all():
        if access.can(actor, "update", unit, Task):
            return unit, False
    return None


def can_post_update(actor: Any, task: Task) -> bool:
    return task.cancelled_at is None and task.accepted_at is None and _writer_unit(actor, task) is not None


def task_update_progress(*, actor: Any, task: Task, percent: Any, text: str = "",
                         files: Sequence[Any] = ()) -> TaskUpdate:
    """Post a progress update with evidence. The lead unit's update moves the task's progress
    (and completes it at 100 %); a coordinating unit's update is recorded beside it."""
    who = _writer_unit(actor, task)
    if who is None:
        raise Http404
    unit, is_lead = who
    errors = []
    try:
        value = int(str(percent).strip().rstrip("%"))
        if not 0 <= value <= 100:
            raise ValueError
    except ValueError:
        value = 0
        errors.append(("", "percent", _("Progress is a whole number from 0 to 100 (it was “%(value)s”).")
                       % {"value": percent}))
    if task.cancelled_at is not None:
        errors.append(("", "", _("This task was cancelled: it takes no more updates.")))
    elif task.accepted_at is not None:
        errors.append(("", "", _("This task was accepted as done: ask the supervisor to reopen it first.")))
    if not str(text).strip() and not files and is_lead and value == task.progress:
        errors.append(("", "text", _("Say what was done, or change the progress.")))
    for f in files:
        if getattr(f, "size", 0) > MAX_EVIDENCE_BYTES:
            errors.append((f.name, "files", _("The file “%(name)s” is larger than 25 MB.") % {"name": f.name}))
        elif getattr(f, "size", 1) == 0:
            errors.append((f.name, "files", _("The file “%(name)s” is empty.") % {"name": f.name}))
    if errors:
        raise Rejected(errors)
    now = timezone.now()
    with transaction.atomic():
        task = Task.objects.select_for_update().get(pk=task.pk)
        update = TaskUpdate.objects.create(task=task, unit=unit, actor=_user(actor), percent=value,
                                           text=str(text).strip(), at=now)
        for f in files:
            Evidence.objects.create(update=update, file=f, name=f.name[:255])
        before = audit.snapshot(task, ["progress", "completed_on"])
        if is_lead and not _has_live_children(task):
            _set_progress(task, value, timezone.localdate(now))
        audit.record(actor=actor, action="task.progress", obj=task, unit=unit, before=before,
                     after=audit.snapshot(task, ["progress", "completed_on"]) | {
                         "update": update.pk, "percent": value, "by_lead": is_lead,
                         "evidence": [e.name for e in update.evidence.all()]})
        if task.parent_id is not None:
            _rollup(actor, task.parent)
    return update


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def rollup_children(task: Task) -> Any:
    """The children whose progress makes the task's: those of its own programme (assigned to
    all) and of the lead unit's detailed plan — not a coordinating unit's plan for its own part."""
    return task.children.filter(cancelled_at__isnull=True).filter(
        Q(programme_id=task.programme_id) | Q(programme__owner_id=task.lead_unit_id))


def _has_live_children(task: Task) -> bool:
    return rollup_children(task).exists()


def _set_progress(task: Task, value: int, today: dt.date) -> None:
    task.progress = value
    if value >= 100 and task.completed_on is None:
        task.completed_on = today
    elif value < 100:
        task.completed_on = None
        task.accepted_at = None
    task.save(update_fields=["progress", "completed_on", "accepted_at"])


def rollup_value(task: Task) -> int | None:
    """The progress of ``task`` from its live children: weighted mean, rounded; None without."""
    agg = rollup_children(task).aggregate(
        n=Count("id"), w=Sum("weight"), wp=Sum(F("weight") * F("progress")))
    if not agg["n"] or not agg["w"]:
        return None
    return int(agg["wp"] / agg["w"] + 0.5)  # half up, as people round percentages (62.5 → 63)


def _rollup(actor: Any, task: Task | None) -> None:
    """Recompute the progress of ``task`` and its ancestors from their children."""
    today = timezone.localdate()
    while task is not None:
        task = Task.objects.select_for_update().get(pk=task.pk)
        value = rollup_value(task)
        if value is None or (value == task.progress and (value < 100) == (task.completed_on is None)):
            return
        before = audit.snapshot(task, ["progress", "completed_on"])
        _set_progress(task, value, today)
        audit.record(actor=actor, action="task.rollup", obj=task, unit=task.lead_unit, before=before,
                     after=audit.snapshot(task, ["progress", "completed_on"]))
        task = task.parent


def task_accept(*, actor: Any, task: Task) -> Task:
    """The supervisor of the lead unit accepts a finished task."""
    access.check(actor, "review", task.lead_unit, Task)
    if task.completed_on is None or task.cancelled_at is not None:
        raise Rejected([("", "", _("Only a finished task can be accepted."))])
    with transaction.atomic():
        task.accepted_at = timezone.now()
        task.save(update_fields=["accepted_at"])
        audit.record(actor=actor, action="task.accept", obj=task, unit=task.lead_unit,
                     after={"accepted_at": task.accepted_at})
    return task


def task_reopen(*, actor: Any, task: Task, reason: str = "") -> Task:
    """The supervisor sends a finished task back: it is no longer done, its progress falls back
    to the last percent the lead unit posted below 100."""
    access.check(actor, "review", task.lead_unit, Task)
    if task.completed_on is None or task.cancelled_at is not None:
        raise Rejected([("", "", _("Only a finished task can be reopened."))])
    if not reason.strip():
        raise Rejected([("", "reason", _("Say why the task is reopened."))])
    with transaction.atomic():
        before = audit.snapshot(task, ["progress", "completed_on", "accepted_at"])
        last = task.updates.filter(unit=task.lead_unit, percent__lt=100).order_by("-at", "-id").first()
        task.progress = last.percent if last else 0
        task.completed_on = None
        task.accepted_at = None
        task.save(update_fields=["progress", "completed_on", "accepted_at"])
        TaskUpdate.objects.create(task=task, unit=task.lead_unit, actor=_user(actor), percent=task.progress,
                                  text=_("Reopened: %(reason)s") % {"reason": reason.strip()}, at=timezone.now())
        audit.record(actor=actor, action="task.reopen", obj=task, unit=task.lead_unit, before=before,
                     after=audit.snapshot(task, ["progress", "completed_on", "accepted_at"]) | {"reason": reason})
        if task.parent_id is not None:
            _rollup(actor, task.parent)
    return task


def task_cancel(*, actor: Any, task: Task, reason: str = "") -> Task:
    """The programme's issuer cancels a task, and with it the tasks detailed from it."""
    _check_manage(actor, task.programme)
    if task.cancelled_at is not None:
        return task
    now = timezone.now()
    with transaction.atomic():
        ids, frontier = [task.pk], [task.pk]
        while frontier:
            frontier = list(Task.objects.filter(parent__in=frontier, cancelled_at__isnull=True)
                            .values_list("pk", flat=True))
            ids += frontier
        Task.objects.filter(pk__in=ids).update(cancelled_at=now)
        task.cancelled_at = now
        audit.record(actor=actor, action="task.cancel", obj=task, unit=task.lead_unit,
                     after={"cancelled_at": now, "reason": reason, "tasks": ids})
        if task.parent_id is not None:
            _rollup(actor, task.parent)
    return task


# --- cascade ------------------------------------------------------------------------------------


def receivers(task: Task) -> list[Unit]:
    return [task.lead_unit, *task.coordinating_units.all()]


def task_detail(*, actor: Any, task: Task, unit: Unit, code: str = "", title: str = "") -> Programme:
    """``unit``, which received ``task`` as lead or coordinator, turns it into its own detailed
    plan: a programme of ``unit`` whose tasks (for its sub-units) hang under ``task``."""
    if unit.pk not in {u.pk for u in receivers(task)} or not access.can(actor, "update", unit, Task):
        raise Http404
    existing = Programme.objects.filter(source_task=task, owner=unit).first()
    if existing is not None:
        return existing
    today = timezone.localdate()
    code = code.strip() or f"{task.programme.code}-{task.pk}-{unit.code}"[:60]
    title = title.strip() or _("Detailed plan of %(unit)s: %(task)s") % {"unit": unit.name, "task": task.title}
    return programme_create(actor=actor, code=code, title=title[:500], owner=unit, source_task=task,
                            kind=Programme.Kind.PLAN, starts_on=today,
                            ends_on=task.deadline if task.deadline and task.deadline >= today else None)


def task_assign_to_all(*, actor: Any, task: Task, within: Unit, unit_type: str, title: str = "",
                       deadline_text: str = "") -> list[Task]:
    """One action: a child task of ``task`` for every current unit of ``unit_type`` in the
    subtree of ``within`` (e.g. every commune of Đắk Lắk writes its plan). Units that already
    have one are skipped, so a repeated click adds nothing twice."""
    access.check(actor, "assign", within, Task)
    if not any(r.contains(within) or within.contains(r) for r in receivers(task)):
        raise Http404  # only a unit that received the task cascades it
    if task.cancelled_at is not None:
        raise Rejected([("", "", _("This task was cancelled."))])
    deadline = _deadline_fields(deadline_text) if deadline_text.strip() else {
        "deadline_kind": task.deadline_kind, "deadline": task.deadline, "deadline_text": task.deadline_text,
        "reporting_cycle": task.reporting_cycle}
    targets = (Unit.objects.current().subtree_of(within).filter(unit_type=unit_type)
               .exclude(pk__in=task.children.values("lead_unit")).order_by("path"))
    with transaction.atomic():
        children = Task.objects.bulk_create([
            Task(programme=task.programme, parent=task, group=task.group, number=task.number,
                 title=(title.strip() or task.title), lead_unit=u, expected_output=task.expected_output,
                 priority=task.priority, **deadline)
            for u in targets])
        audit.record(actor=actor, action="task.assign_to_all", obj=task, unit=within,
                     after={"unit_type": unit_type, "within": within.code, "created": len(children),
                            "deadline": deadline["deadline_text"]})
        _rollup(actor, task)
    return children


# --- coverage -----------------------------------------------------------------------------------


def task_coverage(task: Task) -> tuple[int, int]:
    """Of the units that received ``task``'s children (its cascade), how many have detailed them
    (a detailed plan of their own, or tasks for their own sub-units): (covered, total)."""
    children = task.children.filter(cancelled_at__isnull=True)
    total = children.count()
    covered = children.filter(Q(detailed_plans__isnull=False) | Q(children__isnull=False)).distinct().count()
    return covered, total


def programme_coverage(programme: Programme) -> tuple[int, int]:
    """Of the (task, receiving unit) pairs of the programme's top-level tasks, how many the
    receiving unit has detailed: a detailed plan of that unit for that task, or — for the lead
    unit — child tasks (assigned to all, say)."""
    tasks = list(programme.tasks.filter(cancelled_at__isnull=True).exclude(parent__programme=programme)
                 .prefetch_related("coordinating_units"))
    plans = set(Programme.objects.filter(source_task__in=tasks).values_list("source_task", "owner"))
    with_children = set(Task.objects.filter(parent__in=tasks, cancelled_at__isnull=True)
                        .values_list("parent", flat=True))
    total = covered = 0
    for t in tasks:
        for u in [t.lead_unit_id, *(c.pk for c in t.coordinating_units.all())]:
            total += 1
            covered += (t.pk, u) in plans or (u == t.lead_unit_id and t.pk in with_children)
    return covered, total
