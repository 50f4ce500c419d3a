"""The pages: upload (errors name the field, in the user's language), the document page with its
metadata card and the highlighted passage, edit, the indexing status, the download."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from dxnet.assistant.models import IndexJob
from dxnet.documents.models import Document
from dxnet.documents.rendering import render_text

from .builders import docx_bytes, pdf_bytes
from .conftest import stored_files

pytestmark = pytest.mark.django_db

FORM = {"title": "Hướng dẫn thử nghiệm", "number": "20/HD-SNV", "kind": "guidance", "issuer": "Sở Nội vụ",
        "signed_on": "2026-11-01", "effective_on": "2026-11-15", "language": "vi", "owner": "66", "audience": "66"}


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def test_supervisor_uploads_a_docx_and_sees_its_page(cast: Any, media: Path) -> None:
    c = cast.client("snv.daklak")
    form = c.get("/documents/new/")
    body = form.content.decode()
    assert form.status_code == 200 and 'value="66"' in body and 'value="VN"' not in body and 'value="01"' not in body
    content = docx_bytes(title="Hướng dẫn thử nghiệm", paragraphs=("Áp dụng cho các xã.",), subheading="Bảng",
                         table=[["TT", "Xã"], ["1", "Ea Kar"]])
    r = c.post("/documents/new/", FORM | {"file": _upload("huong-dan.docx", content)})
    assert r.status_code == 302
    doc = Document.objects.get(number="20/HD-SNV")
    assert r["Location"] == f"/documents/{doc.slug}/" and doc.audience.code == "66"
    page = c.get(r["Location"]).content.decode()
    assert 'data-testid="document-meta"' in page and "20/HD-SNV" in page and "Sở Nội vụ" in page
    assert "15/11/2026" in page and 'data-testid="document-edit"' in page and 'data-testid="index-status"' in page
    assert 'class="dx-doc-line dx-doc-h dx-doc-h2"' in page and "| 1 | Ea Kar |" in page
    download = c.get(f"/documents/{doc.slug}/file/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == content
    assert 'filename="huong-dan.docx"' in download["Content-Disposition"]


def test_a_missing_field_is_named(cast: Any, media: Path) -> None:
    r = cast.client("snv.daklak").post("/documents/new/", FORM | {"owner": ""})
    assert r.status_code == 422 and set(r.context["form"].errors) == {"owner", "file"}
    with translation.override(r.wsgi_request.LANGUAGE_CODE):
        labels = {str(r.context["form"].fields[n].label) for n in ("owner", "file")}
    assert {e.split(":")[0] for e in r.context["errors"]} == labels
    assert not Document.objects.exists()


def test_reporter_and_observer_cannot_open_the_upload_form(cast: Any) -> None:
    for username in ("xa.eakar", "mttq.daklak", "px.hoankiem"):
        assert cast.client(username).get("/documents/new/").status_code == 404
        assert 'data-testid="document-new"' not in cast.client(username).get("/documents/").content.decode()


@pytest.mark.parametrize(("name", "content", "field"), [
    ("scan.pdf", pdf_bytes(None), "file"), ("rong.txt", b"", "file"), ("a.odt", b"PK\x03\x04", "file"),
])
def test_upload_errors_name_the_field_in_vietnamese_and_store_nothing(
        cast: Any, media: Path, name: str, content: bytes, field: str) -> None:
    c = cast.client("snv.daklak")
    r = c.post("/documents/new/", FORM | {"file": _upload(name, content)}, HTTP_ACCEPT_LANGUAGE="vi")
    assert r.status_code == 422 and field in r.context["form"].errors
    assert name in r.content.decode() and 'data-testid="form-errors"' in r.content.decode()
    with translation.override(r.wsgi_request.LANGUAGE_CODE):
        label = str(r.context["form"].fields[field].label)
    assert any(e.startswith(f"{label}: ") and name in e for e in r.context["errors"])
    assert not Document.objects.exists() and stored_files(media) == []


def test_publishing_to_the_whole_country_is_refused_on_the_audience_field(cast: Any, media: Path) -> None:
    r = cast.client("snv.daklak").post("/documents/new/", FORM | {"audience": "VN",
                                                                  "file": _upload("a.md", b"# A\n\nB\n")})
    assert r.status_code == 422 and list(r.context["form"].errors) == ["audience"]
    with translation.override(r.wsgi_request.LANGUAGE_CODE):
        assert str(r.context["form"].fields["audience"].label) in r.content.decode()
    assert not Document.objects.exists() and stored_files(media) == []


def test_the_cited_passage_is_highlighted_exactly(cast: Any, corpus: dict[str, Any]) -> None:
    doc = corpus["nq-03-cp-2025"]
    start = doc.text.index("Nghị quyết này có hiệu lực")
    end = start + len("Nghị quyết này có hiệu lực thi hành kể từ ngày ký ban hành.")
    body = cast.client("xa.eakar").get(f"/documents/{doc.slug}/", {"from": start, "to": end}).content.decode()
    assert ('<mark id="passage" tabindex="-1" class="dx-passage">Nghị quyết này có hiệu lực thi hành kể từ ngày ký '
            'ban hành.</mark>') in body
    assert body.count('id="passage"') == 1 and "dxnet/documents.js" in body and 'data-testid="passage-note"' in body
    # bad or missing offsets: the page without a mark
    for params in ({"from": "x", "to": "9"}, {"from": 50, "to": 10}, {}):
        assert 'id="passage"' not in cast.client("xa.eakar").get(f"/documents/{doc.slug}/", params).content.decode()


def test_a_citation_made_on_an_earlier_text_is_not_highlighted(cast: Any, corpus: dict[str, Any]) -> None:
    doc = corpus["nq-03-cp-2025"]
    start = doc.text.index("Nghị quyết này có hiệu lực")
    params = {"from": start, "to": start + 30}
    client = cast.client("xa.eakar")
    same = client.get(f"/documents/{doc.slug}/", {**params, "v": doc.text_sha256[:12]}).content.decode()
    assert 'id="passage"' in same and 'data-testid="passage-stale"' not in same
    # the file was replaced since the answer: its offsets would mark other words
    other = client.get(f"/documents/{doc.slug}/", {**params, "v": "0123456789ab"}).content.decode()
    assert 'id="passage"' not in other and 'data-testid="passage-stale"' in other


def test_a_passage_across_lines_is_marked_piece_by_piece_and_escaped() -> None:
    text = "# Điều 1 <b>\nKhoản 1 & 2\n\nKhoản 3"
    start, end = text.index("1 <b>"), text.index("Khoản 3") + 5
    html = str(render_text(text, (start, end)))
    assert '<mark id="passage" tabindex="-1" class="dx-passage">1 &lt;b&gt;</mark>' in html
    assert '<mark class="dx-passage">Khoản 1 &amp; 2</mark>' in html
    assert '<mark class="dx-passage">Khoản</mark> 3' in html
    assert html.count("<mark") == 3 and "<b>" not in html


def test_edit_changes_metadata_and_withdraw_is_for_managers(cast: Any, corpus: dict[str, Any]) -> None:
    slug = "dak-lak-thu-nghiem-tro-ly-ao"
    c = cast.client("ubnd.daklak")
    assert c.get(f"/documents/{slug}/edit/").status_code == 200
    r = c.post(f"/documents/{slug}/edit/", FORM | {"title": "Hướng dẫn (sửa)", "number": "15/HD-SNV"})
    assert r.status_code == 302
    doc = Document.objects.get(slug=slug)
    assert doc.title == "Hướng dẫn (sửa)" and doc.owner.code == "66" and "huong dan (sua)" in doc.search_text
    for username in ("xa.eakar", "mttq.daklak"):
        assert cast.client(username).get(f"/documents/{slug}/edit/").status_code == 404
        assert cast.client(username).post(f"/documents/{slug}/withdraw/").status_code == 404
    assert Document.objects.get(slug=slug).status == "published"


def test_index_status_polls_while_running_and_stops_when_done_or_failed(cast: Any, corpus: dict[str, Any]) -> None:
    doc = corpus["dak-lak-thu-nghiem-tro-ly-ao"]
    c = cast.client("snv.daklak")
    url = f"/documents/{doc.slug}/index-status/"
    IndexJob.objects.filter(document=doc).delete()
    job = IndexJob.objects.create(action="index", document=doc, status="running", done=3, total=12)
    body = c.get(url).content.decode()
    assert 'hx-trigger="every 2s"' in body and 'aria-valuenow="25"' in body and "3/12" in body
    job.status, job.done = "done", 12
    job.save()
    body = c.get(url).content.decode()
    assert "hx-trigger" not in body and 'data-testid="index-done"' in body
    job.status, job.error = "failed", "Không đọc được mô hình"
    job.save()
    body = c.get(url).content.decode()
    assert "hx-trigger" not in body and "Không đọc được mô hình" in body
    assert cast.client("xa.eakar").get(url).status_code == 404


def test_vietnamese_terms_of_a_document(cast: Any, corpus: dict[str, Any]) -> None:
    # the number field is "Số hiệu" (other apps' "Number" stays "Số"), the status "Đã phát hành",
    # examples read "ví dụ:"
    with translation.override("vi"):
        assert str(Document.Status.PUBLISHED.label) == "Đã phát hành"
        assert translation.gettext("Number") == "Số"
        assert translation.gettext("Sources") == "Nguồn"
        assert "ví dụ: 03/NQ-CP" in translation.gettext("As printed, e.g. 03/NQ-CP or 57-NQ/TW.")
    c = cast.client("snv.daklak")
    form = c.get("/documents/new/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert 'for="id_number">Số hiệu</label>' in form
    page = c.get("/documents/nq-57-tw-2024/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert ">Số hiệu</dt>" in page
