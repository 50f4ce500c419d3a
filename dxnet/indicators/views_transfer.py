"""Import and export pages (/reporting/transfer/): the Excel template, uploads (Excel, CSV,
DHIS2 JSON; large ones on the worker with a progress bar) and exports (XLSX, CSV, DHIS2 JSON).
Units out of the user's scope are a 404; import rows for them are rejected as unknown units."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from dxnet.core import access
from dxnet.network.models import Unit

from . import tasks, transfer
from .models import DataValue, ReportForm, TransferJob
from .periods import Period, PeriodError, span

MAX_UPLOAD = 50 * 1024 * 1024
MAX_EXPORT_PERIODS = 60


def _default_period(form: ReportForm) -> Period:
    """The last period that has ended: the one being reported now."""
    return Period.containing(form.ptype, timezone.localdate()).previous()


class _Base(forms.Form):
    form = forms.ChoiceField(label=gettext_lazy("Report form"))
    unit = forms.ChoiceField(label=gettext_lazy("Unit"))

    def __init__(self, *args: Any, report_forms: list[ReportForm], units: list[Unit], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["form"].choices = [(f.code, f"{f.name} ({f.code})") for f in report_forms]
        self.fields["unit"].choices = [(u.code, f"{u.name} ({u.code})") for u in units]


class TemplateForm(_Base):
    period = forms.CharField(label=gettext_lazy("Period"), max_length=10,
                             help_text=gettext_lazy("DHIS2 notation: 202501 (month), 2025Q1, 2025S1, 2025."))


class ImportForm(_Base):
    file = forms.FileField(label=gettext_lazy("File"), help_text=gettext_lazy(
        "The filled Excel template (.xlsx), a CSV file in the same layout (UTF-8), or a DHIS2 dataValueSets "
        "JSON file (.json)."), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,.json"}))

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if transfer.kind_of(f.name) is None:
            raise forms.ValidationError(_("Upload an .xlsx, .csv or .json file."))
        if f.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 50 MB: split it by period or unit."))
        return f


class ExportForm(_Base):
    FORMATS = [("xlsx", "Excel (.xlsx)"), ("csv", "CSV (UTF-8)"), ("json", "DHIS2 dataValueSets (.json)")]
    first = forms.CharField(label=gettext_lazy("From period"), max_length=10)
    last = forms.CharField(label=gettext_lazy("To period"), max_length=10)
    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=FORMATS)


def _context(request: HttpRequest) -> dict[str, Any]:
    report_forms = list(access.visible(request.user, ReportForm.objects.all()).order_by("code"))
    write_units = access.top_units(request.user, "write", DataValue)
    read_units = access.top_units(request.user, "view", DataValue)
    default_form = report_forms[0] if report_forms else None
    period = _default_period(default_form).dhis2 if default_form else ""
    initial = {"period": period, "first": period, "last": period}
    return {
        "report_forms": report_forms, "write_units": write_units, "read_units": read_units,
        "template_form": TemplateForm(report_forms=report_forms, units=write_units, initial=initial,
                                      prefix="t"),
        "import_form": ImportForm(report_forms=report_forms, units=write_units, prefix="i"),
        "export_form": ExportForm(report_forms=report_forms, units=read_units, initial=initial, prefix="e"),
        "jobs": access.visible(request.user, TransferJob.objects.filter(created_by=request.user)
                               .select_related("form"), "view")[:10],
        "background_above": tasks.BACKGROUND_ABOVE,
    }


@login_required
def transfer_home(request: HttpRequest) -> HttpResponse:
    """Download a template, upload a file, export values. A small upload is imported at once and
    the page shows the result; a large one goes to the worker and the job page shows progress."""
    context = _context(request)
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES, report_forms=context["report_forms"],
                          units=context["write_units"], prefix="i")
        context["import_form"] = form
        if form.is_valid():
            report_form = ReportForm.objects.get(code=form.cleaned_data["form"])
            unit = Unit.objects.get(code=form.cleaned_data["unit"])
            access.check(request.user, "write", unit, DataValue)
            upload = form.cleaned_data["file"]
            kind = transfer.kind_of(upload.name) or "excel"
            content = upload.read()
            year = timezone.localdate().year
            n_columns = sum(len(s.parts()) for s in transfer.form_specs(report_form, year))
            estimate = transfer.estimate_values(kind, content, n_columns)
            if estimate > tasks.BACKGROUND_ABOVE:
                job = tasks.job_create(actor=request.user, kind=kind, form=report_form, unit=unit,
                                       filename=upload.name, content=content, total=estimate,
                                       language=get_language() or "")
                return redirect("transfer_job", job_id=job.pk)
            reading, fields = transfer.read_file(kind, content, form=report_form, year=year)
            outcome = transfer.import_reading(actor=request.user, reading=reading, source=kind, fields=fields)
            context.update({"outcome": outcome, "filename": upload.name})
            return render(request, "indicators/transfer/page.html", context, status=200 if outcome.ok else 422)
    return render(request, "indicators/transfer/page.html", context)


def _form_or_404(code: str) -> ReportForm:
    form = ReportForm.objects.filter(code=code).first()
    if form is None:
        raise Http404
    return form


def _period(text: str, form: ReportForm) -> Period:
    try:
        return Period.parse(text, form.ptype)
    except PeriodError:
        raise Http404 from None


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def template_pick(request: HttpRequest) -> HttpResponse:
    """The page's template form (GET, no script) → the template's own address."""
    get = request.GET
    form = _form_or_404(get.get("t-form", ""))
    return redirect(f"{reverse('transfer_template', args=[form.code])}?"
                    f"{urlencode({'unit': get.get('t-unit', ''), 'period': get.get('t-period', '').strip()})}")


@login_required
def export_pick(request: HttpRequest) -> HttpResponse:
    """The page's export form (GET, no script) → the export's own address."""
    get = request.GET
    form = _form_or_404(get.get("e-form", ""))
    query = {"unit": get.get("e-unit", ""), "from": get.get("e-first", "").strip(), "to": get.get("e-last", "").strip(),
             "format": get.get("e-format", "xlsx")}
    return redirect(f"{reverse('transfer_export', args=[form.code])}?{urlencode(query)}")


@login_required
def template_download(request: HttpRequest, form_code: str) -> HttpResponse:
    """The form's Excel template for the units of a subtree the user may write, prefilled with
    the values already stored for the period."""
    form = _form_or_404(form_code)
    unit_code = request.GET.get("unit") or ""
    unit = Unit.objects.filter(code=unit_code).first()
    if unit is None:
        raise Http404
    raw_period = request.GET.get("period") or _default_period(form).dhis2
    period = _period(raw_period, form)
    units = transfer.template_units(actor=request.user, form=form, unit=unit, period=period)
    specs = transfer.form_specs(form, period.start.year)
    ids = list(form.form_indicators.values_list("indicator_id", flat=True))
    records = transfer.export_records(actor=request.user, indicator_ids=ids, unit=unit, periods=[period])
    rows = transfer.table_rows(specs, units, [period], records, only_with_values=False)
    content = transfer.write_xlsx(specs=specs, rows=rows, form_code=form.code, form_name=form.name,
                                  period_text=f"{period.label()} ({period.dhis2})",
                                  unit_text=f"{unit.name} ({unit.code})", template=True)
    return _attachment(content, XLSX, f"mau-{form.code}-{unit.code}-{period.dhis2}.xlsx")


@login_required
def export_download(request: HttpRequest, form_code: str) -> HttpResponse:
    """A form's stored values for a subtree and a period range, as XLSX, CSV or DHIS2 JSON, in
    the template layout (so an export can be corrected and imported again)."""
    form = _form_or_404(form_code)
    get = request.GET
    unit = Unit.objects.filter(code=get.get("unit") or "").first()
    if unit is None:
        raise Http404
    access.check(request.user, "view", unit, DataValue)
    first = _period(get.get("from") or _default_period(form).dhis2, form)
    last = _period(get.get("to") or first.dhis2, form)
    if last < first:
        first, last = last, first
    periods = span(first, last)[:MAX_EXPORT_PERIODS]
    fmt = get.get("format") or "xlsx"
    specs = transfer.form_specs(form, last.start.year)
    ids = list(form.form_indicators.values_list("indicator_id", flat=True))
    records = transfer.export_records(actor=request.user, indicator_ids=ids, unit=unit, periods=periods)
    name = f"{form.code}-{unit.code}-{first.dhis2}" + ("" if first == last else f"-{last.dhis2}")
    if fmt == "json":
        payload = transfer.build_dhis2(records, {s.code: s for s in specs}, data_set=form.code)
        return _attachment(json.dumps(payload, ensure_ascii=False, indent=1).encode(), "application/json",
                           f"{name}.json")
    units = list(dict.fromkeys((r.unit_code, r.unit_name) for r in records))
    rows = transfer.table_rows(specs, units, periods, records, only_with_values=True)
    if fmt == "csv":
        return _attachment(transfer.write_csv(specs=specs, rows=rows), "text/csv; charset=utf-8", f"{name}.csv")
    period_text = first.label() if first == last else f"{first.label()} – {last.label()}"
    content = transfer.write_xlsx(specs=specs, rows=rows, form_code=form.code, form_name=form.name,
                                  period_text=period_text, unit_text=f"{unit.name} ({unit.code})", template=False)
    return _attachment(content, XLSX, f"{name}.xlsx")


@login_required
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    """A background import: its progress (the partial is polled every second until the job
    ends), then its counts or every bad row."""
    job = access.get_or_404(request.user, TransferJob.objects.select_related("form", "unit"), "view", pk=job_id)
    context = {"job": job, "finished": job.status in {TransferJob.Status.DONE, TransferJob.Status.FAILED},
               "ok": job.status == TransferJob.Status.DONE}
    if request.htmx:
        return render(request, "indicators/transfer/job.html#progress", context)
    return render(request, "indicators/transfer/job.html", context)
