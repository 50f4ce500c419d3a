from typing import Any

from django.core.management.base import BaseCommand, CommandError

from dxnet.core import audit
from dxnet.core.models import AuditEntry


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; report the first broken link and exit 1 if any."

    def handle(self, *args: Any, **options: Any) -> None:
        broken = next(audit.verify(), None)
        if broken is not None:
            raise CommandError(f"Audit chain broken at entry {broken.seq}: {broken.reason}.")
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {AuditEntry.objects.count()} entries."))
