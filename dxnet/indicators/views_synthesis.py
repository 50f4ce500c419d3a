"""Pages of completeness and synthesis: the units × periods grid of a supervisor's subtree with
the late units one click from urging, and the synthesis reports (request, progress, download).

Reads go through ``completeness`` / ``synthesis`` selectors and ``core.access`` (outside the
actor's subtrees: 404); writes through their services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from dxnet.core import access
from dxnet.network.models import Unit

from . import completeness, selectors, synthesis
from .models import Report, ReportForm, Synthesis
from .periods import MONTHS_IN, Period, PeriodError, span

PAGE_SIZE = 50
MAX_PERIODS = 24


def _unit(request: HttpRequest, code: str) -> Unit:
    # Unit names are public; what is shown about them is checked per action below.
    return access.get_or_404(request.user, Unit, "view", code=code)


def _forms() -> list[ReportForm]:
    return list(ReportForm.objects.order_by("code"))


def _default_form(forms: list[ReportForm], unit: Unit) -> ReportForm:
    """The form most of the subtree reports (the monthly commune form for a province), so the
    page opens on what a supervisor follows most."""
    def expected(form: ReportForm) -> int:
        return selectors.expected_units(form=form, period=_last_closed_period(form), within=unit).count()

    # Ties go to the most frequent form (a monthly one before a yearly one).
    return max(forms, key=lambda f: (not f.is_survey, expected(f), -MONTHS_IN[f.ptype]))


def _last_closed_period(form: ReportForm) -> Period:
    """The latest period of the form that has ended (the one being reported now)."""
    return Period.containing(form.ptype, timezone.localdate()).previous()


def _period(text: str | None, form: ReportForm, default: Period) -> Period:
    if not text:
        return default
    try:
        return Period.parse(text, form.ptype)
    except PeriodError:
        return default


# --- completeness grid ----------------------------------------------------------------------------


@login_required
def completeness_grid(request: HttpRequest, code: str) -> HttpResponse:
    """Units × periods of a subtree for one form: each cell the report's state, totals per period,
    and the units that still owe the report selectable for urging."""
    unit = _unit(request, code)
    access.check(request.user, "view", unit, Report)
    all_forms = _forms()
    if not all_forms:
        return render(request, "indicators/completeness/grid.html", {"unit": unit, "forms": [], "grid": None})
    form = next((f for f in all_forms if f.code == request.GET.get("form")), None) or _default_form(all_forms, unit)
    last = _last_closed_period(form)
    to = _period(request.GET.get("to"), form, last)
    first = _period(request.GET.get("from"), form, to.previous(5))
    if first > to:
        first, to = to, first
    periods = span(first, to)[-MAX_PERIODS:]
    rows_mode = request.GET.get("rows") if request.GET.get("rows") in {"children", "units"} else "children"
    problems_only = request.GET.get("only") == "problems"
    urge_period = _period(request.GET.get("up"), form, periods[-1])
    if urge_period not in periods:
        urge_period = periods[-1]
    grid = completeness.grid(form=form, periods=periods, within=unit, rows=rows_mode, problems_only=problems_only,
                             urge_period=urge_period)
    page = Paginator(grid.rows, PAGE_SIZE).get_page(request.GET.get("page"))
    completeness.fill_parents(list(page))
    can_urge = access.can(request.user, "review", unit, Report)
    context = {
        "unit": unit, "forms": all_forms, "form": form, "periods": periods, "first": first, "to": to,
        "rows_mode": rows_mode, "problems_only": problems_only, "urge_period": urge_period, "grid": grid,
        "page": page, "can_urge": can_urge, "page_owing": any(r.kind == "unit" and r.owing for r in page),
        "has_urging_listener": completeness.urging_requested.has_listeners(),
        "due": form.due_date(urge_period), "legend": LEGEND, "pager_target": "#completeness-grid",
        # Linked only where the actor may go (a province supervisor sees "Việt Nam" unlinked).
        "ancestors": [(a, access.can(request.user, "view", a, Report))
                      for a in Unit.objects.filter(pk__in=unit.ancestor_ids[:-1]).order_by("path")],
    }
    if request.htmx and request.htmx.target == "completeness-grid":
        return render(request, "indicators/completeness/grid.html#grid", context)
    return render(request, "indicators/completeness/grid.html", context)


LEGEND = [
    ("approved", gettext_lazy("Approved"), "bi-check2-all"),
    ("on_time", gettext_lazy("Submitted on time"), "bi-check2"),
    ("late", gettext_lazy("Submitted late"), "bi-clock-history"),
    ("returned", gettext_lazy("Returned for correction"), "bi-arrow-return-left"),
    ("pending", gettext_lazy("Not submitted, not yet due"), "bi-hourglass-split"),
    ("missing", gettext_lazy("Not submitted, past due"), "bi-x-lg"),
    ("not_expected", gettext_lazy("Not expected to report"), "bi-dash"),
]


@login_required
@require_POST
def completeness_urge(request: HttpRequest, code: str) -> HttpResponse:
    """Ask for the selected units (or every unit still owing the report) to be urged."""
    unit = _unit(request, code)
    access.check(request.user, "review", unit, Report)
    form = ReportForm.objects.filter(code=request.POST.get("form", "")).first()
    if form is None:
        raise Http404
    try:
        period = Period.parse(request.POST.get("period", ""), form.ptype)
    except PeriodError:
        raise Http404 from None
    if request.POST.get("all_owing"):
        codes = [o.unit.code for o in completeness.late_units(form=form, period=period, within=unit)]
    else:
        codes = request.POST.getlist("units")
    back = request.POST.get("next") or reverse("completeness_grid", args=[unit.code])
    if not back.startswith("/"):
        back = reverse("completeness_grid", args=[unit.code])
    if not codes:
        messages.warning(request, _("Select at least one unit that still owes its report, then press “Urge "
                                    "selected units”."))
        return redirect(back)
    result = completeness.urge_request(actor=request.user, form=form, period=period, within=unit, unit_codes=codes)
    n = len(result.units)
    if n:
        text = ngettext(
            "%(n)d unit selected for urging about “%(form)s”, %(period)s.",
            "%(n)d units selected for urging about “%(form)s”, %(period)s.", n,
        ) % {"n": n, "form": form.name, "period": period.label()}
        if result.listeners:
            text += " " + _("The urging notices are prepared by the plans module.")
            messages.success(request, text)
        else:
            text += " " + _("Urging notices are issued from the plans module, which is not active here yet: the "
                            "request was recorded in the audit log, no notice has been sent.")
            messages.info(request, text)
    if result.ignored:
        messages.warning(request, ngettext(
            "%(n)d selected unit was left out: it has already submitted, or is outside this subtree.",
            "%(n)d selected units were left out: they have already submitted, or are outside this subtree.",
            len(result.ignored)) % {"n": len(result.ignored)})
    return redirect(back)


# --- synthesis reports ---------------------------------------------------------------------------


class SynthesisRequestForm(forms.Form):
    form = forms.ModelChoiceField(label=gettext_lazy("Report form"), queryset=ReportForm.objects.order_by("code"),
                                  to_field_name="code", empty_label=None)
    period = forms.CharField(label=gettext_lazy("Period"), max_length=10,
                             help_text=gettext_lazy("In DHIS2 notation: 202509 (month), 2025Q3, 2025S2, 2025."))
    notes = forms.CharField(label=gettext_lazy("Notes and recommendations (section V)"), required=False,
                            max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        form, text = data.get("form"), data.get("period")
        if form is not None and text:
            try:
                data["period_obj"] = Period.parse(text, form.ptype)
            except PeriodError:
                self.add_error("period", _("“%(text)s” is not a %(type)s period of this form (examples: 202509, "
                                           "2025Q3, 2025S2, 2025).")
                               % {"text": text, "type": form.get_period_type_display().lower()})
        return data


@login_required
def synthesis_home(request: HttpRequest) -> HttpResponse:
    """Where syntheses can be read: the top units of the actor's subtrees."""
    tops = access.top_units(request.user, "view", Synthesis)
    if len(tops) == 1:
        return redirect("synthesis_unit", tops[0].code)
    return render(request, "indicators/synthesis/home.html", {"units": tops})


