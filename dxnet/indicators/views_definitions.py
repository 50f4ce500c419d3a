"""Pages where administrators define indicators and report forms without code, and where units
negotiate their targets. Reading needs a sign-in; writing needs the role the service checks
(anything else is a 404)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dxnet.network.models import Unit, UnitType

from . import definitions, selectors
from .forms_definitions import (
    AssignmentEndForm,
    AssignmentForm,
    FormIndicatorForm,
    IndicatorCreateForm,
    IndicatorVersionForm,
    ReportFormForm,
    RuleForm,
    TargetValueForm,
    period_from_text,
    put_errors,
)
from .models import FormAssignment, FormIndicator, Indicator, ReportForm, Target, ValidationRule
from .periods import Period, PeriodType
from .services import Rejected

PAGE_SIZE = 50


def _admin_only(request: HttpRequest) -> None:
    if not definitions.can_define(request.user):
        raise Http404


# --- indicators -----------------------------------------------------------------------------


@login_required
def indicator_list(request: HttpRequest) -> HttpResponse:
    """Every indicator, searchable by code or name and filtered by group (indicator set)."""
    query = request.GET.get("q", "").strip()
    group = request.GET.get("group", "")
    year = timezone.localdate().year
    page = Paginator(definitions.indicator_list(query=query, group=group), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(i, i.version_for(year)) for i in page]
    context = {"query": query, "group": group, "groups": definitions.indicator_groups(), "page": page, "rows": rows,
               "can_define": definitions.can_define(request.user), "year": year}
    if request.htmx and request.htmx.target == "indicator-results":
        return render(request, "indicators/definitions/indicator_list.html#results", context)
    return render(request, "indicators/definitions/indicator_list.html", context)


@login_required
def indicator_create(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    form = IndicatorCreateForm(request.POST or None, initial={"valid_from_year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            indicator = definitions.indicator_define(
                actor=request.user, code=data["code"], period_type=data["period_type"], group=data["group"],
                valid_from_year=data["valid_from_year"], **form.version_data())
        except Rejected as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("Indicator “%(code)s” was created.") % {"code": indicator.code})
            return redirect("definitions_indicator", code=indicator.code)
    return render(request, "indicators/definitions/indicator_form.html", {"form": form})


def _indicator(code: str) -> Indicator:
    indicator = Indicator.objects.filter(code=code).first()
    if indicator is None:
        raise Http404
    return indicator


@login_required
def indicator_detail(request: HttpRequest, code: str) -> HttpResponse:
    """An indicator's definitions by year (a timeline) and the forms that collect it."""
    indicator = _indicator(code)
    versions = list(indicator.versions.order_by("valid_from_year"))
    timeline = []
    for i, v in enumerate(versions):
        prev = versions[i - 1] if i else None
        until = versions[i + 1].valid_from_year - 1 if i + 1 < len(versions) else None
        changed = [f for f in definitions.VERSION_FIELDS if prev is not None and getattr(prev, f) != getattr(v, f)]
        timeline.append({"version": v, "until": until, "changed": changed})
    this_year = timezone.localdate().year
    return render(request, "indicators/definitions/indicator_detail.html", {
        "indicator": indicator, "timeline": list(reversed(timeline)), "current": indicator.version_for(this_year),
        "year": this_year, "can_define": definitions.can_define(request.user),
        "forms": ReportForm.objects.filter(form_indicators__indicator=indicator).order_by("code"),
    })


@login_required
def indicator_version(request: HttpRequest, code: str) -> HttpResponse:
    """A new definition from a year on (the DTI index changes yearly); earlier years keep theirs."""
    _admin_only(request)
    indicator = _indicator(code)
    year = timezone.localdate().year + 1
    base = indicator.version_for(year)
    initial = {f: getattr(base, f) for f in definitions.VERSION_FIELDS} if base else {}
    initial["valid_from_year"] = year
    form = IndicatorVersionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            version = definitions.indicator_redefine(actor=request.user, indicator=indicator,
                                                     valid_from_year=form.cleaned_data["valid_from_year"],
                                                     **form.version_data())
        except Rejected as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("The definition in force from %(year)s was saved; earlier years keep theirs.")
                             % {"year": version.valid_from_year})
            return redirect("definitions_indicator", code=indicator.code)
    return render(request, "indicators/definitions/version_form.html", {"form": form, "indicator": indicator})


