"""Hybrid retrieval: BM25 and dense vectors fused by reciprocal rank (no Django).

A :class:`HybridIndex` holds one row per chunk: its id, the id of its document, the BM25
fields and the L2-normalised vector. ``search`` takes a row mask made from the documents the
asker may see (and any other filter) and applies it to *both* retrievers before they rank, so
a filtered chunk can never be returned, fused or cited, whatever its score.

Files written by :meth:`HybridIndex.save` (one directory, replaced atomically by the caller):
``rows.json`` (chunk ids, document ids and each chunk's language), ``vectors.npy`` and the BM25
files of :class:`rag.lexical.LexicalIndex`.

Two corrections measured on ``eval/assistant-dev.jsonl`` (see ``bench/RESULTS.md``):

- *Language bias of the dense scores.* A multilingual encoder gives every passage written in the
  query's language (or script) a higher cosine whatever it says: a Hindi question ranks the one
  Hindi article first for any topic. Dense ranking therefore uses the cosine minus the mean cosine
  of the query to the candidate passages of the same language (centring per language, computed
  over the allowed rows only, so documents the asker may not see play no part). The raw cosine is
  still what ``Ranked.cosine`` reports and what abstention thresholds use.
- *Accent-less Vietnamese.* The encoder was trained on text with diacritics; for a query typed
  without them ("nghi quyet 57 ...") its ranking is close to random, while BM25's accent-folded
  field matches. The query's diacritics are therefore restored from the index's own vocabulary
  (:mod:`rag.diacritics`, statistics built and saved with the BM25 index) and both retrievers
  search the restored text; only when nothing can be restored (an index saved without the
  statistics) does fusion fall back to BM25 alone.
- *Questions across languages.* When the query's language is that of fewer than half of the
  allowed passages (an English or French question over Vietnamese texts), BM25 can match only
  numbers and names, so its list gets half the weight of the dense one in the fusion
  (``MINORITY_BM25_WEIGHT``; measured with 0.3/0.5/0.7: 0.5 best on Recall@5, all three raise
  MRR@10 by about 0.03 and top-1 by 0.05).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from .answer import detect_language
from .fusion import rrf
from .lexical import LexicalIndex
from .text import fold, normalize

__all__ = ["HybridIndex", "Ranked", "Mode"]

Mode = Literal["hybrid", "bm25", "dense"]
MODES: tuple[Mode, ...] = ("hybrid", "bm25", "dense")
MINORITY_BM25_WEIGHT = 0.5  # RRF weight of BM25 for a query in a language few passages use


@dataclass(frozen=True, slots=True)
class Ranked:
    chunk_id: str
    doc_id: int
    score: float  # RRF score in hybrid mode, BM25 score or cosine otherwise (dense order: centred cosine)
    bm25_rank: int | None  # 1-based rank in each retriever's filtered list, None when absent
    dense_rank: int | None
    cosine: float | None  # the dense similarity when known: what abstention thresholds use


class HybridIndex:
    def __init__(self, chunk_ids: Sequence[str], doc_ids: Sequence[int] | np.ndarray,
                 lexical: LexicalIndex, vectors: np.ndarray, langs: Sequence[str] | None = None) -> None:
        n = len(chunk_ids)
        if not (len(doc_ids) == n == len(lexical) and vectors.shape[0] == n):
            raise ValueError("chunk ids, document ids, BM25 rows and vectors must have the same length")
        if langs is not None and len(langs) != n:
            raise ValueError("one language per chunk")
        self.chunk_ids = [str(c) for c in chunk_ids]
        self.doc_ids = np.asarray(doc_ids, dtype=np.int64)
        self.lexical = lexical
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self._row = {c: r for r, c in enumerate(self.chunk_ids)}
        # languages as small integers (None: an index saved before languages were kept — no centring)
        self.langs = None if langs is None else [str(x) for x in langs]
        names = sorted(set(self.langs or ()))
        self._lang_code = {name: i for i, name in enumerate(names)}
        self._lang_ids = (None if self.langs is None else
                          np.asarray([names.index(x) for x in self.langs], dtype=np.int64))

    @classmethod
    def build(cls, chunk_ids: Sequence[str], doc_ids: Sequence[int], texts: Sequence[str],
              vectors: np.ndarray, langs: Sequence[str] | None = None,
              lexical_texts: Sequence[str] | None = None) -> HybridIndex:
        """``langs``: each chunk's language; detected from its text when not given.
        ``lexical_texts``: what BM25 indexes when it is more than ``texts`` (the document's title
        and number in front of each passage, so "Resolution 57" finds its passages)."""
        if langs is None:
            langs = [detect_language(t) for t in texts]
        lexical = LexicalIndex.build(list(chunk_ids), list(lexical_texts if lexical_texts is not None else texts))
        return cls(chunk_ids, doc_ids, lexical, vectors, langs)

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
        weights: tuple[float, float] | None = None
        if accentless_vietnamese(query):
            restored = self.lexical.restore(query)
            if restored != normalize(query):
                query = restored  # both retrievers get the restored text (module docstring)
            else:
                weights = (1.0, 0.0)  # nothing restored (an index without statistics): BM25 alone
        lex: list[tuple[str, float]] = []
        dense: list[tuple[str, float]] = []
        if mode in ("hybrid", "bm25"):
            lex = self.lexical.search(query, k=depth, allowed=mask)
        cos: dict[str, float] = {}
        if mode in ("hybrid", "dense"):
            if embed_query is None:
                raise ValueError("dense retrieval needs embed_query")
            dense, cos = self._dense(np.asarray(embed_query(query), dtype=np.float32).reshape(-1), depth, mask)
        lex_rank = {c: r for r, (c, _) in enumerate(lex, start=1)}
        dense_rank = {c: r for r, (c, _) in enumerate(dense, start=1)}
        if mode == "bm25":
            ranked = lex[:k]
        elif mode == "dense":
            ranked = dense[:k]
        else:
            if weights is None and self._minority_language(query, mask):
                weights = (MINORITY_BM25_WEIGHT, 1.0)
            ranked = rrf([lex, dense], k=rrf_k, weights=weights, limit=k)  # type: ignore[assignment]
        return [Ranked(str(c), int(self.doc_ids[self._row[str(c)]]), float(s), lex_rank.get(str(c)),
                       dense_rank.get(str(c)), cos.get(str(c))) for c, s in ranked]

    def _minority_language(self, query: str, mask: np.ndarray | None) -> bool:
        """The query's language is written by fewer than half of the allowed passages."""
        if self.langs is None or self._lang_ids is None:
            return False
        lang = detect_language(query)
        code = self._lang_code.get(lang or "")
        if code is None:
            return bool(lang)
        ids = self._lang_ids if mask is None else self._lang_ids[mask]
        return bool(ids.size) and 2 * int(np.count_nonzero(ids == code)) < ids.size

    def cosines(self, query_vec: np.ndarray, chunk_ids: Sequence[str]) -> list[float]:
        rows = [self._row[c] for c in chunk_ids]
        return [float(x) for x in self.vectors[rows] @ query_vec.reshape(-1)]

    def _dense(self, q: np.ndarray, depth: int,
               mask: np.ndarray | None) -> tuple[list[tuple[str, float]], dict[str, float]]:
        """Top ``depth`` rows ordered by language-centred cosine (see the module docstring), each
        as ``(chunk id, raw cosine)`` — the order is the centred one, the score the cosine — and
        the raw cosines as a dict."""
        q = q / max(float(np.linalg.norm(q)), 1e-12)
        if mask is None:
            rows = None
            scores = self.vectors @ q
        else:
            rows = np.flatnonzero(mask)
            scores = self.vectors[rows] @ q if rows.size < len(self) // 2 else (self.vectors @ q)[rows]
        ranking = scores
        if self._lang_ids is not None and scores.size:
            ids = self._lang_ids if rows is None else self._lang_ids[rows]
            counts = np.bincount(ids)
            means = np.bincount(ids, weights=scores) / np.maximum(counts, 1)
            ranking = scores - means[ids].astype(np.float32)
        m = scores.shape[0]
        kk = min(depth, m)
        top = np.argpartition(-ranking, kk - 1)[:kk] if kk < m else np.arange(m)
        top = top[np.argsort(-ranking[top], kind="stable")]
        real = top if rows is None else rows[top]
        ids_ = [self.chunk_ids[int(r)] for r in real]
        out = [(c, float(s)) for c, s in zip(ids_, scores[top], strict=True)]
        return out, dict(out)

    # --- persistence ---------------------------------------------------------------------

    def save(self, directory: str | Path) -> None:
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        self.lexical.save(d / "lexical")
        np.save(d / "vectors.npy", self.vectors, allow_pickle=False)
        (d / "rows.json").write_text(json.dumps({"version": 1, "chunk_ids": self.chunk_ids,
                                                 "doc_ids": self.doc_ids.tolist(), "langs": self.langs}),
                                     encoding="utf-8")

    @classmethod
    def load(cls, directory: str | Path, *, mmap: bool = False) -> HybridIndex:
        d = Path(directory)
        rows = json.loads((d / "rows.json").read_text(encoding="utf-8"))
        vectors = np.load(d / "vectors.npy", allow_pickle=False, mmap_mode="r" if mmap else None)
        return cls(rows["chunk_ids"], rows["doc_ids"], LexicalIndex.load(d / "lexical", mmap=mmap), vectors,
                   rows.get("langs"))


def accentless_vietnamese(query: str) -> bool:
    """A Vietnamese query typed without diacritics ("nghi quyet 57 dat muc tieu gi")."""
    return fold(query) == query and detect_language(query) == "vi"
