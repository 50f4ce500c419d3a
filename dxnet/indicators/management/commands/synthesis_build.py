"""``manage.py synthesis_build --unit VN --form CODE --period 202606``: build one synthesis report
now, in this process (the same code the worker runs), and say how long each part took."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dxnet.indicators import synthesis as synth
from dxnet.indicators.models import ReportForm, Synthesis
from dxnet.indicators.periods import Period, PeriodError
from dxnet.network.models import Unit


class Command(BaseCommand):
    help = "Build the synthesis report (DOCX + XLSX) of a form and period for a unit's subtree, synchronously."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--unit", required=True, help="code of the unit whose subtree is synthesised, e.g. VN, 66")
        parser.add_argument("--form", required=True, help="code of the report form")
        parser.add_argument("--period", required=True, help="period in DHIS2 notation: 202606, 2026Q2, 2026")
        parser.add_argument("--user", default="", help="user name of the requester (heading, signature); "
                                                         "default: the system")
        parser.add_argument("--notes", default="", help="text of section V")
        parser.add_argument("--out", default="", help="also copy the two files to this folder")

    def handle(self, *args: Any, **options: Any) -> None:
        unit = Unit.objects.filter(code=options["unit"]).first()
        form = ReportForm.objects.filter(code=options["form"]).first()
        if unit is None:
            raise CommandError(f"unknown unit {options['unit']!r}")
        if form is None:
            raise CommandError(f"unknown report form {options['form']!r}")
        try:
            period = Period.parse(options["period"], form.ptype)
        except PeriodError as exc:
            raise CommandError(str(exc)) from None
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"unknown user {options['user']!r}")
        s = synth.synthesis_request(actor=actor, unit=unit, form=form, period=period, notes=options["notes"],
                                    enqueue=False)
        started = time.perf_counter()
        s.created_by = actor
        data = synth.collect(s)
        t_collect = time.perf_counter()
        docx = synth.render_docx(data)
        t_docx = time.perf_counter()
        xlsx = synth.render_xlsx(data)
        t_xlsx = time.perf_counter()
        # The stored row is built by the task itself, exactly as on the worker.
        synth.build_synthesis.call(s.pk)
        t_task = time.perf_counter()
        s.refresh_from_db()
        self.stdout.write(
            f"{unit.name}: {data.total.expected} units expected, {data.total.submitted} submitted, "
            f"{len(data.figures)} indicators, {len(data.children)} child units, {len(data.owing)} owing or late.")
        self.stdout.write(
            f"collect {t_collect - started:.2f} s · DOCX {t_docx - t_collect:.2f} s ({len(docx) // 1024} KiB) · "
            f"XLSX {t_xlsx - t_docx:.2f} s ({len(xlsx) // 1024} KiB) · whole task {t_task - t_xlsx:.2f} s")
        if s.status != Synthesis.Status.DONE:
            raise CommandError(f"synthesis #{s.pk} {s.status}: {s.error}")
        if options["out"]:
            out = Path(options["out"])
            out.mkdir(parents=True, exist_ok=True)
            for f in (s.docx, s.xlsx):
                with f.open("rb") as src, (out / Path(f.name).name).open("wb") as dst:
                    shutil.copyfileobj(src, dst)
        self.stdout.write(self.style.SUCCESS(f"Synthesis #{s.pk} done: {s.docx.name}, {s.xlsx.name}"))
