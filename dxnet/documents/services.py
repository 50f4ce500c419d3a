"""Writing documents: publish (upload + extraction), change, withdraw, restore. Each write is
audited and tells the assistant's indexing, in the same transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
from typing import Any

from django.core.files.base import ContentFile
from django.core.validators import URLValidator, validate_slug
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from dxnet.core import access, audit
from dxnet.indicators.services import Rejected
from dxnet.network.models import Unit
from rag.text import fold

from .extraction import Extracted, extract
from .models import Document, DocumentKind, DocumentLanguage

# First segments of /documents/… that are pages, not documents.
RESERVED_SLUGS = {"new"}
METADATA_FIELDS = ("title", "number", "kind", "issuer", "signed_on", "effective_on", "language", "summary",
                   "source_url", "audience", "is_test")
# Fields whose change alters what the assistant indexes (search_text depends on title/number/issuer too).
_INDEXED = {"title", "number", "kind", "issuer", "signed_on", "effective_on", "language", "audience"}


def build_search_text(*, title: str, number: str, issuer: str, text: str) -> str:
    """Lower-cased, accent-folded title, number, issuer and text: what the list's search reads."""
    return fold("\n".join((title, number, issuer, text))).lower()


def _may_publish_to(actor: Any, audience: Unit | None) -> bool:
    return audience is not None and access.can(actor, "create", audience, Document)


def _problems(fields: dict[str, Any], *, actor: Any) -> list[tuple[str, str, str]]:
    """Every bad metadata field, named (row label, field, message)."""
    errors: list[tuple[str, str, str]] = []
    if "title" in fields and not (fields["title"] or "").strip():
        errors.append(("", "title", _("Title: give the document a title.")))
    if len(fields.get("title") or "") > 500:
        errors.append(("", "title", _("Title: at most 500 characters.")))
    if len(fields.get("number") or "") > 60:
        errors.append(("", "number", _("Number: at most 60 characters (e.g. 03/NQ-CP).")))
    if len(fields.get("issuer") or "") > 255:
        errors.append(("", "issuer", _("Issuing body: at most 255 characters.")))
    if "kind" in fields and fields["kind"] not in DocumentKind.values:
        errors.append(("", "kind", _("Type: “%(value)s” is not a type of document.") % {"value": fields["kind"]}))
    if "language" in fields and fields["language"] not in DocumentLanguage.values:
        errors.append(("", "language", _("Language: “%(value)s” is not one of vi, en, fr, hi.")
                       % {"value": fields["language"]}))
    for name in ("signed_on", "effective_on"):
        if fields.get(name) is not None and not isinstance(fields[name], dt.date):
            errors.append(("", name, _("Date: “%(value)s” is not a date.") % {"value": fields[name]}))
    signed, effective = fields.get("signed_on"), fields.get("effective_on")
    if isinstance(signed, dt.date) and isinstance(effective, dt.date) and effective < signed:
        errors.append(("", "effective_on", _("Effective from: the document cannot take effect (%(eff)s) before it "
                                             "is signed (%(signed)s).")
                       % {"eff": f"{effective:%d/%m/%Y}", "signed": f"{signed:%d/%m/%Y}"}))
    url = fields.get("source_url") or ""
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except Exception:  # noqa: BLE001 — ValidationError: named below
            errors.append(("", "source_url", _("Source: “%(value)s” is not a web address.") % {"value": url}))
    if "audience" in fields and not _may_publish_to(actor, fields["audience"]):
        errors.append(("", "audience", _("Audience: you can publish only to units within your own (your "
                                         "province, ministry or unit).")))
    return errors


def _slug_base(wanted: str, title: str) -> str:
    base = slugify(fold(wanted.strip())) if wanted.strip() else slugify(fold(title))
    base = (base or "van-ban")[:100].strip("-_") or "van-ban"
    return f"{base}-1" if base in RESERVED_SLUGS else base


def _suffixed(base: str) -> str:
    """``base`` and a short random suffix: a counter (…-2) would tell anyone that a document they
    cannot read already has that name."""
    return f"{base}-{secrets.token_hex(3)}"


def _unique_slug(wanted: str, title: str) -> str:
    """The wanted short name (or the title's) when free; taken, the same with a random suffix."""
    base = _slug_base(wanted, title)
    slug = base
    while Document.objects.filter(slug=slug).exists():
        slug = _suffixed(base)
    return slug


def _insert(doc: Document, base: str) -> None:
    """Insert ``doc``; when another upload took its short name meanwhile (the unique index says
    so), once more with a new random suffix. Each try in a savepoint."""
    for attempt in range(2):
        try:
            with transaction.atomic():
                doc.save()
            return
        except IntegrityError:
            if attempt or not Document.objects.filter(slug=doc.slug).exists():
                raise
            doc.slug = _suffixed(base)


def _stored_name(slug: str, filename: str) -> str:
    return f"{slug}{os.path.splitext(filename)[1].lower()}"


