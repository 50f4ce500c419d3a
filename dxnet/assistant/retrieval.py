"""Retrieval for a person: the one entry point that pages, the API and the evaluation use.

``search(actor=..., query=..., k=10, mode="hybrid", filters=None)`` returns the best passages of
the documents ``actor`` may read (``access.visible(actor, Document.objects.published())``;
``actor=None`` is the system and sees everything), narrowed by :class:`Filters` (types, issuer
without accents, signing dates, given documents). The allowed documents become a row mask
that ``rag.hybrid.HybridIndex.search`` applies to BM25 *and* to the dense vectors before either
ranks: a passage the asker may not read is never scored, fused, returned or cited, whatever
``k``. The passages are then loaded with their documents and any whose document is not allowed
is dropped once more (belt and braces: the snapshot may be a few seconds older than the database).

The snapshot (``DXNET_ASSISTANT_DIR/<build_id>/``, written by :mod:`.indexing`) is loaded once per
process and kept; every search reads ``IndexState.build_id`` (one small query) and reloads when
the worker has published a newer build. No snapshot yet: an empty list, never an error.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings

from dxnet.core import access
from dxnet.core.text import fold
from dxnet.documents.models import Document
from rag.answer import Hit
from rag.chunking import PATH_SEP, Chunk
from rag.hybrid import MODES, HybridIndex, Mode

from .models import IndexState, Passage

logger = logging.getLogger(__name__)

__all__ = ["Filters", "Retrieved", "search", "current_index", "forget", "allowed_documents", "Mode"]


@dataclass(frozen=True)
class Retrieved:
    passage: Passage  # with .document loaded
    score: float  # RRF in hybrid mode, BM25 or cosine otherwise
    bm25_rank: int | None
    dense_rank: int | None
    cosine: float | None

    def as_hit(self) -> Hit:
        p = self.passage
        chunk = Chunk(doc_id=p.document.slug, ordinal=p.ordinal,
                      heading_path=tuple(p.heading.split(PATH_SEP)) if p.heading else (),
                      start=p.start, end=p.end, text=p.text, display=p.display)
        return Hit(chunk, self.score)


@dataclass(frozen=True)
class Filters:
    kinds: tuple[str, ...] = ()  # DocumentKind values
    issuer: str = ""  # accent-insensitive substring of Document.issuer
    signed_from: date | None = None
    signed_to: date | None = None
    documents: tuple[int, ...] = ()  # restrict to these document ids


# --- the snapshot held by this process -------------------------------------------------------

_lock = threading.Lock()
# (directory, build_id) and the index loaded from it, replaced as one reference so that a thread
# reading it without the lock never pairs one build's key with another build's index.
_held: tuple[tuple[str, str], HybridIndex] | None = None


def forget() -> None:
    """Drop the in-process snapshot (what a restart does); the next search loads it again."""
    global _held
    with _lock:
        _held = None


def current_index() -> HybridIndex | None:
    """The current snapshot, loaded when the worker has published a new one; None before the
    first build (or when its files are missing: then the one held, if any, keeps serving)."""
    global _held
    build_id = IndexState.objects.order_by("pk").values_list("build_id", flat=True).first()
    if not build_id:
        return None
    key = (str(settings.DXNET_ASSISTANT_DIR), build_id)
    held = _held
    if held is not None and held[0] == key:
        return held[1]
    with _lock:
        held = _held
        if held is not None and held[0] == key:
            return held[1]
        try:
            index = HybridIndex.load(Path(key[0]) / build_id)
        except (OSError, ValueError, KeyError) as exc:
            logger.error("assistant index %s could not be loaded: %s", build_id, exc)
            return held[1] if held is not None and held[0][0] == key[0] else None
        _held = (key, index)
        return index


# --- who may read what -------------------------------------------------------------------------


def allowed_documents(actor: Any, filters: Filters | None = None) -> set[int]:
    """Ids of the published documents ``actor`` may read that match ``filters``."""
    qs = access.visible(actor, Document.objects.published()) if actor is not None else Document.objects.published()
    f = filters or Filters()
    if f.kinds:
        qs = qs.filter(kind__in=list(f.kinds))
    if f.signed_from:
        qs = qs.filter(signed_on__gte=f.signed_from)
    if f.signed_to:
        qs = qs.filter(signed_on__lte=f.signed_to)
    if f.documents:
        qs = qs.filter(pk__in=list(f.documents))
    if f.issuer.strip():
        # Accent folding is not something every database does; the documents are few.
        needle = fold(f.issuer.strip())
        return {pk for pk, issuer in qs.values_list("pk", "issuer") if needle in fold(issuer)}
    return set(qs.values_list("pk", flat=True))


# --- search ------------------------------------------------------------------------------------


def _embed_query(text: str) -> np.ndarray:
    from rag.embed import get_embedder

    return get_embedder().embed_queries([text])[0]


def search(*, actor: Any, query: str, k: int = 10, mode: Mode = "hybrid",
           filters: Filters | None = None) -> list[Retrieved]:
    """The ``k`` best passages for ``query`` among those ``actor`` may read, best first."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}")
    if not query.strip() or k <= 0:
        return []
    index = current_index()
    if index is None or len(index) == 0:
        return []
    allowed = allowed_documents(actor, filters)
    if not allowed:
        return []
    mask = index.mask(allowed)
    ranked = index.search(query, embed_query=_embed_query, k=k, mask=mask, mode=mode)
    passages = Passage.objects.select_related("document").in_bulk([int(r.chunk_id) for r in ranked])
    out: list[Retrieved] = []
    for r in ranked:
        p = passages.get(int(r.chunk_id))
        if p is None or p.document_id not in allowed or p.document.status != Document.Status.PUBLISHED:
            continue
        out.append(Retrieved(p, r.score, r.bm25_rank, r.dense_rank, r.cosine))
    return out
