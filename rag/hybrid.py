"""Hybrid retrieval: BM25 and dense vectors fused by reciprocal rank (no Django).

A :class:`HybridIndex` holds one row per chunk: its id, the id of its document, the BM25
fields and the L2-normalised vector. ``search`` takes a row mask made from the documents the
asker may see (and any other filter) and applies it to *both* retrievers before they rank, so
a filtered chunk can never be returned, fused or cited, whatever its score.

Files written by :meth:`HybridIndex.save` (one directory, replaced atomically by the caller):
``rows.json`` (chunk ids and document ids), ``vectors.npy`` and the BM25 files of
:class:`rag.lexical.LexicalIndex`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from .fusion import rrf
from .lexical import LexicalIndex

__all__ = ["HybridIndex", "Ranked", "Mode"]

Mode = Literal["hybrid", "bm25", "dense"]
MODES: tuple[Mode, ...] = ("hybrid", "bm25", "dense")


@dataclass(frozen=True, slots=True)
class Ranked:
    chunk_id: str
    doc_id: int
    score: float  # RRF score in hybrid mode, BM25 score or cosine otherwise
    bm25_rank: int | None  # 1-based rank in each retriever's filtered list, None when absent
    dense_rank: int | None
    cosine: float | None  # the dense similarity when known: what abstention thresholds use


class HybridIndex:
    def __init__(self, chunk_ids: Sequence[str], doc_ids: Sequence[int] | np.ndarray,
                 lexical: LexicalIndex, vectors: np.ndarray) -> None:
        n = len(chunk_ids)
        if not (len(doc_ids) == n == len(lexical) and vectors.shape[0] == n):
            raise ValueError("chunk ids, document ids, BM25 rows and vectors must have the same length")
        self.chunk_ids = [str(c) for c in chunk_ids]
        self.doc_ids = np.asarray(doc_ids, dtype=np.int64)
        self.lexical = lexical
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self._row = {c: r for r, c in enumerate(self.chunk_ids)}

    @classmethod
    def build(cls, chunk_ids: Sequence[str], doc_ids: Sequence[int], texts: Sequence[str],
              vectors: np.ndarray) -> HybridIndex:
        return cls(chunk_ids, doc_ids, LexicalIndex.build(list(chunk_ids), list(texts)), vectors)

    def __len__(self) -> int:
        return len(self.chunk_ids)

    def row_of(self, chunk_id: str) -> int | None:
        return self._row.get(chunk_id)

    # --- filtering -----------------------------------------------------------------------

    def mask(self, doc_ids: Collection[int] | None = None, extra: np.ndarray | None = None) -> np.ndarray | None:
        """Rows of the allowed documents (``None`` = every document), and-ed with ``extra``."""
        m: np.ndarray | None = None
        if doc_ids is not None:
            m = np.isin(self.doc_ids, np.fromiter(doc_ids, dtype=np.int64, count=len(doc_ids)))
        if extra is not None:
            m = extra.astype(bool) if m is None else (m & extra.astype(bool))
        return m

    # --- search --------------------------------------------------------------------------

    def search(self, query: str, *, embed_query: Callable[[str], np.ndarray] | None = None,
               k: int = 10, mask: np.ndarray | None = None, mode: Mode = "hybrid", depth: int = 50,
               rrf_k: int = 60) -> list[Ranked]:
        """Top ``k`` chunks for ``query`` among the rows of ``mask`` (None = all), best first."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        if len(self) == 0 or k <= 0 or (mask is not None and not mask.any()):
            return []
        depth = max(depth, k)
        lex: list[tuple[str, float]] = []
        dense: list[tuple[str, float]] = []
        if mode in ("hybrid", "bm25"):
            lex = self.lexical.search(query, k=depth, allowed=mask)
        if mode in ("hybrid", "dense"):
            if embed_query is None:
                raise ValueError("dense retrieval needs embed_query")
            dense = self._dense(np.asarray(embed_query(query), dtype=np.float32).reshape(-1), depth, mask)
        lex_rank = {c: r for r, (c, _) in enumerate(lex, start=1)}
        dense_rank = {c: r for r, (c, _) in enumerate(dense, start=1)}
        cos = dict(dense)
        if mode == "bm25":
            ranked = lex[:k]
        elif mode == "dense":
            ranked = dense[:k]
        else:
            ranked = rrf([lex, dense], k=rrf_k, limit=k)  # type: ignore[assignment]
        return [Ranked(str(c), int(self.doc_ids[self._row[str(c)]]), float(s), lex_rank.get(str(c)),
                       dense_rank.get(str(c)), cos.get(str(c))) for c, s in ranked]

    def cosines(self, query_vec: np.ndarray, chunk_ids: Sequence[str]) -> list[float]:
        rows = [self._row[c] for c in chunk_ids]
        return [float(x) for x in self.vectors[rows] @ query_vec.reshape(-1)]

    def _dense(self, q: np.ndarray, depth: int, mask: np.ndarray | None) -> list[tuple[str, float]]:
        q = q / max(float(np.linalg.norm(q)), 1e-12)
        if mask is None:
            rows = None
            scores = self.vectors @ q
        else:
            rows = np.flatnonzero(mask)
            scores = self.vectors[rows] @ q if rows.size < len(self) // 2 else (self.vectors @ q)[rows]
        m = scores.shape[0]
        kk = min(depth, m)
        top = np.argpartition(-scores, kk - 1)[:kk] if kk < m else np.arange(m)
        top = top[np.argsort(-scores[top], kind="stable")]
        real = top if rows is None else rows[top]
        return [(self.chunk_ids[int(r)], float(s)) for r, s in zip(real, scores[top], strict=True)]

    # --- persistence ---------------------------------------------------------------------

    def save(self, directory: str | Path) -> None:
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        self.lexical.save(d / "lexical")
        np.save(d / "vectors.npy", self.vectors, allow_pickle=False)
        (d / "rows.json").write_text(json.dumps({"version": 1, "chunk_ids": self.chunk_ids,
                                                 "doc_ids": self.doc_ids.tolist()}), encoding="utf-8")

    @classmethod
    def load(cls, directory: str | Path, *, mmap: bool = False) -> HybridIndex:
        d = Path(directory)
        rows = json.loads((d / "rows.json").read_text(encoding="utf-8"))
        vectors = np.load(d / "vectors.npy", allow_pickle=False, mmap_mode="r" if mmap else None)
        return cls(rows["chunk_ids"], rows["doc_ids"], LexicalIndex.load(d / "lexical", mmap=mmap), vectors)
