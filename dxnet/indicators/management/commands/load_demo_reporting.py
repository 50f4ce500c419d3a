import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from dxnet.indicators import demo


class Command(BaseCommand):
    help = ("Load the demo reporting content: indicators (Decision 1690, Resolution 03 Annex I, online "
            "dossiers, reading culture), report forms and a survey, generated monthly reports of every "
            "commune, and targets. Needs the units and the cast (manage.py load_demo). A second run adds nothing.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--months", type=int, default=24,
                            help="Complete months of generated reports, up to last month (default 24).")
        parser.add_argument("--seed", type=int, default=1, help="Seed of the generated values (default 1).")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()

        def progress(line: str) -> None:
            if options["verbosity"] > 1:
                self.stdout.write(f"  {time.monotonic() - started:6.1f} s  {line}")

        try:
            result = demo.load(months=options["months"], seed=options["seed"], progress=progress)
        except (LookupError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        seconds = time.monotonic() - started
        if not result["created"]:
            self.stdout.write(_("Demo reporting content already loaded: nothing added."))
            return
        first, last = result["window"]
        generated = result["generated"]
        self.stdout.write(self.style.SUCCESS(
            _("Demo reporting content loaded in %(seconds).1f s: %(reports)d reports and %(values)d values "
              "(%(first)s–%(last)s).") % {
                "seconds": seconds, "reports": generated.get("reports", 0), "values": generated.get("values", 0),
                "first": first.label(), "last": last.label()}))
        if options["verbosity"] > 0:
            for name, n in sorted(result["created"].items()):
                self.stdout.write(f"  {name}: +{n}")
