"""The documents API: list and search (scoped, paginated), detail with text, multipart upload."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dxnet.core.auth import token_create
from dxnet.documents.models import Document

from .builders import pdf_bytes
from .conftest import stored_files

pytestmark = pytest.mark.django_db

META = {"title": "Kế hoạch thử nghiệm", "number": "30/KH-SNV", "kind": "plan", "owner": "66", "audience": "66",
        "signed_on": "2026-11-20", "language": "vi"}


def test_list_search_and_detail(cast: Any, corpus: dict[str, Any]) -> None:
    c = cast.client("xa.eakar")
    r = c.get("/api/documents", {"q": "nghi quyet 57-nq/tw", "page_size": 2})
    data = r.json()
    assert r.status_code == 200 and data["count"] >= 3 and data["pages"] >= 2 and len(data["results"]) == 2
    assert all("57-nq/tw" in d["snippet"].lower() or "57" in d["snippet"] for d in data["results"])
    fr = c.get("/api/documents", {"language": "fr"}).json()
    assert {d["slug"] for d in fr["results"]} == {"000_5ebbeb52e0fd0130", "002_d92a4e627e8fbc57",
                                                  "003_622c56a4a8e029b3", "004_51d5435644efd166"}
    detail = c.get("/api/documents/nq-57-tw-2024").json()
    assert detail["number"] == "57-NQ/TW" and detail["text"] == corpus["nq-57-tw-2024"].text
    assert detail["url"] == "/documents/nq-57-tw-2024/"


def test_upload_with_a_token(cast: Any, media: Path) -> None:
    from django.test import Client

    _, token = token_create(actor=cast.user("snv.daklak"), name="test")
    c = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    r = c.post("/api/documents", META | {"file": SimpleUploadedFile("kh.pdf", pdf_bytes(["Ke hoach thu nghiem"]))})
    assert r.status_code == 201, r.content
    doc = Document.objects.get(slug=r.json()["slug"])
    assert doc.number == "30/KH-SNV" and "Ke hoach thu nghiem" in doc.text and doc.created_by.username == "snv.daklak"


@pytest.mark.parametrize(("changes", "content", "field"), [
    ({}, pdf_bytes(None), "file"),
    ({"audience": "VN"}, b"# A\n", "audience"),
    ({"owner": "01"}, b"# A\n", "owner"),
    ({"owner": "NOPE"}, b"# A\n", "owner"),
    ({"kind": "poem"}, b"# A\n", "kind"),
])
def test_upload_errors_are_422_naming_the_field(cast: Any, media: Path, changes: dict[str, str], content: bytes,
                                                field: str) -> None:
    c = cast.client("snv.daklak")
    name = "a.pdf" if content.startswith(b"%PDF") else "a.md"
    r = c.post("/api/documents", META | changes | {"file": SimpleUploadedFile(name, content)})
    assert r.status_code == 422, r.content
    assert [f["field"] for f in r.json()["error"]["fields"]] == [field]
    assert not Document.objects.exists() and stored_files(media) == []


def test_reporter_cannot_upload(cast: Any, media: Path) -> None:
    r = cast.client("xa.eakar").post("/api/documents", META | {"owner": "24373", "audience": "24373",
                                                               "file": SimpleUploadedFile("a.md", b"# A\n")})
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "owner"
    assert not Document.objects.exists()


@pytest.mark.parametrize("year", ["-1", "10000", "99999999999999999999"])
def test_a_year_out_of_range_is_ignored_on_the_page_and_the_api(cast: Any, corpus: dict[str, Any], year: str) -> None:
    c = cast.client("xa.eakar")
    everything = c.get("/api/documents", {"page_size": 100}).json()["count"]
    page = c.get("/documents/", {"year": year})
    assert page.status_code == 200 and "nq-57-tw-2024" in page.content.decode()
    r = c.get("/api/documents", {"year": year, "page_size": 100})
    assert r.status_code == 200 and r.json()["count"] == everything
    for p in ("-1", "99999999999999999999"):
        assert c.get("/documents/", {"year": year, "page": p}).status_code == 200
        assert c.get("/api/documents", {"year": year, "page": p, "page_size": p}).status_code == 200
    # a year in range still filters
    signed = corpus["nq-57-tw-2024"].signed_on.year
    same_year = c.get("/api/documents", {"year": signed, "page_size": 100}).json()
    assert 0 < same_year["count"] < everything
    assert all(d["signed_on"].startswith(str(signed)) for d in same_year["results"])
