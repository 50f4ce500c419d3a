"""A small dense-vector store: unit vectors with their chunk ids, kept on disk as a ``.npy`` +
``.json`` pair so that a restart does not re-embed, searched by cosine (one matrix-vector
product) with the caller's filter applied before ranking.

>>> store = VectorStore(dim=384, model="e5")
>>> store.add(["c1", "c2"], vectors)
>>> store.save("var/rag/vectors")            # var/rag/vectors.npy + var/rag/vectors.json
>>> store = VectorStore.load("var/rag/vectors")
>>> store.search(q, k=10, allowed_ids={"c2"})  # [("c2", 0.83)]
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Collection, Hashable, Iterable, Sequence
from pathlib import Path

import numpy as np

FORMAT = 1


def _paths(path: str | os.PathLike[str]) -> tuple[Path, Path]:
    base = Path(path)
    if base.suffix in (".npy", ".json"):
        base = base.with_suffix("")
    return base.with_name(base.name + ".npy"), base.with_name(base.name + ".json")


def _atomic_write(target: Path, write) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class VectorStore:
    """Rows of L2-normalised float32 vectors, each with a unique id (str or int).

    ``model`` names the embedding model; :meth:`load` with ``expect_model`` refuses a file made
    by another model, so the caller re-embeds instead of comparing incompatible vectors.
    """

    def __init__(self, dim: int = 384, model: str = "") -> None:
        self.dim = dim
        self.model = model
        self._ids: list[Hashable] = []
        self._index: dict[Hashable, int] = {}
        self._vecs = np.zeros((0, dim), dtype=np.float32)
        self._cap = 0

    # ----------------------------------------------------------------- contents
    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, chunk_id: object) -> bool:
        return chunk_id in self._index

    @property
    def ids(self) -> list[Hashable]:
        return list(self._ids)

    @property
    def matrix(self) -> np.ndarray:
        """The ``[n, dim]`` vectors, row ``i`` belonging to ``ids[i]`` (a read-only view)."""
        view = self._vecs[: len(self._ids)]
        view.flags.writeable = False
        return view

    def get(self, chunk_id: Hashable) -> np.ndarray | None:
        row = self._index.get(chunk_id)
        return None if row is None else self._vecs[row].copy()

    def add(self, ids: Sequence[Hashable], vectors: np.ndarray) -> None:
        """Add or replace vectors (normalised here, so cosine is a dot product)."""
        vecs = np.asarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        if len(ids) != len(vecs):
            raise ValueError(f"{len(ids)} ids for {len(vecs)} vectors")
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        vecs = vecs / np.maximum(norms, 1e-12)
        last = {chunk_id: j for j, chunk_id in enumerate(ids)}  # a repeated id: the last one wins
        new: list[Hashable] = []
        for chunk_id, j in last.items():
            row = self._index.get(chunk_id)
            if row is not None:
                self._vecs[row] = vecs[j]
            else:
                new.append(chunk_id)
        if not new:
            return
        n = len(self._ids)
        need = n + len(new)
        if need > self._cap:
            cap = max(need, int(self._cap * 1.5) + 64)
            grown = np.zeros((cap, self.dim), dtype=np.float32)
            grown[:n] = self._vecs[:n]
            self._vecs, self._cap = grown, cap
        self._vecs[n:need] = vecs[[last[i] for i in new]]
        for offset, chunk_id in enumerate(new):
            self._index[chunk_id] = n + offset
            self._ids.append(chunk_id)

    def remove(self, ids: Iterable[Hashable]) -> int:
        """Drop the given ids; returns how many were present."""
        drop = {i for i in ids if i in self._index}
        if not drop:
            return 0
        keep = [i for i in self._ids if i not in drop]
        self._compact_from(keep)
        return len(drop)

    def _compact_from(self, keep: list[Hashable]) -> None:
        rows = [self._index[i] for i in keep]
        self._vecs = self._vecs[rows].copy() if rows else np.zeros((0, self.dim), dtype=np.float32)
        self._cap = len(rows)
        self._ids = list(keep)
        self._index = {i: r for r, i in enumerate(self._ids)}

    # ----------------------------------------------------------------- search
    def mask_for(self, allowed_ids: Iterable[Hashable]) -> np.ndarray:
        """Boolean row mask selecting the given ids (unknown ids are ignored)."""
        mask = np.zeros(len(self._ids), dtype=bool)
        rows = [r for r in (self._index.get(i) for i in allowed_ids) if r is not None]
        if rows:
            mask[rows] = True
        return mask

    def search(
        self,
        query: np.ndarray,
        k: int = 10,
        *,
        mask: np.ndarray | None = None,
        allowed_ids: Collection[Hashable] | None = None,
    ) -> list[tuple[Hashable, float]]:
        """Top-``k`` ``(id, cosine)`` pairs, best first. ``mask`` (one bool per row, in ``ids``
        order) and ``allowed_ids`` restrict the candidates *before* ranking: a row outside them
        is never scored into the result, however close it is, and fewer than ``k`` results come
        back when fewer rows are allowed."""
        n = len(self._ids)
        if n == 0 or k <= 0:
            return []
        q = np.asarray(query, dtype=np.float32).reshape(-1)
        if q.shape[0] != self.dim:
            raise ValueError(f"query has {q.shape[0]} dimensions, store has {self.dim}")
        q = q / max(float(np.linalg.norm(q)), 1e-12)
        keep = None
        if mask is not None:
            keep = np.asarray(mask, dtype=bool)
            if keep.shape != (n,):
                raise ValueError(f"mask has shape {keep.shape}, expected ({n},)")
        if allowed_ids is not None:
            allowed = self.mask_for(allowed_ids)
            keep = allowed if keep is None else (keep & allowed)
        if keep is None:
            rows = None
            scores = self._vecs[:n] @ q
        else:
            rows = np.flatnonzero(keep)
            if rows.size == 0:
                return []
            # Score only the allowed rows (gathering them is cheaper than scoring all when the
            # filter is selective, and a filtered-out row cannot reach the ranking at all).
            scores = self._vecs[rows] @ q if rows.size < n // 2 else (self._vecs[:n] @ q)[rows]
        m = scores.shape[0]
        kk = min(k, m)
        top = np.argpartition(-scores, kk - 1)[:kk] if kk < m else np.arange(m)
        top = top[np.argsort(-scores[top], kind="stable")]
        if rows is not None:
            return [(self._ids[int(rows[t])], float(scores[t])) for t in top]
        return [(self._ids[int(t)], float(scores[t])) for t in top]

    # ----------------------------------------------------------------- persistence
    def save(self, path: str | os.PathLike[str]) -> tuple[Path, Path]:
        """Write ``<path>.npy`` (the vectors) then ``<path>.json`` (ids, model, dim, row count),
        each atomically. :meth:`load` checks that they agree."""
        npy, meta = _paths(path)
        n = len(self._ids)
        vecs = np.ascontiguousarray(self._vecs[:n])
        _atomic_write(npy, lambda fh: np.save(fh, vecs, allow_pickle=False))
        doc = {"format": FORMAT, "model": self.model, "dim": self.dim, "count": n, "ids": self._ids}
        _atomic_write(meta, lambda fh: fh.write(json.dumps(doc, ensure_ascii=False).encode("utf-8")))
        return npy, meta

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, expect_model: str | None = None) -> VectorStore:
        """Read a store written by :meth:`save`. Raises ``FileNotFoundError`` when absent and
        ``ValueError`` when the pair is inconsistent or was made by another model."""
        npy, meta = _paths(path)
        doc = json.loads(meta.read_text(encoding="utf-8"))
        if doc.get("format") != FORMAT:
            raise ValueError(f"{meta}: unknown vector store format {doc.get('format')!r}")
        if expect_model is not None and doc.get("model") != expect_model:
            raise ValueError(f"{meta}: vectors made by {doc.get('model')!r}, not {expect_model!r}")
        vecs = np.load(npy, allow_pickle=False)
        ids = [tuple(i) if isinstance(i, list) else i for i in doc["ids"]]
        if vecs.ndim != 2 or vecs.shape != (doc["count"], doc["dim"]) or len(ids) != doc["count"]:
            raise ValueError(f"{npy}: {vecs.shape} does not match {meta} ({doc['count']} × {doc['dim']})")
        store = cls(dim=int(doc["dim"]), model=str(doc.get("model", "")))
        store._vecs = np.ascontiguousarray(vecs, dtype=np.float32)
        store._cap = len(ids)
        store._ids = ids
        store._index = {i: r for r, i in enumerate(ids)}
        if len(store._index) != len(ids):
            raise ValueError(f"{meta}: duplicate ids")
        return store
