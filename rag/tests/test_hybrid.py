"""HybridIndex: the row mask is applied before either retriever ranks; fusion; persistence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.fusion import rrf
from rag.hybrid import HybridIndex

TEXTS = [
    "Bảo vệ dữ liệu cá nhân trong cơ quan nhà nước",  # c0, doc 1 (the secret one)
    "Bảo vệ dữ liệu cá nhân: hướng dẫn cho cấp xã",  # c1, doc 2
    "Chuyển đổi số nông nghiệp và truy xuất nguồn gốc",  # c2, doc 2
    "Nghị định 13/2023/NĐ-CP về bảo vệ dữ liệu cá nhân",  # c3, doc 3
    "Hội đồng sáng kiến cấp tỉnh",  # c4, doc 3
]
DOCS = [1, 2, 2, 3, 3]


def _vectors() -> np.ndarray:
    rng = np.random.default_rng(7)
    v = rng.normal(size=(len(TEXTS), 8)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


VECS = _vectors()


def embed_like(row: int):
    """A query embedder whose vector is (nearly) chunk ``row``'s: dense ranks it first."""
    return lambda _q: VECS[row] + 0.01


@pytest.fixture
def index() -> HybridIndex:
    return HybridIndex.build([f"c{i}" for i in range(len(TEXTS))], DOCS, TEXTS, VECS)


def test_masked_rows_never_come_back_in_any_mode(index: HybridIndex) -> None:
    mask = index.mask({2, 3})
    assert mask.tolist() == [False, True, True, True, True]
    for mode in ("hybrid", "bm25", "dense"):
        for k in (1, 2, 5, 100):
            # c0 is the best match in both retrievers, yet filtered out
            hits = index.search("bảo vệ dữ liệu cá nhân trong cơ quan nhà nước", embed_query=embed_like(0), k=k,
                                mask=mask, mode=mode)
            assert "c0" not in {h.chunk_id for h in hits}, (mode, k)
            assert all(h.doc_id in {2, 3} for h in hits)
            assert len(hits) <= k
    unmasked = index.search("bảo vệ dữ liệu cá nhân trong cơ quan nhà nước", embed_query=embed_like(0), k=1)
    assert unmasked[0].chunk_id == "c0"  # the test could fail: c0 really is the best


def test_dense_ranks_within_the_mask_only(index: HybridIndex) -> None:
    mask = index.mask({3})
    hits = index.search("x", embed_query=embed_like(0), k=10, mask=mask, mode="dense")
    assert {h.chunk_id for h in hits} == {"c3", "c4"}
    assert [h.dense_rank for h in hits] == [1, 2]
    assert all(h.bm25_rank is None for h in hits)
    assert hits[0].score == pytest.approx(hits[0].cosine)


def test_hybrid_is_the_rrf_of_both_lists(index: HybridIndex) -> None:
    q = "bảo vệ dữ liệu cá nhân"
    lex = index.search(q, k=50, mode="bm25")
    dense = index.search(q, embed_query=embed_like(2), k=50, mode="dense")
    fused = index.search(q, embed_query=embed_like(2), k=50, mode="hybrid")
    expected = rrf([[(h.chunk_id, h.score) for h in lex], [(h.chunk_id, h.score) for h in dense]], k=60, limit=50)
    assert [h.chunk_id for h in fused] == [c for c, _ in expected]
    assert [h.score for h in fused] == pytest.approx([s for _, s in expected])
    by_id = {h.chunk_id: h for h in fused}
    assert by_id["c2"].dense_rank == 1 and by_id["c2"].bm25_rank is None  # no word in common


def test_accent_folded_and_document_number_queries(index: HybridIndex) -> None:
    assert index.search("bao ve du lieu ca nhan cap xa", k=1, mode="bm25")[0].chunk_id == "c1"
    assert index.search("13/2023/ND-CP", k=1, mode="bm25")[0].chunk_id == "c3"


def test_empty_mask_empty_index_and_bad_calls(index: HybridIndex) -> None:
    assert index.search("dữ liệu", embed_query=embed_like(0), mask=index.mask(set())) == []
    assert index.search("dữ liệu", embed_query=embed_like(0), mask=index.mask({99})) == []
    assert index.search("dữ liệu", embed_query=embed_like(0), k=0) == []
    with pytest.raises(ValueError):
        index.search("dữ liệu", mode="dense")  # no query embedder
    with pytest.raises(ValueError):
        index.search("dữ liệu", mode="fuzzy")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        HybridIndex.build(["a", "b"], [1], ["x", "y"], VECS[:2])
    empty = HybridIndex.build([], [], [], np.zeros((0, 8), dtype=np.float32))
    assert len(empty) == 0 and empty.search("dữ liệu", embed_query=embed_like(0)) == []


def test_mask_and_extra(index: HybridIndex) -> None:
    extra = np.array([True, True, False, True, False])
    assert index.mask({2, 3}, extra).tolist() == [False, True, False, True, False]
    assert index.mask(None, extra).tolist() == extra.tolist()
    assert index.mask() is None


@pytest.mark.parametrize("mmap", [False, True])
def test_save_and_load_give_the_same_results(index: HybridIndex, tmp_path: Path, mmap: bool) -> None:
    index.save(tmp_path / "build")
    loaded = HybridIndex.load(tmp_path / "build", mmap=mmap)
    assert loaded.chunk_ids == index.chunk_ids and loaded.doc_ids.tolist() == DOCS
    for mode in ("hybrid", "bm25", "dense"):
        args = {"embed_query": embed_like(3), "k": 5, "mode": mode, "mask": index.mask({2, 3})}
        assert loaded.search("bảo vệ dữ liệu", **args) == index.search("bảo vệ dữ liệu", **args)
    empty = HybridIndex.build([], [], [], np.zeros((0, 8), dtype=np.float32))
    empty.save(tmp_path / "empty")
    assert len(HybridIndex.load(tmp_path / "empty")) == 0


