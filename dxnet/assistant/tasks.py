"""The assistant's background work on the task queue (``django.tasks``, database backend; a
``manage.py db_worker`` process runs it): indexing jobs queued by ``indexing.document_changed``
and ``indexing.rebuild``."""

from __future__ import annotations

from typing import Any

from django.tasks import task

from . import indexing


@task()
def run_index_job(job_id: int) -> dict[str, Any]:
    """Run one IndexJob; a failure is recorded on the job (the previous index stays served)."""
    return indexing.run_job(job_id).as_dict()