# --- report forms ---------------------------------------------------------------------------


@login_required
def form_list(request: HttpRequest) -> HttpResponse:
    forms = ReportForm.objects.select_related("owner").order_by("is_survey", "code")
    return render(request, "indicators/definitions/form_list.html", {
        "forms": forms, "can_create": definitions.can_define(request.user)})


@login_required
def form_create(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    form = ReportFormForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.form_data()
        try:
            report_form = definitions.form_create(actor=request.user, code=form.cleaned_data["code"], **data)
        except Rejected as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("Report form “%(code)s” was created. Now add its indicators and say which "
                                        "units report it.") % {"code": report_form.code})
            return redirect("definitions_form", code=report_form.code)
    return render(request, "indicators/definitions/form_edit.html", {"form": form, "report_form": None})


def _report_form(code: str) -> ReportForm:
    report_form = ReportForm.objects.select_related("owner").filter(code=code).first()
    if report_form is None:
        raise Http404
    return report_form


def _changeable_form(request: HttpRequest, code: str) -> ReportForm:
    report_form = _report_form(code)
    if not definitions.can_change_form(request.user, report_form):
        raise Http404
    return report_form


@login_required
def form_edit(request: HttpRequest, code: str) -> HttpResponse:
    report_form = _changeable_form(request, code)
    form = ReportFormForm(request.POST or None, instance=report_form, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.form_data()
        report_form.refresh_from_db()  # the ModelForm already wrote its fields on the instance
        try:
            definitions.form_update(actor=request.user, form=report_form, **data)
        except Rejected as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("The report form was saved."))
            return redirect("definitions_form", code=report_form.code)
    return render(request, "indicators/definitions/form_edit.html", {"form": form, "report_form": report_form})


def _default_period(report_form: ReportForm) -> Period:
    if report_form.is_survey and report_form.survey_period:
        return Period.containing(report_form.ptype, report_form.survey_period)
    return Period.containing(report_form.ptype, timezone.localdate()).previous()


def _form_page(request: HttpRequest, report_form: ReportForm, **forms: Any) -> HttpResponse:
    can_change = definitions.can_change_form(request.user, report_form)
    today = timezone.localdate()
    if can_change:
        forms.setdefault("indicator_form", FormIndicatorForm(form=report_form))
        forms.setdefault("assignment_form", AssignmentForm(actor=request.user, initial={"valid_from": today}))
        forms.setdefault("rule_form", RuleForm(form=report_form))
    period = _default_period(report_form)
    items = list(report_form.form_indicators.select_related("indicator").order_by("order", "id"))
    for fi in items:
        fi.version = fi.indicator.version_for(period.start.year)
    assignments = list(report_form.assignments.select_related("unit").order_by("-valid_from", "id"))
    types = dict(UnitType.choices)
    for a in assignments:
        a.ended = a.valid_to is not None and a.valid_to < today
        a.type_label = str(types.get(a.unit_type, a.unit_type)).lower()
    context = {
        "report_form": report_form, "can_change": can_change, "items": items, "assignments": assignments,
        "rules": report_form.rules.select_related("left", "right"), "today": today, "period_text": period.dhis2,
        "period_examples": _period_examples(report_form.ptype), **forms,
    }
    return render(request, "indicators/definitions/form_detail.html", context)


def _period_examples(ptype: PeriodType) -> str:
    return {"month": "202501", "quarter": "2025Q1", "half_year": "2025S1", "year": "2025"}[ptype.value]


@login_required
def form_detail(request: HttpRequest, code: str) -> HttpResponse:
    return _form_page(request, _report_form(code))


def _back(report_form: ReportForm, anchor: str) -> HttpResponse:
    return redirect(reverse("definitions_form", args=[report_form.code]) + f"#{anchor}")


@login_required
@require_POST
def form_indicator_add(request: HttpRequest, code: str) -> HttpResponse:
    report_form = _changeable_form(request, code)
    form = FormIndicatorForm(request.POST, form=report_form)
    if form.is_valid():
        try:
            definitions.form_indicator_add(actor=request.user, form=report_form, **form.cleaned_data)
        except Rejected as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("The indicator is on the form."))
            return _back(report_form, "indicators")
    return _form_page(request, report_form, indicator_form=form)