@login_required
def completeness_home(request: HttpRequest) -> HttpResponse:
    """The completeness grid of the highest unit whose reports the actor may review (or read)."""
    tops = access.top_units(request.user, "review", Report) or access.top_units(request.user, "view", Report)
    if not tops:
        raise Http404
    return redirect("completeness_grid", tops[0].code)


@login_required
def synthesis_unit(request: HttpRequest, code: str) -> HttpResponse:
    """The syntheses of a unit's subtree, and the request form for those who may make one."""
    unit = _unit(request, code)
    items = synthesis.synthesis_list(actor=request.user, unit=unit)
    can_create = access.can(request.user, "create", unit, Synthesis)
    all_forms = _forms()
    initial: dict[str, Any] = {}
    if all_forms:
        default = _default_form(all_forms, unit)
        initial = {"form": default.code, "period": _last_closed_period(default).dhis2}
    request_form = SynthesisRequestForm(request.POST or None, initial=initial) if can_create else None
    if request.method == "POST":
        if request_form is None:
            raise Http404
        if request_form.is_valid():
            try:
                s = synthesis.synthesis_request(actor=request.user, unit=unit, form=request_form.cleaned_data["form"],
                                                period=request_form.cleaned_data["period_obj"],
                                                notes=request_form.cleaned_data["notes"])
            except synthesis.SynthesisRejected as exc:
                request_form.add_error("period", str(exc))
            else:
                messages.success(request, _("The synthesis of “%(form)s”, %(period)s is being prepared. It appears "
                                            "below; the files can be downloaded when it is done.")
                                 % {"form": s.form.name, "period": Period.containing(s.form.ptype, s.period).label()})
                return redirect("synthesis_unit", unit.code)
    page = Paginator(items, 20).get_page(request.GET.get("page"))
    for s in page:
        _label(s)
    return render(request, "indicators/synthesis/unit.html", {
        "unit": unit, "page": page, "request_form": request_form, "can_create": can_create, "forms": all_forms,
        "pager_target": "#synthesis-list",
    })


@login_required
def synthesis_status(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """One row of the list (htmx polls it while the synthesis is being built)."""
    unit = _unit(request, code)
    s = synthesis.access_synthesis(actor=request.user, unit=unit, synthesis_id=pk)
    return render(request, "indicators/synthesis/unit.html#row", {"unit": unit, "s": _label(s)})


def _label(s: Synthesis) -> Synthesis:
    s.period_label = Period.containing(s.form.ptype, s.period).label()  # type: ignore[attr-defined]
    return s


@login_required
def synthesis_download(request: HttpRequest, code: str, pk: int, kind: str) -> FileResponse:
    unit = _unit(request, code)
    s = synthesis.access_synthesis(actor=request.user, unit=unit, synthesis_id=pk)
    field = {"docx": s.docx, "xlsx": s.xlsx}.get(kind)
    if field is None or not field or s.status != Synthesis.Status.DONE:
        raise Http404
    period = Period.containing(s.form.ptype, s.period)
    filename = f"bao-cao-tong-hop-{s.form.code}-{s.unit.code}-{period.dhis2}.{kind}".lower()
    return FileResponse(field.open("rb"), as_attachment=True, filename=filename)
