"""``manage.py send_reminders``: the daily reminder run (before, on and after each deadline,
escalated to the supervisors of late units). Idempotent: run it as often as you like, every
reminder is sent once. ``--enqueue`` puts the run on the worker (``manage.py db_worker``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand

from dxnet.plans import urging


class Command(BaseCommand):
    help = "Send the task and recommendation reminders due today (each one once)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--day", help="YYYY-MM-DD (default: today in Asia/Ho_Chi_Minh)")
        parser.add_argument("--enqueue", action="store_true", help="queue the run for the background worker")

    def handle(self, *args: Any, day: str | None = None, enqueue: bool = False, **options: Any) -> None:
        if enqueue:
            result = urging.send_reminders.enqueue(day or "")
            self.stdout.write(f"queued {result.id}")
            return
        outcome = urging.reminders_run(today=dt.date.fromisoformat(day) if day else None)
        self.stdout.write("reminders: {reminders}, escalations: {escalations}, notifications: {notifications}, "
                          "skipped: {skipped}".format(**outcome.as_dict()))
