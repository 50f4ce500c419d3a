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
- *A question matches a sentence better than a passage.* e5-small matches a short question to one
  sentence far better than to a 1,200-character passage, so the right passage of a cross-lingual
  question often sits at rank 6–15. When the index holds *sentence vectors* (each passage's
  sentences of five words or more, at most ``MAX_SENTENCES``, each embedded under its passage's
  heading: :func:`sentence_texts`), hybrid search reranks its ``RERANK_DEPTH`` best fused passages:
  each gets ``max(passage cosine, best sentence cosine)``, and the fused order and that order are
  fused again by RRF (no weight to tune). Only candidates are reranked — they come from the masked
  lists — so the reranker can reorder allowed passages but never bring in another one. Measured:
  Recall@5 0.73 → 0.75 (3 questions more, none fewer; see ``bench/RESULTS.md``). It runs for the
  questions *across languages* only (the same test as above): in the passages' own language BM25
  already matches the words, and reranking there cost accent-less top-1 0.82 → 0.73 for no gain
  in Recall@5 (measured both ways on the whole dev set).

Sentence vectors are saved as ``sentences.npy`` (opened memory-mapped: a search reads only its
candidates' rows) and ``sentence_offsets.npy`` (row ``r``'s sentences are rows
``offsets[r]:offsets[r + 1]``). A snapshot saved without them loads and searches as before.
"""

from __future__ import annotations

import contextlib
import json
import mmap
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from .answer import detect_language, sentences
from .chunking import PATH_SEP
from .fusion import rrf
from .lexical import LexicalIndex
from .text import fold, normalize

__all__ = ["HybridIndex", "Ranked", "Mode", "sentence_texts"]

Mode = Literal["hybrid", "bm25", "dense"]
MODES: tuple[Mode, ...] = ("hybrid", "bm25", "dense")
MINORITY_BM25_WEIGHT = 0.5  # RRF weight of BM25 for a query in a language few passages use
RERANK_DEPTH = 30  # fused passages reranked by their sentences (30 and 50 measured the same)
MAX_SENTENCES = 8  # sentence vectors a passage at most
MIN_SENTENCE_WORDS = 5


def sentence_texts(heading: str, body: str) -> list[str]:
    """What is embedded for a passage's sentences: each sentence of ``body`` with five words or
    more (the first ``MAX_SENTENCES``), under the last part of the passage's heading path."""
    head = heading.split(PATH_SEP)[-1].strip() if heading else ""
    out = []
    for s, e in sentences(body):
        text = body[s:e].strip()
        if len(text.split()) >= MIN_SENTENCE_WORDS:
            out.append(f"{head}\n{text}" if head else text)
            if len(out) == MAX_SENTENCES:
                break
    return out


@dataclass(frozen=True, slots=True)
class Ranked:
    chunk_id: str
    doc_id: int
    score: float  # RRF score in hybrid mode (of the rerank when it ran), BM25 score or cosine otherwise
    bm25_rank: int | None  # 1-based rank in each retriever's filtered list, None when absent
    dense_rank: int | None
    cosine: float | None  # the dense similarity when known: what abstention thresholds use


