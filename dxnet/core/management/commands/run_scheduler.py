"""``manage.py run_scheduler``: puts the daily jobs on the worker's queue — the reminders, then
the e-mail digests — once a day from ``DXNET_DAILY_AT`` (local time, default 07:00). A small cron
for machines without one (``make run`` starts it); with cron, run ``send_reminders --enqueue``
and ``send_digests --enqueue`` instead. Both jobs are idempotent, so a restart that queues them
again sends nothing twice."""

from __future__ import annotations

import datetime as dt
import os
import time
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone


def daily_at() -> dt.time:
    return dt.time.fromisoformat(os.environ.get("DXNET_DAILY_AT", "07:00"))


def enqueue_daily_jobs(day: dt.date) -> list[str]:
    from dxnet.notifications.digests import send_digests
    from dxnet.plans.urging import send_reminders

    # Reminders first: the digest then carries what they created.
    return [send_reminders.enqueue(day.isoformat()).id, send_digests.enqueue(day.isoformat()).id]


class Command(BaseCommand):
    help = "Queue the daily reminders and digests once a day (a small cron for the worker)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="queue today's jobs now and exit")

    def handle(self, *args: Any, once: bool = False, **options: Any) -> None:
        if once:
            self.stdout.write(f"queued {enqueue_daily_jobs(timezone.localdate())}")
            return
        last: dt.date | None = None
        while True:
            now = timezone.localtime()
            if now.time() >= daily_at() and last != now.date():
                ids = enqueue_daily_jobs(now.date())
                last = now.date()
                self.stdout.write(f"{now:%Y-%m-%d %H:%M} queued the daily jobs {ids}")
                self.stdout.flush()
            time.sleep(30)
