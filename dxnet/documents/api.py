"""Documents over the JSON API, scoped like the pages (outside scope → 404)."""

from __future__ import annotations

import datetime as dt
import html as html_lib
from typing import Any

from django.http import HttpRequest
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.errors import ValidationError
from ninja.files import UploadedFile

from dxnet.core import access
from dxnet.indicators.services import Rejected
from dxnet.network.models import Unit

from . import selectors, services
from .extraction import MAX_BYTES
from .models import Document

router = Router(tags=["Documents"])


class UnitRef(Schema):
    code: str
    name: str


class DocumentOut(Schema):
    slug: str
    title: str
    number: str
    kind: str
    issuer: str
    signed_on: dt.date | None
    effective_on: dt.date | None
    language: str
    summary: str
    source_url: str
    owner: UnitRef
    audience: UnitRef
    status: str
    filename: str
    url: str


class DocumentListItem(DocumentOut):
    snippet: str


class DocumentPage(Schema):
    count: int
    page: int
    pages: int
    results: list[DocumentListItem]


class DocumentDetail(DocumentOut):
    media_type: str
    text: str
    text_sha256: str


class DocumentIn(Schema):
    title: str = ""
    number: str = ""
    kind: str = "other"
    issuer: str = ""
    signed_on: dt.date | None = None
    effective_on: dt.date | None = None
    language: str = "vi"
    summary: str = ""
    source_url: str = ""
    owner: str
    audience: str


def _unit(u: Unit) -> dict[str, str]:
    return {"code": u.code, "name": u.name}


def _out(d: Document) -> dict[str, Any]:
    return {"slug": d.slug, "title": d.title, "number": d.number, "kind": d.kind, "issuer": d.issuer,
            "signed_on": d.signed_on, "effective_on": d.effective_on, "language": d.language, "summary": d.summary,
            "source_url": d.source_url, "owner": _unit(d.owner), "audience": _unit(d.audience), "status": d.status,
            "filename": d.filename, "url": d.get_absolute_url()}


@router.get("/documents", response=DocumentPage)
def document_list(request: HttpRequest, q: str = "", kind: str = "", language: str = "", year: int | None = None,
                  page: int = 1, page_size: int = 20) -> dict[str, Any]:
    """The documents the caller may read; ``q`` matches title, number, issuer and text with or without accents;
    ``year`` is the year signed (ignored outside 1–9999)."""
    page_size = max(1, min(page_size, 100))
    qs = selectors.document_list(actor=request.user, q=q[:200], kind=kind, language=language, year=year)
    count = qs.count()
    pages = max(1, -(-count // page_size))
    page = max(1, min(page, pages))
    rows = qs[(page - 1) * page_size: page * page_size]
    return {"count": count, "page": page, "pages": pages,
            "results": [_out(d) | {"snippet": _plain(selectors.document_snippet(d, q).html) if q else ""}
                        for d in rows]}


def _plain(html: str) -> str:
    return html_lib.unescape(strip_tags(html))


@router.get("/documents/{slug}", response=DocumentDetail)
def document_detail(request: HttpRequest, slug: str) -> dict[str, Any]:
    d = selectors.access_document_by_slug(actor=request.user, slug=slug)
    return _out(d) | {"media_type": d.media_type, "text": d.text, "text_sha256": d.text_sha256}


@router.post("/documents", response={201: DocumentDetail})
def document_create(request: HttpRequest, payload: Form[DocumentIn], file: File[UploadedFile]) -> Status:
    """Publish a document (multipart: the file and its metadata). Bad input → 422 naming the field."""
    units = {name: Unit.objects.filter(code=getattr(payload, name).strip()).first() for name in ("owner", "audience")}
    problems = [{"loc": ["body", name], "msg": _("There is no unit with the code “%(code)s”.")
                 % {"code": getattr(payload, name)}} for name, u in units.items() if u is None]
    if units["owner"] is not None and not access.can(request.user, "create", units["owner"], Document):
        problems.append({"loc": ["body", "owner"],
                         "msg": _("Publishing unit: you cannot publish in the name of this unit.")})
    if (file.size or 0) > MAX_BYTES:
        problems.append({"loc": ["body", "file"], "msg": _("“%(name)s” is %(size).1f MB; a document may be at most "
                                                           "%(max)d MB.") % {"name": file.name,
                                                                             "size": file.size / 2**20,
                                                                             "max": MAX_BYTES // 2**20}})
    if problems:
        raise ValidationError(problems)
    try:
        d = services.document_create(actor=request.user, owner=units["owner"], audience=units["audience"],
                                     filename=file.name or "", content=file.read(), title=payload.title,
                                     number=payload.number, kind=payload.kind, issuer=payload.issuer,
                                     signed_on=payload.signed_on, effective_on=payload.effective_on,
                                     language=payload.language, summary=payload.summary,
                                     source_url=payload.source_url)
    except Rejected as exc:
        raise ValidationError([{"loc": ["body", field or "file"], "msg": message}
                               for _row, field, message in exc.errors]) from None
    return Status(201, _out(d) | {"media_type": d.media_type, "text": d.text, "text_sha256": d.text_sha256})
