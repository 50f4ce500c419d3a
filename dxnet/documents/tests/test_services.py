"""Publishing, changing, withdrawing documents: who may, what is stored, what is refused (nothing)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path
from typing import Any

import pytest
from django.http import Http404

from dxnet.assistant.models import IndexJob
from dxnet.core.models import AuditEntry
from dxnet.documents import services
from dxnet.documents.extraction import ExtractionError
from dxnet.documents.models import Document
from dxnet.indicators.services import Rejected

from .builders import docx_bomb, docx_bytes, pdf_bytes
from .conftest import stored_files

pytestmark = pytest.mark.django_db

TEXT = "# Hướng dẫn chuyển đổi số cấp xã\n\nNội dung hướng dẫn số 07/HD-SNV.\n"


def _create(actor: Any, unit: Any, **kw: Any) -> Document:
    args = {"owner": unit("66"), "audience": unit("66"), "filename": "hd.md", "content": TEXT.encode(),
            "title": "Hướng dẫn chuyển đổi số cấp xã", "number": "07/HD-SNV", "kind": "guidance",
            "issuer": "Sở Nội vụ tỉnh Đắk Lắk", "signed_on": dt.date(2026, 10, 1)} | kw
    return services.document_create(actor=actor, **args)


def test_supervisor_publishes_to_the_province_stored_audited_and_queued_for_indexing(
        cast: Any, unit: Any, media: Path) -> None:
    doc = _create(cast.user("snv.daklak"), unit)
    assert doc.slug == "huong-dan-chuyen-doi-so-cap-xa"
    assert doc.text == TEXT and doc.text_sha256 == hashlib.sha256(TEXT.encode()).hexdigest()
    assert doc.search_text.startswith("huong dan chuyen doi so cap xa\n07/hd-snv\nso noi vu tinh dak lak\n")
    assert doc.media_type == "text/markdown" and doc.filename == "hd.md"
    assert doc.created_by.username == "snv.daklak"
    files = stored_files(media)
    assert len(files) == 1 and files[0].read_bytes() == TEXT.encode()
    entry = AuditEntry.objects.get(action="document.create", object_id=str(doc.pk))
    assert entry.actor_name == "snv.daklak" and entry.after["number"] == "07/HD-SNV"
    job = IndexJob.objects.get(document=doc)
    assert job.action == IndexJob.Action.INDEX and job.status == IndexJob.Status.QUEUED


def test_slugs_are_unique_and_never_a_page_name(cast: Any, unit: Any) -> None:
    a = _create(cast.user("snv.daklak"), unit)
    b = _create(cast.user("snv.daklak"), unit)
    c = _create(None, unit, slug="new")
    d = _create(None, unit, slug="given-by-the-demo")
    assert a.slug == "huong-dan-chuyen-doi-so-cap-xa"
    # taken: a random suffix, not a counter (…-2 would confirm that a document one cannot read exists)
    assert re.fullmatch(r"huong-dan-chuyen-doi-so-cap-xa-[0-9a-f]{6}", b.slug), b.slug
    assert b.slug != "huong-dan-chuyen-doi-so-cap-xa-2"
    assert (c.slug, d.slug) == ("new-1", "given-by-the-demo")
    assert Document.objects.filter(pk__in=[a.pk, b.pk]).count() == 2


def test_a_slug_taken_between_the_check_and_the_insert_is_retried_with_a_new_suffix(
        cast: Any, unit: Any, media: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Two uploads with the same title at once: both found the short name free; the second insert
    # meets the unique index. It is retried once (in a savepoint) instead of failing with a 500.
    first = _create(cast.user("snv.daklak"), unit)
    monkeypatch.setattr(services, "_unique_slug", lambda wanted, title: first.slug)
    second = _create(cast.user("snv.daklak"), unit)
    assert re.fullmatch(rf"{first.slug}-[0-9a-f]{{6}}", second.slug), second.slug
    assert set(Document.objects.values_list("slug", flat=True)) == {first.slug, second.slug}
    assert AuditEntry.objects.filter(action="document.create").count() == 2


def test_reporter_cannot_publish(cast: Any, unit: Any, media: Path) -> None:
    with pytest.raises(Http404):
        _create(cast.user("xa.eakar"), unit, owner=unit("24373"), audience=unit("24373"))
    assert not Document.objects.exists() and stored_files(media) == []


def test_province_supervisor_cannot_publish_to_the_whole_country(cast: Any, unit: Any, media: Path) -> None:
    with pytest.raises(Rejected) as exc:
        _create(cast.user("snv.daklak"), unit, audience=unit("VN"))
    assert [e[1] for e in exc.value.errors] == ["audience"]
    with pytest.raises(Http404):  # nor in the name of another province
        _create(cast.user("snv.daklak"), unit, owner=unit("01"), audience=unit("01"))
    assert not Document.objects.exists() and stored_files(media) == []
    # the system (data loads) can
    assert _create(None, unit, owner=unit("VN"), audience=unit("VN")).audience.code == "VN"


@pytest.mark.parametrize(("filename", "content"), [
    ("rong.txt", b""), ("hong.pdf", b"%PDF-1.4 garbage"), ("scan.pdf", pdf_bytes(None)),
    ("hong.docx", b"PK\x03\x04garbage"), ("latin1.txt", "décret".encode("latin-1")), ("a.xlsx", b"PK\x03\x04"),
])
def test_a_file_without_text_stores_nothing(cast: Any, unit: Any, media: Path, filename: str, content: bytes) -> None:
    with pytest.raises(ExtractionError):
        _create(cast.user("snv.daklak"), unit, filename=filename, content=content)
    assert not Document.objects.exists() and stored_files(media) == []
    assert not AuditEntry.objects.filter(action="document.create").exists()
    assert not IndexJob.objects.exists()


def test_a_docx_bomb_stores_nothing(cast: Any, unit: Any, media: Path) -> None:
    # word/document.xml inflates to 300 MB of zeros from under 1 MB: refused from the zip's directory
    with pytest.raises(ExtractionError) as exc:
        _create(cast.user("snv.daklak"), unit, filename="bom.docx", content=docx_bomb(300))
    assert "bom.docx" in exc.value.message
    assert not Document.objects.exists() and stored_files(media) == []
    assert not IndexJob.objects.exists()


def test_bad_metadata_is_named(cast: Any, unit: Any) -> None:
    with pytest.raises(Rejected) as exc:
        _create(cast.user("snv.daklak"), unit, title=" ", kind="poem", language="de", signed_on=dt.date(2026, 5, 2),
                effective_on=dt.date(2026, 5, 1), source_url="not a url")
    assert {e[1] for e in exc.value.errors} == {"title", "kind", "language", "effective_on", "source_url"}
    assert not Document.objects.exists()


def test_update_metadata_and_file_reindexes_and_audits(cast: Any, unit: Any, media: Path,
                                                       django_capture_on_commit_callbacks: Any) -> None:
    actor = cast.user("snv.daklak")
    doc = _create(actor, unit)
    IndexJob.objects.all().delete()
    services.document_update(actor=actor, document=doc, summary="Tóm tắt mới")  # not indexed metadata
    assert not IndexJob.objects.exists()
    services.document_update(actor=actor, document=doc, number="08/HD-SNV")
    assert "08/hd-snv" in Document.objects.get(pk=doc.pk).search_text
    assert IndexJob.objects.count() == 1
    new = docx_bytes(title="Hướng dẫn sửa đổi", paragraphs=("Thay thế hướng dẫn cũ.",))
    with django_capture_on_commit_callbacks(execute=True):
        services.document_update(actor=actor, document=doc, filename="moi.docx", content=new)
    doc.refresh_from_db()
    assert doc.text.startswith("# Hướng dẫn sửa đổi") and doc.filename == "moi.docx"
    assert "thay the huong dan cu" in doc.search_text
    assert [p.suffix for p in stored_files(media)] == [".docx"]  # the old file is gone
    assert IndexJob.objects.count() == 2
    assert AuditEntry.objects.filter(action="document.update", object_id=str(doc.pk)).count() == 3
    # a broken replacement changes nothing
    with pytest.raises(ExtractionError):
        services.document_update(actor=actor, document=doc, filename="x.pdf", content=b"%PDF broken")
    assert Document.objects.get(pk=doc.pk).text.startswith("# Hướng dẫn sửa đổi")
    # a reader of the province cannot change it
    with pytest.raises(Http404):
        services.document_update(actor=cast.user("xa.eakar"), document=doc, title="x")


def test_withdraw_and_restore(cast: Any, unit: Any) -> None:
    actor = cast.user("ubnd.daklak")
    doc = _create(cast.user("snv.daklak"), unit)
    with pytest.raises(Http404):
        services.document_withdraw(actor=cast.user("mttq.daklak"), document=doc)
    services.document_withdraw(actor=actor, document=doc)
    assert Document.objects.get(pk=doc.pk).status == Document.Status.WITHDRAWN
    assert IndexJob.objects.filter(document=doc).count() == 2
    services.document_restore(actor=actor, document=doc)
    assert Document.objects.get(pk=doc.pk).status == Document.Status.PUBLISHED
    assert [e.action for e in AuditEntry.objects.filter(object_id=str(doc.pk), object_type="documents.document")
            .order_by("seq")] == ["document.create", "document.withdraw", "document.restore"]
