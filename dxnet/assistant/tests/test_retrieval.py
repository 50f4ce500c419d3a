"""Retrieval for a person: scoping before ranking (a document published to Đắk Lắk never
reaches an official of Hà Nội, whatever the mode or k), filters, hits for the answer module."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from dxnet.assistant import retrieval
from dxnet.assistant.models import Passage
from dxnet.assistant.retrieval import Filters
from dxnet.assistant.tests.chatkit import DECREE, make_document
from dxnet.assistant.tests.test_indexing import index_now
from dxnet.documents.models import Document, DocumentKind
from rag.answer import Hit, answer

PHRASE = "mô hình cà phê Ea Kar số hóa truy xuất nguồn gốc bằng mã QR"
DAKLAK = f"""Kế hoạch chuyển đổi số nông nghiệp tỉnh Đắk Lắk

Điều 1. Mục tiêu
Triển khai {PHRASE} cho các hợp tác xã trên địa bàn tỉnh trong năm 2026.

Điều 2. Tổ chức thực hiện
Sở Nông nghiệp và Môi trường chủ trì, phối hợp với Ủy ban nhân dân các xã.
"""
NATIONAL = """Chương trình chuyển đổi số quốc gia

Điều 1. Mục tiêu chung
Phát triển chính phủ số, kinh tế số và xã hội số; bảo đảm an toàn thông tin mạng.

