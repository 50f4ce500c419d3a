"""Urging pages: the notices a supervisor issued, the form to issue one to late units (prefilled
from the overdue board, an escalation or the reporting grid), a notice with its recipients'
acknowledgements and its DOCX, and a unit's inbox of received notices with "Acknowledge"."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from dxnet.core import access
from dxnet.indicators.services import Rejected
from dxnet.network.models import Unit

from . import urging
from .models import Task, UrgingNotice, UrgingRecipient

MAX_UNITS_SHOWN = 500  # late units offered in the form; more are reached through a narrower issuer

DEFAULT_TEXT = {
    UrgingNotice.Subject.TASKS: gettext_lazy(
        "The units listed below have not completed the tasks assigned to them by their deadlines. "
        "Please complete them urgently, update their progress with evidence in dxnet, and report "
        "the reasons for the delay."),
    UrgingNotice.Subject.REPORTS: gettext_lazy(
        "The units listed below have not yet sent the required periodic report. Please submit it in "
        "dxnet without further delay."),
    UrgingNotice.Subject.RECOMMENDATIONS: gettext_lazy(
        "The recommendations routed to the units listed below have passed their answer deadline. "
        "Please answer them in dxnet without further delay."),
}


class NoticeForm(forms.Form):
    issuer = forms.ChoiceField(label=gettext_lazy("Issued by"))
    number = forms.CharField(label=gettext_lazy("Number"), max_length=60,
                             help_text=gettext_lazy("As registered by your office, e.g. 125/SNV-CĐS."))
    date = forms.DateField(label=gettext_lazy("Date"), input_formats=["%d/%m/%Y", "%Y-%m-%d"],
                           widget=forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy"}))
    subject = forms.ChoiceField(label=gettext_lazy("About"), choices=UrgingNotice.Subject.choices)
    reference = forms.CharField(label=gettext_lazy("Report (form and period)"), max_length=200, required=False)
    text = forms.CharField(label=gettext_lazy("Text"), widget=forms.Textarea(attrs={"rows": 5}))
    units = forms.MultipleChoiceField(label=gettext_lazy("Late units"), widget=forms.CheckboxSelectMultiple)
    tasks = forms.MultipleChoiceField(label=gettext_lazy("Tasks"), required=False,
                                      widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, issuers: list[Unit], unit_choices: list[tuple[str, str]],
                 task_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["issuer"].choices = [(u.code, u.name) for u in issuers]
        self.fields["units"].choices = unit_choices
        self.fields["tasks"].choices = task_choices


def _issuer(request: HttpRequest, issuers: list[Unit]) -> Unit:
    code = request.POST.get("issuer") or request.GET.get("issuer")
    if code:
        unit = Unit.objects.filter(code=code).first()
        if unit is None or not access.can(request.user, "issue", unit, UrgingNotice):
            raise Http404
        return unit
    return issuers[0]


@login_required
def urging_list(request: HttpRequest) -> HttpResponse:
    """The notices issued in the actor's subtrees, and where to find the ones received."""
    notices = urging.notices_issued(actor=request.user).prefetch_related("recipients")[:200]
    rows = [{"notice": n, "total": len(n.recipients.all()),
             "acknowledged": sum(1 for r in n.recipients.all() if r.acknowledged_at)} for n in notices]
    return render(request, "plans/urging/list.html", {
        "rows": rows, "can_issue": bool(urging.issuers_for(actor=request.user)),
        "inbox_count": urging.received(actor=request.user).filter(acknowledged_at__isnull=True).count()})


