"""Measure the plans targets of issue 4 on the data set of ``plans_generate.py``:

- ``board``: the overdue board of the whole country (unit VN) — ``selectors.board(actor, unit)``,
  the one selector the page ``/plans/overdue/<code>/`` calls (``views_core.overdue_board``), and
  the page itself through Django's test client as ``admin`` (HTML rendered), p50/p95 over
  ``--runs`` runs after ``--warmup``; target ≤ 500 ms. Also, for reference, a province's board
  (Đắk Lắk, ``66``) as its supervisor ``snv.daklak`` (scoped access, not a superuser).
- ``reminders``: the daily reminder run (``urging.send_reminders``) **on the background worker**,
  as production runs it: the task is enqueued, then ``manage.py db_worker --batch`` runs it in a
  separate process with ``settings.DEBUG`` off. Three runs: a fresh day (no reminder sent before:
  the reminder keys and the reminder notifications are deleted first, so every overdue task is
  caught up once — the worst case), the same day again (must send nothing), and the next day (the
  ordinary daily increment). Timed by the worker's own ``started_at``/``finished_at`` and by the
  wall clock of the worker process (start-up included); target ≤ 60 s.

- ``onescan`` (experiment, only when named): the board's three grouped scans against one grouped
  query rolled up in Python — the change recommended in RESULTS.md.

``--explain`` prints the board's queries with EXPLAIN ANALYZE of the slowest; ``--profile
board|page|reminders`` a cProfile of one call (``reminders`` runs ``reminders_run`` in this
process on day + 2 and rolls it back).

    DXNET_DATABASE_URL=postgres://… .venv/bin/python bench/plans_run.py --runs 30 [--only board,reminders]
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import os
import pstats
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import ROOT, interleaved, machine, setup, summary  # noqa: E402

setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from dxnet.network.models import Unit  # noqa: E402
from dxnet.notifications.models import Notification  # noqa: E402
from dxnet.plans import selectors, urging  # noqa: E402
from dxnet.plans.models import ReminderSent, Task, TaskUpdate  # noqa: E402

REMINDER_KINDS = ("task_due", "task_overdue", "escalation", "recommendation")
WORKER = ("import sys; sys.path.insert(0, 'bench'); from _setup import setup; setup(); "
          "from django.core.management import call_command; "
          "call_command('db_worker', '--batch', '--queue-name', '*')")


def show_profile(name: str, fn: Callable[[], Any]) -> None:
    profiler = cProfile.Profile()
    profiler.runcall(fn)
    print(f"\n--- cProfile of {name} (top 25 by cumulative time)")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def show_queries(name: str, fn: Callable[[], Any], explain_top: int = 3) -> None:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    queries = list(ctx.captured_queries)
    total = sum(float(q["time"]) for q in queries)
    print(f"\n--- {name}: {len(queries)} queries, {1000 * total:.1f} ms in the database (client-side timing)")
    for q in sorted(queries, key=lambda q: -float(q["time"]))[:explain_top]:
        print(f"[{1000 * float(q['time']):.1f} ms] {q['sql'][:700]}")
        if q["sql"].lstrip().upper().startswith("SELECT"):
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
                print("\n".join(r[0][:300] for r in cursor.fetchall()))


def query_count(fn: Callable[[], Any]) -> tuple[int, float]:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries), 1000 * sum(float(q["time"]) for q in ctx.captured_queries)


# --- the overdue board ----------------------------------------------------------------------------


def bench_board(args: argparse.Namespace) -> list[dict[str, Any]]:
    User = get_user_model()
    admin = User.objects.get(username="admin")
    vn = Unit.objects.get(code="VN")
    out = []
    for label, user, unit in (("whole country (VN) as admin", admin, vn),
                              ("province Đắk Lắk (66) as its supervisor snv.daklak",
                               User.objects.get(username="snv.daklak"), Unit.objects.get(code="66"))):
        client = Client()
        client.force_login(user)
        url = reverse("overdue_board", args=[unit.code])
        probe = selectors.board(actor=user, unit=unit)
        t = probe["totals"]
        print(f"\nboard of {label}: {t['total']:,} tasks, {t['overdue']:,} overdue, {t['done']:,} done, "
              f"{t['done_late']:,} done late, {t['awaiting_update']:,} ongoing awaiting an update, on-time rate "
              f"{t['rate']} %; {len(probe['by_unit'])} branch rows, {len(probe['by_programme'])} programme rows, "
              f"{len(probe['late'])} late tasks listed, {len(probe['late_units'])} late units listed")
        check_board(probe, unit)

        def sel(i: int, user: Any = user, unit: Unit = unit) -> None:
            selectors.board(actor=user, unit=unit)

        def page(i: int, client: Client = client, url: str = url) -> None:
            response = client.get(url)
            assert response.status_code == 200, response.status_code

        n_sel, db_sel = query_count(lambda: sel(0))
        n_page, db_page = query_count(lambda: page(0))
        if args.explain:
            show_queries(f"selectors.board, {label}", lambda: sel(0))
        if args.profile == "board" and unit is vn:
            show_profile("selectors.board (VN)", lambda: sel(0))
        if args.profile == "page" and unit is vn:
            show_profile("overdue board page (VN)", lambda: page(0))
        times = interleaved({"selector": sel, "page": page}, runs=args.runs, warmup=args.warmup)
        size = f"{t['total']:,} tasks in the subtree"
        for name, what, n, db in (("selector", "selectors.board(actor, unit)", n_sel, db_sel),
                                  ("page", f"GET {url} (test client, HTML rendered)", n_page, db_page)):
            s = summary(times[name])
            out.append({"name": f"overdue board, {label}: {what}", "data": size, "queries": n,
                        "db_ms_one_call": round(db, 1), **s, "target": "≤ 500 ms" if unit is vn else "—",
                        "pass": s["p50_ms"] <= 500 if unit is vn else None})
    return out


def check_board(data: dict[str, Any], unit: Unit) -> None:
    """The board's totals equal a count of the tasks by their derived status."""
    from dxnet.plans import status

    today = data["today"]
    qs = selectors.subtree_tasks(unit)
    by = dict(qs.annotate(s=status.case(today)).values("s").annotate(n=Count("id")).values_list("s", "n"))
    t = data["totals"]
    for s in status.STATUSES:
        assert t[s] == by.get(s, 0), (s, t[s], by.get(s, 0))
    assert t["total"] == qs.count()


