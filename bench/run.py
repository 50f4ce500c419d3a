#!/usr/bin/env python
"""Measure the product's read and write paths on the data set of ``bench/generate.py``.

    DXNET_DATABASE_URL=postgres://… .venv/bin/python bench/run.py [--runs 30] [--only national,dashboard]

Each measurement times (``time.perf_counter`` around the whole call, Python included) the
product's own code path and, beside it, a hand-written single SQL statement over the same leaf
rows — the engine's floor — alternately, after warm-up runs; it reports p50 and p95.

Measurements (``--only`` takes their names):

national      ``selectors.rollup_total`` of 1 indicator × 1 month for Việt Nam
dashboard     20 indicators × 12 months × 34 provinces: ``rollup.sums_for`` + ``rollup.compute``
              in one call, and ``selectors.rollup_cells`` once per indicator (what the dashboard
              table calls); plus the national dashboard page itself through Django's test client
completeness  the completeness grid of the whole country (≈3,300 communes × 12 months):
              ``completeness.grid(rows="units")`` (what the
              page calls)
write         ``services.values_write`` of one commune's 20 values (a report's worth): first
              write (20 values created) and correction (20 values updated), with the time spent
              in ``rollup.apply`` and how long the aggregate rows stay locked
concurrency   writers in parallel processes: 1 writer; 2 writers on the same aggregate rows (same
              month: the national and province rows are shared); 2 writers on disjoint rows
              (different months). Written in scratch months after the data set, removed after;
              each scenario ``--repeat`` times, the median repetition reported
brin          (experiment, only when named) the dashboard's floor without and with a BRIN index
              on ``DataValue.period``, created in a transaction that is rolled back

Writes (``write``, ``concurrency``) change the database through the product (the aggregates
stay exact); ``write`` leaves its values in place, ``concurrency`` removes its scratch months.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import functools
import json
import multiprocessing
import pstats
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import interleaved, machine, percentile, setup, summary, timed  # noqa: E402

setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from dxnet.core import audit  # noqa: E402
from dxnet.indicators import completeness, rollup, selectors, services  # noqa: E402
from dxnet.indicators.models import Aggregate, DataValue, FormIndicator, Indicator, Report, ReportForm  # noqa: E402
from dxnet.indicators.periods import Period, PeriodType, span  # noqa: E402
from dxnet.network.models import Unit, UnitType, subtree_bounds  # noqa: E402

FORM_CODE = "BENCH-MONTHLY"
ALL = ("national", "dashboard", "completeness", "write", "concurrency")
EXTRA = ("brin",)  # experiments, run only when named in --only

FLOOR_NATIONAL = """
SELECT sum(value), count(*) FROM indicators_datavalue v JOIN network_unit u ON u.id = v.unit_id
WHERE v.indicator_id = %s AND v.period = %s AND u.path >= %s AND u.path < %s
"""

FLOOR_DASHBOARD = """
SELECT v.indicator_id, substr(u.path, 1, 14) AS province, v.period, count(*), sum(coalesce(v.value, 0)),
       sum(coalesce(v.numerator, 0)), sum(coalesce(v.denominator, 0))
FROM indicators_datavalue v JOIN network_unit u ON u.id = v.unit_id
WHERE v.indicator_id = ANY(%s) AND v.period = ANY(%s) AND v.counted
  AND (v.value IS NOT NULL OR v.numerator IS NOT NULL) AND substr(u.path, 1, 14) = ANY(%s)
