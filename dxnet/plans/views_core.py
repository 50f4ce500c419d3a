"""Pages of programmes and tasks: the list and "my tasks", a programme with its timeline, a task
with its updates and evidence, the supervisor's overdue board. Thin: parse, call a selector or
a service, render. Everything out of the actor's scope is a 404."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dxnet.core import access
from dxnet.indicators.services import Rejected
from dxnet.indicators.xlsx import xlsx_response
from dxnet.network.models import Unit, UnitType

from . import selectors, services, status
from .models import Programme, Task

# --- helpers ------------------------------------------------------------------------------------


def _decorate(tasks: Any, today: dt.date) -> list[Task]:
    rows = list(tasks)
    for t in rows:
        s = getattr(t, "status", None) or status.of(t, today)
        t.status = s
        t.status_label = status.LABELS[s]
        t.badge = status.BADGES[s]
    return rows


def urging_url(unit_code: str, task_ids: list[int]) -> str:
    """The urging notice form, prefilled with the late unit and tasks."""
    query = [("unit", unit_code)] + [("task", str(i)) for i in task_ids]
    return f"{_urging_base()}?{urlencode(query)}"


@functools.cache
def _urging_base() -> str:
    # Reversed once per process: the overdue board builds a link per late unit and task.
    return reverse("urging_new")


def _errors_to_messages(request: HttpRequest, exc: Rejected) -> None:
    for row, _field, message in exc.errors:
        messages.error(request, f"{row}: {message}" if row else message)


# --- list and my tasks --------------------------------------------------------------------------


@login_required
def plans_home(request: HttpRequest) -> HttpResponse:
    """Programmes the user may read; "my tasks" is the second tab."""
    today = timezone.localdate()
    if request.GET.get("tab") == "my":
        return my_tasks(request)
    programmes = Paginator(selectors.programme_list(actor=request.user).order_by("-legal_date", "code"), 50)
    page = programmes.get_page(request.GET.get("page"))
    n_mine = selectors.my_tasks(actor=request.user, today=today, open_only=True).count()
    return render(request, "plans/home.html", {"tab": "programmes", "page": page, "n_mine": n_mine,
                                                "boards": selectors.board_units(request.user), "today": today,
                                                "can_create": bool(access.top_units(request.user, "change",
                                                                                    Programme))})


@login_required
def my_tasks(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    show_all = request.GET.get("all") == "1"
    tasks = selectors.my_tasks(actor=request.user, today=today, open_only=not show_all)
    page = Paginator(tasks, 100).get_page(request.GET.get("page"))
    page.object_list = _decorate(page.object_list, today)
    return render(request, "plans/home.html", {"tab": "my", "tasks_page": page, "show_all": show_all,
                                                "units": selectors.my_units(request.user),
                                                "boards": selectors.board_units(request.user), "today": today})


# --- a programme --------------------------------------------------------------------------------


def _timeline(programme: Programme, tasks: list[Task], today: dt.date) -> dict[str, Any] | None:
    """Bars from the programme's start to each deadline, as percentages of the whole span."""
    phases = list(programme.phases.all())
    dates = [d for d in [programme.starts_on, programme.ends_on, *(p.starts_on for p in phases),
                         *(p.ends_on for p in phases), *(t.deadline for t in tasks)] if d]
    if not dates:
        return None
    start = programme.starts_on or min(min(dates), programme.created_at.date(), today)
    # Today is always on the axis, so past-due bars show their lateness against it.
    end = max(max(dates), programme.ends_on or start, today)
    span = max((end - start).days, 1)

    def pct(d: dt.date) -> float:
        return round(100 * max(0, min((d - start).days, span)) / span, 2)

    bars = []
    for p in phases:
        left = pct(p.starts_on)
        bars.append({"label": p.name, "left": left, "width": max(pct(p.ends_on) - left, 0.8), "phase": True,
                     "review": p.is_review, "dates": f"{p.starts_on:%d/%m/%Y} – {p.ends_on:%d/%m/%Y}"})
    for t in tasks:
        if t.deadline is None:
            bars.append({"label": t.title, "left": 0, "width": 100, "ongoing": True, "task": t,
                         "dates": t.deadline_text})
        else:
            bars.append({"label": t.title, "left": 0, "width": max(pct(t.deadline), 0.8), "task": t,
                         "dates": t.deadline.strftime("%d/%m/%Y")})
    years = [{"label": y, "left": pct(dt.date(y, 1, 1))} for y in range(start.year + 1, end.year + 1)]
    return {"start": start, "end": end, "bars": bars, "years": years,
            "today": pct(today) if start <= today <= end else None}


