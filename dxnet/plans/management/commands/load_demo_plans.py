"""``manage.py load_demo_plans``: the demo programmes (Đắk Lắk's Decree 73 plan, Resolution 03's
140 tasks, the culture ministry's emulation movement). Idempotent."""

from typing import Any

from django.core.management.base import BaseCommand

from dxnet.plans.demo import load_demo_plans


class Command(BaseCommand):
    help = "Load the demo plans (needs the units and the demo cast: run load_demo first)."

    def handle(self, *args: Any, **options: Any) -> None:
        for key, programme in load_demo_plans().items():
            if options["verbosity"]:
                self.stdout.write(f"{key}: {programme.code} — {programme.tasks.count()} tasks")
