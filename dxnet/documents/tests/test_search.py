"""Accent-insensitive search over titles, numbers, issuers and text; snippets."""

from __future__ import annotations

from typing import Any

import pytest

from dxnet.documents import selectors

pytestmark = pytest.mark.django_db


def _slugs(user: Any, q: str, **kw: Any) -> set[str]:
    return {d.slug for d in selectors.document_list(actor=user, q=q, **kw)}


@pytest.mark.parametrize("q", ["nghi quyet 57", "nghị quyết 57-NQ/TW", "57-nq/tw", "NGHỊ QUYẾT 57-NQ/TW,"])
def test_resolution_57_is_found_with_or_without_accents(cast: Any, corpus: dict[str, Any], q: str) -> None:
    assert "nq-57-tw-2024" in _slugs(cast.user("px.hoankiem"), q)


@pytest.mark.parametrize("q", ["03/NQ-CP", "03/nq-cp", "nghị quyết 03/NQ-CP"])
def test_document_numbers_match(cast: Any, corpus: dict[str, Any], q: str) -> None:
    found = _slugs(cast.user("px.hoankiem"), q)
    assert {"nq-03-cp-2025", "nq-03-cp-2025-annex1-targets", "nq-03-cp-2025-annex2-tasks"} <= found
    assert "000_5ebbeb52e0fd0130" not in found


@pytest.mark.parametrize("q", ["1690/QĐ-TTg", "1690/qd-ttg", "decision n° 1690/QĐ-TTg"])
def test_accented_document_numbers_match_unaccented_text(cast: Any, corpus: dict[str, Any], q: str) -> None:
    assert "003_622c56a4a8e029b3" in _slugs(cast.user("bo.khcn"), q)  # the article writes 1690/QD-TTg


def test_every_word_must_appear(cast: Any, corpus: dict[str, Any]) -> None:
    user = cast.user("admin")
    assert _slugs(user, "bao ve du lieu ca nhan") == _slugs(user, "bảo vệ dữ liệu cá nhân")
    assert _slugs(user, "chuyen doi so xyzzyqq") == set()
    assert _slugs(user, "décret 73", language="fr") == {"000_5ebbeb52e0fd0130"}
    assert _slugs(user, "decret 73") == {"000_5ebbeb52e0fd0130"}
    assert _slugs(user, "डिक्री 73") == {"001_e363069faa6f8720"}


def test_filters(cast: Any, corpus: dict[str, Any]) -> None:
    user = cast.user("admin")
    assert _slugs(user, "", kind="guidance") == {"dak-lak-thu-nghiem-tro-ly-ao"}
    assert _slugs(user, "", language="hi") == {"001_e363069faa6f8720"}
    assert _slugs(user, "", issuer="Bộ Chính trị") == {"nq-57-tw-2024"}
    assert _slugs(user, "", year=2025) == {"nq-03-cp-2025", "nq-03-cp-2025-annex1-targets",
                                           "nq-03-cp-2025-annex2-tasks"}


def test_snippet_is_around_the_first_match_and_escaped() -> None:
    text = "<b>Mở đầu</b> " + "x " * 200 + "Điều 5. Bảo vệ dữ liệu cá nhân của công dân. " + "y " * 200
    s = selectors.snippet(text, "bao ve du lieu")
    assert "<mark>Bảo vệ dữ liệu</mark>" in str(s.html) and "<b>" not in str(s.html)
    assert s.start == text.index("Bảo vệ") and len(str(s.html)) < 400
    assert str(s.html).startswith("…") and str(s.html).endswith("…")


def test_list_page_highlights_and_paginates(cast: Any, corpus: dict[str, Any]) -> None:
    c = cast.client("admin")
    body = c.get("/documents/", {"q": "nghi quyet 57"}).content.decode()
    assert 'data-testid="snippet"' in body and "<mark>" in body.split('data-testid="snippet"')[1]
    page1 = c.get("/documents/", {"page": 1}).context["page"]
    assert page1.paginator.count == len(corpus) and page1.paginator.num_pages == 1
    from dxnet.documents import views

    old = views.PAGE_SIZE
    views.PAGE_SIZE = 4
    try:
        r = c.get("/documents/", {"page": 3})
        assert r.context["page"].number == 3 and len(r.context["rows"]) == len(corpus) - 8
        assert r.context["page"].paginator.num_pages == 3
    finally:
        views.PAGE_SIZE = old


def test_list_snippets_read_the_folded_text_from_search_text(corpus: dict[str, Any]) -> None:
    for doc in corpus.values():
        for q in ("chuyen doi so", "57-NQ/TW", "décret 73"):
            assert selectors.document_snippet(doc, q) == selectors.snippet(doc.text, q), (doc.slug, q)
