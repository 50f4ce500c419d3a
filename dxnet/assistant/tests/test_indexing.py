"""Indexing: passages with exact offsets, the embedding cache (nothing embedded twice, across a
restart too), jobs queued on commit, withdrawal, failures that keep the previous index served,
the reindex command and the index page."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.management import call_command
from django.urls import reverse

from dxnet.assistant import embedcache, indexing, retrieval
from dxnet.assistant.models import IndexJob, IndexState, Passage
from dxnet.documents.models import Document, DocumentKind
from rag.embed import Embedder
from rag.hybrid import HybridIndex

from .chatkit import DECREE, make_document


def index_now(document: Document) -> IndexJob:
    """What the worker does for a changed document, run here."""
    job = indexing.document_changed(document_id=document.pk)
    indexing.run_job(job.pk)
    job.refresh_from_db()
    return job


class Counting:
    """Counts the texts (passages and their sentences) the real embedder is asked to embed (it
    still embeds them)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.passages = 0
        original = Embedder.embed_passages
        counter = self

        def embed_passages(self: Embedder, texts: Any) -> Any:
            items = [texts] if isinstance(texts, str) else list(texts)
            counter.passages += len(items)
            return original(self, items)

        monkeypatch.setattr(Embedder, "embed_passages", embed_passages)


@pytest.fixture(autouse=True)
def own_dirs(settings: Any, tmp_path: Path) -> None:
    # Each test gets its own snapshot directory; the embedding cache stays shared (same text,
    # same vector) except where a test needs an empty one.
    settings.DXNET_ASSISTANT_DIR = tmp_path / "assistant"
    retrieval.forget()


@pytest.fixture
def empty_cache(settings: Any, tmp_path: Path) -> Path:
    settings.DXNET_EMBED_CACHE = tmp_path / "embeddings"
    embedcache.forget()
    yield settings.DXNET_EMBED_CACHE
    embedcache.forget()


def test_passages_cover_the_text_with_exact_offsets(db: Any) -> None:
    doc = make_document("nd-sang-kien", DECREE, kind=DocumentKind.DECREE)
    job = index_now(doc)
    assert job.status == IndexJob.Status.DONE, job.error
    passages = list(Passage.objects.filter(document=doc))
    assert len(passages) >= 2
    for p in passages:
        assert doc.text[p.start:p.end] == p.text
        assert p.lang == "vi"
        assert len(p.content_hash) == 64
    assert "Chương II › Điều 5" in [p.heading for p in passages]
    assert [p.ordinal for p in passages] == list(range(len(passages)))
    state = IndexState.objects.get()
    assert (state.generation, state.passages, state.documents) == (1, len(passages), 1)
    index = HybridIndex.load(Path(indexing.settings.DXNET_ASSISTANT_DIR) / state.build_id)
    assert sorted(index.chunk_ids) == sorted(str(p.pk) for p in passages)
    assert set(index.doc_ids.tolist()) == {doc.pk}


def test_the_snapshot_holds_each_passages_sentence_vectors(db: Any) -> None:
    from rag.hybrid import sentence_texts

    doc = make_document("nd-sang-kien", DECREE)
    index_now(doc)
    directory = Path(indexing.settings.DXNET_ASSISTANT_DIR) / IndexState.objects.get().build_id
    index = HybridIndex.load(directory)
    assert index.has_sentences and isinstance(index.sentence_vectors, np.memmap)
    cache = embedcache.get_cache()
    for p in Passage.objects.filter(document=doc):
        row = index.row_of(str(p.pk))
        texts = sentence_texts(p.heading, p.display or p.text)
        a, b = index.sentence_offsets[row], index.sentence_offsets[row + 1]
        assert b - a == len(texts)
        wanted = cache.get_many([embedcache.sentence_hash(t) for t in texts])
        for i, t in enumerate(texts):
            assert np.array_equal(index.sentence_vectors[a + i], wanted[embedcache.sentence_hash(t)])
    assert index.sentence_offsets[-1] > 0
    # a snapshot written before sentence vectors existed still serves (without reranking)
    for name in ("sentences.npy", "sentence_offsets.npy"):
        (directory / name).unlink()
    retrieval.forget()
    hits = retrieval.search(actor=None, query="hội đồng sáng kiến cấp tỉnh", k=3)
    assert hits and "Hội đồng sáng kiến cấp tỉnh" in hits[0].passage.text
    assert not retrieval.current_index().has_sentences