def _top_level(programme: Programme, tasks: list[Task]) -> list[Task]:
    ids = {t.pk for t in tasks}
    return [t for t in tasks if t.parent_id is None or t.parent_id not in ids]


@login_required
def programme_page(request: HttpRequest, code: str) -> HttpResponse:
    today = timezone.localdate()
    programme = selectors.programme_get(actor=request.user, code=code)
    tasks = _decorate(selectors.programme_tasks(actor=request.user, programme=programme, today=today), today)
    top = _top_level(programme, tasks)
    can_manage = services._can_manage(request.user, programme)
    coverage = services.programme_coverage(programme)
    return render(request, "plans/programme.html", {
        "programme": programme, "tasks": top, "n_tasks": len(tasks), "today": today,
        "phases": programme.phases.all(), "guidance": programme.guidance.all(),
        "timeline": _timeline(programme, top[:200], today), "can_manage": can_manage, "coverage": coverage,
        "kinds": Task.Priority.choices,
        "can_edit": access.can(request.user, "change", programme.owner, Programme),
    })


@login_required
def programme_export(request: HttpRequest, code: str) -> HttpResponse:
    today = timezone.localdate()
    programme = selectors.programme_get(actor=request.user, code=code)
    tasks = _decorate(selectors.programme_tasks(actor=request.user, programme=programme, today=today), today)
    headers = [_("Group"), _("No."), _("Task"), _("Lead unit"), _("Coordinating units"), _("Expected output"),
               _("Deadline as written"), _("Deadline"), _("Progress (%)"), _("Status"), _("Completed on")]
    rows = [[t.group, t.number, t.title, t.lead_unit.name, "; ".join(u.name for u in t.coordinating_units.all()),
             t.expected_output, t.deadline_text, t.deadline, t.progress, str(t.status_label), t.completed_on]
            for t in tasks]
    return xlsx_response(programme.code, headers, rows, title=programme.title, sheet_title=programme.code)


@login_required
@require_POST
def task_new(request: HttpRequest, code: str) -> HttpResponse:
    programme = selectors.programme_get(actor=request.user, code=code)
    if not services._can_manage(request.user, programme):
        raise Http404
    lead = Unit.objects.filter(code=request.POST.get("lead_unit", "").strip()).first()
    coordinators = list(Unit.objects.filter(code__in=[c.strip() for c in request.POST.get("coordinating", "")
                                                      .split(",") if c.strip()]))
    if lead is None:
        messages.error(request, _("Lead unit: no unit has the code “%(code)s”.")
                       % {"code": request.POST.get("lead_unit", "")})
        return redirect("programme", code=programme.code)
    try:
        task = services.task_create(actor=request.user, programme=programme, title=request.POST.get("title", ""),
                                    lead_unit=lead, coordinating_units=coordinators,
                                    deadline_text=request.POST.get("deadline", ""),
                                    group=request.POST.get("group", ""),
                                    expected_output=request.POST.get("expected_output", ""))
    except Rejected as exc:
        _errors_to_messages(request, exc)
        return redirect("programme", code=programme.code)
    messages.success(request, _("Task added."))
    return redirect("task", task_id=task.pk)


# --- a task -------------------------------------------------------------------------------------