def _index(document: Document, actor: Any) -> None:
    from dxnet.assistant import indexing  # the assistant depends on documents, not the reverse: imported late

    indexing.document_changed(document_id=document.pk, actor=actor)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def document_create(*, actor: Any, owner: Unit, audience: Unit, filename: str, content: bytes, title: str,
                    number: str = "", kind: str, issuer: str = "", signed_on: dt.date | None = None,
                    effective_on: dt.date | None = None, language: str = "vi", summary: str = "",
                    source_url: str = "", slug: str = "", is_test: bool = False) -> Document:
    """Publish a document in the name of ``owner`` to the officials of ``audience``'s subtree.

    The text is extracted first: a file that gives no text is refused (ExtractionError, a
    Rejected naming the field ``file``) and nothing is stored, neither row nor file."""
    access.check(actor, "create", owner, Document)
    fields = {"title": title, "number": number, "kind": kind, "issuer": issuer, "signed_on": signed_on,
              "effective_on": effective_on, "language": language, "source_url": source_url, "audience": audience}
    errors = _problems(fields, actor=actor)
    if slug.strip():
        try:
            validate_slug(slug.strip())
        except Exception:  # noqa: BLE001 — ValidationError: named below
            errors.append(("", "slug", _("Short name: only letters, digits, “-” and “_”.")))
    if errors:
        raise Rejected(errors)
    extracted: Extracted = extract(filename, content)
    text = extracted.text
    title = title.strip() or extracted.title_guess
    stored: list[str] = []
    try:
        with transaction.atomic():
            doc = Document(
                slug=_unique_slug(slug, title), title=title, number=number.strip(), kind=kind, issuer=issuer.strip(),
                signed_on=signed_on, effective_on=effective_on, language=language, summary=summary.strip(),
                source_url=source_url.strip(), owner=owner, audience=audience, filename=os.path.basename(filename),
                media_type=extracted.media_type, text=text, text_sha256=hashlib.sha256(text.encode()).hexdigest(),
                search_text=build_search_text(title=title, number=number.strip(), issuer=issuer.strip(), text=text),
                is_test=is_test, created_by=_user(actor),
            )
            doc.file.save(_stored_name(doc.slug, filename), ContentFile(content), save=False)
            stored.append(doc.file.name)
            _insert(doc, _slug_base(slug, title))
            audit.record(actor=actor, action="document.create", obj=doc, unit=owner,
                         after=audit.snapshot(doc, ["slug", "title", "number", "kind", "issuer", "signed_on",
                                                    "effective_on", "language", "owner", "audience", "filename",
                                                    "text_sha256", "is_test"]))
            _index(doc, actor)
    except BaseException:
        for name in stored:  # the row is gone with the transaction: so goes its file
            Document.file.field.storage.delete(name)
        raise
    return doc


def document_update(*, actor: Any, document: Document, filename: str | None = None, content: bytes | None = None,
                    **fields: Any) -> Document:
    """Change a document's metadata, or replace its file (the text is extracted again). The
    assistant indexes it again when its text or its metadata changed."""
    access.check(actor, "change", document.owner, Document)
    unknown = set(fields) - set(METADATA_FIELDS)
    if unknown:
        raise TypeError(f"unknown document fields: {sorted(unknown)}")
    fields = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}
    changes = {k: v for k, v in fields.items() if getattr(document, k) != v}
    merged = {"signed_on": document.signed_on, "effective_on": document.effective_on} | changes
    errors = _problems(merged if set(changes) & {"signed_on", "effective_on"} else changes, actor=actor)
    if errors:
        raise Rejected(errors)
    extracted = extract(filename or "", content) if content is not None else None
    if extracted is not None and extracted.text == document.text and filename == document.filename:
        extracted = None  # the same file again
    if not changes and extracted is None:
        return document
    names = list(changes)
    stored: list[str] = []
    old_file = document.file.name if extracted is not None else ""
    try:
        with transaction.atomic():
            before = audit.snapshot(document, [*names, "text_sha256", "filename"])
            for name, value in changes.items():
                setattr(document, name, value)
            if extracted is not None:
                assert filename is not None and content is not None
                document.text = extracted.text
                document.text_sha256 = hashlib.sha256(extracted.text.encode()).hexdigest()
                document.media_type = extracted.media_type
                document.filename = os.path.basename(filename)
                document.file.save(_stored_name(document.slug, filename), ContentFile(content), save=False)
                stored.append(document.file.name)
            document.search_text = build_search_text(title=document.title, number=document.number,
                                                     issuer=document.issuer, text=document.text)
            document.save()
            audit.record(actor=actor, action="document.update", obj=document, unit=document.owner, before=before,
                         after=audit.snapshot(document, [*names, "text_sha256", "filename"]))
            if extracted is not None or set(changes) & _INDEXED:
                _index(document, actor)
    except BaseException:
        for name in stored:
            Document.file.field.storage.delete(name)
        raise
    if old_file and old_file != document.file.name:
        transaction.on_commit(lambda: Document.file.field.storage.delete(old_file))
    return document


def _set_status(*, actor: Any, document: Document, status: str, action: str) -> Document:
    access.check(actor, "change", document.owner, Document)
    if document.status == status:
        return document
    with transaction.atomic():
        before = {"status": document.status}
        document.status = status
        document.save(update_fields=["status", "updated_at"])
        audit.record(actor=actor, action=action, obj=document, unit=document.owner, before=before,
                     after={"status": status})
        _index(document, actor)
    return document


def document_withdraw(*, actor: Any, document: Document) -> Document:
    """Withdraw a document: its readers no longer see it, the assistant no longer cites it."""
    return _set_status(actor=actor, document=document, status=Document.Status.WITHDRAWN, action="document.withdraw")


def document_restore(*, actor: Any, document: Document) -> Document:
    """Publish a withdrawn document again."""
    return _set_status(actor=actor, document=document, status=Document.Status.PUBLISHED, action="document.restore")