def test_unchanged_document_embeds_nothing_the_second_time(db: Any, empty_cache: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    counting = Counting(monkeypatch)
    doc = make_document("nd-sang-kien", DECREE)
    first = indexing.run_job(indexing.document_changed(document_id=doc.pk).pk)
    n = Passage.objects.filter(document=doc).count()
    assert (first.status, first.embedded, first.reused) == ("done", n, 0)
    s = first.sentences_embedded  # the reranker's sentence vectors
    assert first.sentences_reused == 0 and s >= n - 2  # a heading-only passage has no sentence
    assert counting.passages == n + s
    job = IndexJob.objects.order_by("-pk").first()
    assert job.done == job.total == n + s  # the progress counts the sentences too
    pks = sorted(Passage.objects.filter(document=doc).values_list("pk", flat=True))

    second = indexing.run_job(indexing.document_changed(document_id=doc.pk).pk)
    assert (second.status, second.embedded, second.reused) == ("done", 0, n)
    assert (second.sentences_embedded, second.sentences_reused) == (0, s)
    assert counting.passages == n + s  # not one more
    assert sorted(Passage.objects.filter(document=doc).values_list("pk", flat=True)) == pks  # kept as they were
    assert IndexState.objects.get().generation == 2

    # a changed paragraph: only its passage is embedded
    doc.text = DECREE.replace("từ năm đến chín", "từ bảy đến mười một")
    doc.save()
    third = indexing.run_job(indexing.document_changed(document_id=doc.pk).pk)
    assert (third.embedded, third.reused) == (1, n - 1)
    assert (third.sentences_embedded, third.sentences_reused) == (1, s - 1)
    assert counting.passages == n + s + 2


def test_a_cleared_cache_is_filled_again_by_the_next_job(db: Any, empty_cache: Path) -> None:
    import shutil

    first = make_document("nd-sang-kien", DECREE)
    index_now(first)
    n = Passage.objects.count()
    shutil.rmtree(empty_cache)
    embedcache.forget()
    second = make_document("tin-moi", "Xã Ea Kar khai trương điểm phục vụ hành chính công thông minh.")
    outcome = indexing.run_job(indexing.document_changed(document_id=second.pk).pk)
    assert (outcome.status, outcome.embedded, outcome.reused) == ("done", n + 1, 0)
    from rag.hybrid import sentence_texts

    every = {t for p in Passage.objects.all() for t in sentence_texts(p.heading, p.display or p.text)}
    assert (outcome.sentences_embedded, outcome.sentences_reused) == (len(every), 0)  # the first's were lost too
    assert len(embedcache.get_cache()) == n + 1 + outcome.sentences_embedded
    assert retrieval.search(actor=None, query="hội đồng sáng kiến", mode="dense", k=1)[0].passage.document == first


def test_a_restart_loads_the_snapshot_and_embeds_no_passage(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = make_document("nd-sang-kien", DECREE)
    index_now(doc)
    assert retrieval.search(actor=None, query="hội đồng sáng kiến cấp tỉnh", mode="bm25")
    # a new process: nothing held in memory
    retrieval.forget()
    embedcache.forget()
    counting = Counting(monkeypatch)
    hits = retrieval.search(actor=None, query="hội đồng sáng kiến cấp tỉnh", mode="hybrid", k=3)
    assert hits and hits[0].passage.document == doc
    assert "Hội đồng sáng kiến cấp tỉnh" in hits[0].passage.text
    assert counting.passages == 0
    # and a rebuild after the restart reuses every vector
    outcome = indexing.run_job(indexing.rebuild(queue=True).pk)
    assert outcome.embedded == 0 and outcome.reused == Passage.objects.count()
    assert counting.passages == 0


def test_document_changed_queues_the_task_on_commit(db: Any, cast: Any,
                                                     django_capture_on_commit_callbacks: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    doc = make_document("nd-sang-kien", DECREE)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = indexing.document_changed(document_id=doc.pk, actor=cast.user("admin"))
        assert not DBTaskResult.objects.exists()  # nothing before the commit
    assert len(callbacks) == 1
    assert (job.action, job.status, job.document, job.created_by) == (
        IndexJob.Action.INDEX, IndexJob.Status.QUEUED, doc, cast.user("admin"))
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "dxnet.assistant.tasks.run_index_job"
    assert queued.args_kwargs["args"] == [job.pk]


def test_a_finished_job_settles_the_jobs_queued_before_it(db: Any) -> None:
    a = make_document("nd-sang-kien", DECREE)
    b = make_document("tin-moi", "Xã Ea Kar khai trương điểm phục vụ hành chính công thông minh.")
    a_old, b_old = indexing.document_changed(document_id=a.pk), indexing.document_changed(document_id=b.pk)
    a_new = indexing.document_changed(document_id=a.pk)
    indexing.run_job(a_new.pk)
    a_old.refresh_from_db()
    b_old.refresh_from_db()
    assert a_old.status == IndexJob.Status.DONE  # a's text was read by the later job
    assert b_old.status == IndexJob.Status.QUEUED  # another document: still to do
    assert indexing.run_job(a_old.pk).status == IndexJob.Status.DONE and IndexState.objects.get().generation == 1
    rebuild = indexing.rebuild(queue=True)
    indexing.run_job(rebuild.pk)
    b_old.refresh_from_db()
    assert b_old.status == IndexJob.Status.DONE  # covered by the rebuild
    assert IndexState.objects.get().documents == 2


PROBE = """
import fcntl, sys
with open(sys.argv[1], "a+b") as fh:
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        sys.exit(3)
"""


def _lock_free() -> bool:
    """Could another process take the build lock now?"""
    import subprocess
    import sys

    lock = Path(indexing.settings.DXNET_ASSISTANT_DIR) / ".lock"
    run = subprocess.run([sys.executable, "-c", PROBE, str(lock)], timeout=60)
    assert run.returncode in (0, 3)
    return run.returncode == 0


def test_another_process_cannot_build_while_a_job_builds(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []
    original = indexing._publish

    def publish(*args: Any) -> None:
        seen.append(_lock_free())
        original(*args)

    monkeypatch.setattr(indexing, "_publish", publish)
    doc = make_document("nd-sang-kien", DECREE)
    assert index_now(doc).status == IndexJob.Status.DONE
    assert seen == [False]  # held during the build
    assert _lock_free()  # and released after it


def test_withdrawn_document_disappears_after_its_remove_job(db: Any) -> None:
    gone = make_document("nd-sang-kien", DECREE)
    kept = make_document("tin-chuyen-doi-so", "Tỉnh tổ chức ngày hội chuyển đổi số cho người dân ở các xã.")
    index_now(gone)
    index_now(kept)
    assert {r.passage.document_id for r in retrieval.search(actor=None, query="sáng kiến",
                                                            mode="bm25")} == {gone.pk}
    gone.status = Document.Status.WITHDRAWN
    gone.save()
    job = index_now(gone)
    assert (job.action, job.status) == (IndexJob.Action.REMOVE, IndexJob.Status.DONE)
    assert not Passage.objects.filter(document=gone).exists()
    assert IndexState.objects.get().documents == 1
    for mode in ("hybrid", "bm25", "dense"):
        hits = retrieval.search(actor=None, query="hội đồng sáng kiến cấp tỉnh", mode=mode, k=50)
        assert gone.pk not in {r.passage.document_id for r in hits}
    assert retrieval.search(actor=None, query="ngày hội chuyển đổi số", mode="bm25")[0].passage.document == kept


def test_deleted_document_is_removed(db: Any) -> None:
    doc = make_document("nd-sang-kien", DECREE)
    index_now(doc)
    pk = doc.pk
    doc.delete()
    job = indexing.document_changed(document_id=pk)
    assert job.action == IndexJob.Action.REMOVE
    indexing.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == IndexJob.Status.DONE
    assert IndexState.objects.get().passages == 0
    assert retrieval.search(actor=None, query="hội đồng sáng kiến", mode="bm25") == []


def test_a_failed_embedding_keeps_the_previous_index(db: Any, empty_cache: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    first = make_document("nd-sang-kien", DECREE)
    index_now(first)
    state = IndexState.objects.get()

    def broken(self: Embedder, texts: Any) -> Any:
        raise RuntimeError("the embedding model ran out of memory")

    monkeypatch.setattr(Embedder, "embed_passages", broken)
    second = make_document("tin-moi", "Xã Ea Kar khai trương điểm phục vụ hành chính công thông minh.")
    job = index_now(second)
    assert job.status == IndexJob.Status.FAILED
    assert "the embedding model ran out of memory" in job.error
    assert IndexState.objects.get().build_id == state.build_id
    assert not Passage.objects.filter(document=second).exists()
    hits = retrieval.search(actor=None, query="hội đồng sáng kiến", mode="bm25")
    assert hits and hits[0].passage.document == first


def test_a_failed_snapshot_write_rolls_the_passages_back(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    first = make_document("nd-sang-kien", DECREE)
    index_now(first)
    state = IndexState.objects.get()
    before = sorted(Passage.objects.values_list("pk", flat=True))

    def full_disk(self: HybridIndex, directory: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(HybridIndex, "save", full_disk)
    first.text = DECREE + "\nĐiều 9. Hiệu lực thi hành\nNghị định này có hiệu lực từ ngày ký.\n"
    first.save()
    job = index_now(first)
    assert job.status == IndexJob.Status.FAILED and "No space left on device" in job.error
    assert sorted(Passage.objects.values_list("pk", flat=True)) == before  # rolled back with the build
    assert IndexState.objects.get().build_id == state.build_id
    assert [p.name for p in Path(indexing.settings.DXNET_ASSISTANT_DIR).iterdir() if p.is_dir()] == [state.build_id]
    assert retrieval.search(actor=None, query="hội đồng sáng kiến", mode="bm25")[0].passage.document == first


def test_old_builds_are_pruned(db: Any) -> None:
    doc = make_document("nd-sang-kien", DECREE)
    builds = []
    for _ in range(3):
        index_now(doc)
        builds.append(IndexState.objects.get().build_id)
    on_disk = {p.name for p in Path(indexing.settings.DXNET_ASSISTANT_DIR).iterdir() if p.is_dir()}
    assert on_disk == set(builds[-2:])


def test_reindex_command_rebuilds_inline(db: Any) -> None:
    make_document("nd-sang-kien", DECREE, signed_on=dt.date(2025, 1, 2))
    make_document("bi-rut", DECREE.replace("sáng kiến", "đề xuất"), status=Document.Status.WITHDRAWN)
    out = StringIO()
    call_command("assistant_reindex", stdout=out)
    text = out.getvalue()
    assert "[1/1] nd-sang-kien:" in text
    n = Passage.objects.count()
    assert f"{n} passages from 1 documents" in text
    assert "reused from the cache" in text
    job = IndexJob.objects.get()
    assert (job.action, job.status) == ("rebuild", "done")
    assert job.done == job.total > n  # passages and their sentences

    out = StringIO()
    call_command("assistant_reindex", "--queue", stdout=out)
    assert IndexJob.objects.filter(status=IndexJob.Status.QUEUED, action="rebuild").count() == 1


def test_no_index_yet_finds_nothing(db: Any, cast: Any) -> None:
    make_document("nd-sang-kien", DECREE)
    assert retrieval.search(actor=cast.user("xa.eakar"), query="hội đồng sáng kiến") == []
    # a state naming files that are not there (a lost disk): nothing found, no error
    IndexState.objects.create(generation=1, build_id="0" * 32, passages=3, documents=1)
    assert retrieval.search(actor=cast.user("xa.eakar"), query="hội đồng sáng kiến") == []
    # the next job publishes a build again
    assert index_now(Document.objects.get()).status == IndexJob.Status.DONE
    assert IndexState.objects.get().generation == 2
    assert retrieval.search(actor=cast.user("xa.eakar"), query="hội đồng sáng kiến", mode="bm25")


# --- the index page -------------------------------------------------------------------------


def test_index_page_is_for_administrators(db: Any, cast: Any) -> None:
    url = reverse("assistant:index_status")
    for who in ("xa.eakar", "snv.daklak", "px.hoankiem"):
        assert cast.client(who).get(url).status_code == 404
        assert cast.client(who).post(reverse("assistant:index_rebuild")).status_code == 404
    assert cast.client(None).get(url).status_code == 302  # to the sign-in page
    from dxnet.network.models import RoleAssignment, Unit

    # an administrator of a province (or a commune) does not see the country's jobs
    RoleAssignment.objects.create(user=cast.user("snv.daklak"), unit=Unit.objects.get(code="66"), role="admin",
                                  starts_on=dt.date(2020, 1, 1))
    assert cast.client("snv.daklak").get(url).status_code == 404
    assert cast.client("snv.daklak").post(reverse("assistant:index_rebuild")).status_code == 404
    # a national administrator (admin on the root unit) who is not a superuser does
    RoleAssignment.objects.create(user=cast.user("px.hoankiem"), unit=Unit.objects.get(code="VN"),
                                  role="admin", starts_on=dt.date(2020, 1, 1))
    assert cast.client("px.hoankiem").get(url).status_code == 200
    page = cast.client("admin").get(url)
    assert page.status_code == 200
    assert b'data-testid="index-empty"' in page.content
    assert not IndexJob.objects.exists()


def test_index_page_shows_the_state_and_queues_a_rebuild(db: Any, cast: Any,
                                                         django_capture_on_commit_callbacks: Any) -> None:
    doc = make_document("nd-sang-kien", DECREE)
    index_now(doc)
    client = cast.client("admin")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("assistant:index_rebuild"))
    assert response.status_code == 302 and response["Location"] == reverse("assistant:index_status")
    assert len(callbacks) == 1
    job = IndexJob.objects.filter(action="rebuild").get()
    assert (job.status, job.created_by) == (IndexJob.Status.QUEUED, cast.user("admin"))
    page = client.get(reverse("assistant:index_status")).content.decode()
    assert f'data-testid="index-passages">{Passage.objects.count()}<' in page
    assert 'hx-trigger="every 2s"' in page  # polled while the rebuild waits
    partial = client.get(reverse("assistant:index_status"), headers={"HX-Request": "true"}).content.decode()
    assert partial.startswith('<div id="index-status"') and "<html" not in partial
    indexing.run_job(job.pk)
    page = client.get(reverse("assistant:index_status")).content.decode()
    assert 'hx-trigger="every 2s"' not in page
    assert page.count('data-testid="index-job"') == 2


def test_embedding_cache_shards_are_merged_and_shared(empty_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    monkeypatch.setattr(embedcache, "MERGE_ABOVE", 4)
    rng = np.random.default_rng(1)
    vectors = {f"h{i}": rng.normal(size=384).astype(np.float32) for i in range(12)}
    for i in range(0, 12, 2):  # six batches of two: six shards, merged past four
        embedcache.ensure([f"h{i}", f"h{i + 1}"], ["a", "b"], embed=lambda t, i=i: np.stack(
            [vectors[f"h{i}"], vectors[f"h{i + 1}"]]))
    assert len(list(empty_cache.glob("shard-*.json"))) <= 4
    embedcache.forget()  # another process reads them
    got = embedcache.get_cache().get_many(list(vectors))
    assert set(got) == set(vectors)
    for key, vec in vectors.items():
        assert np.allclose(got[key], vec / np.linalg.norm(vec), atol=1e-6)
    calls = []
    assert embedcache.ensure(["h3", "new"], ["x", "y"], embed=lambda t: calls.append(t) or rng.normal(
        size=(len(t), 384))) == (1, 1)
    assert calls == [["y"]]


def test_withdrawn_then_restored_before_the_worker_ran_stays_searchable(db: Any) -> None:
    doc = make_document("nd-sang-kien", DECREE)
    index_now(doc)
    doc.status = Document.Status.WITHDRAWN
    doc.save()
    remove = indexing.document_changed(document_id=doc.pk)
    doc.status = Document.Status.PUBLISHED
    doc.save()
    index = indexing.document_changed(document_id=doc.pk)
    assert (remove.action, index.action) == (IndexJob.Action.REMOVE, IndexJob.Action.INDEX)
    for job in (remove, index):  # the worker, in order
        indexing.run_job(job.pk)
    remove.refresh_from_db()
    index.refresh_from_db()
    assert (remove.status, index.status) == (IndexJob.Status.DONE, IndexJob.Status.DONE)
    assert Passage.objects.filter(document=doc).exists()
    hits = retrieval.search(actor=None, query="hội đồng sáng kiến cấp tỉnh", mode="bm25")
    assert hits and hits[0].passage.document_id == doc.pk


def test_a_job_superseded_while_it_waited_for_the_lock_does_not_run(db: Any,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    doc = make_document("nd-sang-kien", DECREE)
    job = indexing.document_changed(document_id=doc.pk)
    original = indexing.build_lock
    ran = []

    import contextlib

    @contextlib.contextmanager
    def lock() -> Any:
        with original():
            # while this job waited, another one finished and settled it
            IndexJob.objects.filter(pk=job.pk).update(status=IndexJob.Status.DONE)
            yield

    monkeypatch.setattr(indexing, "build_lock", lock)
    monkeypatch.setattr(indexing, "_run", lambda *a: ran.append(a))
    outcome = indexing.run_job(job.pk)
    assert outcome.status == IndexJob.Status.DONE and ran == []
    assert not IndexState.objects.exists()
