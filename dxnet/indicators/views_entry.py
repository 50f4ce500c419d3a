"""Data entry: a unit's report of a form for a period — fill, save a draft, submit; the
supervisor approves or returns it with a comment. Every step goes through services (audited)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dxnet.core import access
from dxnet.network.models import RoleAssignment, Unit

from . import selectors, services
from .models import DataValue, FormAssignment, Report, ReportForm, ValueType
from .periods import Period, PeriodError
from .services import Rejected


def _unit(request: HttpRequest, code: str) -> Unit:
    return access.get_or_404(request.user, Unit, "view", code=code)


def _period(form: ReportForm, text: str) -> Period:
    try:
        return Period.parse(text, form.ptype)
    except PeriodError:
        raise Http404 from None


def _form(code: str) -> ReportForm:
    try:
        return ReportForm.objects.get(code=code)
    except ReportForm.DoesNotExist:
        raise Http404 from None


def current_period(form: ReportForm, today: dt.date | None = None) -> Period:
    """The period a unit reports now: the one whose window is open (it opens a few days before
    the period ends), else the last period that ended."""
    today = today or timezone.localdate()
    if form.is_survey and form.survey_period:
        return Period.containing(form.ptype, form.survey_period)
    this = Period.containing(form.ptype, today)
    return this if today >= form.opens_on(this) else this.previous()


@login_required
def reporting_home(request: HttpRequest) -> HttpResponse:
    """My reports: the forms each of my units must report, with the state of recent periods; and
    for supervisors, the submitted reports of their subtree that wait for review."""
    user = request.user
    today = timezone.localdate()
    writable = list(access.units(user, "write", Report).current().filter(
        pk__in=RoleAssignment.objects.active().filter(user=user).values("unit")))
    rows = []
    for unit in writable:
        forms = _forms_expected_of(unit, today)
        for form in forms:
            periods = [current_period(form, today)]
            if not form.is_survey:
                periods += [periods[0].previous(i) for i in (1, 2)]
            reports = {r.period: r for r in Report.objects.filter(form=form, unit=unit,
                                                                 period__in=[p.start for p in periods])}
            rows.append({"unit": unit, "form": form, "cells": [
                {"period": p, "report": reports.get(p.start), "due": form.due_date(p),
                 "overdue": reports.get(p.start) is None and form.due_date(p) < today} for p in periods]})
    to_review = access.visible(user, Report.objects.filter(status=Report.Status.SUBMITTED), "review") \
        .select_related("form", "unit").order_by("submitted_at")[:50]
    return render(request, "indicators/entry/home.html", {"rows": rows, "to_review": to_review, "today": today})


def _forms_expected_of(unit: Unit, today: dt.date) -> list[ReportForm]:
    forms = []
    for a in FormAssignment.objects.filter(valid_from__lte=today).select_related("form", "unit"):
        if a.valid_to and a.valid_to < today:
            continue
        if a.unit_type:
            if unit.unit_type == a.unit_type and a.unit.contains(unit):
                forms.append(a.form)
        elif a.unit_id == unit.pk:
            forms.append(a.form)
    return sorted(set(forms), key=lambda f: f.code)


@login_required
def report_entry(request: HttpRequest, form_code: str, unit_code: str, period: str) -> HttpResponse:
    """The report page: editable while draft or returned (for writers), read-only otherwise;
    reviewers approve or return it here."""
    unit = _unit(request, unit_code)
    access.check(request.user, "view", unit, Report)
    form = _form(form_code)
    p = _period(form, period)
    report = Report.objects.filter(form=form, unit=unit, period=p.start).first()
    can_write = access.can(request.user, "write", unit, Report)
    errors: list[tuple[str, str, str]] = []
    raw: dict[int, dict[str, object]] = {}
    if request.method == "POST":
        if not can_write:
            raise Http404
        raw = _raw_from_post(request, form)
        report = report or services.report_open(actor=request.user, form=form, unit=unit, period=p)
        action = request.POST.get("action", "save")
        try:
            services.report_save(actor=request.user, report=report, raw=raw)
            if action == "submit":
                services.report_submit(actor=request.user, report=report)
                messages.success(request, _("Report submitted: its values now count in every figure above your unit."))
            else:
                messages.success(request, _("Draft saved. It counts in no figure until you submit it."))
            return redirect(request.path)
        except Rejected as exc:
            errors = exc.errors
    context = _context(request, form, unit, p, report, raw, errors, can_write)
    # htmx swaps <main> from the page; it ignores error statuses, so it gets the errors with a 200.
    status = 422 if errors and not request.htmx else 200
    return render(request, "indicators/entry/report.html", context, status=status)


def _raw_from_post(request: HttpRequest, form: ReportForm) -> dict[int, dict[str, object]]:
    raw: dict[int, dict[str, object]] = {}
    for fi in form.form_indicators.all():
        key = fi.indicator_id
        raw[key] = {name: request.POST.get(f"i{key}-{name}", "").strip()
                    for name in ("value", "numerator", "denominator", "comment")}
    return raw


def _context(request: HttpRequest, form: ReportForm, unit: Unit, p: Period, report: Report | None,
             raw: dict[int, dict[str, object]], errors: list[tuple[str, str, str]], can_write: bool) -> dict[str, Any]:
    stored = {v.indicator_id: v for v in DataValue.objects.filter(unit=unit, period=p.start,
                                                                 indicator__in=form.indicators.all())}
    previous = {v.indicator_id: v for v in DataValue.objects.filter(unit=unit, period=p.previous().start,
                                                                   indicator__in=form.indicators.all())}
    rows, general_errors = [], [e for e in errors if e[0] == ""]
    form_indicators = list(form.form_indicators.select_related("indicator"))
    targets = selectors.targets_for(units=[unit], wanted=[(fi.indicator, p) for fi in form_indicators])
    for fi in form_indicators:
        version = fi.indicator.version_for(p.start.year)
        name = version.name if version else fi.indicator.code
        v = stored.get(fi.indicator_id)
        typed = raw.get(fi.indicator_id)
        rows.append({
            "fi": fi, "version": version, "name": name, "is_ratio": version.value_type == ValueType.RATIO,
            "is_yes_no": version.value_type == ValueType.YES_NO,
            "value": typed.get("value") if typed else _show(v.value if v else None, version),
            "numerator": typed.get("numerator") if typed else _show(v.numerator if v else None, version),
            "denominator": typed.get("denominator") if typed else _show(v.denominator if v else None, version),
            "comment": typed.get("comment") if typed else (v.comment if v else ""),
            "previous": previous.get(fi.indicator_id),
            "target": targets.get((fi.indicator_id, unit.pk, p.start)),
            "errors": [e[2] for e in errors if e[0] == name],
        })
    editable = can_write and (report is None or not report.is_locked) and _window_open(form, p)
    return {
        "form": form, "unit": unit, "period": p, "report": report, "rows": rows, "errors": errors,
        "general_errors": general_errors, "editable": editable, "can_write": can_write,
        "can_review": report is not None and access.can(request.user, "review", unit, Report)
        and report.status in {Report.Status.SUBMITTED, Report.Status.APPROVED},
        "due": form.due_date(p), "events": list(report.events.select_related("actor")) if report else [],
        "window_closed": not _window_open(form, p), "today": timezone.localdate(),
        "prev_period": p.previous(), "next_period": p.next() if p.next().start <= timezone.localdate() else None,
        "entry_url": reverse("report_entry", args=[form.code, unit.code, p.dhis2]),
    }


def _window_open(form: ReportForm, p: Period) -> bool:
    today = timezone.localdate()
    closes = form.closes_on(p)
    return today >= form.opens_on(p) and (closes is None or today <= closes)


def _show(x: float | None, version: Any) -> str:
    if x is None:
        return ""
    if version.value_type == ValueType.YES_NO:
        return "1" if x else "0"
    return f"{x:g}"


@login_required
@require_POST
def report_review(request: HttpRequest, form_code: str, unit_code: str, period: str) -> HttpResponse:
    unit = _unit(request, unit_code)
    access.check(request.user, "review", unit, Report)
    form = _form(form_code)
    p = _period(form, period)
    report = Report.objects.filter(form=form, unit=unit, period=p.start).first()
    if report is None:
        raise Http404
    comment = request.POST.get("comment", "")
    try:
        if request.POST.get("action") == "approve":
            services.report_approve(actor=request.user, report=report, comment=comment)
            messages.success(request, _("Report approved: its data is locked."))
        else:
            services.report_return(actor=request.user, report=report, comment=comment)
            messages.success(request, _("Report returned to the unit with your comment."))
    except Rejected as exc:
        for _row, _field, message in exc.errors:
            messages.error(request, message)
    return redirect("report_entry", form.code, unit.code, p.dhis2)
