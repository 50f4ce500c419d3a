#!/usr/bin/env python
"""Import throughput with validation: DHIS2 JSON, Excel and CSV, ~50,000 values each.

    DXNET_DEBUG=1 .venv/bin/python bench/import_throughput.py [--communes 3321] [--months 3] [--profile]
    DXNET_DATABASE_URL=postgres://… DXNET_DEBUG=1 .venv/bin/python bench/import_throughput.py

Runs in a throwaway database of its own (PostgreSQL: ``<name>_bench_import`` on the same server;
SQLite: a file under a temporary directory, WAL like the product), loads the current units, and
imports 5 indicators × every current commune × 3 months through the product's path — reading the
file (``transfer.read_*``) and ``transfer.import_reading`` → ``services.values_write`` (every
check, the scope of a national supervisor, the live aggregates, the audit line) — for:

dhis2-create  a DHIS2 dataValueSets JSON body (bytes, as the API receives it), new values
dhis2-update  the same values changed (every value updated, aggregates corrected)
excel-create  the per-form template layout (.xlsx written by ``transfer.write_xlsx``), new months
csv-create    the same layout as CSV, new months

Values/s = values ÷ wall time of read + store. ``--profile dhis2-create`` (or another name) prints
the top of a cProfile of that import (where the time goes). The database is dropped at the end (``--keep`` keeps it).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--communes", type=int, default=0, help="limit the number of communes (0: all)")
    parser.add_argument("--months", type=int, default=3)
    parser.add_argument("--profile", choices=["dhis2-create", "dhis2-update", "excel-create"], default="",
                        help="print a cProfile of one import")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    args = parser.parse_args()

    os.environ.setdefault("DXNET_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dxnet.settings")
    import django
    from django.conf import settings

    django.setup()
    settings.DEBUG = False  # no query log
    from django.core.management import call_command
    from django.db import connection

    tmp = tempfile.mkdtemp(prefix="dxnet-bench-import-")
    if connection.vendor == "sqlite":
        connection.settings_dict.setdefault("TEST", {})["NAME"] = str(Path(tmp) / "bench.sqlite3")
    else:
        connection.settings_dict.setdefault("TEST", {})["NAME"] = f"{connection.settings_dict['NAME']}_bench_import"
    settings.MEDIA_ROOT = Path(tmp) / "media"
    started = time.perf_counter()
    original = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    if connection.vendor == "sqlite":
        with connection.cursor() as c:
            c.execute("PRAGMA journal_mode=WAL")
            c.execute("PRAGMA synchronous=NORMAL")
    try:
        call_command("load_units", verbosity=0)
        print(f"database {connection.settings_dict['NAME']} ({connection.vendor}) ready in "
              f"{time.perf_counter() - started:.0f} s", flush=True)
        run(args)
    finally:
        if not args.keep:
            connection.creation.destroy_test_db(original, verbosity=0)


def run(args: argparse.Namespace) -> None:
    import datetime as dt

    from django.db import connection

    from dxnet.indicators import transfer
    from dxnet.indicators.models import Aggregation, FormAssignment, FormIndicator, ReportForm
    from dxnet.indicators.periods import Period, PeriodType
    from dxnet.indicators.tests.factories import indicator
    from dxnet.network import services as network
    from dxnet.network.models import Unit

    vn = Unit.objects.get(code="VN")
    user = network.person_create(actor=None, username="bench.national", unit=vn, full_name="Bench National")
    network.role_assign(actor=None, user=user, unit=vn, role="supervisor", starts_on=dt.date(2020, 1, 1))
    specs = [("B-SUM", Aggregation.SUM, None), ("B-AVG", Aggregation.AVERAGE, None),
             ("B-PCT", Aggregation.AVERAGE, "percentage"), ("B-YES", Aggregation.COUNT_YES, None),
             ("B-LAST", Aggregation.LATEST, None)]
    form = ReportForm.objects.create(code="B-FORM", name="Bench", period_type="month", owner=vn)
    for order, (code, rule, vtype) in enumerate(specs):
        ind = indicator(code, rule, vtype, min_value=0)
        FormIndicator.objects.create(form=form, indicator=ind, order=order)
    FormAssignment.objects.create(form=form, unit=vn, unit_type="commune", valid_from=dt.date(2020, 1, 1))
    communes = list(Unit.objects.current().filter(unit_type="commune").order_by("path").values_list("code", "name"))
    if args.communes:
        communes = communes[: args.communes]
    form_specs = transfer.form_specs(form, 2025)

    def months(first: int) -> list[Period]:
        return [Period.of(PeriodType.MONTH, 2026, first + i) for i in range(args.months)]

    def value(code: str, i: int, p: Period, bump: int = 0) -> str:
        if code == "B-YES":
            return "true" if (i + p.start.month + bump) % 2 else "false"
        if code == "B-PCT":
            return str((i * 7 + p.start.month + bump) % 100)
        return str(i % 500 + p.start.month + bump)

    def dhis2_body(periods: list[Period], bump: int = 0) -> bytes:
        values = [{"dataElement": code, "period": p.dhis2, "orgUnit": ucode, "value": value(code, i, p, bump)}
                  for i, (ucode, _name) in enumerate(communes) for p in periods for code, _r, _t in specs]
        return json.dumps({"dataSet": "B-FORM", "dataValues": values}).encode()

    def table_rows(periods: list[Period]) -> list[list[object]]:
        rows = []
        for i, (ucode, name) in enumerate(communes):
            for p in periods:
                row: list[object] = [ucode, name, p.dhis2]
                for code, _r, _t in specs:
                    v = value(code, i, p)
                    row.append("có" if v == "true" else "không" if v == "false" else float(v))
                rows.append(row)
        return rows

    def measure(name: str, kind: str, content: bytes, profile: bool = False) -> None:
        profiler = cProfile.Profile() if profile else None
        t0 = time.perf_counter()
        if profiler:
            profiler.enable()
        if kind == "dhis2":
            # What POST /api/dataValueSets does with the body.
            payload = json.loads(content)
            codes = [dv["dataElement"] for dv in payload["dataValues"]]
            types = {c: s.period_type for c, s in transfer.indicator_specs(codes, 2026).items()}
            reading = transfer.read_dhis2(payload, period_types=types)
            fields = transfer.DHIS2_FIELDS
        else:
            reading, fields = transfer.read_file(kind, content, form=form, year=2026)
        t_read = time.perf_counter() - t0
        outcome = transfer.import_reading(actor=user, reading=reading, source=kind, fields=fields)
        elapsed = time.perf_counter() - t0
        if profiler:
            profiler.disable()
        assert outcome.ok, outcome.problems[:5]
        n = len(reading.rows)
        print(f"{name:14s} {n:7d} values  read {t_read:6.2f} s  total {elapsed:6.2f} s  "
              f"{n / elapsed:9,.0f} values/s  (created {outcome.created}, updated {outcome.updated})", flush=True)
        if profiler:
            stats = pstats.Stats(profiler)
            stats.sort_stats("cumulative").print_stats(25)
            stats.sort_stats("tottime").print_stats(15)

    print(f"{len(communes)} communes × {len(specs)} indicators × {args.months} months "
          f"= {len(communes) * len(specs) * args.months} values per import; {connection.vendor}", flush=True)
    measure("dhis2-create", "dhis2", dhis2_body(months(1)), profile=args.profile == "dhis2-create")
    measure("dhis2-update", "dhis2", dhis2_body(months(1), bump=1), profile=args.profile == "dhis2-update")
    t0 = time.perf_counter()
    workbook = transfer.write_xlsx(specs=form_specs, rows=table_rows(months(4)), form_code=form.code,
                                   form_name=form.name, period_text="", unit_text="", template=True)
    print(f"(xlsx of {len(workbook) / 1e6:.1f} MB written in {time.perf_counter() - t0:.1f} s)", flush=True)
    measure("excel-create", "excel", workbook, profile=args.profile == "excel-create")
    measure("csv-create", "csv", transfer.write_csv(specs=form_specs, rows=table_rows(months(7))))


if __name__ == "__main__":
    main()
