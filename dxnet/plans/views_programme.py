"""Writing a programme: create and edit it, its phases, its guidance files — and the scoped
download of a guidance file. Thin: a form parses, a service stores (and audits). Out of scope
is a 404."""

from __future__ import annotations

import os
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dxnet.core import access
from dxnet.indicators.forms_definitions import put_errors
from dxnet.indicators.services import Rejected

from . import selectors, services
from .forms_programme import GuidanceForm, PhaseForm, ProgrammeForm
from .models import GuidanceFile, Phase, Programme


def may_create(user: Any) -> bool:
    return bool(access.top_units(user, "change", Programme))


def _editable(request: HttpRequest, code: str) -> Programme:
    programme = selectors.programme_get(actor=request.user, code=code)
    if not access.can(request.user, "change", programme.owner, Programme):
        raise Http404
    return programme


def _managed(request: HttpRequest, code: str) -> Programme:
    """A programme whose phases and guidance the user writes (its issuer; for a unit's detailed
    plan, also that unit's writers)."""
    programme = selectors.programme_get(actor=request.user, code=code)
    if not services._can_manage(request.user, programme):
        raise Http404
    return programme


def _form_messages(request: HttpRequest, form: Any) -> None:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for e in errors:
            # Messages of these forms begin with the field's name; Django's own ("This field is required.") do not.
            messages.error(request, e if not label or e.startswith(f"{label}:") else f"{label}: {e}")


@login_required
def programme_new(request: HttpRequest) -> HttpResponse:
    if not may_create(request.user):
        raise Http404
    form = ProgrammeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            programme = services.programme_create(actor=request.user, code=form.cleaned_data["code"],
                                                  owner=form.cleaned_data["owner"], **form.fields_data())
        except Rejected as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("Programme created: add its phases, guidance and tasks."))
            return redirect("programme", code=programme.code)
    return render(request, "plans/programme_form.html", {"form": form, "programme": None},
                  status=422 if form.is_bound else 200)


@login_required
def programme_edit(request: HttpRequest, code: str) -> HttpResponse:
    programme = _editable(request, code)
    initial = {f: getattr(programme, f) for f in ("code", *services.PROGRAMME_FIELDS)}
    form = ProgrammeForm(request.POST or None, user=request.user, programme=programme, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in ({"code": form.cleaned_data["code"]} | form.fields_data()).items()
                   if getattr(programme, k) != v}
        try:
            if changes:
                services.programme_update(actor=request.user, programme=programme, **changes)
        except Rejected as exc:
            put_errors(form, exc)
            programme.refresh_from_db()
        else:
            messages.success(request, _("Programme saved.") if changes else _("Nothing was changed."))
            return redirect("programme", code=programme.code)
    return render(request, "plans/programme_form.html", {"form": form, "programme": programme},
                  status=422 if form.is_bound else 200)


@login_required
@require_POST
def phase_add(request: HttpRequest, code: str) -> HttpResponse:
    programme = _managed(request, code)
    form = PhaseForm(request.POST, programme=programme)
    if form.is_valid():
        try:
            services.phase_add(actor=request.user, programme=programme, **form.cleaned_data)
        except Rejected as exc:
            put_errors(form, exc)
    if form.errors:
        _form_messages(request, form)
    else:
        messages.success(request, _("Phase added."))
    return redirect("programme", code=programme.code)


@login_required
@require_POST
def phase_remove(request: HttpRequest, code: str, phase_id: int) -> HttpResponse:
    programme = _managed(request, code)
    phase = Phase.objects.filter(programme=programme, pk=phase_id).first()
    if phase is None:
        raise Http404
    services.phase_remove(actor=request.user, phase=phase)
    messages.success(request, _("Phase “%(name)s” removed.") % {"name": phase.name})
    return redirect("programme", code=programme.code)


@login_required
@require_POST
def guidance_add(request: HttpRequest, code: str) -> HttpResponse:
    programme = _managed(request, code)
    form = GuidanceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.guidance_add(actor=request.user, programme=programme, title=form.cleaned_data["title"],
                                  file=form.cleaned_data["file"])
        except Rejected as exc:
            put_errors(form, exc)
    if form.errors:
        _form_messages(request, form)
    else:
        messages.success(request, _("Guidance attached: the units of the plan can download it."))
    return redirect("programme", code=programme.code)


@login_required
def guidance_download(request: HttpRequest, guidance_id: int) -> FileResponse:
    """A guidance file, for whoever may read its programme (the same visibility as its page)."""
    guidance = (GuidanceFile.objects.filter(pk=guidance_id,
                                            programme__in=selectors.programme_list(actor=request.user).values("pk"))
                .first())
    if guidance is None:
        raise Http404
    try:
        handle = guidance.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=os.path.basename(guidance.file.name))
