from typing import Any

from django.core.management.base import BaseCommand

from dxnet.recommendations import demo


class Command(BaseCommand):
    help = ("Load the ministry's quarterly conference (67 connection points) and the provinces' "
            "recommendations with their deadlines and answers. Idempotent.")

    def handle(self, *args: Any, **options: Any) -> None:
        session = demo.load()
        self.stdout.write(self.style.SUCCESS(
            f"{session.title}: {session.attendance.count()} connection points, "
            f"{session.recommendations.count()} recommendations"))
