from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from dxnet.network.demo import CAST, DEMO_PASSWORD, load_cast
from dxnet.network.models import Unit


class Command(BaseCommand):
    help = "Load the demo: the real units (with the pre-2025 ones) and a cast of named users."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-legacy", action="store_true", help="Skip the units before 1 July 2025.")
        parser.add_argument("--print-logins", action="store_true", help="Only print the demo logins.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["print_logins"]:
            self.print_logins()
            return
        legacy = [] if options["no_legacy"] else ["--legacy"]
        call_command("load_units", *legacy, verbosity=options["verbosity"])
        load_cast()
        call_command("load_demo_reporting", verbosity=options["verbosity"])
        call_command("load_demo_plans", verbosity=options["verbosity"])
        call_command("load_demo_recommendations", verbosity=options["verbosity"])
        call_command("load_demo_documents", verbosity=options["verbosity"])
        self.stdout.write(self.style.SUCCESS(f"Demo loaded: {Unit.objects.count()} units."))
        self.print_logins()

    def print_logins(self) -> None:
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for m in CAST:
            roles = ", ".join(f"{role}@{code}" for role, code in m.roles)
            self.stdout.write(f"  {m.username:<16} {m.full_name:<20} {roles}")
