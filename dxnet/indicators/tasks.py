"""Background imports on the task queue (``django.tasks`` with the database backend; a
``manage.py db_worker`` process runs them).

A large upload is stored in a ``TransferJob``; ``run_import`` reads it, counting the values read
in ``done`` (committed as it goes, so the page's progress bar moves), then stores everything in
one transaction through ``services.values_write`` — all or nothing — and records the counts or
every bad row.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dxnet.core import access, audit

from . import transfer
from .models import TransferJob

logger = logging.getLogger(__name__)

BACKGROUND_ABOVE = 2000  # values; smaller files are imported while the page waits

KINDS = {"excel": TransferJob.Kind.IMPORT_EXCEL, "csv": TransferJob.Kind.IMPORT_CSV,
         "dhis2": TransferJob.Kind.IMPORT_DHIS2}
READERS = {v: k for k, v in KINDS.items()}


def job_create(*, actor: Any, kind: str, form: Any, unit: Any, filename: str, content: bytes, total: int,
               language: str = "") -> TransferJob:
    """Queue an import of an uploaded file; the worker runs it. The file is kept with the job."""
    access.check(actor, "create", unit, TransferJob)
    with transaction.atomic():
        job = TransferJob(kind=KINDS[kind], unit=unit, form=form, created_by=actor, filename=filename[:255],
                          total=total, summary={"language": language})
        job.file.save(filename, ContentFile(content), save=False)
        job.save()
        audit.record(actor=actor, action="transfer.import.queue", obj=job, unit=unit,
                     after={"kind": job.kind, "filename": job.filename, "form": getattr(form, "code", "")})
        transaction.on_commit(lambda: run_import.enqueue(job.pk))
    return job


@task()
def run_import(job_id: int) -> dict[str, Any]:
    """Read and store one queued import. Never raises for bad input: the job records it."""
    job = TransferJob.objects.select_related("form", "unit", "created_by").get(pk=job_id)
    if job.status not in {TransferJob.Status.QUEUED, TransferJob.Status.RUNNING}:
        return {"status": job.status}
    with translation.override(job.summary.get("language") or None):
        job.status, job.done = TransferJob.Status.RUNNING, 0
        job.save(update_fields=["status", "done"])
        try:
            outcome = _run(job)
        except Exception:
            logger.exception("import job %s failed", job.pk)
            job.status = TransferJob.Status.FAILED
            job.errors = [transfer.Problem(_("the file"), "", _(
                "the import stopped on an unexpected error; nothing was stored. Try again, or tell the "
                "administrator")).as_dict()]
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "errors", "finished_at"])
            return {"status": job.status}
    job.status = TransferJob.Status.DONE if outcome.ok else TransferJob.Status.FAILED
    job.errors = [p.as_dict() for p in outcome.problems]
    job.summary = {**job.summary, **outcome.summary()}
    job.done = job.total
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "errors", "summary", "done", "finished_at"])
    return {"status": job.status, **outcome.summary(), "problems": len(outcome.problems)}


def _run(job: TransferJob) -> transfer.Outcome:
    if job.created_by is None:
        # Never run as the system (which may write anywhere) because the uploader is gone.
        return transfer.Outcome(ok=False, problems=[transfer.Problem(_("the file"), "", _(
            "the person who uploaded this file no longer has an account; nothing was stored"))])
    kind = READERS[job.kind]
    with job.file.open("rb") as f:
        content = f.read()
    year = timezone.localdate().year

    def progress(done: int) -> None:
        # Outside the storing transaction: committed at once, read by the page's poll.
        TransferJob.objects.filter(pk=job.pk).update(done=min(done, job.total))

    reading, fields = transfer.read_file(kind, content, form=job.form, year=year, progress=progress)
    job.total = max(len(reading.rows), 1)
    job.done = len(reading.rows)
    job.save(update_fields=["total", "done"])
    return transfer.import_reading(actor=job.created_by, reading=reading, source=kind, fields=fields)