# --- experiment: the board's three grouped scans as one --------------------------------------------

ONE_SCAN = """
WITH g AS (
  SELECT t.lead_unit_id, t.programme_id,
    count(*) AS total,
    count(*) FILTER (WHERE t.cancelled_at IS NULL AND t.completed_on IS NULL AND t.deadline < %(d)s) AS overdue,
    count(*) FILTER (WHERE t.cancelled_at IS NULL AND t.completed_on IS NOT NULL
                       AND (t.deadline IS NULL OR t.completed_on <= t.deadline)) AS done,
    count(*) FILTER (WHERE t.cancelled_at IS NULL AND t.completed_on > t.deadline) AS done_late,
    count(*) FILTER (WHERE t.cancelled_at IS NULL AND t.completed_on IS NULL
                       AND (t.deadline IS NULL OR t.deadline >= %(d)s) AND t.progress > 0) AS in_progress,
    count(*) FILTER (WHERE t.cancelled_at IS NULL AND t.completed_on IS NULL
                       AND (t.deadline IS NULL OR t.deadline >= %(d)s) AND t.progress = 0) AS not_started,
    count(*) FILTER (WHERE t.cancelled_at IS NOT NULL) AS cancelled,
    count(*) FILTER (WHERE t.cancelled_at IS NULL AND t.deadline IS NOT NULL
                       AND (t.deadline < %(d)s OR t.completed_on IS NOT NULL)) AS due,
    count(*) FILTER (WHERE t.cancelled_at IS NULL AND t.completed_on IS NOT NULL AND t.deadline IS NOT NULL
                       AND t.completed_on <= t.deadline) AS on_time
  FROM plans_task t
  WHERE t.lead_unit_id IN (SELECT id FROM network_unit WHERE path >= %(low)s AND path < %(high)s)
  GROUP BY t.lead_unit_id, t.programme_id)
SELECT g.lead_unit_id, g.programme_id, u.path, u.code, u.name, g.total, g.overdue, g.done, g.done_late,
       g.in_progress, g.not_started, g.cancelled, g.due, g.on_time
FROM g JOIN network_unit u ON u.id = g.lead_unit_id
"""
COUNT_KEYS = ("total", "overdue", "done", "done_late", "in_progress", "not_started", "cancelled", "due", "on_time")