class HybridIndex:
    def __init__(self, chunk_ids: Sequence[str], doc_ids: Sequence[int] | np.ndarray,
                 lexical: LexicalIndex, vectors: np.ndarray, langs: Sequence[str] | None = None,
                 sentence_vectors: np.ndarray | None = None, sentence_offsets: np.ndarray | None = None) -> None:
        n = len(chunk_ids)
        if not (len(doc_ids) == n == len(lexical) and vectors.shape[0] == n):
            raise ValueError("chunk ids, document ids, BM25 rows and vectors must have the same length")
        if langs is not None and len(langs) != n:
            raise ValueError("one language per chunk")
        if (sentence_vectors is None) != (sentence_offsets is None):
            raise ValueError("sentence vectors need their offsets")
        if sentence_offsets is not None and sentence_vectors is not None:
            sentence_offsets = np.asarray(sentence_offsets, dtype=np.int64)
            if (sentence_offsets.shape != (n + 1,) or sentence_offsets[0] != 0
                    or sentence_offsets[-1] != sentence_vectors.shape[0] or np.any(np.diff(sentence_offsets) < 0)):
                raise ValueError("sentence offsets must run from 0 to the number of sentence vectors, one per row + 1")
        # (memory-mapped when loaded: only the candidates' rows are read)
        self.sentence_vectors = sentence_vectors
        self.sentence_offsets = sentence_offsets
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
              lexical_texts: Sequence[str] | None = None,
              sentence_vectors: Sequence[np.ndarray] | None = None) -> HybridIndex:
        """``langs``: each chunk's language; detected from its text when not given.
        ``lexical_texts``: what BM25 indexes when it is more than ``texts`` (the document's title
        and number in front of each passage, so "Resolution 57" finds its passages).
        ``sentence_vectors``: per chunk, a ``[m, dim]`` array of its sentences' unit vectors
        (``m`` may be 0; see :func:`sentence_texts`); None = no reranking."""
        if langs is None:
            langs = [detect_language(t) for t in texts]
        lexical = LexicalIndex.build(list(chunk_ids), list(lexical_texts if lexical_texts is not None else texts))
        matrix = offsets = None
        if sentence_vectors is not None:
            if len(sentence_vectors) != len(chunk_ids):
                raise ValueError("one array of sentence vectors per chunk")
            dim = vectors.shape[1]
            parts = [np.asarray(v, dtype=np.float32).reshape(-1, dim) for v in sentence_vectors]
            offsets = np.zeros(len(parts) + 1, dtype=np.int64)
            offsets[1:] = np.cumsum([p.shape[0] for p in parts])
            matrix = np.concatenate(parts) if parts else np.zeros((0, dim), dtype=np.float32)
        return cls(chunk_ids, doc_ids, lexical, vectors, langs, matrix, offsets)

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

    @property
    def has_sentences(self) -> bool:
        return self.sentence_vectors is not None

    def search(self, query: str, *, embed_query: Callable[[str], np.ndarray] | None = None,
               k: int = 10, mask: np.ndarray | None = None, mode: Mode = "hybrid", depth: int = 50,
               rrf_k: int = 60, rerank: bool = True) -> list[Ranked]:
        """Top ``k`` chunks for ``query`` among the rows of ``mask`` (None = all), best first.
        ``rerank``: in hybrid mode, rerank the best fused chunks of a question across languages
        by their sentence vectors when the index has them (module docstring)."""
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
        q = None
        if mode in ("hybrid", "dense"):
            if embed_query is None:
                raise ValueError("dense retrieval needs embed_query")
            q = np.asarray(embed_query(query), dtype=np.float32).reshape(-1)
            q = q / max(float(np.linalg.norm(q)), 1e-12)
            dense, cos = self._dense(q, depth, mask)
        lex_rank = {c: r for r, (c, _) in enumerate(lex, start=1)}
        dense_rank = {c: r for r, (c, _) in enumerate(dense, start=1)}
        if mode == "bm25":
            ranked = lex[:k]
        elif mode == "dense":
            ranked = dense[:k]
        else:
            minority = weights is None and self._minority_language(query, mask)
            if minority:
                weights = (MINORITY_BM25_WEIGHT, 1.0)
            rerank = rerank and minority and self.has_sentences and q is not None
            ranked = rrf([lex, dense], k=rrf_k, weights=weights,  # type: ignore[assignment]
                         limit=max(k, RERANK_DEPTH) if rerank else k)
            if rerank:
                ranked = self._rerank(q, ranked, rrf_k)[:k]  # type: ignore[arg-type]
        return [Ranked(str(c), int(self.doc_ids[self._row[str(c)]]), float(s), lex_rank.get(str(c)),
                       dense_rank.get(str(c)), cos.get(str(c))) for c, s in ranked]

    def _rerank(self, q: np.ndarray, fused: list[tuple[str, float]], rrf_k: int) -> list[tuple[str, float]]:
        """The ``RERANK_DEPTH`` best of ``fused`` (already masked) reordered by the RRF of their
        fused order and their order by ``max(passage cosine, best sentence cosine)``; the rest
        follow unchanged. Never adds a chunk that ``fused`` does not hold."""
        assert self.sentence_vectors is not None and self.sentence_offsets is not None
        head, tail = fused[:RERANK_DEPTH], fused[RERANK_DEPTH:]
        if len(head) < 2:
            return fused
        rows = np.asarray([self._row[str(c)] for c, _ in head], dtype=np.int64)
        best = self.vectors[rows] @ q
        starts, ends = self.sentence_offsets[rows], self.sentence_offsets[rows + 1]
        for i, (a, b) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
            if b > a:  # reads only these rows of the memory-mapped matrix
                best[i] = max(float(best[i]), float(np.max(np.asarray(self.sentence_vectors[a:b]) @ q)))
        order = [head[i][0] for i in np.argsort(-best, kind="stable")]
        again = rrf([[c for c, _ in head], order], k=rrf_k)
        return [(str(c), float(s)) for c, s in again] + tail

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
        if self.sentence_vectors is not None and self.sentence_offsets is not None:
            np.save(d / "sentences.npy", np.ascontiguousarray(self.sentence_vectors, dtype=np.float32),
                    allow_pickle=False)
            np.save(d / "sentence_offsets.npy", self.sentence_offsets, allow_pickle=False)
        (d / "rows.json").write_text(json.dumps({"version": 1, "chunk_ids": self.chunk_ids,
                                                 "doc_ids": self.doc_ids.tolist(), "langs": self.langs}),
                                     encoding="utf-8")

    @classmethod
    def load(cls, directory: str | Path, *, mmap: bool = False) -> HybridIndex:
        d = Path(directory)
        rows = json.loads((d / "rows.json").read_text(encoding="utf-8"))
        vectors = np.load(d / "vectors.npy", allow_pickle=False, mmap_mode="r" if mmap else None)
        sent = offsets = None
        if (d / "sentences.npy").exists():  # older snapshots have none: no reranking
            sent = np.load(d / "sentences.npy", allow_pickle=False, mmap_mode="r")  # always mapped
            _no_readahead(sent)
            offsets = np.load(d / "sentence_offsets.npy", allow_pickle=False)
        return cls(rows["chunk_ids"], rows["doc_ids"], LexicalIndex.load(d / "lexical", mmap=mmap), vectors,
                   rows.get("langs"), sent, offsets)


def _no_readahead(array: np.ndarray) -> None:
    """A search reads a few scattered rows of the mapped sentence matrix: without this, the
    kernel's readahead pulls ~128 kB around each one and the whole file soon sits in the process's
    memory (measured at 100,000 chunks: 464 MB of file pages after 180 searches)."""
    m = getattr(array, "_mmap", None)
    if m is not None and hasattr(m, "madvise") and hasattr(mmap, "MADV_RANDOM"):
        with contextlib.suppress(OSError, ValueError):
            m.madvise(mmap.MADV_RANDOM)


def accentless_vietnamese(query: str) -> bool:
    """A Vietnamese query typed without diacritics ("nghi quyet 57 dat muc tieu gi")."""
    return fold(query) == query and detect_language(query) == "vi"
