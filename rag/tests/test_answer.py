"""Extractive answers, citations, abstention, language detection."""

from __future__ import annotations

import pytest

from rag.answer import Hit, answer, detect_language
from rag.chunking import chunk
from rag.lexical import LexicalIndex

from .test_chunking import DECREE

SEED_FR = (
    "Le Comité populaire provincial de Dak Lak a publié le plan de mise en œuvre du décret 73.\n"
    "L'un des objectifs principaux du plan est de diffuser le décret 73 auprès de tous les cadres et fonctionnaires.\n"
    "Le département de l'Intérieur suivra la mise en œuvre et fera rapport chaque trimestre.\n"
)
DOCS = {"nd-13-2023": DECREE, "seed-fr": SEED_FR}


@pytest.fixture(scope="module")
def corpus():
    chunks = [c for doc_id, text in DOCS.items() for c in chunk(text, doc_id=doc_id, max_chars=500)]
    by_id = {c.chunk_id: c for c in chunks}
    idx = LexicalIndex.build(list(by_id), [c.index_text for c in chunks])

    def retrieve(q: str, k: int = 5) -> list[Hit]:
        return [Hit(by_id[cid], score) for cid, score in idx.search(q, k=k)]

    return retrieve


def _assert_exact(ans) -> None:
    assert ans.citations
    for c in ans.citations:
        assert DOCS[c.doc_id][c.start : c.end] == c.text


def test_extractive_answer_cites_exact_sentences(corpus) -> None:
    q = "Chủ thể dữ liệu có quyền đồng ý không?"
    ans = answer(q, corpus(q), min_score=1.0)
    assert not ans.abstained
    assert ans.question_lang == "vi" and ans.lead == "Theo các văn bản:"
    _assert_exact(ans)
    first = ans.sentences[0]
    assert "Quyền đồng ý" in first.text
    assert first.heading == "Chương II › Mục 1 › Điều 9"
    assert first.lang == "vi"
    assert "[1]" in ans.as_text()


def test_accentless_question(corpus) -> None:
    q = "du lieu ca nhan co ban gom nhung gi"
    ans = answer(q, corpus(q), min_score=1.0)
    assert not ans.abstained
    _assert_exact(ans)
    assert any("Dữ liệu cá nhân cơ bản" in c.text for c in ans.sentences)


def test_answer_in_document_language_with_lead_in_question_language(corpus) -> None:
    q = "What is the main objective of the Decree 73 plan of Dak Lak?"
    hits = corpus(q)
    assert hits and hits[0].chunk.doc_id == "seed-fr"
    ans = answer(q, hits, min_score=1.0)
    assert not ans.abstained and ans.question_lang == "en"
    assert ans.lead == "According to the documents (quoted in French):"
    _assert_exact(ans)
    assert all(c.lang == "fr" for c in ans.sentences)
    # the French question gets the same passage with a French lead-in
    qfr = "Quel est l'objectif principal du plan du décret 73 ?"
    ans_fr = answer(qfr, corpus(qfr), min_score=1.0)
    assert ans_fr.lead == "D'après les documents :"
    assert "objectifs principaux" in ans_fr.sentences[0].text
    _assert_exact(ans_fr)


def test_document_number_question(corpus) -> None:
    q = "Nghị định 13/2023/NĐ-CP quy định về vấn đề gì?"
    ans = answer(q, corpus(q), min_score=1.0)
    assert not ans.abstained
    _assert_exact(ans)
    assert ans.sentences[0].doc_id == "nd-13-2023"


def test_abstention_on_unrelated_question(corpus) -> None:
    q = "Công thức nấu phở bò ngon nhất là gì?"
    ans = answer(q, corpus(q), min_score=0.0)
    assert ans.abstained
    assert ans.lead.startswith("Các văn bản hiện có không trả lời câu hỏi này")
    assert not ans.sentences
    for c in ans.closest:  # the closest passages are still exact slices
        assert DOCS[c.doc_id][c.start : c.end] == c.text


def test_abstention_below_score_threshold(corpus) -> None:
    q = "What is the capital of Australia?"
    hits = corpus(q) or [Hit(chunk(DECREE, doc_id="nd-13-2023")[0], 0.0)]
    ans = answer(q, hits, min_score=5.0)
    assert ans.abstained
    assert ans.lead.startswith("The documents do not answer this question")
    ans_hi = answer("ऑस्ट्रेलिया की राजधानी क्या है?", hits, min_score=5.0)
    assert ans_hi.abstained and ans_hi.lead.startswith("दस्तावेज़ इस प्रश्न का उत्तर नहीं देते")
    nothing = answer("Quelle heure est-il ?", [])
    assert nothing.abstained and nothing.question_lang == "fr"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Nghị quyết số 57 có hiệu lực từ khi nào?", "vi"),
        ("bao ve du lieu ca nhan", "vi"),
        ("nghi quyet so 57 quy dinh gi", "vi"),
        ("What does Resolution 57-NQ/TW say about data?", "en"),
        ("How many communes are in Dak Lak?", "en"),
        ("What does the Đắk Lắk plan say?", "en"),
        ("Quel est l'objectif du plan de mise en œuvre du décret 73 ?", "fr"),
        ("Le décret 73 de Đắk Lắk", "fr"),
        ("Que prévoit la résolution 57 ?", "fr"),
        ("डिक्री 73 की योजना क्या है?", "hi"),
        ("दक लक प्रांत की योजना", "hi"),
    ],
)
def test_detect_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang
