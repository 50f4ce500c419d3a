#!/usr/bin/env python
"""Load the benchmark data set into the PostgreSQL database of ``DXNET_DATABASE_URL``.

    DXNET_DATABASE_URL=postgres://… .venv/bin/python bench/generate.py --indicators 50 --months 60

Needs the current units (``manage.py load_units``). Creates, all with codes starting ``BENCH-``:

- ``--indicators`` monthly indicators, a mix of aggregation rules (sum, average, ratio of sums,
  share and count of "yes");
- one monthly report form holding the first 20 of them, assigned to every commune, and a
  ``Report`` per commune × month: most submitted or approved (some late), a few returned or
  draft, a few missing;
- a value per commune × indicator × month (and per province × indicator × month: provinces
  report their own figures too), loaded with PostgreSQL ``COPY``. The form's values follow
  their report: counted when it is submitted or approved, stored but not counted when it is a
  draft or returned, absent when the report is missing. The other indicators' values are
  counted and belong to no report (as imported ones do);
- the ``Aggregate`` rows, built by ONE set-based SQL statement.

The set-based build is the *initial load* of the benchmark only. The product never builds its
aggregates this way: it keeps them up to date on every write (``rollup.apply``, in the write's
transaction). The statement gives the same rows as ``rollup.apply``/``rollup.rebuild`` for values
of units in force today (each value adds to every proper ancestor of its unit: the prefixes of
its path, 7 digits per level); values of units no longer in force are attributed through the
lineage, which the statement does not do, so the script refuses to build when there are any.
Then the script checks, on a sample, that the rows equal a brute-force sum over the leaf values
and what ``rollup.apply`` writes for the same values, and that writes through
``services.values_write`` keep them equal (in transactions rolled back afterwards).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import Step, machine, setup  # noqa: E402

setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from dxnet.indicators import rollup, services  # noqa: E402
from dxnet.indicators.models import (  # noqa: E402
    Aggregate,
    DataValue,
    FormAssignment,
    FormIndicator,
    Indicator,
    Report,
    ReportForm,
)
from dxnet.indicators.periods import Period, PeriodType, span  # noqa: E402
from dxnet.network.models import SEGMENT, Unit, UnitType, subtree_bounds  # noqa: E402

PREFIX = "BENCH-"
FORM_CODE = "BENCH-MONTHLY"
FORM_SIZE = 20  # indicators on the monthly form: one report is 20 values

# (aggregation, value type) by indicator number modulo 10
KINDS = [
    ("sum", "number"), ("sum", "number"), ("average", "percentage"), ("ratio_of_sums", "ratio"),
    ("share_yes", "yes_no"), ("sum", "number"), ("average", "number"), ("ratio_of_sums", "ratio"),
    ("count_yes", "yes_no"), ("sum", "number"),
]
# Report states of a commune's monthly report, with their probabilities.
STATES = [("missing", 0.03), ("draft", 0.02), ("returned", 0.02), ("approved", 0.55), ("submitted", 0.38)]
ON_TIME = 0.85
VALUE_COLUMNS = ("indicator_id", "unit_id", "period", "value", "numerator", "denominator", "comment", "counted",
                 "report_id", "updated_at")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--indicators", type=int, default=50)
    parser.add_argument("--months", type=int, default=60)
    parser.add_argument("--communes", type=int, default=0, help="only this many communes (a seeded sample); 0: all")
    parser.add_argument("--no-province-values", action="store_true", help="communes only report values")
    parser.add_argument("--end", default="", help="last month, e.g. 202610 (default: the last month closed)")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--reset", action="store_true", help="remove an earlier benchmark data set first")
    parser.add_argument("--sample", type=int, default=8, help="(indicator, period) pairs checked after the build")
    parser.add_argument("--check-only", action="store_true",
                        help="load nothing: run the checks on the data set already loaded")
    parser.add_argument("--verify-full", action="store_true",
                        help="also compare every aggregate row with rollup.rebuild() (small data sets only)")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    print(machine())

    if args.check_only:
        check_loaded(args, rng, timings)
        return
    if args.reset:
        with Step("reset", timings):
            reset()
    elif Indicator.objects.filter(code__startswith=PREFIX).exists() or DataValue.objects.exists():
        sys.exit("The database already holds values or a benchmark data set: pass --reset to replace it.")

    end = Period.parse(args.end, PeriodType.MONTH) if args.end else \
        Period.containing(PeriodType.MONTH, timezone.localdate()).previous()
    periods = span(end.previous(args.months - 1), end)
    vn = Unit.objects.get(depth=0, code="VN")
    communes = list(Unit.objects.current().filter(unit_type=UnitType.COMMUNE).order_by("path"))
    if args.communes and args.communes < len(communes):
        communes = sorted(rng.sample(communes, args.communes), key=lambda u: u.path)
    provinces = [] if args.no_province_values else list(
        Unit.objects.current().filter(unit_type=UnitType.PROVINCE).order_by("path"))
    print(f"{len(communes)} communes, {len(provinces)} provinces with own values, {args.indicators} indicators, "
          f"{len(periods)} months {periods[0]}–{periods[-1]}")

    with Step("indicators and form", timings):
        indicators = make_indicators(args.indicators)
        form = make_form(vn, indicators[:FORM_SIZE], periods[0].start)
    with Step("reports (COPY)", timings):
        reports = load_reports(form, communes, periods, rng)
    with Step("values (COPY, indexes dropped and rebuilt)", timings) as step:
        n_values = load_values(indicators, form, communes, provinces, periods, reports, rng, timings)
    print(f"  {n_values:,} values, {n_values / step.elapsed:,.0f} values/s overall")
    with Step("aggregates (one INSERT … SELECT … GROUP BY)", timings):
        n_aggregates = build_aggregates([i.pk for i in indicators])
    print(f"  {n_aggregates:,} aggregate rows")
    with Step("ANALYZE", timings), connection.cursor() as cursor:
        cursor.execute("ANALYZE indicators_datavalue, indicators_aggregate, indicators_report, network_unit")
    with Step("check a sample against brute force and rollup.apply", timings):
        check_sample(indicators, periods, args.sample, rng)
    with Step("check writes through services.values_write keep aggregates exact", timings):
        check_writes(indicators, communes, end.next(), rng)
    if args.verify_full:
        with Step("check every aggregate row against rollup.rebuild()", timings):
            check_full()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('indicators_datavalue')), "
                       "pg_size_pretty(pg_total_relation_size('indicators_aggregate'))")
        sizes = cursor.fetchone()
    print(f"\nDataValue {n_values:,} rows ({sizes[0]} with indexes); Aggregate {n_aggregates:,} rows ({sizes[1]}); "
          f"Reports {len(reports):,}")
    print(f"Total {time.perf_counter() - started:.1f} s. Steps: "
          + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))


def check_loaded(args: argparse.Namespace, rng: random.Random, timings: dict[str, float]) -> None:
    indicators = list(Indicator.objects.filter(code__startswith=PREFIX).prefetch_related("versions").order_by("code"))
    if not indicators:
        sys.exit("No benchmark data set in this database.")
    last = DataValue.objects.filter(indicator__in=indicators).order_by("-period").values_list("period", flat=True)[0]
    end = Period(last, PeriodType.MONTH)
    periods = span(end.previous(args.months - 1), end)
    communes = list(Unit.objects.current().filter(unit_type=UnitType.COMMUNE).order_by("path"))
    with Step("check a sample against brute force and rollup.apply", timings):
        check_sample(indicators, periods, args.sample, rng)
    with Step("check writes through services.values_write keep aggregates exact", timings):
        check_writes(indicators, communes, end.next(), rng)
    if args.verify_full:
        with Step("check every aggregate row against rollup.rebuild()", timings):
            check_full()


# --- set-up ----------------------------------------------------------------------------------------


def reset() -> None:
    if DataValue.objects.exclude(indicator__code__startswith=PREFIX).exists():
        sys.exit("The database holds values that are not benchmark values: refusing to reset it.")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE indicators_datavalue, indicators_aggregate")
        for form in ReportForm.objects.filter(code__startswith=PREFIX):
            cursor.execute("DELETE FROM indicators_reportevent WHERE report_id IN "
                           "(SELECT id FROM indicators_report WHERE form_id = %s)", [form.pk])
            cursor.execute("DELETE FROM indicators_report WHERE form_id = %s", [form.pk])
            FormAssignment.objects.filter(form=form).delete()
            FormIndicator.objects.filter(form=form).delete()
            form.delete()
        Indicator.objects.filter(code__startswith=PREFIX).delete()


def make_indicators(count: int) -> list[Indicator]:
    out = []
    for i in range(count):
        aggregation, value_type = KINDS[i % len(KINDS)]
        out.append(services.indicator_create(
            actor=None, code=f"{PREFIX}{i + 1:03d}", period_type="month", group="benchmark", valid_from_year=2000,
            name=f"Chỉ tiêu thử nghiệm {i + 1} ({aggregation})", name_en=f"Benchmark indicator {i + 1}",
            value_type=value_type, aggregation=aggregation,
            unit_of_measure="%" if value_type in {"percentage", "ratio"} else "",
        ))
    return out


def make_form(vn: Unit, indicators: list[Indicator], valid_from: dt.date) -> ReportForm:
    form = ReportForm.objects.create(code=FORM_CODE, name="Báo cáo tháng (thử nghiệm hiệu năng)",
                                     name_en="Monthly report (benchmark)", period_type="month", due_days=5, owner=vn)
    FormIndicator.objects.bulk_create(
        [FormIndicator(form=form, indicator=ind, order=n) for n, ind in enumerate(indicators)])
    FormAssignment.objects.create(form=form, unit=vn, unit_type=UnitType.COMMUNE, valid_from=valid_from)
    return form


def _pick_state(rng: random.Random) -> str:
    r, acc = rng.random(), 0.0
    for state, p in STATES:
        acc += p
        if r < acc:
            return state
    return STATES[-1][0]


def load_reports(form: ReportForm, communes: list[Unit], periods: list[Period],
                 rng: random.Random) -> dict[tuple[int, dt.date], tuple[int, str]]:
    """One report per commune × month (but the missing ones); returns (unit, period) → (id, status)."""
    now = timezone.now().isoformat()
    lines = []
    for p in periods:
        due = form.due_date(p)
        for u in communes:
            state = _pick_state(rng)
            if state == "missing":
                continue
            first = submitted = approved = "\\N"
            if state != "draft":
                day = due - dt.timedelta(days=rng.randint(0, 5)) if rng.random() < ON_TIME \
                    else due + dt.timedelta(days=rng.randint(1, 20))
                first = submitted = f"{day.isoformat()} 09:30:00+07"
                if state == "approved":
                    approved = f"{(day + dt.timedelta(days=3)).isoformat()} 15:00:00+07"
            lines.append(f"{form.pk}\t{u.pk}\t{p.start.isoformat()}\t{state}\t{submitted}\t{first}\t{approved}\t{now}\n")
    raw = connection.connection  # Django's psycopg 3 connection: COPY needs the driver's API
    with transaction.atomic(), raw.cursor() as cursor, cursor.copy(
            "COPY indicators_report (form_id, unit_id, period, status, submitted_at, first_submitted_at, "
            "approved_at, updated_at) FROM STDIN") as copy:
        copy.write("".join(lines))
    return {(u, p): (pk, status) for pk, u, p, status in
            Report.objects.filter(form=form).values_list("pk", "unit_id", "period", "status")}


def _pools(rng: random.Random) -> dict[tuple[str, str], list[str]]:
    """Pre-made "value<TAB>numerator<TAB>denominator" texts per kind: drawing from a pool is much
    faster than formatting 10 million random numbers one by one."""
    size = 4096
    pools: dict[tuple[str, str], list[str]] = {}
    for aggregation, value_type in set(KINDS):
        pool = []
        for _ in range(size):
            if value_type == "ratio":
                den = rng.randint(1, 500)
                num = rng.randint(0, den)
                pool.append(f"{100.0 * num / den!r}\t{num}\t{den}")
            elif value_type == "yes_no":
                pool.append(f"{1 if rng.random() < 0.7 else 0}\t\\N\t\\N")
            elif value_type == "percentage":
                pool.append(f"{rng.random() * 100:.1f}\t\\N\t\\N")
            elif aggregation == "average":
                pool.append(f"{rng.randint(0, 50)}\t\\N\t\\N")
            else:
                pool.append(f"{rng.randint(0, 1000)}\t\\N\t\\N")
        pools[(aggregation, value_type)] = pool
    return pools


def load_values(indicators: list[Indicator], form: ReportForm, communes: list[Unit], provinces: list[Unit],
                periods: list[Period], reports: dict[tuple[int, dt.date], tuple[int, str]],
                rng: random.Random, timings: dict[str, float]) -> int:
    """COPY the values in the order they arrive in real life (month by month), with the table's
    secondary indexes and constraints dropped during the load and rebuilt after it."""
    pools = _pools(rng)
    on_form = set(FormIndicator.objects.filter(form=form).values_list("indicator_id", flat=True))
    kinds = [(ind.pk, ind.pk in on_form, pools[KINDS[n % len(KINDS)]]) for n, ind in enumerate(indicators)]
    getrandbits = rng.getrandbits
    now = timezone.now().isoformat()
    raw = connection.connection
    total = 0
    with transaction.atomic(), raw.cursor() as cursor:
        saved = _drop_secondary_indexes(cursor)
        copy_started = time.perf_counter()
        with cursor.copy(f"COPY indicators_datavalue ({', '.join(VALUE_COLUMNS)}) FROM STDIN") as copy:
            for p in periods:
                start = p.start.isoformat()
                lines = []
                append = lines.append
                for u in provinces:
                    head = f"\t{u.pk}\t{start}\t"
                    for pk, _form, pool in kinds:
                        append(f"{pk}{head}{pool[getrandbits(12)]}\t\tt\t\\N\t{now}\n")
                for u in communes:
                    head = f"\t{u.pk}\t{start}\t"
                    report_id, status = reports.get((u.pk, p.start), (None, "missing"))
                    counted = "t" if status in {"submitted", "approved"} else "f"
                    for pk, is_form, pool in kinds:
                        if is_form:
                            if report_id is None:
                                continue
                            append(f"{pk}{head}{pool[getrandbits(12)]}\t\t{counted}\t{report_id}\t{now}\n")
                        else:
                            append(f"{pk}{head}{pool[getrandbits(12)]}\t\tt\t\\N\t{now}\n")
                total += len(lines)
                copy.write("".join(lines))
        timings["values: COPY"] = time.perf_counter() - copy_started
        print(f"  COPY {total:,} rows: {timings['values: COPY']:.1f} s", flush=True)
        rebuild_started = time.perf_counter()
        _restore_indexes(cursor, saved)
        timings["values: rebuild indexes and constraints"] = time.perf_counter() - rebuild_started
        print(f"  indexes and constraints rebuilt: {timings['values: rebuild indexes and constraints']:.1f} s")
    return total


def _drop_secondary_indexes(cursor) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:  # type: ignore[no-untyped-def]
    cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                   "WHERE conrelid = 'indicators_datavalue'::regclass AND contype IN ('u', 'f') "
                   "ORDER BY contype DESC, conname")  # unique ('u') before foreign keys ('f')
    constraints = cursor.fetchall()
    for name, _definition in constraints:
        cursor.execute(f'ALTER TABLE indicators_datavalue DROP CONSTRAINT "{name}"')
    cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'indicators_datavalue' "
                   "AND schemaname = current_schema() AND indexname <> 'indicators_datavalue_pkey'")
    indexes = cursor.fetchall()
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return constraints, indexes


def _restore_indexes(cursor, saved) -> None:  # type: ignore[no-untyped-def]
    constraints, indexes = saved
    cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
    for _name, definition in indexes:
        cursor.execute(definition)
    for name, definition in constraints:
        cursor.execute(f'ALTER TABLE indicators_datavalue ADD CONSTRAINT "{name}" {definition}')


# --- aggregates -------------------------------------------------------------------------------------

AGGREGATE_SQL = f"""
INSERT INTO indicators_aggregate (indicator_id, unit_id, period, n, total, num, den)
SELECT v.indicator_id, substr(u.path, {SEGMENT} * k + 1, {SEGMENT})::bigint, v.period,
       count(*), sum(coalesce(v.value, 0)), sum(coalesce(v.numerator, 0)), sum(coalesce(v.denominator, 0))
FROM indicators_datavalue v
JOIN network_unit u ON u.id = v.unit_id
-- every proper ancestor: the path's prefixes of 1 .. depth levels (not the unit itself)
CROSS JOIN LATERAL generate_series(0, length(u.path) / {SEGMENT} - 2) AS k
WHERE v.counted AND (v.value IS NOT NULL OR v.numerator IS NOT NULL) AND v.indicator_id = ANY(%s)
GROUP BY 1, 2, 3
"""


def build_aggregates(indicator_ids: list[int]) -> int:
    """The initial aggregates in one statement (see the module docstring for why this is only
    for the benchmark's initial load)."""
    today = timezone.localdate()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM indicators_datavalue v JOIN network_unit u ON u.id = v.unit_id "
            "WHERE v.indicator_id = ANY(%s) AND v.counted "
            "AND ((u.valid_to IS NOT NULL AND u.valid_to < %s) OR (u.valid_from IS NOT NULL AND u.valid_from > %s))",
            [indicator_ids, today, today])
        if cursor.fetchone()[0]:
            sys.exit("Values of units not in force today: their attribution goes through the lineage, which the "
                     "set-based build does not do. Use rollup.rebuild() instead.")
        cursor.execute("DELETE FROM indicators_aggregate WHERE indicator_id = ANY(%s)", [indicator_ids])
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute(AGGREGATE_SQL, [indicator_ids])
        return cursor.rowcount


# --- checks -------------------------------------------------------------------------------------------

Row = tuple[float, float, float, float]


def _close(a: Row, b: Row) -> bool:
    return all(abs(x - y) <= 1e-9 * max(1.0, abs(x), abs(y)) for x, y in zip(a, b, strict=True))


def _stored(indicator_id: int, period: dt.date) -> dict[int, Row]:
    return {u: (n, t, nu, d) for u, n, t, nu, d in Aggregate.objects.filter(
        indicator_id=indicator_id, period=period).values_list("unit_id", "n", "total", "num", "den")}


def _brute_force(indicator_id: int, period: dt.date, unit: Unit) -> Row:
    """Counted values strictly below ``unit``, summed straight from the leaf rows."""
    low, high = subtree_bounds(unit.path)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), coalesce(sum(coalesce(v.value, 0)), 0), coalesce(sum(coalesce(v.numerator, 0)), 0), "
            "coalesce(sum(coalesce(v.denominator, 0)), 0) FROM indicators_datavalue v "
            "JOIN network_unit u ON u.id = v.unit_id WHERE v.indicator_id = %s AND v.period = %s AND v.counted "
            "AND (v.value IS NOT NULL OR v.numerator IS NOT NULL) AND u.path > %s AND u.path < %s",
            [indicator_id, period, low, high])
        return tuple(cursor.fetchone())  # type: ignore[return-value]