# --- sentence reranking ----------------------------------------------------------------------


def _sentence_query(_q: str) -> np.ndarray:
    """A query vector unlike any passage vector: only a sentence vector can match it."""
    q = np.roll(embed_like(4)(""), 3)
    return q / np.linalg.norm(q)


def _sentence_index(vec_of_c0_sentence: np.ndarray | None = None) -> HybridIndex:
    """c2's second sentence is exactly the query; c0 (doc 1) may hold such a sentence too."""
    sents = [np.zeros((0, 8), dtype=np.float32) for _ in TEXTS]
    sents[2] = np.stack([VECS[0], _sentence_query("")])
    if vec_of_c0_sentence is not None:
        sents[0] = vec_of_c0_sentence.reshape(1, 8)
    return HybridIndex.build([f"c{i}" for i in range(len(TEXTS))], DOCS, TEXTS, VECS, sentence_vectors=sents)


def test_rerank_lifts_the_passage_whose_sentence_matches() -> None:
    index = _sentence_index()
    q = "Who sets up the provincial innovation council?"  # English over Vietnamese passages
    plain = index.search(q, embed_query=_sentence_query, k=5, rerank=False)
    reranked = index.search(q, embed_query=_sentence_query, k=5)
    assert {h.chunk_id for h in plain} == {h.chunk_id for h in reranked}  # the same candidates
    assert [h.chunk_id for h in reranked].index("c2") < [h.chunk_id for h in plain].index("c2")
    # the order is the RRF of the fused order and the sentence order (c2 first in the latter)
    assert reranked[0].chunk_id in {"c2", plain[0].chunk_id}
    # without sentence vectors nothing changes
    bare = HybridIndex.build([f"c{i}" for i in range(len(TEXTS))], DOCS, TEXTS, VECS)
    assert bare.search(q, embed_query=_sentence_query, k=5) == plain
    # bm25 and dense modes are never reranked
    for mode in ("bm25", "dense"):
        assert (index.search(q, embed_query=_sentence_query, k=5, mode=mode)
                == bare.search(q, embed_query=_sentence_query, k=5, mode=mode))
    # a question in the passages' own language is not reranked (BM25 already matches its words)
    vi = "hội đồng sáng kiến cấp tỉnh"
    assert (index.search(vi, embed_query=_sentence_query, k=5)
            == index.search(vi, embed_query=_sentence_query, k=5, rerank=False))


def test_rerank_never_brings_in_a_masked_passage() -> None:
    # c0 (doc 1) has the sentence that IS the query: the best of all when allowed...
    index = _sentence_index(_sentence_query(""))
    q = "How are personal data protected in state agencies?"  # across languages: reranked
    unmasked = [h.chunk_id for h in index.search(q, embed_query=_sentence_query, k=5)]
    assert "c0" in unmasked  # allowed, it is found...
    assert unmasked != [h.chunk_id for h in index.search(q, embed_query=_sentence_query, k=5, rerank=False)]
    # ...and the reranker did run (it reorders); masked, c0 never comes back, whatever k:
    mask = index.mask({2, 3})
    for k in (1, 2, 5, 100):
        hits = index.search(q, embed_query=_sentence_query, k=k, mask=mask)
        assert "c0" not in {h.chunk_id for h in hits}
        assert all(h.doc_id in {2, 3} for h in hits) and len(hits) <= k


def test_sentence_vectors_are_saved_mapped_and_old_snapshots_still_load(tmp_path: Path) -> None:
    index = _sentence_index()
    index.save(tmp_path / "build")
    loaded = HybridIndex.load(tmp_path / "build")
    assert isinstance(loaded.sentence_vectors, np.memmap)
    assert loaded.sentence_offsets.tolist() == [0, 0, 0, 2, 2, 2]
    args = {"embed_query": _sentence_query, "k": 5, "mask": index.mask({2, 3})}
    assert loaded.search("hội đồng sáng kiến", **args) == index.search("hội đồng sáng kiến", **args)
    # a snapshot written before sentence vectors existed
    for name in ("sentences.npy", "sentence_offsets.npy"):
        (tmp_path / "build" / name).unlink()
    old = HybridIndex.load(tmp_path / "build")
    assert not old.has_sentences
    assert (old.search("hội đồng sáng kiến", **args)
            == index.search("hội đồng sáng kiến", rerank=False, **args))
    with pytest.raises(ValueError):
        HybridIndex.build(["a"], [1], ["x"], VECS[:1], sentence_vectors=[])


def test_sentence_texts_carry_the_heading_and_skip_short_ones() -> None:
    from rag.hybrid import MAX_SENTENCES, sentence_texts

    body = "Điều 5. Hội đồng.\nHội đồng sáng kiến cấp tỉnh gồm từ năm đến chín thành viên. Ngắn quá."
    assert sentence_texts("Chương II › Điều 5", body) == [
        "Điều 5\nHội đồng sáng kiến cấp tỉnh gồm từ năm đến chín thành viên."]
    many = " ".join(f"Câu số {i} có đủ năm chữ." for i in range(20))
    assert len(sentence_texts("", many)) == MAX_SENTENCES
    assert sentence_texts("", many)[0] == "Câu số 0 có đủ năm chữ."
