"""The index page (/assistant/index/) for administrators: what the assistant searches (the
current build's figures), the recent indexing jobs with their progress (polled every 2 s while
one is queued or running) and a button that queues a full rebuild. Superusers and national
administrators only (the administrator role on the root unit); anyone else gets a 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dxnet.core import access
from dxnet.documents.models import Document

from . import indexing
from .models import IndexJob, IndexState

RECENT = 20
ACTIVE = (IndexJob.Status.QUEUED, IndexJob.Status.RUNNING)


def is_index_admin(user: object) -> bool:
    """Superusers and national administrators (the administrator role on the root unit): the
    page lists every job (who queued it, raw errors) and rebuilds the index for the whole country."""
    if not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_superuser", False):
        return True
    from dxnet.network.models import RoleAssignment

    return RoleAssignment.objects.active().filter(user=user, role="admin", unit__parent__isnull=True).exists()


def _require_admin(request: HttpRequest) -> None:
    if not is_index_admin(request.user):
        raise Http404


def _context(request: HttpRequest) -> dict[str, object]:
    jobs = list(IndexJob.objects.select_related("document", "created_by")[:RECENT])
    # A job's document is named only to those who may read it (an administrator of a province
    # is not a reader of every document).
    readable = set(access.visible(request.user, Document.objects.all())
                   .filter(pk__in=[j.document_id for j in jobs if j.document_id])
                   .values_list("pk", flat=True))
    for job in jobs:
        job.readable_document = job.document if job.document_id in readable else None  # type: ignore[attr-defined]
    return {
        "state": IndexState.objects.order_by("pk").first(),
        "jobs": jobs,
        "active": any(j.status in ACTIVE for j in jobs),
        "published": Document.objects.published().count(),
    }


@login_required
def index_status(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    context = _context(request)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "assistant/partials/index_jobs.html", context)
    return render(request, "assistant/index.html", context)


@login_required
@require_POST
def index_rebuild(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    with transaction.atomic():
        indexing.rebuild(actor=request.user, queue=True)
    messages.success(request, _("A rebuild of the index is queued; its progress is shown below."))
    return redirect("assistant:index_status")