Điều 2. Nông nghiệp số
Khuyến khích truy xuất nguồn gốc nông sản và thương mại điện tử cho hợp tác xã.
"""
MODES = ("hybrid", "bm25", "dense")


@pytest.fixture(autouse=True)
def own_dir(settings: Any, tmp_path: Path) -> None:
    settings.DXNET_ASSISTANT_DIR = tmp_path / "assistant"
    retrieval.forget()


@pytest.fixture
def corpus(db: Any) -> dict[str, Document]:
    daklak = make_document("ke-hoach-daklak", DAKLAK, audience="66", kind=DocumentKind.PLAN,
                           issuer="Ủy ban nhân dân tỉnh Đắk Lắk", signed_on=dt.date(2025, 11, 3))
    national = make_document("ctcds-quoc-gia", NATIONAL, audience="VN", owner="BKHCN", kind=DocumentKind.PROGRAMME,
                             issuer="Bộ Khoa học và Công nghệ", signed_on=dt.date(2024, 6, 1))
    decree = make_document("nd-sang-kien", DECREE, audience="VN", owner="BKHCN", kind=DocumentKind.DECREE,
                           issuer="Chính phủ", signed_on=dt.date(2023, 1, 15))
    for doc in (daklak, national, decree):
        index_now(doc)
    return {"daklak": daklak, "national": national, "decree": decree}


def docs(hits: list[retrieval.Retrieved]) -> set[str]:
    return {h.passage.document.slug for h in hits}


def test_a_document_for_another_province_never_comes_back(corpus: dict[str, Document], cast: Any) -> None:
    hanoi = cast.user("px.hoankiem")
    daklak_ids = set(Passage.objects.filter(document=corpus["daklak"]).values_list("pk", flat=True))
    assert daklak_ids
    for mode in MODES:
        for k in (1, 3, 10, 1000):
            for query in (PHRASE, PHRASE.upper(), "ca phe Ea Kar truy xuat nguon goc ma QR", "Đắk Lắk"):
                hits = retrieval.search(actor=hanoi, query=query, k=k, mode=mode)
                assert not {h.passage.pk for h in hits} & daklak_ids, (mode, k, query)
                assert all(h.passage.document.audience.code == "VN" for h in hits)
        # The mask applies BEFORE ranking: with enough passages allowed, exactly k come back. (The
        # search also drops disallowed hits after ranking; without the mask the Đắk Lắk passages
        # would rank first for the exact phrase, be dropped there, and fewer than k would remain.)
        for k in (1, 3):
            assert len(retrieval.search(actor=hanoi, query=PHRASE, k=k, mode=mode)) == k, (mode, k)
        # restricting to the Đắk Lắk document by id does not open it either
        assert retrieval.search(actor=hanoi, query=PHRASE, mode=mode,
                                filters=Filters(documents=(corpus["daklak"].pk,))) == []


def test_an_official_of_the_audience_finds_it_first(corpus: dict[str, Document], cast: Any) -> None:
    for who in ("xa.eakar", "snv.daklak", "mttq.daklak"):
        for mode in MODES:
            hits = retrieval.search(actor=cast.user(who), query=PHRASE, k=3, mode=mode)
            assert hits[0].passage.document == corpus["daklak"], (who, mode)
            assert PHRASE in hits[0].passage.text
    # accent-less words find it too
    assert retrieval.search(actor=cast.user("xa.eakar"), query="ca phe Ea Kar so hoa truy xuat nguon goc",
                            mode="bm25")[0].passage.document == corpus["daklak"]


def test_the_system_and_superusers_see_everything(corpus: dict[str, Document], cast: Any) -> None:
    for actor in (None, cast.user("admin")):
        assert retrieval.search(actor=actor, query=PHRASE, k=1, mode="bm25")[0].passage.document == corpus["daklak"]


def test_anonymous_finds_nothing(corpus: dict[str, Document]) -> None:
    from django.contrib.auth.models import AnonymousUser

    for mode in MODES:
        assert retrieval.search(actor=AnonymousUser(), query=PHRASE, mode=mode) == []


def test_scores_and_ranks_per_mode(corpus: dict[str, Document]) -> None:
    hybrid = retrieval.search(actor=None, query=PHRASE, k=5, mode="hybrid")
    assert hybrid[0].bm25_rank == 1 and hybrid[0].dense_rank is not None and hybrid[0].cosine is not None
    assert [h.score for h in hybrid] == sorted((h.score for h in hybrid), reverse=True)
    bm25 = retrieval.search(actor=None, query=PHRASE, k=5, mode="bm25")
    assert all(h.dense_rank is None for h in bm25) and bm25[0].score > 1
    dense = retrieval.search(actor=None, query=PHRASE, k=5, mode="dense")
    assert all(h.bm25_rank is None for h in dense) and 0 < dense[0].score <= 1
    assert len(retrieval.search(actor=None, query=PHRASE, k=2, mode="dense")) == 2
    with pytest.raises(ValueError):
        retrieval.search(actor=None, query=PHRASE, mode="fuzzy")  # type: ignore[arg-type]
    assert retrieval.search(actor=None, query="   ") == []


def test_filters_by_kind_issuer_and_date(corpus: dict[str, Document], cast: Any) -> None:
    eakar = cast.user("xa.eakar")
    query = "truy xuất nguồn gốc hợp tác xã"

    def found(filters: Filters, mode: str = "hybrid") -> set[str]:
        return docs(retrieval.search(actor=eakar, query=query, k=20, mode=mode, filters=filters))

    assert found(Filters()) >= {"ke-hoach-daklak", "ctcds-quoc-gia"}
    for mode in MODES:
        assert found(Filters(kinds=(DocumentKind.PROGRAMME,)), mode) == {"ctcds-quoc-gia"}
        assert found(Filters(kinds=(DocumentKind.LAW,)), mode) == set()
        assert found(Filters(issuer="bo khoa hoc va cong nghe"), mode) == {"ctcds-quoc-gia"}
        assert found(Filters(issuer="ĐẮK LẮK"), mode) == {"ke-hoach-daklak"}
        assert found(Filters(signed_from=dt.date(2025, 1, 1)), mode) == {"ke-hoach-daklak"}
        assert found(Filters(signed_to=dt.date(2024, 12, 31)), mode) <= {"ctcds-quoc-gia", "nd-sang-kien"}
        assert "ke-hoach-daklak" not in found(Filters(signed_to=dt.date(2024, 12, 31)), mode)
        assert found(Filters(signed_from=dt.date(2024, 1, 1), signed_to=dt.date(2024, 12, 31)), mode) == {
            "ctcds-quoc-gia"}
        assert found(Filters(documents=(corpus["national"].pk,)), mode) == {"ctcds-quoc-gia"}


def test_a_document_withdrawn_before_its_job_runs_is_dropped(corpus: dict[str, Document], cast: Any) -> None:
    # The snapshot still holds its passages, but the allowed set is read from the database.
    Document.objects.filter(pk=corpus["daklak"].pk).update(status=Document.Status.WITHDRAWN)
    for mode in MODES:
        assert "ke-hoach-daklak" not in docs(retrieval.search(actor=cast.user("xa.eakar"), query=PHRASE,
                                                              k=50, mode=mode))


def test_hits_carry_exact_citations(corpus: dict[str, Document], cast: Any) -> None:
    hits = retrieval.search(actor=cast.user("xa.eakar"), query="hội đồng sáng kiến cấp tỉnh gồm bao nhiêu thành viên",
                            k=3)
    top = hits[0]
    hit = top.as_hit()
    assert isinstance(hit, Hit)
    assert hit.chunk.doc_id == "nd-sang-kien"
    assert hit.chunk.heading_path == ("Chương II", "Điều 5")
    assert corpus["decree"].text[hit.chunk.start:hit.chunk.end] == hit.chunk.text
    assert hit.score == top.score
    result = answer("Hội đồng sáng kiến cấp tỉnh gồm bao nhiêu thành viên?", [h.as_hit() for h in hits])
    assert not result.abstained
    assert any("chín thành viên" in c.text for c in result.citations)
