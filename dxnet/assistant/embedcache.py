"""The embedding cache: passage vectors kept on disk by the hash of what was embedded.

A passage's ``content_hash`` is ``sha256(MODEL_NAME + "\\n" + index_text)``, so the same text
embedded by the same model always has the same key: re-indexing an unchanged document, rebuilding
everything or restarting a process never embeds it again. Every process (web, worker, tests,
``assistant_reindex``) shares the directory ``settings.DXNET_EMBED_CACHE``.

Layout: the directory holds *shards*, each a :class:`rag.vectors.VectorStore` pair
(``shard-<id>.npy`` + ``shard-<id>.json``, ids = hashes, made by ``MODEL_NAME``). New vectors
are written as a new small shard (a batch never rewrites what is already cached); when there
are many shards the smaller ones are merged into one. Writers and the merge take an exclusive
``fcntl.flock`` on ``.lock``, readers a shared one, so a reader never sees a half-merged cache.
A shard made by another model is ignored (and its vectors are embedded again).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
from django.conf import settings

from rag.embed import MODEL_NAME
from rag.vectors import VectorStore

logger = logging.getLogger(__name__)

DIM = 384
MERGE_ABOVE = 32  # shards; more are merged into one by the next writer


def content_hash(index_text: str) -> str:
    """The cache key of a passage: its embedded text and the model that embeds it."""
    return hashlib.sha256(f"{MODEL_NAME}\n{index_text}".encode()).hexdigest()


def sentence_hash(text: str) -> str:
    """The cache key of a passage's sentence (``rag.hybrid.sentence_texts``), distinct from any
    passage's key even for the same text."""
    return hashlib.sha256(f"{MODEL_NAME}\nsentence:{text}".encode()).hexdigest()


def _directory() -> Path:
    return Path(settings.DXNET_EMBED_CACHE)


@contextlib.contextmanager
def _locked(directory: Path, exclusive: bool) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _shards(directory: Path) -> list[str]:
    if not directory.is_dir():
        return []
    return sorted(p.name[: -len(".json")] for p in directory.glob("shard-*.json"))


class EmbedCache:
    """Hash → unit vector, loaded lazily from the shards of one directory (thread-safe)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._vectors: dict[str, np.ndarray] = {}
        self._loaded: set[str] = set()
        self._lock = threading.Lock()

    def _refresh(self) -> None:
        """Read the shards written since the last look (by this or any other process)."""
        names = _shards(self.directory)
        if all(n in self._loaded for n in names):
            return
        with _locked(self.directory, exclusive=False):
            for name in _shards(self.directory):
                if name in self._loaded:
                    continue
                try:
                    store = VectorStore.load(self.directory / name, expect_model=MODEL_NAME)
                except FileNotFoundError:  # merged away meanwhile: its vectors are in the new shard
                    continue
                except ValueError as exc:  # another model or a damaged pair: embed again
                    logger.warning("embedding cache: %s ignored (%s)", name, exc)
                    self._loaded.add(name)
                    continue
                matrix = store.matrix
                for row, key in enumerate(store.ids):
                    self._vectors[str(key)] = matrix[row]
                self._loaded.add(name)

    def get_many(self, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """The cached vectors among ``hashes``."""
        with self._lock:
            self._refresh()
            return {h: self._vectors[h] for h in hashes if h in self._vectors}

    def missing(self, hashes: Sequence[str]) -> list[str]:
        """The distinct hashes of ``hashes`` that are not cached yet, in first-seen order."""
        with self._lock:
            self._refresh()
            return [h for h in dict.fromkeys(hashes) if h not in self._vectors]

    def put(self, hashes: Sequence[str], vectors: np.ndarray) -> None:
        """Store vectors (one new shard on disk), visible at once to every process."""
        if not len(hashes):
            return
        store = VectorStore(dim=DIM, model=MODEL_NAME)
        store.add(list(hashes), vectors)
        name = f"shard-{uuid.uuid4().hex}"
        with self._lock, _locked(self.directory, exclusive=True):
            store.save(self.directory / name)
            self._loaded.add(name)
            matrix = store.matrix
            for row, key in enumerate(store.ids):
                self._vectors[str(key)] = matrix[row]
            if len(_shards(self.directory)) > MERGE_ABOVE:
                self._merge()

    def _merge(self) -> None:
        """Rewrite the smaller half of the shards as one (the caller holds the exclusive lock):
        big shards are not rewritten again and again while a large corpus is embedded."""
        def size(name: str) -> int:
            try:
                return (self.directory / f"{name}.npy").stat().st_size
            except FileNotFoundError:
                return 0

        names = sorted(_shards(self.directory), key=size)[: max(2, MERGE_ABOVE // 2)]
        merged = VectorStore(dim=DIM, model=MODEL_NAME)
        for name in names:
            try:
                store = VectorStore.load(self.directory / name, expect_model=MODEL_NAME)
            except (FileNotFoundError, ValueError):
                continue
            merged.add(store.ids, store.matrix)
        target = f"shard-{uuid.uuid4().hex}"
        merged.save(self.directory / target)
        for name in names:
            for suffix in (".json", ".npy"):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.directory / f"{name}{suffix}")
        self._loaded.add(target)

    def __len__(self) -> int:
        with self._lock:
            self._refresh()
            return len(self._vectors)


_caches: dict[Path, EmbedCache] = {}
_caches_lock = threading.Lock()


def get_cache() -> EmbedCache:
    """The process's cache for ``settings.DXNET_EMBED_CACHE`` (one per directory)."""
    directory = _directory()
    with _caches_lock:
        cache = _caches.get(directory)
        if cache is None:
            cache = _caches[directory] = EmbedCache(directory)
        return cache


def forget() -> None:
    """Drop the in-process copies (what a restart does); the files stay."""
    with _caches_lock:
        _caches.clear()


def ensure(hashes: Sequence[str], texts: Sequence[str], *, batch: int = 32,
           progress: Callable[[int], None] | None = None,
           embed: Callable[[list[str]], np.ndarray] | None = None) -> tuple[int, int]:
    """Embed and cache the texts whose hash is not cached yet, ``batch`` at a time.

    ``progress(n)`` is called after each batch with the number of passages just embedded.
    Returns ``(embedded, reused)`` counted in distinct hashes.
    """
    if len(hashes) != len(texts):
        raise ValueError("one hash per text")
    cache = get_cache()
    text_of = dict(zip(hashes, texts, strict=True))
    todo = cache.missing(hashes)
    reused = len(text_of) - len(todo)
    if todo and embed is None:
        from rag.embed import get_embedder

        embed = get_embedder().embed_passages
    for i in range(0, len(todo), batch):
        keys = todo[i : i + batch]
        vectors = np.asarray(embed([text_of[h] for h in keys]), dtype=np.float32)  # type: ignore[misc]
        cache.put(keys, vectors)
        if progress:
            progress(len(keys))
    return len(todo), reused