@login_required
@require_POST
def form_indicator_remove(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    report_form = _changeable_form(request, code)
    fi = FormIndicator.objects.filter(form=report_form, pk=pk).select_related("indicator", "form").first()
    if fi is None:
        raise Http404
    definitions.form_indicator_remove(actor=request.user, form_indicator=fi)
    messages.success(request, _("“%(code)s” was taken off the form; values already reported are kept.")
                     % {"code": fi.indicator.code})
    return _back(report_form, "indicators")


@login_required
@require_POST
def form_indicator_move(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    report_form = _changeable_form(request, code)
    fi = FormIndicator.objects.filter(form=report_form, pk=pk).select_related("form").first()
    if fi is None:
        raise Http404
    definitions.form_indicator_move(actor=request.user, form_indicator=fi,
                                    offset=-1 if request.POST.get("direction") == "up" else 1)
    if request.htmx:
        return _form_page(request, report_form)
    return _back(report_form, "indicators")


@login_required
@require_POST
def assignment_add(request: HttpRequest, code: str) -> HttpResponse:
    report_form = _changeable_form(request, code)
    form = AssignmentForm(request.POST, actor=request.user)
    if form.is_valid():
        try:
            definitions.assignment_add(actor=request.user, form=report_form, **form.cleaned_data)
        except Rejected as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("The assignment was added."))
            return _back(report_form, "assignments")
    return _form_page(request, report_form, assignment_form=form)


@login_required
@require_POST
def assignment_end(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    report_form = _changeable_form(request, code)
    assignment = FormAssignment.objects.filter(form=report_form, pk=pk).select_related("unit", "form__owner").first()
    if assignment is None:
        raise Http404
    form = AssignmentEndForm(request.POST)
    if form.is_valid():
        try:
            definitions.assignment_end(actor=request.user, assignment=assignment, on=form.cleaned_data["on"])
        except Rejected as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("The assignment ends on %(day)s. Periods before stay expected as they were.")
                             % {"day": assignment.valid_to.strftime("%d/%m/%Y")})
            return _back(report_form, "assignments")
    for field_errors in form.errors.values():
        for e in field_errors:
            messages.error(request, _("Ending the assignment: %(error)s") % {"error": e})
    return _back(report_form, "assignments")


@login_required
@require_POST
def rule_add(request: HttpRequest, code: str) -> HttpResponse:
    report_form = _changeable_form(request, code)
    form = RuleForm(request.POST, form=report_form)
    if form.is_valid():
        try:
            definitions.rule_add(actor=request.user, form=report_form, **form.cleaned_data)
        except Rejected as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("The rule was added: it is checked whenever a report of this form is saved."))
            return _back(report_form, "rules")
    return _form_page(request, report_form, rule_form=form)


