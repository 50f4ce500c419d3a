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
