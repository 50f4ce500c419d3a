"""Importing a real plan (/plans/import/): upload → review every agency name → import.

The upload is parsed and held in the session (no task is stored) until the user has resolved
every ambiguous and unknown agency name on the review page; "Import" then stores the programme
and all its tasks in one transaction (``importing.programme_import``). Only supervisors and
leaders (who may change programmes) see these pages; anyone else gets a 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from dxnet.core import access
from dxnet.indicators.services import Rejected
from dxnet.network.models import Unit, UnitType

from . import importing
from .models import Programme, Task

MAX_UPLOAD = 10 * 1024 * 1024
SESSION_PREFIX = "plan_import:"

METHOD_LABELS = {
    "exact": gettext_lazy("exact name"),
    "abbreviation": gettext_lazy("abbreviation"),
    "folded": gettext_lazy("without accents"),
    "lineage": gettext_lazy("no longer in force: successor"),
    "collective": gettext_lazy("collective"),
    "ambiguous": gettext_lazy("ambiguous"),
    "unknown": gettext_lazy("unknown"),
}
EVENT_LABELS = {
    "merged": gettext_lazy("merged"), "split": gettext_lazy("split"),
    "renamed": gettext_lazy("renamed"), "continued": gettext_lazy("continued"),
}
COLLECTIVE_LABELS = {
    "ministries_provinces": gettext_lazy("every ministry and province"),
    "ministries": gettext_lazy("every ministry and ministry-level agency"),
    "provinces": gettext_lazy("every province and centrally-run city"),
    "cities": gettext_lazy("every centrally-run city"),
    "communes": gettext_lazy("every commune of the issuing unit"),
    "agencies": gettext_lazy("every department of the issuing unit"),
}


def _owner_units(request: HttpRequest) -> list[Unit]:
    """Units the user may issue a programme for; none → the pages do not exist for them (404)."""
    units = list(
        access.units(request.user, "change", Programme).current()
        .exclude(unit_type__in=[UnitType.COMMUNE, UnitType.TEAM, UnitType.DISTRICT]).order_by("path")[:400]
    )
    if not units:
        raise Http404
    return units


class UploadForm(forms.Form):
    owner = forms.ChoiceField(label=gettext_lazy("Issuing unit"))
    file = forms.FileField(label=gettext_lazy("File"), help_text=gettext_lazy(
        "Excel (.xlsx), CSV (UTF-8) or a Markdown table (.md) with the columns Nhóm, STT, Nhiệm vụ, Cơ quan chủ "
        "trì, Cơ quan phối hợp, Sản phẩm, Thời hạn (Vietnamese or English headers)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,.md,.markdown,.txt"}))

    def __init__(self, *args: Any, units: list[Unit], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["owner"].choices = [(u.code, f"{'— ' * max(u.depth - 1, 0)}{u.name}") for u in units]

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if f.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return f


class ProgrammeForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=500)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Programme.Kind.choices)
    legal_number = forms.CharField(label=gettext_lazy("Document number"), max_length=80, required=False)
    legal_date = forms.DateField(label=gettext_lazy("Document date"), required=False,
                                 input_formats=["%d/%m/%Y", "%Y-%m-%d"],
                                 widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"}))
    legal_issuer = forms.CharField(label=gettext_lazy("Issued by"), max_length=200, required=False)


@login_required
@require_http_methods(["GET", "POST"])
def import_start(request: HttpRequest) -> HttpResponse:
    units = _owner_units(request)
    form = UploadForm(request.POST or None, request.FILES or None, units=units)
    problems: list[tuple[str, str, str]] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = importing.read_upload(upload.name, upload.read())
            problems = importing.check_rows(rows)
        except Rejected as exc:
            problems = exc.errors
        if not problems:
            token = get_random_string(16)
            request.session[SESSION_PREFIX + token] = {
                "owner": form.cleaned_data["owner"], "filename": upload.name, "rows": rows}
            return redirect("plans_import_review", token=token)
    return render(request, "plans/import/start.html", {"form": form, "problems": problems},
                  status=400 if problems else 200)


def _pending(request: HttpRequest, token: str) -> tuple[dict[str, Any], Unit]:
    pending = request.session.get(SESSION_PREFIX + token)
    if not pending:
        raise Http404
    owner = Unit.objects.filter(code=pending["owner"]).first()
    if owner is None or not access.can(request.user, "change", owner, Programme):
        raise Http404
    return pending, owner


def _describe(entries: dict[str, dict[str, Any]], units: dict[int, Unit]) -> list[dict[str, Any]]:
    """The names for the templates: what each was matched to, in words."""
    out = []
    for name, e in entries.items():
        d = dict(e, name=name, method_label=METHOD_LABELS.get(e["method"], e["method"]))
        targets = [units[i] for i in e["unit_ids"] if i in units]
        if e["method"] == "lineage" and targets:
            via = units.get(e["via_id"]) if e["via_id"] else None
            when = dt.date.fromisoformat(e["effective_on"]).strftime("%d/%m/%Y") if e["effective_on"] else ""
            event = EVENT_LABELS.get(e["event"], "")
            d["matched"] = f"{via.name if via else name} → {targets[0].name} ({event} {when})"
        elif e["method"] == "collective":
            d["matched"] = _("%(what)s (%(n)s units)") % {
                "what": COLLECTIVE_LABELS.get(e["collective"], e["collective"]), "n": len(targets)}
        elif targets:
            d["matched"] = ", ".join(u.name for u in targets)
        else:
            d["matched"] = ""
        d["candidates"] = [units[i] for i in e["candidate_ids"] if i in units]
        d["n_rows"] = len(e["rows"])
        d["needs_choice"] = e["method"] in ("ambiguous", "unknown")
        out.append(d)
    order = {"unknown": 0, "ambiguous": 1, "lineage": 2, "collective": 3}
    return sorted(out, key=lambda d: (order.get(d["method"], 4), d["name"]))


@login_required
@require_http_methods(["GET", "POST"])
def import_review(request: HttpRequest, token: str) -> HttpResponse:
    pending, owner = _pending(request, token)
    rows = pending["rows"]
    matcher = importing.Matcher(owner=owner)
    entries = matcher.names_of(rows)
    names = _describe(entries, matcher.units)
    choices = sorted((u for u in matcher.units.values() if u.is_current()), key=lambda u: u.path)
    default_title = pending["filename"].rsplit(".", 1)[0]
    form = ProgrammeForm(request.POST or None, initial={"title": default_title, "kind": Programme.Kind.PLAN})
    problems: list[tuple[str, str, str]] = []
    chosen: dict[str, str] = {}
    if request.method == "POST":
        for i, d in enumerate(names):
            if d["needs_choice"]:
                chosen[d["name"]] = request.POST.get(f"name-{i}", "")
        if form.is_valid():
            resolutions: dict[str, Any] = {}
            for name, value in chosen.items():
                if value == importing.IGNORE:
                    resolutions[name] = value
                elif value.isdigit():
                    resolutions[name] = int(value)
            try:
                result = importing.programme_import(
                    actor=request.user, owner=owner, rows=rows, resolutions=resolutions,
                    source=pending["filename"], **form.cleaned_data)
            except Rejected as exc:
                problems = exc.errors
            else:
                del request.session[SESSION_PREFIX + token]
                return render(request, "plans/import/done.html", {
                    "result": result, "names": _describe(result.names, matcher.units),
                    "methods": [(METHOD_LABELS.get(k, k), n) for k, n in sorted(result.methods.items())],
                    "programme_url": _programme_url(result.programme)})
    for i, d in enumerate(names):
        d["field"] = f"name-{i}"
        d["value"] = chosen.get(d["name"], "")
    kinds: dict[str, int] = {}
    for row in rows:
        try:
            kind = importing.parse_deadline(row.get("deadline", "")).kind
        except importing.DeadlineError:  # checked at upload; the import names the row again
            continue
        kinds[kind] = kinds.get(kind, 0) + 1
    groups = list(dict.fromkeys(r.get("group", "") for r in rows if r.get("group")))
    return render(request, "plans/import/review.html", {
        "token": token, "owner": owner, "filename": pending["filename"], "rows": rows[:200],
        "n_rows": len(rows), "groups": groups, "names": names, "form": form, "problems": problems,
        "choices": choices, "ignore": importing.IGNORE,
        "unresolved": sum(1 for d in names if d["needs_choice"]),
        "kinds": [(label, kinds.get(value, 0)) for value, label in Task.DeadlineKind.choices],
    }, status=400 if problems else 200)


@login_required
@require_POST
def import_cancel(request: HttpRequest, token: str) -> HttpResponse:
    request.session.pop(SESSION_PREFIX + token, None)
    return redirect("plans_import")


def _programme_url(programme: Programme) -> str:
    try:  # the programme page belongs to the core views (urls_core.py)
        return reverse("programme", kwargs={"code": programme.code})
    except NoReverseMatch:
        return ""