def _task_context(request: HttpRequest, task: Task, today: dt.date) -> dict[str, Any]:
    user = request.user
    task.status = status.of(task, today)
    task.status_label, task.badge = status.LABELS[task.status], status.BADGES[task.status]
    children = _decorate(selectors.tasks_visible(user).filter(parent=task)
                         .select_related("lead_unit", "programme").order_by("lead_unit__path")[:500], today)
    receivers = services.receivers(task)
    detail_units = [u for u in receivers if access.can(user, "update", u, Task)]
    plans = {p.owner_id: p for p in task.detailed_plans.select_related("owner")}
    assign_units = [u for u in selectors.board_units(user) if access.can(user, "assign", u, Task)
                    and any(r.contains(u) or u.contains(r) for r in receivers)]
    writer = services._writer_unit(user, task)
    return {
        "task": task, "today": today, "children": children, "n_children": task.children.count(),
        "coverage": services.task_coverage(task), "updates": task.updates.select_related("unit", "actor")
        .prefetch_related("evidence"), "coordinating": receivers[1:],
        "can_post": services.can_post_update(user, task), "writer": writer,
        "can_review": access.can(user, "review", task.lead_unit, Task) and task.cancelled_at is None,
        "can_manage": services._can_manage(user, task.programme) and task.cancelled_at is None,
        "detail_units": [(u, plans.get(u.pk)) for u in detail_units],
        "visible_plans": [p for p in plans.values() if selectors.programme_list(actor=user).filter(pk=p.pk).exists()],
        "assign_units": assign_units, "unit_types": [(t.value, t.label) for t in UnitType
                                                     if t.value not in ("national", "ministry", "district")],
        "rollup": services.rollup_value(task),
        "awaiting_update": status.update_late(
            deadline=task.deadline, cycle=task.reporting_cycle,
            last_update_on=timezone.localdate(task.updates.first().at) if task.updates.exists() else None,
            created_on=timezone.localdate(task.created_at), cancelled_at=task.cancelled_at, today=today),
    }


@login_required
def task_page(request: HttpRequest, task_id: int) -> HttpResponse:
    task = selectors.task_get(actor=request.user, task_id=task_id)
    return render(request, "plans/task.html", _task_context(request, task, timezone.localdate()))


@login_required
@require_POST
def task_update(request: HttpRequest, task_id: int) -> HttpResponse:
    task = selectors.task_get(actor=request.user, task_id=task_id)
    try:
        services.task_update_progress(actor=request.user, task=task, percent=request.POST.get("percent", ""),
                                      text=request.POST.get("text", ""), files=request.FILES.getlist("files"))
    except Rejected as exc:
        context = _task_context(request, task, timezone.localdate())
        context["errors"] = exc.errors
        context["posted"] = request.POST
        return render(request, "plans/task.html", context, status=200 if request.htmx else 422)
    messages.success(request, _("Progress update posted."))
    return redirect("task", task_id=task.pk)


def _review_action(request: HttpRequest, task_id: int, action: str) -> HttpResponse:
    task = selectors.task_get(actor=request.user, task_id=task_id)
    try:
        if action == "accept":
            services.task_accept(actor=request.user, task=task)
            messages.success(request, _("Task accepted as done."))
        elif action == "reopen":
            services.task_reopen(actor=request.user, task=task, reason=request.POST.get("reason", ""))
            messages.success(request, _("Task reopened."))
        else:
            services.task_cancel(actor=request.user, task=task, reason=request.POST.get("reason", ""))
            messages.success(request, _("Task cancelled."))
    except Rejected as exc:
        _errors_to_messages(request, exc)
    return redirect("task", task_id=task.pk)


@login_required
@require_POST
def task_accept(request: HttpRequest, task_id: int) -> HttpResponse:
    return _review_action(request, task_id, "accept")


@login_required
@require_POST
def task_reopen(request: HttpRequest, task_id: int) -> HttpResponse:
    return _review_action(request, task_id, "reopen")