def _check_against_brute_force(indicator_id: int, period: dt.date, label: str) -> int:
    stored = _stored(indicator_id, period)
    units = Unit.objects.filter(pk__in=stored) | Unit.objects.filter(depth__lt=2)
    checked = 0
    for unit in units.distinct():
        want = _brute_force(indicator_id, period, unit)
        got = stored.get(unit.pk, (0, 0.0, 0.0, 0.0))
        if not _close(got, want):
            sys.exit(f"MISMATCH {label} at {unit.code}: aggregate {got} ≠ brute force {want}")
        checked += 1
    return checked


def check_sample(indicators: list[Indicator], periods: list[Period], size: int, rng: random.Random) -> None:
    by_rule: dict[str, Indicator] = {}
    for ind in indicators:
        by_rule.setdefault(ind.version_for(2025).aggregation, ind)  # type: ignore[union-attr]
    chosen = list(by_rule.values())
    chosen += rng.sample(indicators, max(0, min(size - len(chosen), len(indicators))))
    for ind in chosen:
        period = rng.choice(periods).start
        label = f"{ind.code} {period:%Y-%m}"
        checked = _check_against_brute_force(ind.pk, period, label)
        # What rollup.apply writes for the same values (as rollup.rebuild does), rolled back after.
        stored = _stored(ind.pk, period)
        with transaction.atomic():
            Aggregate.objects.filter(indicator=ind, period=period).delete()
            rollup.apply([
                (v.indicator_id, v.unit_id, v.period, rollup.contribution(v.value, v.numerator, v.denominator))
                for v in DataValue.objects.filter(indicator=ind, period=period, counted=True)])
            via_apply = _stored(ind.pk, period)
            transaction.set_rollback(True)
        if set(via_apply) != set(stored) or not all(_close(stored[k], via_apply[k]) for k in stored):
            sys.exit(f"MISMATCH {label}: set-based rows differ from rollup.apply's")
        print(f"  {label} ({ind.version_for(2025).aggregation}): {checked} units = brute force "  # type: ignore[union-attr]
              f"= rollup.apply ({len(stored)} rows)")


