"""BM25 retrieval over two fields with bm25s (no Django).

* ``accented``: NFC lower-case syllables, syllable bigrams and document numbers;
* ``folded``: the same with Latin diacritics removed, so ``bao ve du lieu`` finds
  ``bảo vệ dữ liệu`` and ``13/2023/ND-CP`` finds ``13/2023/NĐ-CP``.

A query is scored on both fields and the two BM25 scores are added (weights adjustable). The
filter (allowed chunk ids or a boolean mask) is applied to the score vector *before* ranking,
through bm25s's ``weight_mask``: a filtered chunk gets score 0 and is never returned, whatever k.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Sequence
from pathlib import Path

import bm25s
import numpy as np

from .diacritics import Restorer
from .text import folded_tokens, index_tokens

__all__ = ["LexicalIndex"]

logging.getLogger("bm25s").setLevel(logging.WARNING)

_FIELDS = ("accented", "folded")
_META = "lexical.json"
_DIACRITICS = "diacritics.json"


class LexicalIndex:
    """BM25 over the accented and accent-folded fields of a list of chunks."""

    def __init__(self, *, k1: float = 1.2, b: float = 0.75, weights: tuple[float, float] = (1.0, 1.0)) -> None:
        self.k1 = k1
        self.b = b
        self.weights = weights
        self.ids: list[str] = []
        self._pos: dict[str, int] = {}
        self._bm25: dict[str, bm25s.BM25] = {}
        self.restorer = Restorer()  # accent restoration from this index's vocabulary (rag.diacritics)

    # --- building --------------------------------------------------------------------------

    @classmethod
    def build(cls, ids: Sequence[str], texts: Sequence[str], **kwargs: object) -> LexicalIndex:
        if len(ids) != len(texts):
            raise ValueError("ids and texts must have the same length")
        if len(set(ids)) != len(ids):
            raise ValueError("chunk ids must be unique")
        self = cls(**kwargs)  # type: ignore[arg-type]
        self.ids = [str(i) for i in ids]
        self._pos = {cid: n for n, cid in enumerate(self.ids)}
        if not self.ids:
            return self
        for name, analyse in zip(_FIELDS, (index_tokens, folded_tokens), strict=True):
            corpus = [analyse(t) or [""] for t in texts]
            bm = bm25s.BM25(k1=self.k1, b=self.b)
            bm.index(corpus, show_progress=False)
            self._bm25[name] = bm
            if name == "accented":
                self.restorer = Restorer.from_tokens(corpus)
        return self

    def __len__(self) -> int:
        return len(self.ids)

    def restore(self, query: str) -> str:
        """``query`` with the diacritics of its accent-less syllables restored from the indexed
        vocabulary (normalised; unchanged when the index has no statistics)."""
        return self.restorer.restore(query)

    # --- search ----------------------------------------------------------------------------

    def mask(self, allowed: Collection[str] | np.ndarray | None) -> np.ndarray | None:
        """A float mask (1 allowed, 0 filtered) from ids or a boolean array; None = everything."""
        if allowed is None:
            return None
        if isinstance(allowed, np.ndarray):
            if allowed.shape != (len(self.ids),):
                raise ValueError(f"mask must have shape ({len(self.ids)},), got {allowed.shape}")
            return allowed.astype(np.float32)
        m = np.zeros(len(self.ids), dtype=np.float32)
        for cid in allowed:
            pos = self._pos.get(str(cid))
            if pos is not None:
                m[pos] = 1.0
        return m

    def scores(self, query: str, allowed: Collection[str] | np.ndarray | None = None) -> np.ndarray:
        """Combined score of every chunk (0 for filtered chunks and chunks without a match)."""
        total = np.zeros(len(self.ids), dtype=np.float32)
        if not self.ids:
            return total
        weight_mask = self.mask(allowed)
        if weight_mask is not None and not weight_mask.any():
            return total
        for name, analyse, w in zip(_FIELDS, (index_tokens, folded_tokens), self.weights, strict=True):
            bm = self._bm25[name]
            ids = bm.get_tokens_ids(analyse(query))
            ids = [i for i in ids if i != bm.vocab_dict.get("")]
            if not ids or not w:
                continue
            total += w * bm.get_scores_from_ids(ids, weight_mask=weight_mask)
        if weight_mask is not None:
            total *= weight_mask  # belt and braces: a filtered chunk is 0 whatever the scorer did
        return total

    def search(
        self, query: str, k: int = 10, allowed: Collection[str] | np.ndarray | None = None
    ) -> list[tuple[str, float]]:
        """Top ``k`` (chunk id, score), best first, only chunks with a positive score.

        Ties are broken by position in the index (insertion order), so results are deterministic.
        """
        s = self.scores(query, allowed)
        hits = np.flatnonzero(s > 0)
        if hits.size == 0 or k <= 0:
            return []
        if hits.size > k:
            part = np.argpartition(-s[hits], k - 1)[:k]
            kth = s[hits[part]].min()
            hits = hits[s[hits] >= kth]  # keep every tie of the k-th score, sorted below
        order = np.lexsort((hits, -s[hits]))
        return [(self.ids[i], float(s[i])) for i in hits[order][:k]]

    # --- persistence -----------------------------------------------------------------------

    def save(self, directory: str | Path) -> None:
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        meta = {"version": 1, "k1": self.k1, "b": self.b, "weights": list(self.weights), "ids": self.ids}
        for name in _FIELDS:
            if name in self._bm25:
                self._bm25[name].save(str(d / name), show_progress=False)
        (d / _DIACRITICS).write_text(json.dumps(self.restorer.to_json(), ensure_ascii=False), encoding="utf-8")
        tmp = d / (_META + ".tmp")
        tmp.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        tmp.replace(d / _META)

    @classmethod
    def load(cls, directory: str | Path, *, mmap: bool = False) -> LexicalIndex:
        d = Path(directory)
        meta = json.loads((d / _META).read_text(encoding="utf-8"))
        self = cls(k1=meta["k1"], b=meta["b"], weights=tuple(meta["weights"]))
        self.ids = list(meta["ids"])
        self._pos = {cid: n for n, cid in enumerate(self.ids)}
        if self.ids:
            for name in _FIELDS:
                self._bm25[name] = bm25s.BM25.load(str(d / name), mmap=mmap, show_progress=False)
        if (d / _DIACRITICS).exists():  # an index saved before restoration existed has none
            self.restorer = Restorer.from_json(json.loads((d / _DIACRITICS).read_text(encoding="utf-8")))
        return self