@login_required
@require_POST
def rule_remove(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    report_form = _changeable_form(request, code)
    rule = ValidationRule.objects.filter(form=report_form, pk=pk).select_related("form__owner", "left", "right").first()
    if rule is None:
        raise Http404
    definitions.rule_remove(actor=request.user, rule=rule)
    messages.success(request, _("The rule was removed."))
    return _back(report_form, "rules")


@login_required
def form_expected(request: HttpRequest, code: str) -> HttpResponse:
    """Preview of the units expected to report the form for a period (from the dated assignments)."""
    report_form = _report_form(code)
    text = request.GET.get("period", "").strip()
    period = period_from_text(text, report_form.period_type) if text else _default_period(report_form)
    context: dict[str, Any] = {"report_form": report_form, "period_text": text,
                               "period_examples": _period_examples(report_form.ptype)}
    if period is None:
        context["error"] = _("“%(text)s” is not a period of this form: write it like %(example)s.") % {
            "text": text, "example": _period_examples(report_form.ptype)}
    else:
        units = selectors.expected_units(form=report_form, period=period).select_related("parent").order_by("path")
        context.update({"period": period, "count": units.count(), "units": units[:200],
                        "due": report_form.due_date(period)})
    return render(request, "indicators/definitions/form_detail.html#expected", context)


# --- targets --------------------------------------------------------------------------------


@login_required
def targets_home(request: HttpRequest) -> HttpResponse:
    """The targets page of the highest unit the user may see targets of."""
    unit = definitions.my_target_unit(actor=request.user)
    if unit is None:
        return render(request, "indicators/targets/no_unit.html")
    query = request.GET.urlencode()
    return redirect(reverse("targets", args=[unit.code]) + (f"?{query}" if query else ""))


def _targets_url(unit: Unit, indicator: Indicator, year: int, child_type: str) -> str:
    return reverse("targets", args=[unit.code]) + "?" + urlencode(
        {"indicator": indicator.code, "year": year, "type": child_type})


@login_required
def targets(request: HttpRequest, code: str) -> HttpResponse:
    """Targets of a unit and its children for one indicator and year: values, origin, state and
    history, the actions the user's roles allow, and whether the children's targets cover it."""
    unit = Unit.objects.filter(code=code).first()
    if unit is None or not definitions.can_view_targets(request.user, unit):
        raise Http404
    params = request.POST if request.method == "POST" else request.GET
    this_year = timezone.localdate().year
    try:
        year = int(params.get("year") or this_year)
    except ValueError:
        year = this_year
    year = min(max(year, 2015), this_year + 5)
    indicators = list(Indicator.objects.prefetch_related("versions").order_by("group", "code"))
    wanted = params.get("indicator")
    indicator = next((i for i in indicators if i.code == wanted), indicators[0] if indicators else None)
    child_type = params.get("type")
    if indicator is None:
        return render(request, "indicators/targets/targets.html", {"unit": unit, "indicator": None,
                                                                   "can_define": definitions.can_define(request.user)})
    if request.method == "POST":
        return _target_action(request, unit, indicator, year, child_type or "")
    page = definitions.targets_page(actor=request.user, unit=unit, indicator=indicator, year=year,
                                    child_type=child_type)
    ancestors = [a for a in Unit.objects.filter(pk__in=unit.ancestor_ids[:-1]).order_by("path")
                 if definitions.can_view_targets(request.user, a)]
    types = dict(UnitType.choices)
    return render(request, "indicators/targets/targets.html", {
        "unit": unit, "page": page, "indicator": indicator, "year": year,
        "indicator_choices": [(i.code, f"{i.code} — {v.name}" if (v := i.version_for(year)) else i.code)
                              for i in indicators],
        "child_type_choices": [(value, types.get(value, value), n) for value, n in page.child_types],
        "years": list(range(this_year + 2, this_year - 6, -1)), "ancestors": ancestors,
        "child_type": page.child_type,
    })


def _target_action(request: HttpRequest, unit: Unit, indicator: Indicator, year: int, child_type: str) -> HttpResponse:
    action = request.POST.get("action")
    back = redirect(_targets_url(unit, indicator, year, child_type))
    if action == "agree":
        target = Target.objects.select_related("unit__parent", "indicator").filter(
            pk=request.POST.get("target") or 0).first()
        if target is None:
            raise Http404
        definitions.target_unit_for(page_unit=unit, code=target.unit.code, year=year)  # 404 outside the page
        from .services import target_agree

        target_agree(actor=request.user, target=target, comment=request.POST.get("note", "").strip())
        messages.success(request, _("The target of %(unit)s is agreed.") % {"unit": target.unit.name})
        return back
    if action not in {"assign", "register"}:
        raise Http404
    form = TargetValueForm(request.POST)
    target_unit = definitions.target_unit_for(page_unit=unit, code=request.POST.get("unit", ""), year=year)
    if not form.is_valid():
        for name, errors in form.errors.items():
            for e in errors:
                messages.error(request, _("%(unit)s — %(field)s: %(error)s") % {
                    "unit": target_unit.name, "field": form.fields[name].label, "error": e})
        return back
    data = form.cleaned_data
    if action == "assign":
        definitions.target_assign(actor=request.user, indicator=indicator, unit=target_unit, year=year,
                                  value=data["value"], note=data["note"], agree=data["agree"])
        messages.success(request, _("Target assigned to %(unit)s.") % {"unit": target_unit.name})
    else:
        definitions.target_register(actor=request.user, indicator=indicator, unit=target_unit, year=year,
                                    value=data["value"], note=data["note"])
        messages.success(request, _("Target registered for %(unit)s; it awaits agreement by the level above.")
                         % {"unit": target_unit.name})
    return back
