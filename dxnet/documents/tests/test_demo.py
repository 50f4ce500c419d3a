"""The demo corpus loader: slugs, metadata, the Đắk Lắk-only document, idempotence."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

from dxnet.core.models import AuditEntry
from dxnet.documents.demo import DATA
from dxnet.documents.extraction import tidy
from dxnet.documents.models import Document

pytestmark = pytest.mark.django_db

SLUGS = {"nq-57-tw-2024", "nq-03-cp-2025", "nq-03-cp-2025-annex1-targets", "nq-03-cp-2025-annex2-tasks",
         "000_5ebbeb52e0fd0130", "001_e363069faa6f8720", "002_d92a4e627e8fbc57", "003_622c56a4a8e029b3",
         "004_51d5435644efd166", "dak-lak-thu-nghiem-tro-ly-ao"}


def test_load_demo_documents_is_idempotent_and_keeps_the_file_names_as_slugs() -> None:
    out = io.StringIO()
    call_command("load_demo_documents", stdout=out)
    assert "10 published, 0 already there" in out.getvalue()
    docs = {d.slug: d for d in Document.objects.select_related("owner", "audience")}
    assert set(docs) == SLUGS
    before = {d.slug: (d.updated_at, d.text_sha256) for d in docs.values()}
    audits = AuditEntry.objects.count()
    out = io.StringIO()
    call_command("load_demo_documents", stdout=out)
    assert "0 published, 10 already there" in out.getvalue()
    assert {d.slug: (d.updated_at, d.text_sha256) for d in Document.objects.all()} == before
    assert AuditEntry.objects.count() == audits


def test_metadata_and_audiences(corpus: dict[str, Any]) -> None:
    nq57, nq03 = corpus["nq-57-tw-2024"], corpus["nq-03-cp-2025"]
    assert (nq57.number, nq57.issuer, nq57.signed_on.isoformat(), nq57.kind) == ("57-NQ/TW", "Bộ Chính trị",
                                                                                 "2024-12-22", "resolution")
    assert (nq03.number, nq03.issuer, nq03.signed_on.isoformat()) == ("03/NQ-CP", "Chính phủ", "2025-01-09")
    assert {s for s, d in corpus.items() if d.language == "fr"} == {
        "000_5ebbeb52e0fd0130", "002_d92a4e627e8fbc57", "003_622c56a4a8e029b3", "004_51d5435644efd166"}
    assert corpus["001_e363069faa6f8720"].language == "hi"
    test = corpus["dak-lak-thu-nghiem-tro-ly-ao"]
    assert (test.owner.code, test.audience.code, test.is_test, test.number) == ("66", "66", True, "15/HD-SNV")
    assert "mã thử nghiệm ĐL-TLA-2026" in test.text and "Tổ hỗ trợ trợ lý ảo cấp xã" in test.text
    others = [d for s, d in corpus.items() if s != test.slug]
    assert all(d.audience.code == "VN" and d.owner.code == "VN" and not d.is_test for d in others)
    assert not any("ĐL-TLA-2026" in d.text or "Tổ hỗ trợ trợ lý ảo" in d.text for d in others)


def test_texts_are_the_files_tidied_and_nothing_else(corpus: dict[str, Any]) -> None:
    for slug in ("nq-57-tw-2024", "000_5ebbeb52e0fd0130", "nq-03-cp-2025-annex2-tasks"):
        path = next((DATA / "corpus").glob(f"{slug}.*"))
        assert corpus[slug].text == tidy(path.read_text(encoding="utf-8")), slug
