"""A document queued for indexing is indexed by a real ``db_worker`` process; this process then
finds it (it reloads the snapshot the worker published) and the worker's progress is stored."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction

from dxnet.assistant import indexing, retrieval
from dxnet.assistant.models import IndexJob, IndexState, Passage
from dxnet.assistant.tests.chatkit import DECREE, make_document


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return (f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}"
            f"/{db['NAME']}")


# The worker reads the test database from another process: the data must be committed (a
# transactional test, which flushes the database afterwards, so it runs last).
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_db_worker_indexes_a_queued_document(cast: Any, settings: Any, tmp_path: Path) -> None:
    from conftest import load_fixtures

    load_fixtures(legacy=False)  # an earlier flushing test may have emptied the database
    settings.DXNET_ASSISTANT_DIR = tmp_path / "assistant"
    retrieval.forget()
    phrase = "hội đồng sáng kiến cấp tỉnh"
    with transaction.atomic():
        doc = make_document("nd-sang-kien-worker", DECREE, audience="66")
        job = indexing.document_changed(document_id=doc.pk, actor=cast.user("snv.daklak"))
    assert retrieval.search(actor=cast.user("xa.eakar"), query=phrase) == []  # nothing indexed yet

    env = {**os.environ, "DXNET_DATABASE_URL": _database_url(), "DXNET_TESTING": "1", "DXNET_VAR_DIR": str(tmp_path),
           "DXNET_ASSISTANT_DIR": str(settings.DXNET_ASSISTANT_DIR),
           "DXNET_EMBED_CACHE": str(settings.DXNET_EMBED_CACHE)}
    root = Path(__file__).resolve().parents[3]
    run = subprocess.run([sys.executable, "manage.py", "db_worker", "--batch", "--queue-name", "*"], cwd=root,
                         env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]

    job.refresh_from_db()
    assert job.status == IndexJob.Status.DONE, (job.error, run.stderr[-3000:])
    n = Passage.objects.filter(document=doc).count()
    from rag.hybrid import sentence_texts

    passages = Passage.objects.filter(document=doc)
    sentences = {t for p in passages for t in sentence_texts(p.heading, p.display or p.text)}
    assert n >= 2 and (job.done, job.total) == (n + len(sentences), n + len(sentences))  # sentences counted too
    state = IndexState.objects.get()
    assert (state.generation, state.passages, state.documents) == (1, n, 1)
    assert (Path(settings.DXNET_ASSISTANT_DIR) / state.build_id / "rows.json").is_file()

    hits = retrieval.search(actor=cast.user("xa.eakar"), query=phrase, k=3)
    assert hits and hits[0].passage.document == doc
    assert phrase in hits[0].passage.text.lower()
    assert retrieval.search(actor=cast.user("px.hoankiem"), query=phrase) == []  # audience 66 only
