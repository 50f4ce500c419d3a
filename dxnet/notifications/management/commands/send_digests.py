"""``manage.py send_digests``: the daily e-mail digests (run it once a day, after
``send_reminders``; ``--enqueue`` puts it on the worker instead)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand

from dxnet.notifications import digests


class Command(BaseCommand):
    help = "Send today's notification digests (one e-mail per person at most, none when nothing waits)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--day", help="YYYY-MM-DD (default: today in Asia/Ho_Chi_Minh)")
        parser.add_argument("--enqueue", action="store_true", help="queue the run for the background worker")

    def handle(self, *args: Any, day: str | None = None, enqueue: bool = False, **options: Any) -> None:
        if enqueue:
            result = digests.send_digests.enqueue(day or "")
            self.stdout.write(f"queued {result.id}")
            return
        outcome = digests.digest_run(day=dt.date.fromisoformat(day) if day else None)
        self.stdout.write(f"digests sent: {outcome['sent']}, failed: {outcome['failed']}")