def check_writes(indicators: list[Indicator], communes: list[Unit], new_period: Period, rng: random.Random) -> None:
    """values_write creates then updates a few values in a month not loaded yet (so that no
    submitted report locks them); aggregates must equal brute force after each write."""
    picked = rng.sample(communes, min(5, len(communes)))
    inds = indicators[:3]
    with transaction.atomic():
        for attempt in range(2):
            rows = [services.ValueInput(indicator=ind, unit=u, period=new_period,
                                        value=(rng.randint(0, 1) if ind.version_for(2025).value_type == "yes_no"
                                               else rng.randint(0, 100)),
                                        numerator=(n := rng.randint(0, 10)), denominator=n + rng.randint(1, 10))
                    for ind in inds for u in picked]
            result = services.values_write(actor=None, rows=rows)
            for ind in inds:
                _check_against_brute_force(ind.pk, new_period.start, f"{ind.code} {new_period} after write")
            print(f"  write {attempt + 1}: {result.created} created, {result.updated} updated; aggregates of "
                  f"{len(inds)} indicators = brute force")
        transaction.set_rollback(True)


def check_full() -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_set_based ON COMMIT DROP AS SELECT * FROM indicators_aggregate")
        rollup.rebuild()
        cursor.execute(
            "SELECT count(*) FROM indicators_aggregate a FULL JOIN bench_set_based b "
            "ON a.indicator_id = b.indicator_id AND a.unit_id = b.unit_id AND a.period = b.period "
            "WHERE a.id IS NULL OR b.id IS NULL OR a.n <> b.n "
            "OR abs(a.total - b.total) > 1e-9 * greatest(1, abs(a.total)) "
            "OR abs(a.num - b.num) > 1e-9 * greatest(1, abs(a.num)) "
            "OR abs(a.den - b.den) > 1e-9 * greatest(1, abs(a.den))")
        bad = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM bench_set_based")
        rows = cursor.fetchone()[0]
        transaction.set_rollback(True)
    if bad:
        sys.exit(f"MISMATCH: {bad} aggregate rows differ from rollup.rebuild()")
    print(f"  all {rows:,} rows equal rollup.rebuild()'s")


if __name__ == "__main__":
    main()
