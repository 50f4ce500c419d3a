"""Indexing: documents → passages → vectors → the search snapshot the web processes serve.

The documents app calls :func:`document_changed` inside the transaction that adds, changes or
withdraws a document; it records an :class:`IndexJob` and, once the transaction commits, queues
``tasks.run_index_job`` for the worker (``manage.py db_worker``). :func:`rebuild` does the same
for every published document (``manage.py assistant_reindex`` runs it inline).

A job (:func:`run_job`) goes in three steps:

1. *Chunk* the job's documents (``rag.chunking.chunk``): exact offsets into ``document.text``,
   heading paths, a language per passage. Nothing is written yet.
2. *Embed* the passages whose ``content_hash`` is not in the embedding cache
   (:mod:`.embedcache`), and their sentences (``rag.hybrid.sentence_texts``, cached under
   ``embedcache.sentence_hash``) that the reranker reads, batch by batch; ``job.done``/``job.total``
   count both and are committed as it goes, so the index page's progress bar moves. Unchanged
   text is never embedded again.
3. *Publish*, in one database transaction: replace the documents' ``Passage`` rows, build a
   ``rag.hybrid.HybridIndex`` over every passage of every published document (chunk id =
   passage pk, doc id = document pk, text = the chunk's ``index_text``), write it to a temporary
   directory renamed to ``DXNET_ASSISTANT_DIR/<build_id>/``, and move the one ``IndexState``
   row to it (generation + 1). Web processes notice the new ``build_id`` on their next search.

Any failure marks the job FAILED with a readable error and rolls step 3 back: the passages and
the snapshot served stay those of the previous build. Two jobs never build at once: they take an
exclusive ``fcntl.flock`` on ``DXNET_ASSISTANT_DIR/.lock`` (the worker, the command and tests
may be different processes). Build directories older than the previous one are deleted.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dxnet.documents.models import Document
from rag.answer import detect_language
from rag.chunking import chunk
from rag.embed import MODEL_NAME
from rag.hybrid import HybridIndex, sentence_texts

from . import embedcache
from .models import IndexJob, IndexState, Passage

logger = logging.getLogger(__name__)

BATCH = 64  # passages per embedding call and progress update (bigger batches keep both cores busier)
_BUILD_NAME = re.compile(r"(?:\.tmp-)?[0-9a-f]{32}")  # what _prune may delete: builds and unfinished ones
_PASSAGE_FIELDS = ("ordinal", "heading", "start", "end", "text", "display", "lang", "content_hash")


# --- queueing ----------------------------------------------------------------------------


def document_changed(*, document_id: int, actor: Any = None) -> IndexJob:
    """Queue the (re)indexing of a document that was added or changed, or its removal when it
    was withdrawn or deleted. Call it inside the transaction that changed the document: the
    worker is told once that transaction commits."""
    document = Document.objects.filter(pk=document_id).only("pk", "status").first()
    published = document is not None and document.status == Document.Status.PUBLISHED
    job = IndexJob.objects.create(action=IndexJob.Action.INDEX if published else IndexJob.Action.REMOVE,
                                  document=document, created_by=_user(actor))
    _enqueue(job)
    return job


def rebuild(*, actor: Any = None, queue: bool = True,
            progress: Callable[[str], None] | None = None) -> IndexJob:
    """Re-chunk every published document and rebuild the snapshot: on the worker (``queue``)
    or here and now (then the finished job is returned, with its :class:`Outcome` as
    ``job.outcome``; ``progress`` gets a line per document)."""
    job = IndexJob.objects.create(action=IndexJob.Action.REBUILD, created_by=_user(actor))
    if queue:
        _enqueue(job)
        return job
    outcome = run_job(job.pk, progress=progress)
    job.refresh_from_db()
    job.outcome = outcome  # type: ignore[attr-defined]  # what the command prints
    return job


def _user(actor: Any) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _enqueue(job: IndexJob) -> None:
    from . import tasks

    transaction.on_commit(lambda: tasks.run_index_job.enqueue(job.pk))


# --- running a job -------------------------------------------------------------------------


@dataclass
class Outcome:
    """What a job did (printed by ``assistant_reindex``, returned by the task)."""

    status: str = ""
    documents: int = 0  # documents re-chunked by this job
    passages: int = 0  # passages in the snapshot
    indexed_documents: int = 0  # documents in the snapshot
    embedded: int = 0  # passages
    reused: int = 0
    sentences_embedded: int = 0  # the reranker's sentence vectors
    sentences_reused: int = 0
    seconds: float = 0.0
    build_id: str = ""
    error: str = ""
    changed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "changed"}


@dataclass
class _Chunked:
    document: Document
    rows: list[dict[str, Any]]  # Passage fields
    texts: list[str]  # index_text per row (what is embedded and searched)


@contextlib.contextmanager
def build_lock() -> Iterator[None]:
    """Held while a job builds: one builder at a time across processes."""
    directory = Path(settings.DXNET_ASSISTANT_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def run_job(job_id: int, *, progress: Callable[[str], None] | None = None) -> Outcome:
    """Run one queued job to the end (the worker's task, the command, tests). Never raises for
    a failed build: the job records the error and the previous snapshot stays served."""
    job = IndexJob.objects.select_related("document").get(pk=job_id)
    if job.status not in (IndexJob.Status.QUEUED, IndexJob.Status.RUNNING):
        return Outcome(status=job.status)
    began = time.monotonic()
    outcome = Outcome()
    with build_lock():
        # Another job may have superseded this one while it waited for the lock: read it again.
        job.status = IndexJob.objects.filter(pk=job.pk).values_list("status", flat=True).first() or ""
        if job.status not in (IndexJob.Status.QUEUED, IndexJob.Status.RUNNING):
            return Outcome(status=job.status)
        job.status, job.started_at, job.done, job.total, job.error = (
            IndexJob.Status.RUNNING, timezone.now(), 0, 0, "")
        job.save(update_fields=["status", "started_at", "done", "total", "error"])
        try:
            _run(job, outcome, progress)
        except Exception as exc:
            logger.exception("index job %s failed", job.pk)
            outcome.error = f"{type(exc).__name__}: {exc}"[:2000]
            job.status = IndexJob.Status.FAILED
            job.error = outcome.error
        else:
            job.status = IndexJob.Status.DONE
            job.done = job.total
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "done", "finished_at"])
        if job.status == IndexJob.Status.DONE:
            _supersede(job)
    outcome.status = job.status
    outcome.seconds = time.monotonic() - began
    return outcome


def _supersede(job: IndexJob) -> None:
    """Jobs still queued from before this one started are done: it read their documents as
    they are now (a rebuild covers every document). Their queued tasks then find nothing to do."""
    earlier = IndexJob.objects.filter(status=IndexJob.Status.QUEUED, created_at__lte=job.started_at)
    if job.action != IndexJob.Action.REBUILD:
        if job.document_id is None:
            return
        earlier = earlier.filter(document_id=job.document_id).exclude(action=IndexJob.Action.REBUILD)
    earlier.update(status=IndexJob.Status.DONE, started_at=job.started_at, finished_at=job.finished_at)


def _run(job: IndexJob, outcome: Outcome, progress: Callable[[str], None] | None) -> None:
    # 1. chunk (reads only)
    if job.action == IndexJob.Action.REBUILD:
        documents = list(Document.objects.published().order_by("pk"))
        stale = list(Passage.objects.exclude(document__status=Document.Status.PUBLISHED)
                     .values_list("document_id", flat=True).distinct())
    elif job.document_id is None:  # a deleted document: its passages went with it
        documents, stale = [], []
    else:
        # The document as it is NOW decides, not the job's action: withdrawn then restored before
        # the worker ran, the REMOVE job indexes it (and supersedes the INDEX job queued after it).
        document = Document.objects.filter(pk=job.document_id).first()
        if document is None:
            documents, stale = [], []
        elif document.status == Document.Status.PUBLISHED:
            documents, stale = [document], []
        else:
            documents, stale = [], [document.pk]
    chunked = []
    for n, document in enumerate(documents, start=1):
        item = _chunk(document)
        chunked.append(item)
        if progress:
            progress(f"[{n}/{len(documents)}] {document.slug}: {len(item.rows)} passages")
    outcome.documents = len(chunked)

    # 2. embed what the cache lacks, for the job's documents and any published passage missing
    # from the cache (a cleared cache, another model)
    hashes = [r["content_hash"] for c in chunked for r in c.rows]
    texts = [t for c in chunked for t in c.texts]
    scope = {c.document.pk for c in chunked} | set(stale)
    cache = embedcache.get_cache()
    others = (Passage.objects.filter(document__status=Document.Status.PUBLISHED).exclude(document_id__in=scope))
    absent = set(cache.missing(list(others.values_list("content_hash", flat=True))))
    if absent:  # read the texts only of the passages whose vector is missing
        few = others.filter(content_hash__in=absent) if len(absent) <= 500 else others  # SQL parameter limits
        for h, heading, text, display in few.values_list("content_hash", "heading", "text", "display").iterator():
            if h in absent:
                hashes.append(h)
                texts.append(_index_text(heading, text, display))
                absent.discard(h)
    # sentences (the reranker's vectors): of the job's passages, and of any other published
    # passage whose sentences the cache lacks
    sentences: dict[str, str] = {}
    for c in chunked:
        for r in c.rows:
            sentences.update(_sentences(r["heading"], r["display"] or r["text"]))
    theirs: dict[str, str] = {}
    for heading, text, display in others.values_list("heading", "text", "display").iterator():
        theirs.update(_sentences(heading, display or text))
    for h in cache.missing(list(theirs)):  # one look-up for all
        sentences[h] = theirs[h]
    job.total = len(set(hashes)) + len(sentences)
    job.done = job.total - len(cache.missing(hashes)) - len(cache.missing(list(sentences)))
    job.save(update_fields=["total", "done"])

    def step(n: int) -> None:
        job.done += n
        job.save(update_fields=["done"])  # autocommit on the worker: the page's bar moves

    outcome.embedded, outcome.reused = embedcache.ensure(hashes, texts, batch=BATCH, progress=step)
    outcome.sentences_embedded, outcome.sentences_reused = embedcache.ensure(
        list(sentences), list(sentences.values()), batch=BATCH, progress=step)

    # 3. publish: passages and snapshot together, or neither
    _publish(chunked, stale, outcome)


def _sentences(heading: str, body: str) -> dict[str, str]:
    """Cache key → text of a passage's sentence vectors."""
    return {embedcache.sentence_hash(t): t for t in sentence_texts(heading, body)}


def _index_text(heading: str, text: str, display: str) -> str:
    body = display or text
    return f"{heading}\n{body}" if heading else body


def _chunk(document: Document) -> _Chunked:
    rows, texts = [], []
    for c in chunk(document.text or "", doc_id=document.slug):
        display = c.display if c.display != c.text else ""
        rows.append({
            "ordinal": c.ordinal, "heading": c.heading[:1000], "start": c.start, "end": c.end, "text": c.text,
            "display": display, "lang": (detect_language(c.text) or document.language)[:2],
            "content_hash": embedcache.content_hash(c.index_text),
        })
        texts.append(c.index_text)
    return _Chunked(document, rows, texts)


def _replace_passages(item: _Chunked) -> bool:
    """The document's passages become ``item.rows``; unchanged ones are kept (same pk)."""
    current = list(Passage.objects.filter(document=item.document).order_by("ordinal").values(*_PASSAGE_FIELDS))
    if current == item.rows:
        return False
    Passage.objects.filter(document=item.document).delete()
    Passage.objects.bulk_create([Passage(document=item.document, **row) for row in item.rows], batch_size=500)
    return True


def _publish(chunked: list[_Chunked], stale: list[int], outcome: Outcome) -> None:
    directory = Path(settings.DXNET_ASSISTANT_DIR)
    build_id = uuid.uuid4().hex
    tmp = directory / f".tmp-{build_id}"
    final = directory / build_id
    try:
        with transaction.atomic():
            for item in chunked:
                if _replace_passages(item):
                    outcome.changed.append(item.document.slug)
            if stale:
                Passage.objects.filter(document_id__in=stale).delete()
            rows = list(Passage.objects.filter(document__status=Document.Status.PUBLISHED)
                        .order_by("document_id", "ordinal")
                        .values_list("pk", "document_id", "heading", "text", "display", "content_hash",
                                     "document__title", "document__number"))
            vectors = np.zeros((len(rows), embedcache.DIM), dtype=np.float32)
            cached = embedcache.get_cache().get_many([r[5] for r in rows])
            for i, r in enumerate(rows):
                vec = cached.get(r[5])
                if vec is None:
                    raise RuntimeError(f"passage {r[0]} has no vector in the embedding cache")
                vectors[i] = vec
            texts = [_index_text(r[2], r[3], r[4]) for r in rows]
            sentences = _sentence_vectors(rows)
            # BM25 also sees the document's title and number (the vectors stay those of the texts)
            index = HybridIndex.build([str(r[0]) for r in rows], [r[1] for r in rows], texts, vectors,
                                      lexical_texts=[f"{r[6]} {r[7]}\n{t}" for r, t in zip(rows, texts, strict=True)],
                                      sentence_vectors=sentences)
            index.save(tmp)
            tmp.rename(final)
            state = IndexState.objects.select_for_update().order_by("pk").first() or IndexState()
            previous = state.build_id
            state.generation += 1
            state.build_id = build_id
            state.built_at = timezone.now()
            state.passages = len(rows)
            state.documents = len({r[1] for r in rows})
            state.model = MODEL_NAME
            state.save()
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(final, ignore_errors=True)
        raise
    outcome.build_id = build_id
    outcome.passages = state.passages
    outcome.indexed_documents = state.documents
    _prune(directory, keep={build_id, previous})


def _sentence_vectors(rows: list[tuple[Any, ...]]) -> list[np.ndarray]:
    """Per passage row (pk, document, heading, text, display, …), its sentences' cached vectors."""
    keys = [[embedcache.sentence_hash(t) for t in sentence_texts(r[2], r[4] or r[3])] for r in rows]
    cached = embedcache.get_cache().get_many([h for ks in keys for h in ks])
    out = []
    for r, ks in zip(rows, keys, strict=True):
        if any(h not in cached for h in ks):
            raise RuntimeError(f"passage {r[0]} has a sentence without a vector in the embedding cache")
        out.append(np.stack([cached[h] for h in ks]) if ks else np.zeros((0, embedcache.DIM), dtype=np.float32))
    return out


def _prune(directory: Path, keep: set[str]) -> None:
    """Delete build directories other than the current and the previous one (a web process
    that has not reloaded yet serves from memory, so the previous one is kept only for safety)."""
    for path in directory.iterdir():
        if path.is_dir() and path.name not in keep and _BUILD_NAME.fullmatch(path.name):
            shutil.rmtree(path, ignore_errors=True)


def current_state() -> IndexState | None:
    return IndexState.objects.order_by("pk").first()