def one_scan(unit: Unit, today: dt.date) -> dict[str, Any]:
    """By branch, by programme and the late units from ONE grouped query (lead unit ×
    programme, ≈4,000 rows for the country) rolled up in Python."""
    from dxnet.network.models import SEGMENT, subtree_bounds

    low, high = subtree_bounds(unit.path)
    width = len(unit.path) + SEGMENT
    with connection.cursor() as cursor:
        cursor.execute(ONE_SCAN, {"d": today, "low": low, "high": high})
        rows = cursor.fetchall()
    branches: dict[str, dict[str, int]] = {}
    programmes: dict[int, dict[str, int]] = {}
    late: dict[int, list[Any]] = {}
    for lead, programme, path, code, name, *counts in rows:
        for bucket in (branches.setdefault(path[:width], dict.fromkeys(COUNT_KEYS, 0)),
                       programmes.setdefault(programme, dict.fromkeys(COUNT_KEYS, 0))):
            for k, v in zip(COUNT_KEYS, counts, strict=True):
                bucket[k] += v
        if counts[1]:
            late.setdefault(lead, [lead, code, name, 0])[3] += counts[1]
    late_units = sorted(late.values(), key=lambda r: (-r[3], r[2]))[:200]
    return {"branches": branches, "programmes": programmes, "late_units": late_units}