GROUP BY 1, 2, 3
"""

# The grid's cells in one statement: every current commune of the subtree × period, its report's
# state (the form is assigned to the communes of the whole country).
FLOOR_COMPLETENESS = """
SELECT u.id, p.start,
       CASE WHEN r.status IS NULL OR r.status = 'draft' THEN 'missing'
            WHEN r.status = 'returned' THEN 'returned'
            WHEN r.status = 'approved' THEN 'approved'
            WHEN (r.first_submitted_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date
                 <= (p.start + interval '1 month')::date - 1 + %s THEN 'on_time'
            ELSE 'late' END
FROM network_unit u
CROSS JOIN unnest(%s::date[]) AS p(start)
LEFT JOIN indicators_report r ON r.form_id = %s AND r.unit_id = u.id AND r.period = p.start
WHERE u.unit_type = 'commune' AND u.path >= %s AND u.path < %s
  AND (u.valid_from IS NULL OR u.valid_from <= (p.start + interval '1 month')::date - 1)
  AND (u.valid_to IS NULL OR u.valid_to >= CURRENT_DATE)
ORDER BY u.path, p.start
"""


class Context:
    def __init__(self) -> None:
        self.vn = Unit.objects.get(depth=0, code="VN")
        self.provinces = list(Unit.objects.current().filter(unit_type=UnitType.PROVINCE).order_by("path"))
        self.communes = list(Unit.objects.current().filter(unit_type=UnitType.COMMUNE).order_by("path"))
        self.form = ReportForm.objects.get(code=FORM_CODE)
        self.form_indicators = [fi.indicator for fi in FormIndicator.objects.filter(form=self.form)
                                .select_related("indicator").prefetch_related("indicator__versions")
                                .order_by("order")]
        self.indicators = list(Indicator.objects.filter(code__startswith="BENCH-").prefetch_related("versions")
                               .order_by("code"))
        last = DataValue.objects.filter(indicator__in=self.indicators).aggregate(m=Max("period"))["m"]
        self.end = Period(last, PeriodType.MONTH)
        self.periods = span(self.end.previous(11), self.end)
        self.n_values = DataValue.objects.count()
        self.n_aggregates = Aggregate.objects.count()
        self.n_reports = Report.objects.filter(form=self.form).count()

    def size(self) -> str:
        return (f"{self.n_values:,} values, {self.n_aggregates:,} aggregate rows, {len(self.communes):,} communes, "
                f"{len(self.indicators)} indicators, {self.n_reports:,} reports")


def floor(sql: str, params: list[Any]) -> Callable[[], list[tuple[Any, ...]]]:
    def run() -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    return run


def explain(sql: str, params: list[Any]) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(_short(r[0]) for r in cursor.fetchall())


def product_queries(fn: Callable[[], Any]) -> list[dict[str, str]]:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return list(ctx.captured_queries)


def show_profile(name: str, fn: Callable[[], Any]) -> None:
    profiler = cProfile.Profile()
    profiler.runcall(fn)
    print(f"\n--- cProfile of {name} (top 20 by cumulative time)")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(20)


def show_queries(name: str, fn: Callable[[], Any], explain_top: int = 2) -> None:
    queries = product_queries(fn)
    total = sum(float(q["time"]) for q in queries)
    print(f"\n--- {name}: {len(queries)} queries, {1000 * total:.1f} ms in the database (client-side timing)")
    for q in sorted(queries, key=lambda q: -float(q["time"]))[:explain_top]:
        print(f"[{1000 * float(q['time']):.1f} ms] {q['sql'][:600]}")
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
            print("\n".join(_short(r[0]) for r in cursor.fetchall()))


def _short(line: str, width: int = 300) -> str:
    """Plans of queries with long IN lists are unreadable in full."""
    return line if len(line) <= width else line[:width] + f" …[{len(line) - width} more characters]"


# --- measurements -------------------------------------------------------------------------------------


def bench_national(ctx: Context, args: argparse.Namespace) -> list[dict[str, Any]]:
    low, high = subtree_bounds(ctx.vn.path)
    pairs = [(ind, p) for p in reversed(ctx.periods) for ind in ctx.indicators[:10]]

    def product(i: int) -> Any:
        ind, p = pairs[i % len(pairs)]
        return selectors.rollup_total(indicator=ind, unit=ctx.vn, periods=[p])

    def engine(i: int) -> Any:
        ind, p = pairs[i % len(pairs)]
        return floor(FLOOR_NATIONAL, [ind.pk, p.start, low, high])()

    # the two give the same figure for a sum indicator (the floor counts every stored value, so
    # compare on one whose values are all counted: not on the form)
    plain = next((i for i in ctx.indicators if i not in ctx.form_indicators
                  and i.version_for(2025).aggregation == "sum"), None)  # type: ignore[union-attr]
    if plain is not None:
        got = selectors.rollup_total(indicator=plain, unit=ctx.vn, periods=[ctx.end])
        want = floor(FLOOR_NATIONAL, [plain.pk, ctx.end.start, low, high])()[0][0]
        assert abs(got - want) < 1e-6 * max(1, abs(want)), (got, want)  # type: ignore[operator]
    if args.explain:
        ind, p = pairs[0]
        show_queries("national, product", lambda: product(0))
        print("\n--- national, floor\n" + explain(FLOOR_NATIONAL, [ind.pk, p.start, low, high]))
    if args.profile == "national":
        show_profile("national", lambda: product(0))
    times = interleaved({"product": product, "floor": engine}, runs=args.runs, warmup=max(args.warmup, len(pairs)))
    prod, fl = summary(times["product"]), summary(times["floor"])
    ok = prod["p50_ms"] <= 50 and prod["p50_ms"] <= 2 * fl["p50_ms"]
    return [{
        "name": "national rollup, 1 indicator × 1 month (selectors.rollup_total, unit=VN)",
        "rows_read": "1 Aggregate row + own value of VN", "floor_rows": "≈3,355 leaf values",
        **prod, "floor_p50_ms": fl["p50_ms"], "floor_p95_ms": fl["p95_ms"],
        "target": "p50 ≤ 50 ms and ≤ 2 × floor", "pass": ok,
        "note": f"rotating over {len(pairs)} (indicator, month) pairs",
    }]


def bench_dashboard(ctx: Context, args: argparse.Namespace) -> list[dict[str, Any]]:
    inds = ctx.form_indicators[:20]
    ids = [i.pk for i in inds]
    prov_ids = [u.pk for u in ctx.provinces]
    starts = [p.start for p in ctx.periods]
    prov_paths = [u.path for u in ctx.provinces]

    def via_sums(i: int) -> dict[tuple[int, int, dt.date], float | None]:
        sums = rollup.sums_for(ids, prov_ids, starts)
        out = {}
        for ind in inds:
            for p in ctx.periods:
                rule = ind.version_for(p.start.year).aggregation  # type: ignore[union-attr]
                for uid in prov_ids:
                    out[(ind.pk, uid, p.start)] = rollup.compute(rule, sums.get((ind.pk, uid, p.start), rollup.Sums()))
        return out

    def via_cells(i: int) -> list[Any]:
        return [selectors.rollup_cells(indicator=ind, units=ctx.provinces, periods=ctx.periods) for ind in inds]

    engine = floor(FLOOR_DASHBOARD, [ids, starts, prov_paths])

    # same figures from the product's two paths and from the leaf rows
    a = via_sums(0)
    b = {(c.period.start, c.unit.pk, ind.pk): c.value for ind, cells in zip(inds, via_cells(0), strict=True)
         for c in cells}
    assert all(a[(k[2], k[1], k[0])] == v for k, v in b.items())
    leaf = {(r[0], r[1], r[2]): rollup.Sums(*r[3:]) for r in engine()}
    path_of = {u.pk: u.path for u in ctx.provinces}
    for (iid, uid, start), value in a.items():
        ind = next(i for i in inds if i.pk == iid)
        want = rollup.compute(ind.version_for(start.year).aggregation,  # type: ignore[union-attr]
                              leaf.get((iid, path_of[uid], start), rollup.Sums()))
        assert (value is None and want is None) or abs(value - want) < 1e-6 * max(1, abs(want)), (value, want)  # type: ignore[operator]

    if args.explain:
        show_queries("dashboard, sums_for", lambda: via_sums(0))
        print("\n--- dashboard, floor\n" + explain(FLOOR_DASHBOARD, [ids, starts, prov_paths]))
    if args.profile == "dashboard":
        show_profile("dashboard rollup_cells", lambda: via_cells(0))
    times = interleaved({"sums": via_sums, "cells": via_cells, "floor": lambda i: engine()},
                        runs=args.runs, warmup=args.warmup)
    fl = summary(times["floor"])
    cells = len(inds) * len(ctx.periods) * len(ctx.provinces)
    out = []
    for key, name in (("sums", "dashboard, 20 ind × 12 months × 34 provinces: rollup.sums_for + rollup.compute"),
                      ("cells", "dashboard, same cells: selectors.rollup_cells × 20 indicators (with targets)")):
        s = summary(times[key])
        out.append({"name": name, "rows_read": f"{cells:,} Aggregate rows + provinces' own values",
                    "floor_rows": f"≈{len(inds) * len(ctx.periods) * 3400:,} leaf values", **s,
                    "floor_p50_ms": fl["p50_ms"], "floor_p95_ms": fl["p95_ms"], "target": "≤ 300 ms",
                    "pass": s["p50_ms"] <= 300})
    out.append(bench_dashboard_page(ctx, args))
    return out


def bench_dashboard_page(ctx: Context, args: argparse.Namespace) -> dict[str, Any]:
    """The national dashboard page of the form (KPI cards of its 20 indicators, a 12-month chart,
    the table of the 51 children of Việt Nam), rendered through Django's test client."""
    user, created = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_superuser": True, "is_staff": True})
    if created:
        user.set_unusable_password()
        user.save()
    client = Client()
    client.force_login(user)
    url = reverse("dashboard", args=[ctx.vn.code]) + f"?form={FORM_CODE}"

    def page(i: int) -> None:
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    if args.profile == "page":
        show_profile("dashboard page", lambda: page(0))
    if args.explain:
        show_queries("dashboard page", lambda: page(0), explain_top=3)
    s = summary(timed(page, runs=args.runs, warmup=args.warmup))
    return {"name": "national dashboard page of the form (HTTP through the test client, HTML rendered)",
            "rows_read": "KPIs of 20 indicators, 12-month chart, table of 51 children", "floor_rows": "—", **s,
            "floor_p50_ms": None, "floor_p95_ms": None, "target": "— (informative)", "pass": None}


def bench_completeness(ctx: Context, args: argparse.Namespace) -> list[dict[str, Any]]:
    low, high = subtree_bounds(ctx.vn.path)
    starts = [p.start for p in ctx.periods]

    def via_page_module(i: int) -> Any:
        return completeness.grid(form=ctx.form, periods=ctx.periods, within=ctx.vn, rows="units")

    engine = floor(FLOOR_COMPLETENESS, [ctx.form.due_days, starts, ctx.form.pk, low, high])
    grid = via_page_module(0)
    cells = sum(len(r.cells) for r in grid.rows)
    floor_states = {(uid, start): state for uid, start, state in engine()}
    floor_cells = len(floor_states)
    product_states = {(r.unit.pk, c.period.start): c.state for r in grid.rows for c in r.cells}
    assert product_states == floor_states, "the floor does not compute the grid's states"
    print(f"  grid: {len(grid.rows):,} unit rows, {cells:,} cells; floor: {floor_cells:,} cells")
    if args.explain:
        show_queries("completeness, completeness.grid", lambda: via_page_module(0), explain_top=2)
        print("\n--- completeness, floor\n" + explain(FLOOR_COMPLETENESS,
                                                       [ctx.form.due_days, starts, ctx.form.pk, low, high]))
    if args.profile == "completeness":
        show_profile("completeness.grid", lambda: via_page_module(0))
    candidates = {"module": via_page_module, "floor": lambda i: engine()}
    runs = max(10, args.runs)
    times = interleaved(candidates, runs=runs, warmup=min(args.warmup, 2))
    fl = summary(times["floor"])
    out = []
    for key, name in (("module", "completeness grid, whole country × 12 months: completeness.grid(rows=\"units\")"
                                 " (the page's call)"),):
        s = summary(times[key])
        out.append({"name": name, "rows_read": f"{cells:,} cells", "floor_rows": f"{floor_cells:,} cells", **s,
                    "floor_p50_ms": fl["p50_ms"], "floor_p95_ms": fl["p95_ms"], "target": "≤ 1 s",
                    "pass": s["p50_ms"] <= 1000})
    return out


class ApplyTimer:
    """Wraps ``rollup.apply`` and ``audit.record`` to time the first and to note when the
    aggregate rows, then the audit chain's head row, get locked (both stay locked until the
    commit)."""

    def __init__(self) -> None:
        self.original, self.original_record = rollup.apply, audit.record
        self.spent = 0.0
        self.locked_at = 0.0
        self.head_locked_at = 0.0

    def __enter__(self) -> ApplyTimer:
        def wrapped(deltas: Any) -> int:
            started = time.perf_counter()
            self.locked_at = started
            try:
                return self.original(deltas)
            finally:
                self.spent = time.perf_counter() - started

        def wrapped_record(**kwargs: Any) -> Any:
            self.head_locked_at = time.perf_counter()
            return self.original_record(**kwargs)

        rollup.apply = wrapped  # type: ignore[assignment]
        audit.record = wrapped_record  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        rollup.apply = self.original  # type: ignore[assignment]
        audit.record = self.original_record  # type: ignore[assignment]


def _report_rows(inds: list[Indicator], unit: Unit, period: Period, rng: random.Random) -> list[services.ValueInput]:
    rows = []
    for ind in inds:
        version = ind.version_for(period.start.year)
        kind = version.value_type if version else "number"
        den = rng.randint(1, 500)
        rows.append(services.ValueInput(
            indicator=ind, unit=unit, period=period,
            value=rng.randint(0, 1) if kind == "yes_no" else round(rng.random() * 100, 1),
            numerator=rng.randint(0, den), denominator=den))
    return rows


def _changed(rows: list[services.ValueInput]) -> list[services.ValueInput]:
    """The same values, each one different (a correction)."""
    return [services.ValueInput(indicator=r.indicator, unit=r.unit, period=r.period,
                                value=1 - r.value if r.value in (0, 1) else r.value + (1 if r.value < 50 else -1),  # type: ignore[operator]
                                numerator=r.numerator, denominator=r.denominator + 1)  # type: ignore[operator]
            for r in rows]


def bench_write(ctx: Context, args: argparse.Namespace) -> list[dict[str, Any]]:
    """A commune's 20 values for a month whose report is missing (so nothing locks them): first
    written (created), then corrected (updated)."""
    rng = random.Random(7)
    inds = ctx.form_indicators[:20]
    taken = set(Report.objects.filter(form=ctx.form).values_list("unit_id", "period"))
    have = set(DataValue.objects.filter(indicator=inds[0]).values_list("unit_id", "period"))
    n = args.runs + args.warmup
    slots = [(u, p) for p in reversed(span(ctx.end.previous(59), ctx.end)) for u in ctx.communes
             if (u.pk, p.start) not in taken and (u.pk, p.start) not in have]
    if len(slots) < n:
        sys.exit(f"only {len(slots)} commune-months without a report left for the write benchmark")
    slots = rng.sample(slots, n)
    results = {}
    first = [_report_rows(inds, unit, period, rng) for unit, period in slots]
    for phase in ("create", "update"):
        latencies, in_apply, held, head = [], [], [], []
        for i, rows in enumerate(first if phase == "create" else [_changed(r) for r in first]):
            with ApplyTimer() as timer:
                started = time.perf_counter()
                result = services.values_write(actor=None, rows=rows)
                done = time.perf_counter()
            assert (result.created if phase == "create" else result.updated) == len(inds), result
            if i >= args.warmup:
                latencies.append(done - started)
                in_apply.append(timer.spent)
                held.append(done - timer.locked_at)
                head.append(done - timer.head_locked_at)
        results[phase] = (summary(latencies), summary(in_apply), summary(held), summary(head))
    if args.profile == "write":  # one more correction of the first slot
        show_profile("values_write (correction)", functools.partial(services.values_write, actor=None,
                                                                    rows=_changed(_changed(first[0]))))
    if args.explain:
        unit, period = slots[0]
        show_queries("write (update)", lambda: services.values_write(
            actor=None, rows=_report_rows(inds, unit, period, rng)), explain_top=0)
    out = []
    for phase, what in (("create", "first write: 20 values created"), ("update", "correction: 20 values updated")):
        total, apply_, held, head = results[phase]
        out.append({"name": f"values_write of one commune's 20 values, {what}",
                    "rows_read": "40 Aggregate rows upserted (province + Việt Nam × 20)", "floor_rows": "—", **total,
                    "floor_p50_ms": None, "floor_p95_ms": None, "target": "— (cost of aggregates on write)",
                    "pass": None, "apply_p50_ms": apply_["p50_ms"], "apply_p95_ms": apply_["p95_ms"],
                    "locked_p50_ms": held["p50_ms"], "locked_p95_ms": held["p95_ms"],
                    "head_locked_p50_ms": head["p50_ms"], "head_locked_p95_ms": head["p95_ms"]})
    return out


# --- concurrency --------------------------------------------------------------------------------------


def _writer(slots: list[tuple[int, str]], indicator_ids: list[int], start_at: float, seed: int,
            queue: Any) -> None:
    connections.close_all()  # a connection of its own (never share the parent's socket)
    rng = random.Random(seed)
    inds = list(Indicator.objects.filter(pk__in=indicator_ids).prefetch_related("versions").order_by("code"))
    units = {u.pk: u for u in Unit.objects.filter(pk__in={s[0] for s in slots})}
    work = [(units[uid], Period.parse(p, PeriodType.MONTH)) for uid, p in slots]
    prepared = [_report_rows(inds, u, p, rng) for u, p in work]
    while time.time() < start_at:
        time.sleep(0.001)
    latencies = []
    began = time.perf_counter()
    for rows in prepared:
        t0 = time.perf_counter()
        services.values_write(actor=None, rows=rows)
        latencies.append(time.perf_counter() - t0)
    queue.put((latencies, time.perf_counter() - began))
    connections.close_all()


def _run_writers(plans: list[list[tuple[int, str]]], indicator_ids: list[int]) -> dict[str, float]:
    fork = multiprocessing.get_context("fork")
    queue = fork.Queue()
    connections.close_all()
    start_at = time.time() + 2.0
    procs = [fork.Process(target=_writer, args=(plan, indicator_ids, start_at, n, queue))
             for n, plan in enumerate(plans)]
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    latencies = [x for lat, _ in results for x in lat]
    wall = max(w for _, w in results)
    return {"writers": len(plans), "writes": len(latencies), "wall_s": wall, "writes_per_s": len(latencies) / wall,
            "p50_ms": 1000 * sorted(latencies)[len(latencies) // 2], "p95_ms": 1000 * percentile(latencies, 95)}


def bench_concurrency(ctx: Context, args: argparse.Namespace) -> list[dict[str, Any]]:
    """Scratch months after the data set: each writer writes ``--writes`` reports (20 values, one
    commune each), every report a first write. Hot: both writers in the same month (the national
    row of each indicator is shared, and a province row when their communes share a province).
    The scenarios run in turn, ``--repeat`` times, each time in months of their own."""
    inds = ctx.form_indicators[:20]
    ids = [i.pk for i in inds]
    k = args.writes
    rng = random.Random(11)
    communes = rng.sample(ctx.communes, min(len(ctx.communes), 2 * k))
    half_a, half_b = communes[:k], communes[k:2 * k]
    if len(half_b) < k:
        sys.exit("the concurrency benchmark needs 2 × --writes communes")
    names = ["1 writer", "2 writers, same month (shared national/province aggregate rows)",
             "2 writers, different months (disjoint aggregate rows)"]
    next_month = iter(ctx.end.next(12 + n) for n in range(1000))  # far from the write benchmark's months
    used: list[Period] = []
    runs: dict[str, list[dict[str, float]]] = {n: [] for n in names}
    try:
        for _ in range(args.repeat):
            for name in names:
                m1 = next(next_month)
                m2 = next(next_month) if name.startswith("2 writers, different") else m1
                used += [m1, m2]
                plan = [[(u.pk, m1.dhis2) for u in half_a]]
                if name.startswith("2 writers"):
                    plan.append([(u.pk, m2.dhis2) for u in half_b])
                r = _run_writers(plan, ids)
                print(f"  {name}: {r['writes_per_s']:.1f} writes/s, p50 {r['p50_ms']:.1f} ms, "
                      f"p95 {r['p95_ms']:.1f} ms")
                runs[name].append(r)
    finally:
        _remove_scratch(sorted({p.start for p in used}), ids)
    out = []
    for name in names:
        rs = sorted(runs[name], key=lambda r: r["writes_per_s"])
        mid = rs[len(rs) // 2]
        out.append({"name": f"concurrent values_write (20 values each): {name}", **mid,
                    "repeats": len(rs), "writes_per_s_all": [round(r["writes_per_s"], 1) for r in runs[name]]})
    return out


def bench_brin(ctx: Context, args: argparse.Namespace) -> list[dict[str, Any]]:
    """The dashboard's floor without and with a BRIN index on ``DataValue.period`` (values arrive
    month by month, so the table is physically in period order). The index is created in a
    transaction rolled back at the end: the database is left as it was."""
    ids = [i.pk for i in ctx.form_indicators[:20]]
    params = [ids, [p.start for p in ctx.periods], [u.path for u in ctx.provinces]]
    engine = floor(FLOOR_DASHBOARD, params)
    runs = min(args.runs, 10)
    without = summary(timed(lambda i: engine(), runs=runs, warmup=1))
    with transaction.atomic(), connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute("CREATE INDEX bench_brin_period ON indicators_datavalue USING brin (period)")
        built = time.perf_counter() - started
        cursor.execute("SELECT pg_size_pretty(pg_relation_size('bench_brin_period'))")
        size = cursor.fetchone()[0]
        with_brin = summary(timed(lambda i: engine(), runs=runs, warmup=1))
        if args.explain:
            print("\n--- dashboard floor with BRIN\n" + explain(FLOOR_DASHBOARD, params))
        transaction.set_rollback(True)
    print(f"  BRIN on period: built in {built:.1f} s, {size}")
    return [{"name": f"dashboard floor (GROUP BY over the leaf values), {label}", "rows_read": "≈816,000 leaf values",
             "floor_rows": "—", **s, "floor_p50_ms": None, "floor_p95_ms": None, "target": "— (experiment)",
             "pass": None} for label, s in (
                ("as the schema is", without),
                (f"with a BRIN index on period ({size}, built in {built:.0f} s)", with_brin))]


def _remove_scratch(starts: list[dt.date], indicator_ids: list[int]) -> None:
    """The scratch months hold nothing but the concurrency benchmark's values: dropping their
    values and aggregates together leaves the aggregates exact."""
    connection.close()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM indicators_datavalue WHERE period = ANY(%s) AND indicator_id = ANY(%s)",
                       [starts, indicator_ids])
        cursor.execute("DELETE FROM indicators_aggregate WHERE period = ANY(%s) AND indicator_id = ANY(%s)",
                       [starts, indicator_ids])


# --- output ---------------------------------------------------------------------------------------------


def fmt(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "pass" if v else "FAIL"
    if isinstance(v, float):
        return f"{v:,.1f}"
    return str(v)


def print_tables(rows: list[dict[str, Any]]) -> None:
    timing = [r for r in rows if "runs" in r]
    print("\n| measurement | runs | p50 ms | p95 ms | floor p50 ms | floor p95 ms | target | result |")
    print("|---|---|---|---|---|---|---|---|")
    for r in timing:
        print(f"| {r['name']} | {r['runs']} | {fmt(r['p50_ms'])} | {fmt(r['p95_ms'])} | {fmt(r['floor_p50_ms'])} "
              f"| {fmt(r['floor_p95_ms'])} | {r['target']} | {fmt(r['pass'])} |")
    writes = [r for r in timing if "apply_p50_ms" in r]
    if writes:
        print("\n| write | p50 ms | p95 ms | in rollup.apply p50 / p95 ms | aggregate rows locked p50 / p95 ms "
              "| audit head locked p50 / p95 ms |")
        print("|---|---|---|---|---|---|")
        for r in writes:
            print(f"| {r['name']} | {fmt(r['p50_ms'])} | {fmt(r['p95_ms'])} | {fmt(r['apply_p50_ms'])} / "
                  f"{fmt(r['apply_p95_ms'])} | {fmt(r['locked_p50_ms'])} / {fmt(r['locked_p95_ms'])} "
                  f"| {fmt(r['head_locked_p50_ms'])} / {fmt(r['head_locked_p95_ms'])} |")
    conc = [r for r in rows if "writers" in r]
    if conc:
        print("\n| concurrency (median repetition) | writes | wall s | writes/s | p50 ms | p95 ms "
              "| writes/s of each repetition |")
        print("|---|---|---|---|---|---|---|")
        for r in conc:
            print(f"| {r['name']} | {r['writes']} | {fmt(r['wall_s'])} | {fmt(r['writes_per_s'])} | "
                  f"{fmt(r['p50_ms'])} | {fmt(r['p95_ms'])} | {', '.join(map(str, r['writes_per_s_all']))} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--only", default=",".join(ALL),
                        help=f"comma-separated, among {', '.join(ALL + EXTRA)} (default: all but {', '.join(EXTRA)})")
    parser.add_argument("--writes", type=int, default=100, help="writes per writer in the concurrency benchmark")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of each concurrency scenario")
    parser.add_argument("--explain", action="store_true", help="print the queries and EXPLAIN ANALYZE")
    parser.add_argument("--profile", default="",
                        help="cProfile one call: national, dashboard, page, completeness, write")
    parser.add_argument("--json", default="", help="also write the figures to this file")
    args = parser.parse_args()
    only = [x.strip() for x in args.only.split(",") if x.strip()]
    unknown = set(only) - set(ALL) - set(EXTRA)
    if unknown:
        sys.exit(f"unknown measurement(s): {', '.join(sorted(unknown))}")

    facts = machine()
    ctx = Context()
    print(facts)
    print(f"Data: {ctx.size()}; months {ctx.periods[0]}–{ctx.end} measured")
    rows: list[dict[str, Any]] = []
    for name in only:
        print(f"\n== {name}", flush=True)
        started = time.perf_counter()
        rows += globals()[f"bench_{name}"](ctx, args)
        print(f"  ({time.perf_counter() - started:.1f} s)")
    print_tables(rows)
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": facts, "data": ctx.size(), "command": sys.argv,
                                               "results": rows}, indent=2, default=str))


if __name__ == "__main__":
    main()
