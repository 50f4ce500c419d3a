"""respond(): extractive answers whose citations are exact slices of the documents, abstention
with the closest passages, and scoping before ranking — on documents indexed for real."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from dxnet.assistant import answering
from dxnet.documents.models import Document
from rag.answer import phrase

from .chatkit import SECRET

COUNCIL_Q = "Hội đồng sáng kiến cấp tỉnh do ai thành lập?"


def _check_exact(citations: list[dict[str, Any]]) -> None:
    for c in citations:
        doc = Document.objects.get(slug=c["slug"])
        assert doc.text[c["start"]:c["end"]] == c["text"]
        assert c["document"] == doc.pk and c["title"] == doc.title and c["number"] == doc.number
        v = f"&v={doc.text_sha256[:12]}" if doc.text_sha256 else ""
        assert c["url"] == reverse("documents:detail", args=[doc.slug]) + f"?from={c['start']}&to={c['end']}{v}#passage"


def test_extractive_answer_cites_text_that_really_contains_its_sentences(corpus: dict, cast: Any) -> None:
    r = answering.respond(actor=cast.user("xa.eakar"), question=COUNCIL_Q)
    assert r.lang == "vi" and not r.abstained
    cites = r.citations()
    assert cites, r.answer.reason
    assert [c["n"] for c in cites] == list(range(1, len(cites) + 1))
    _check_exact(cites)
    assert any("do Chủ tịch Ủy ban nhân dân tỉnh thành lập" in c["text"] for c in cites)
    best = next(c for c in cites if "Chủ tịch" in c["text"])
    assert best["heading"] == "Chương II › Điều 5"
    # the cited sentence lies inside the passage named as its source
    from dxnet.assistant.models import Passage

    p = Passage.objects.get(pk=best["passage"])
    assert p.start <= best["start"] < best["end"] <= p.end
    text = r.as_text()
    assert text.startswith(phrase("lead", "vi")) and f"[{best['n']}]" in text and "Nguồn:" in text


def test_unanswerable_question_says_so_and_shows_the_closest_passages(corpus: dict, cast: Any) -> None:
    r = answering.respond(actor=cast.user("xa.eakar"), question="Giá vé máy bay từ Hà Nội đi Paris là bao nhiêu?")
    assert r.abstained
    assert r.answer.lead == phrase("abstain", "vi")
    closest = r.citations()
    assert 1 <= len(closest) <= answering.CLOSEST
    _check_exact(closest)


def test_a_question_in_another_language_is_judged_by_the_cosine_alone(corpus: dict, cast: Any,
                                                                     monkeypatch: Any) -> None:
    question = "Who sets up the provincial initiative council?"
    monkeypatch.setattr(answering, "MIN_COSINE_CROSS", 0.5)
    r = answering.respond(actor=cast.user("xa.eakar"), question=question)
    assert r.lang == "en" and not r.abstained, r.answer.reason
    assert r.answer.lead.startswith("According to the documents (quoted in Vietnamese)")
    assert {c["slug"] for c in r.citations()} <= {"nd-sang-kien", "kh-thu-nghiem-daklak"}
    monkeypatch.setattr(answering, "MIN_COSINE_CROSS", 0.99)
    r = answering.respond(actor=cast.user("xa.eakar"), question=question)
    assert r.abstained and "below 0.99" in r.answer.reason and r.citations()


def test_scoping_a_document_of_another_province_never_reaches_the_answer(corpus: dict, cast: Any) -> None:
    question = f"Kế hoạch nào mang mã thử nghiệm {SECRET}?"
    outsider = answering.respond(actor=cast.user("px.hoankiem"), question=question)
    assert corpus["daklak"].pk not in {x.passage.document_id for x in outsider.retrieved}
    assert SECRET not in outsider.as_text()
    assert all(SECRET not in c["text"] and c["slug"] != "kh-thu-nghiem-daklak" for c in outsider.citations())

    insider = answering.respond(actor=cast.user("xa.eakar"), question=question)
    assert not insider.abstained, insider.answer.reason
    assert any(SECRET in c["text"] and c["slug"] == "kh-thu-nghiem-daklak" for c in insider.citations())


def test_no_index_yet_abstains_without_error(db: Any, own_index: None, cast: Any) -> None:
    r = answering.respond(actor=cast.user("xa.eakar"), question=COUNCIL_Q)
    assert r.abstained and r.retrieved == [] and r.citations() == []
    assert r.answer.lead == phrase("nothing", "vi")