@login_required
@require_POST
def task_cancel(request: HttpRequest, task_id: int) -> HttpResponse:
    return _review_action(request, task_id, "cancel")


@login_required
@require_POST
def task_detail_plan(request: HttpRequest, task_id: int) -> HttpResponse:
    """ "Write my detailed plan": the unit's own programme under this task."""
    task = selectors.task_get(actor=request.user, task_id=task_id)
    unit = Unit.objects.filter(code=request.POST.get("unit", "")).first()
    if unit is None:
        raise Http404
    try:
        plan = services.task_detail(actor=request.user, task=task, unit=unit, title=request.POST.get("title", ""))
    except Rejected as exc:
        _errors_to_messages(request, exc)
        return redirect("task", task_id=task.pk)
    messages.success(request, _("Your detailed plan is created: add the tasks of your units."))
    return redirect("programme", code=plan.code)


@login_required
@require_POST
def task_assign_all(request: HttpRequest, task_id: int) -> HttpResponse:
    task = selectors.task_get(actor=request.user, task_id=task_id)
    within = Unit.objects.filter(code=request.POST.get("within", "")).first()
    unit_type = request.POST.get("unit_type", "")
    if within is None or unit_type not in UnitType.values:
        raise Http404
    try:
        children = services.task_assign_to_all(actor=request.user, task=task, within=within, unit_type=unit_type,
                                               deadline_text=request.POST.get("deadline", ""))
    except Rejected as exc:
        _errors_to_messages(request, exc)
        return redirect("task", task_id=task.pk)
    if children:
        messages.success(request, _("Assigned to %(n)d units of %(unit)s.") % {"n": len(children), "unit": within.name})
    else:
        messages.info(request, _("Every such unit already has this task: nothing was added."))
    return redirect("task", task_id=task.pk)


@login_required
def evidence_download(request: HttpRequest, evidence_id: int) -> FileResponse:
    evidence = selectors.evidence_get(actor=request.user, evidence_id=evidence_id)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=evidence.name)


# --- the overdue board --------------------------------------------------------------------------


@login_required
def overdue_start(request: HttpRequest) -> HttpResponse:
    units = selectors.board_units(request.user)
    if not units:
        raise Http404
    return redirect("overdue_board", unit_code=units[0].code)


@login_required
def overdue_board(request: HttpRequest, unit_code: str) -> HttpResponse:
    unit = access.get_or_404(request.user, Unit, "view", code=unit_code)
    access.check(request.user, "view", unit, Task)
    data = selectors.board(actor=request.user, unit=unit)
    if request.GET.get("format") == "xlsx":
        headers = [_("Unit"), _("Tasks"), _("Overdue"), _("Done"), _("Done late"), _("In progress"),
                   _("Not started"), _("Due"), _("Done on time"), _("On-time rate (%)")]
        rows = [[r["unit"].name if r["unit"] else r["branch"], r["total"], r["overdue"], r["done"], r["done_late"],
                 r["in_progress"], r["not_started"], r["due"], r["on_time"], r["rate"]] for r in data["by_unit"]]
        return xlsx_response(f"overdue-{unit.code}", headers, rows,
                             title=_("Overdue tasks — %(unit)s") % {"unit": unit.name})
    late_by_unit: dict[int, list[int]] = {}
    for t in data["late"]:
        late_by_unit.setdefault(t.lead_unit_id, []).append(t.pk)
    for row in data["late_units"]:
        row["urge_url"] = urging_url(row["lead_unit__code"], late_by_unit.get(row["lead_unit"], []))
    for t in data["late"]:
        t.urge_url = urging_url(t.lead_unit.code, [t.pk])
    can_urge = access.can(request.user, "assign", unit, Task)
    return render(request, "plans/overdue_board.html", data | {
        "can_urge": can_urge, "ancestors": [u for u in Unit.objects.filter(pk__in=unit.ancestor_ids[:-1])
                                            .order_by("path") if access.can(request.user, "view", u, Task)]})
