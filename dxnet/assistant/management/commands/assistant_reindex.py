"""``manage.py assistant_reindex [--queue]``: rebuild the assistant's index from every published
document — here and now with a line per document, or queued for the worker."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from dxnet.assistant import indexing
from dxnet.assistant.models import IndexJob


class Command(BaseCommand):
    help = "Re-chunk every published document, embed what the cache lacks and publish a new index."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--queue", action="store_true", help="queue a rebuild for the worker instead")

    def handle(self, *args: Any, queue: bool = False, **options: Any) -> None:
        if queue:
            job = indexing.rebuild(queue=True)
            self.stdout.write(f"rebuild queued as index job {job.pk}; run `manage.py db_worker` to process it")
            return
        job = indexing.rebuild(queue=False, progress=self.stdout.write)
        outcome: indexing.Outcome = job.outcome  # type: ignore[attr-defined]
        if job.status != IndexJob.Status.DONE:
            raise CommandError(f"index job {job.pk} failed: {job.error}")
        self.stdout.write(self.style.SUCCESS(
            f"{outcome.passages} passages from {outcome.indexed_documents} documents; "
            f"{outcome.embedded} embedded, {outcome.reused} reused from the cache; "
            f"sentences {outcome.sentences_embedded} embedded, {outcome.sentences_reused} reused; "
            f"{outcome.seconds:.1f} s (build {outcome.build_id})"))