def bench_one_scan(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Experiment: the three grouped scans of ``selectors.board`` (by branch, by programme, late
    units) as the product makes them today, against one grouped query rolled up in Python
    (checked equal first)."""
    from django.db.models.functions import Substr

    from dxnet.plans import status

    vn = Unit.objects.get(code="VN")
    today = timezone.localdate()
    base = selectors.subtree_tasks(vn)
    width = len(vn.path) + 7

    def three(i: int) -> tuple[list[Any], list[Any], list[Any]]:
        return (list(base.annotate(branch=Substr("lead_unit__path", 1, width)).values("branch")
                     .annotate(**selectors._counts(today)).order_by("branch")),
                list(base.values("programme").annotate(**selectors._counts(today)).order_by("-overdue", "programme")),
                list(base.filter(status.q(status.OVERDUE, today))
                     .values("lead_unit", "lead_unit__code", "lead_unit__name").annotate(n=Count("id"))
                     .order_by("-n", "lead_unit__name")[:200]))

    by_branch, by_programme, late_units = three(0)
    got = one_scan(vn, today)
    assert {r["branch"]: {k: r[k] for k in COUNT_KEYS} for r in by_branch} == got["branches"]
    assert {r["programme"]: {k: r[k] for k in COUNT_KEYS} for r in by_programme} == got["programmes"]
    assert sorted((r["lead_unit"], r["n"]) for r in late_units) == sorted((r[0], r[3]) for r in got["late_units"])
    times = interleaved({"three": three, "one": lambda i: one_scan(vn, today)}, runs=args.runs, warmup=args.warmup)
    out = []
    for key, what in (("three", "board's 3 grouped scans as today (branch, programme, late units)"),
                      ("one", "experiment: 1 grouped query (lead unit × programme) + Python roll-up")):
        s = summary(times[key])
        out.append({"name": f"overdue board VN, {what}", "queries": 3 if key == "three" else 1,
                    "db_ms_one_call": None, **s, "target": "—", "pass": None})
    return out


# --- the reminder run -----------------------------------------------------------------------------


def state_counts() -> dict[str, int]:
    return {"reminder_keys": ReminderSent.objects.count(),
            **{f"notifications_{k}": n for k, n in Notification.objects.values_list("kind").annotate(n=Count("id"))
               .values_list("kind", "n")},
            "notifications": Notification.objects.count()}


def worker_run(day: dt.date) -> dict[str, Any]:
    """Enqueue ``send_reminders(day)`` and let ``db_worker --batch`` run it in its own process."""
    from django_tasks_db.models import DBTaskResult

    before = state_counts()
    result = urging.send_reminders.enqueue(day.isoformat())
    env = {**os.environ, "DXNET_DEBUG": "1"}
    started = time.perf_counter()
    run = subprocess.run([sys.executable, "-c", WORKER], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=900)
    wall = time.perf_counter() - started
    if run.returncode != 0:
        sys.exit(f"worker failed:\n{run.stderr[-3000:]}")
    row = DBTaskResult.objects.get(pk=result.id)
    if row.status != "SUCCESSFUL":
        sys.exit(f"task {row.status}:\n{row.traceback[-3000:]}")
    after = state_counts()
    created = {k: after.get(k, 0) - before.get(k, 0) for k in sorted(set(after) | set(before))}
    return {"day": day.isoformat(), "task_s": (row.finished_at - row.started_at).total_seconds(),
            "worker_wall_s": wall, "return_value": row.return_value, "created": created}


def reminder_items(day: dt.date) -> dict[str, int]:
    """What the run has to look at: open tasks with a deadline up to 7 days ahead."""
    qs = urging.open_tasks().filter(deadline__isnull=False, deadline__lte=day + dt.timedelta(days=7))
    return {"open tasks due by day+7": qs.count(), "late open tasks": qs.filter(deadline__lt=day).count(),
            "units with such tasks": qs.values("lead_unit").distinct().count()}


def bench_reminders(args: argparse.Namespace) -> list[dict[str, Any]]:
    today = timezone.localdate()
    if args.profile == "reminders":
        scratch = today + dt.timedelta(days=2)

        def once() -> None:
            with transaction.atomic():
                print(urging.reminders_run(today=scratch).as_dict())
                transaction.set_rollback(True)
        show_profile(f"reminders_run({scratch}) in this process (rolled back)", once)
    # A fresh day: nothing was ever reminded.
    with transaction.atomic():
        n_keys, _ = ReminderSent.objects.filter(key__regex=r"^(task|rec):").delete()
        n_notes, _ = Notification.objects.filter(kind__in=REMINDER_KINDS).delete()
    print(f"\nreminders: removed {n_keys:,} earlier reminder keys and {n_notes:,} reminder notifications")
    print("work on", today, reminder_items(today))
    out = []
    runs = [("fresh day (first run ever: every late task caught up)", today),
            ("same day again (idempotence: must send nothing)", today),
            ("next day (the ordinary daily run)", today + dt.timedelta(days=1))]
    for label, day in runs:
        r = worker_run(day)
        print(f"{label}: task {r['task_s']:.2f} s, worker process {r['worker_wall_s']:.2f} s, "
              f"returned {r['return_value']}, created {r['created']}", flush=True)
        ok = r["task_s"] <= 60
        if "idempotence" in label:
            ok = ok and r["return_value"]["notifications"] == 0 and r["created"].get("reminder_keys", 0) == 0 \
                and r["created"].get("notifications", 0) == 0
        out.append({"name": f"reminder run on the worker, {label}", "day": day.isoformat(),
                    "task_s": round(r["task_s"], 2), "worker_wall_s": round(r["worker_wall_s"], 2),
                    "return_value": r["return_value"], "created": r["created"], "target": "≤ 60 s",
                    "pass": ok})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--only", default="board,reminders")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--profile", default="", choices=["", "board", "page", "reminders"])
    parser.add_argument("--json", default="", help="write the results to this file")
    args = parser.parse_args()
    if not Task.objects.filter(programme__code__startswith="BENCH-").exists():
        sys.exit("Load the data set first: bench/plans_generate.py (see bench/README.md).")
    info = machine()
    print("machine:", ", ".join(f"{k}={v}" for k, v in info.items()), flush=True)
    size = {"tasks": Task.objects.count(), "updates": TaskUpdate.objects.count(),
            "programmes": Task.objects.values("programme").distinct().count()}
    print("data set:", size)
    only = set(args.only.split(","))
    results: list[dict[str, Any]] = []
    if "board" in only:
        results += bench_board(args)
    if "onescan" in only:  # an experiment: only when named
        results += bench_one_scan(args)
    if "reminders" in only:
        results += bench_reminders(args)
    print("\n| what | p50 / time | p95 | queries | pass |\n|---|---|---|---|---|")
    for r in results:
        if "p50_ms" in r:
            print(f"| {r['name']} | {r['p50_ms']:.0f} ms | {r['p95_ms']:.0f} ms | {r['queries']} "
                  f"| {r['pass']} |")
        else:
            print(f"| {r['name']} | {r['task_s']:.2f} s (process {r['worker_wall_s']:.2f} s) | — | — | {r['pass']} |")
    info["load_average_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print("load average at the end:", info["load_average_end"])
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": info, "data": size, "results": results}, indent=1,
                                              ensure_ascii=False, default=str))
        print("written", args.json)


if __name__ == "__main__":
    main()
