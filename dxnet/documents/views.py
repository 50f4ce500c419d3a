"""Document pages: the list with its search, upload, the document (with a cited passage
highlighted), edit, withdraw/restore, the download and the indexing status. Thin: selectors
read through the access module, services write. Out of scope is a 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dxnet.core import access
from dxnet.indicators.forms_definitions import put_errors
from dxnet.indicators.services import Rejected

from . import selectors, services
from .forms import DocumentForm
from .models import Document, DocumentKind, DocumentLanguage
from .rendering import passage_bounds, render_text

PAGE_SIZE = 20


def may_publish(user: Any) -> bool:
    return bool(access.top_units(user, "create", Document))


def error_list(form: DocumentForm) -> list[str]:
    """Every error of the form, each beginning with the name of its field (in the user's language)."""
    out: list[str] = []
    for name, errors in form.errors.items():
        label = str(form.fields[name].label) if name in form.fields else ""
        for e in errors:
            out.append(e if not label or e.startswith(f"{label}:") else f"{label}: {e}")
    return out


def _year(value: str | None) -> int | None:
    """A year from the query string; anything else (not a number, or outside 1–9999, which a date
    cannot hold) is ignored."""
    try:
        year = int(value[:8]) if value and len(value) <= 8 else None
    except ValueError:
        return None
    return year if year is not None and 1 <= year <= 9999 else None


@login_required
def document_list(request: HttpRequest) -> HttpResponse:
    g = request.GET
    q = g.get("q", "").strip()[:200]
    filters = {"kind": g.get("kind", "") if g.get("kind", "") in DocumentKind.values else "",
               "language": g.get("language", "") if g.get("language", "") in DocumentLanguage.values else "",
               "issuer": g.get("issuer", "").strip()[:255], "year": _year(g.get("year"))}
    withdrawn = g.get("withdrawn") == "1"
    qs = selectors.document_list(actor=request.user, q=q, include_withdrawn=withdrawn, **filters)
    page = Paginator(qs, PAGE_SIZE).get_page(g.get("page"))
    rows = [{"doc": d, "snippet": selectors.document_snippet(d, q) if q else None} for d in page.object_list]
    scope = selectors.document_list(actor=request.user)
    years = sorted({d.year for d in scope.exclude(signed_on=None).values_list("signed_on", flat=True)}, reverse=True)
    issuers = sorted(set(scope.exclude(issuer="").values_list("issuer", flat=True)))
    return render(request, "documents/list.html", {
        "page": page, "rows": rows, "q": q, "filters": filters, "withdrawn": withdrawn,
        "doc_kinds": DocumentKind.choices, "doc_languages": DocumentLanguage.choices, "years": years,
        "issuers": issuers, "may_publish": may_publish(request.user),
        "filtered": bool(q or any(filters.values())),
    })


@login_required
def document_new(request: HttpRequest) -> HttpResponse:
    if not may_publish(request.user):
        raise Http404
    form = DocumentForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data["file"]
        try:
            doc = services.document_create(actor=request.user, owner=form.cleaned_data["owner"], filename=f.name,
                                           content=f.read(), **form.metadata())
        except Rejected as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("Document published: the assistant is indexing it."))
            return redirect("documents:detail", slug=doc.slug)
    return render(request, "documents/form.html", {"form": form, "document": None, "errors": error_list(form)},
                  status=422 if form.is_bound else 200)


@login_required
def document_detail(request: HttpRequest, slug: str) -> HttpResponse:
    doc = selectors.access_document_by_slug(actor=request.user, slug=slug)
    # A citation names the text it was made on (v = start of its sha256): offsets into an earlier
    # text (the file was replaced since) would highlight the wrong words, so none is highlighted.
    version = request.GET.get("v", "")
    stale = bool(version) and not doc.text_sha256.startswith(version)
    passage = None if stale else passage_bounds(doc.text, request.GET.get("from"), request.GET.get("to"))
    can_change = selectors.can_change(request.user, doc)
    return render(request, "documents/detail.html", {
        "doc": doc, "text_html": render_text(doc.text, passage), "passage": passage, "stale": stale,
        "can_change": can_change,
        "job": latest_job(doc) if can_change else None,
    })


@login_required
def document_edit(request: HttpRequest, slug: str) -> HttpResponse:
    doc = selectors.access_document_by_slug(actor=request.user, slug=slug, for_change=True)
    initial = {f: getattr(doc, f) for f in ("title", "number", "kind", "issuer", "signed_on", "effective_on",
                                            "language", "summary", "source_url")} | {"audience": doc.audience.code}
    form = DocumentForm(request.POST or None, request.FILES or None, user=request.user, document=doc, initial=initial)
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data.get("file")
        try:
            services.document_update(actor=request.user, document=doc, filename=f.name if f else None,
                                     content=f.read() if f else None, **form.metadata())
        except Rejected as exc:
            put_errors(form, exc)
            doc.refresh_from_db()
        else:
            messages.success(request, _("Document saved."))
            return redirect("documents:detail", slug=doc.slug)
    return render(request, "documents/form.html", {"form": form, "document": doc, "errors": error_list(form)},
                  status=422 if form.is_bound else 200)


@login_required
@require_POST
def document_withdraw(request: HttpRequest, slug: str) -> HttpResponse:
    doc = selectors.access_document_by_slug(actor=request.user, slug=slug, for_change=True)
    services.document_withdraw(actor=request.user, document=doc)
    messages.success(request, _("Document withdrawn: its readers no longer see it and the assistant no longer "
                                "cites it."))
    return redirect("documents:detail", slug=doc.slug)


@login_required
@require_POST
def document_restore(request: HttpRequest, slug: str) -> HttpResponse:
    doc = selectors.access_document_by_slug(actor=request.user, slug=slug, for_change=True)
    services.document_restore(actor=request.user, document=doc)
    messages.success(request, _("Document published again."))
    return redirect("documents:detail", slug=doc.slug)


@login_required
def document_download(request: HttpRequest, slug: str) -> FileResponse:
    """The original file, for whoever may read the document (the same 404 rule as its page)."""
    doc = selectors.access_document_by_slug(actor=request.user, slug=slug)
    if not doc.file:
        raise Http404
    try:
        handle = doc.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=doc.filename or doc.file.name.rsplit("/", 1)[-1],
                        content_type=doc.media_type or None)


@login_required
def index_status(request: HttpRequest, slug: str) -> HttpResponse:
    """The latest indexing job of the document (htmx polls it while it is queued or running)."""
    doc = selectors.access_document_by_slug(actor=request.user, slug=slug, for_change=True)
    return render(request, "documents/partials/index_status.html", {"doc": doc, "job": latest_job(doc)})


def latest_job(doc: Document) -> Any:
    from dxnet.assistant.models import IndexJob

    return IndexJob.objects.filter(document=doc).order_by("-created_at", "-pk").first()
