"""HybridIndex corrections measured on the dev set: dense scores centred per passage language
(over the allowed rows only), and accent-less Vietnamese queries restored before both retrievers."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rag.hybrid import HybridIndex, accentless_vietnamese

TEXTS = [
    "Quy mô kinh tế số đạt tối thiểu 30% GDP",  # v0: the answer, in Vietnamese
    "Hội đồng sáng kiến cấp tỉnh gồm từ năm đến chín thành viên",  # v1
    "प्रांत पहल करने वाले कार्यकर्ताओं की रक्षा करेगा",  # h0: Hindi, off topic
    "गृह विभाग रिपोर्ट के संश्लेषण के लिए ज़िम्मेदार है",  # h1: Hindi, off topic
]
# A Hindi question's vector sits close to every Hindi passage (the language offset) and only
# moderately close to the Vietnamese answer.
VECS = np.array([[0.6, 0.8, 0.0], [0.2, 0.98, 0.0], [0.9, 0.0, 0.44], [0.88, 0.0, 0.47]], dtype=np.float32)
VECS /= np.linalg.norm(VECS, axis=1, keepdims=True)
QUERY = np.array([1.0, 0.0, 0.0], dtype=np.float32)


def _index(langs=None) -> HybridIndex:
    return HybridIndex.build([f"c{i}" for i in range(4)], [1, 2, 3, 3], TEXTS, VECS, langs=langs)


def test_languages_are_detected_at_build_and_survive_save(tmp_path: Path) -> None:
    index = _index()
    assert index.langs == ["vi", "vi", "hi", "hi"]
    index.save(tmp_path / "i")
    assert HybridIndex.load(tmp_path / "i").langs == ["vi", "vi", "hi", "hi"]


def test_dense_order_is_centred_per_language_and_the_cosine_stays_raw() -> None:
    hits = _index().search("?", embed_query=lambda _q: QUERY, k=4, mode="dense")
    # raw cosines: h0 0.90, h1 0.88, v0 0.60, v1 0.20; centred: v0 +0.20, h0 +0.01, h1 -0.01, v1 -0.20
    assert [h.chunk_id for h in hits] == ["c0", "c2", "c3", "c1"]
    assert hits[0].cosine == hits[0].score and abs(hits[0].cosine - 0.6) < 1e-6
    # an index without languages (saved before they were kept) ranks by the raw cosine
    raw = HybridIndex(list(_index().chunk_ids), [1, 2, 3, 3], _index().lexical, VECS)
    assert [h.chunk_id for h in raw.search("?", embed_query=lambda _q: QUERY, k=4, mode="dense")][0] == "c2"


def test_centring_uses_the_allowed_rows_only() -> None:
    index = _index()
    mask = index.mask({1, 3}) & np.array([True, False, True, True])  # v1 not allowed
    hits = index.search("?", embed_query=lambda _q: QUERY, k=4, mode="dense", mask=mask)
    # vi mean over v0 alone = 0.60 → v0 centred 0.0; hi centred ±0.01: h0 first now
    assert [h.chunk_id for h in hits] == ["c2", "c0", "c3"]


def test_accentless_vietnamese_queries_are_restored_then_fused() -> None:
    assert accentless_vietnamese("quy mo kinh te so dat bao nhieu phan tram GDP")
    assert not accentless_vietnamese("Quy mô kinh tế số đạt bao nhiêu phần trăm GDP")
    assert not accentless_vietnamese("What share of GDP should the digital economy reach?")
    index = _index()
    seen: list[str] = []

    def embed(q: str) -> np.ndarray:
        seen.append(q)
        return VECS[1]  # the dense list puts v1 first

    q = "quy mo kinh te so dat GDP"
    assert index.lexical.restore(q) == "quy mô kinh tế số đạt gdp"
    fused = index.search(q, embed_query=embed, k=4, mode="hybrid")
    assert seen == ["quy mô kinh tế số đạt gdp"]  # the encoder gets the restored text
    restored = index.search("Quy mô kinh tế số đạt GDP", embed_query=embed, k=4, mode="hybrid")
    assert [(h.chunk_id, h.score, h.bm25_rank, h.dense_rank) for h in fused] == \
        [(h.chunk_id, h.score, h.bm25_rank, h.dense_rank) for h in restored]  # as if typed with accents
    assert fused[0].chunk_id == "c0" and fused[0].score > 1 / 61  # the dense list counts


def test_accentless_queries_fuse_bm25_only_when_nothing_can_be_restored() -> None:
    from rag.diacritics import Restorer

    index = _index()
    index.lexical.restorer = Restorer()  # an index saved before restoration existed
    dense_first = lambda _q: VECS[1]  # noqa: E731 - the dense list would put v1 first
    q = "quy mo kinh te so dat bao nhieu GDP"
    fused = index.search(q, embed_query=dense_first, k=4, mode="hybrid")
    lexical = index.search(q, k=4, mode="bm25")
    assert [h.chunk_id for h in fused][: len(lexical)] == [h.chunk_id for h in lexical]
    assert fused[0].chunk_id == "c0" and abs(fused[0].score - 1 / 61) < 1e-12  # BM25's share alone


def test_bm25_weighs_half_for_a_query_in_a_minority_language() -> None:
    index = _index()  # two Vietnamese and two Hindi passages: Hindi is not a minority here
    assert not index._minority_language("प्रांत की योजना क्या है?", None)
    # among the Vietnamese passages only, a Hindi (or English) question is in a minority language
    vi_only = np.array([True, True, False, False])
    assert index._minority_language("प्रांत की योजना क्या है?", vi_only)
    assert index._minority_language("What share of GDP should the digital economy reach?", None)
    assert not index._minority_language("Quy mô kinh tế số đạt bao nhiêu?", vi_only)
    q = "What does 30% GDP mean?"  # BM25 matches the number in v0; the dense list puts v1 first
    hits = index.search(q, embed_query=lambda _q: VECS[1], k=4, mode="hybrid", mask=vi_only)
    by_id = {h.chunk_id: h for h in hits}
    assert by_id["c0"].bm25_rank == 1 and by_id["c0"].dense_rank == 2
    assert abs(by_id["c0"].score - (0.5 / 61 + 1 / 62)) < 1e-12  # BM25's share halved
    same = index.search("Quy mô kinh tế số đạt 30% GDP", embed_query=lambda _q: VECS[1], k=4, mode="hybrid",
                        mask=vi_only)
    assert abs({h.chunk_id: h for h in same}["c0"].score - (1 / 61 + 1 / 62)) < 1e-12  # not for Vietnamese


def test_bm25_may_index_more_than_the_embedded_text() -> None:
    index = HybridIndex.build(["a", "b"], [1, 2], ["Mục tiêu đến năm 2030", "Mục tiêu đến năm 2045"], VECS[:2],
                              lexical_texts=["Nghị quyết 57-NQ/TW\nMục tiêu đến năm 2030",
                                             "Nghị quyết 03/NQ-CP\nMục tiêu đến năm 2045"])
    assert index.search("57-NQ/TW", k=2, mode="bm25")[0].chunk_id == "a"
    plain = HybridIndex.build(["a", "b"], [1, 2], ["Mục tiêu đến năm 2030", "Mục tiêu đến năm 2045"], VECS[:2])
    assert plain.search("57-NQ/TW", k=2, mode="bm25") == []
    assert index.langs == ["vi", "vi"]