@login_required
def urging_new(request: HttpRequest) -> HttpResponse:
    """Issue a notice: units chosen among the late ones of the issuer's subtree (prefilled from
    ``?unit=<code>&task=<id>…``)."""
    issuers = urging.issuers_for(actor=request.user)
    if not issuers:
        raise Http404
    issuer = _issuer(request, issuers)
    if issuer not in issuers:
        issuers = [issuer, *issuers]
    data = request.POST if request.method == "POST" else request.GET
    subject = data.get("subject") if data.get("subject") in UrgingNotice.Subject.values else UrgingNotice.Subject.TASKS
    today = timezone.localdate()
    wanted_codes = data.getlist("unit") if request.method == "GET" else data.getlist("units")
    if subject == UrgingNotice.Subject.REPORTS:
        # Who owes a report is the reporting module's answer (it sent them here): any unit of the subtree.
        low_high = [u for u in Unit.objects.filter(code__in=wanted_codes) if issuer.contains(u) and u.pk != issuer.pk]
        late = [urging.LateUnit(u) for u in sorted(low_high, key=lambda u: u.path)]
    else:
        late = urging.late_units(within=issuer, today=today, subject=subject)
    truncated = len(late) > MAX_UNITS_SHOWN
    preselected = set(wanted_codes)
    late_shown = [lu for lu in late if lu.unit.code in preselected] + \
        [lu for lu in late if lu.unit.code not in preselected][: max(0, MAX_UNITS_SHOWN - len(preselected))]
    late_shown.sort(key=lambda lu: lu.unit.path)
    unit_choices = [(lu.unit.code, lu.unit.name) for lu in late_shown]
    # Tasks offered: the late tasks of the units chosen (or preselected).
    chosen_units = [lu.unit for lu in late_shown if lu.unit.code in preselected]
    task_qs = (urging.late_tasks(today=today, within=issuer).filter(lead_unit__in=chosen_units)
               .select_related("lead_unit").order_by("lead_unit__path", "deadline", "pk")
               if chosen_units else Task.objects.none())
    task_list = list(task_qs[:1000]) if subject == UrgingNotice.Subject.TASKS else []
    task_choices = [(str(t.pk), str(t)) for t in task_list]
    if request.method == "POST":
        form = NoticeForm(request.POST, issuers=issuers, unit_choices=unit_choices, task_choices=task_choices)
        if form.is_valid():
            cd = form.cleaned_data
            units = list(Unit.objects.filter(code__in=cd["units"]).order_by("path"))
            tasks = list(Task.objects.filter(pk__in=[int(t) for t in cd["tasks"]])) or None
            try:
                notice = urging.urging_issue(actor=request.user, issuer=issuer, number=cd["number"], date=cd["date"],
                                             subject=cd["subject"], text=cd["text"], units=units, tasks=tasks,
                                             reference=cd["reference"])
            except Rejected as e:
                for row, field_name, message in e.errors:
                    target = field_name if field_name in form.fields else None
                    form.add_error(target, f"{row}: {message}" if row else message)
            else:
                messages.success(request, ngettext(
                    "Urging notice %(number)s was issued to %(n)d unit, which has been notified.",
                    "Urging notice %(number)s was issued to %(n)d units; they have been notified.",
                    len(units)) % {"number": notice.number, "n": len(units)})
                return redirect("urging_notice", notice.pk)
    else:
        form = NoticeForm(initial={
            "issuer": issuer.code, "date": today, "subject": subject, "reference": data.get("reference", ""),
            "text": str(DEFAULT_TEXT[subject]), "units": [c for c in wanted_codes if c in dict(unit_choices)],
            "tasks": [t for t in data.getlist("task") if t in dict(task_choices)] or [c for c, _l in task_choices],
        }, issuers=issuers, unit_choices=unit_choices, task_choices=task_choices)
    counts = {lu.unit.code: lu for lu in late_shown}
    tasks_by_unit: dict[str, list[tuple[str, Task]]] = {}
    for t in task_list:
        tasks_by_unit.setdefault(t.lead_unit.code, []).append((str(t.pk), t))
    return render(request, "plans/urging/new.html", {
        "form": form, "issuer": issuer, "issuers": issuers, "subject": subject, "counts": counts,
        "unit_rows": [(code, name, counts[code]) for code, name in unit_choices], "tasks_by_unit": tasks_by_unit,
        "truncated": truncated, "total_late": len(late), "today": today,
        "selected_units": set(form["units"].value() or []), "selected_tasks": set(form["tasks"].value() or []),
    })


@login_required
def urging_notice(request: HttpRequest, pk: int) -> HttpResponse:
    view = urging.access_notice(actor=request.user, notice_id=pk)
    notice = view.notice
    recipients = list(notice.recipients.select_related("unit", "acknowledged_by").order_by("unit__path")) \
        if view.issuer_side else view.own
    for r in recipients:
        r.can_ack = r.acknowledged_at is None and access.can_here(request.user, "acknowledge", r.unit, UrgingRecipient)
    tasks = list(notice.tasks.select_related("lead_unit").order_by("lead_unit__path", "deadline"))
    if not view.issuer_side:
        own_units = {r.unit_id for r in view.own}
        tasks = [t for t in tasks if t.lead_unit_id in own_units]
    return render(request, "plans/urging/notice.html", {
        "notice": notice, "recipients": recipients, "issuer_side": view.issuer_side, "tasks": tasks,
        "acknowledged": sum(1 for r in recipients if r.acknowledged_at)})


@login_required
def urging_docx(request: HttpRequest, pk: int) -> HttpResponse:
    notice = urging.access_notice(actor=request.user, notice_id=pk).notice
    if not notice.docx:
        raise Http404
    return FileResponse(notice.docx.open("rb"), as_attachment=True, filename=notice.docx.name.rsplit("/", 1)[-1],
                        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")


@login_required
def urging_inbox(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """Notices received by one unit (in scope), or by the units the actor holds a role on."""
    unit = access.get_or_404(request.user, Unit, "view", code=code) if code else None
    if unit is not None and not access.can(request.user, "view", unit, UrgingRecipient):
        raise Http404
    rows = list(urging.received(actor=request.user, unit=unit)[:300])
    for r in rows:
        r.can_ack = r.acknowledged_at is None and access.can_here(request.user, "acknowledge", r.unit, UrgingRecipient)
    return render(request, "plans/urging/inbox.html", {"unit": unit, "rows": rows,
                                                       "pending": sum(1 for r in rows if not r.acknowledged_at)})


@login_required
@require_POST
def urging_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    recipient = access.get_or_404(request.user, UrgingRecipient.objects.select_related("notice", "unit"),
                                  "acknowledge", pk=pk)
    urging.urging_acknowledge(actor=request.user, recipient=recipient)
    recipient.can_ack = False
    if request.htmx:
        return render(request, "plans/urging/inbox.html#ack", {"r": recipient})
    messages.success(request, _("You acknowledged urging notice %(number)s.") % {"number": recipient.notice.number})
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/") and not back.startswith("//") else "urging_inbox")
