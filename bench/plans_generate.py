"""Load the plans benchmark data set (issue 4): ≈100,000 tasks across 50 programmes, plus the
people who receive the reminders.

The shape follows how plans cascade in the demo seeds:

- one **national programme** (owner: the national root) with top tasks led by ministries, some
  of them ("các bộ, ngành, địa phương") cascaded to **every ministry and province** — one child
  task each, as ``services.task_assign_to_all`` makes them;
- **15 ministry programmes**, each with head tasks led by the ministry and a child task for
  every province;
- **34 province plans** (one per province, detailing the national cascade task given to that
  province: ``Programme.source_task``), each with head tasks led by the province and a child
  task for **every commune** of the province ("every commune writes its plan");
- the remainder, to reach ``--tasks`` exactly, as extra national tasks led by ministries.

Deadlines are spread over 2025–2027 in every written form (date, month, quarter, half-year,
year, *Thường xuyên*), parsed by ``deadlines.parse_deadline`` as the import does; the children of
a head share its deadline. Against today (Asia/Ho_Chi_Minh), a task whose deadline has passed is
done on time, done late or still open (overdue) so that ≈25 % of all tasks are overdue; a task not
yet due is done early, in progress or not started; 1 % are cancelled. Ongoing tasks get progress
updates in the current quarter or not (then they await an update). ``created_at`` is moved back to
the programme's start (``auto_now_add`` would stamp today).

People: a supervisor and a reporter for every province, a reporter for every ministry, a
supervisor on the national root, and a reporter for ``--commune-reporters`` communes (a seeded
sample), created with ``bulk_create`` (users without a usable password, profiles, role
assignments from 2025-01-01). Communes without a reporter still get their reminder keys stored;
nobody is notified there (``notifications.unit_user_ids`` finds nobody).

Everything it creates is marked: programmes ``BENCH-…``, users ``bench.…``; ``--reset`` removes
them (and the reminders and notifications made from them) first.

    DXNET_DATABASE_URL=postgres://… .venv/bin/python bench/plans_generate.py [--tasks 100000] [--reset]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import Step, machine, setup  # noqa: E402

PREFIX = "BENCH-"
USER_PREFIX = "bench."
START, END = dt.date(2025, 1, 1), dt.date(2027, 12, 31)
ROLES_FROM = dt.date(2025, 1, 1)
OVERDUE_SHARE = 0.25  # of all tasks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--commune-reporters", type=int, default=500)
    parser.add_argument("--national-cascades", type=int, default=40,
                        help="national tasks given to every ministry and province")
    parser.add_argument("--national-tasks", type=int, default=140)
    parser.add_argument("--ministry-programmes", type=int, default=15)
    parser.add_argument("--ministry-heads", type=int, default=10)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--reset", action="store_true", help="remove an earlier plans benchmark data set first")
    args = parser.parse_args()
    setup()

    from django.db import connection, transaction
    from django.utils import timezone

    from dxnet.network.models import Unit, UnitType
    from dxnet.plans.models import Programme

    info = machine()
    print("machine:", ", ".join(f"{k}={v}" for k, v in info.items()), flush=True)
    if Programme.objects.filter(code__startswith=PREFIX).exists() and not args.reset:
        sys.exit("A plans benchmark data set is already loaded: pass --reset to replace it.")
    vn = Unit.objects.filter(code="VN").first()
    if vn is None:
        sys.exit("Load the units first: manage.py load_units (see bench/README.md).")
    rng = random.Random(args.seed)
    today = timezone.localdate()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    if args.reset:
        with Step("reset", timings):
            reset()

    ministries = list(Unit.objects.current().filter(unit_type=UnitType.MINISTRY).order_by("path"))
    provinces = list(Unit.objects.current().filter(unit_type=UnitType.PROVINCE).order_by("path"))
    communes_of: dict[int, list[Unit]] = defaultdict(list)
    for c in Unit.objects.current().filter(unit_type=UnitType.COMMUNE).order_by("path"):
        communes_of[c.ancestor_ids[1]].append(c)
    n_communes = sum(len(v) for v in communes_of.values())
    print(f"units: {len(ministries)} ministries, {len(provinces)} provinces, {n_communes} communes; today {today}")

    with Step("people (users, profiles, role assignments)", timings), transaction.atomic():
        people = make_people(rng, vn, ministries, provinces, communes_of, args.commune_reporters)
    print("  " + ", ".join(f"{k}: {v:,}" for k, v in people.items()))

    with Step("programmes and tasks (bulk_create)", timings), transaction.atomic():
        made = make_tasks(rng, args, today, vn, ministries, provinces, communes_of)
    print("  " + ", ".join(f"{k}: {v:,}" for k, v in made.items()))

    with Step("progress updates (bulk_create)", timings), transaction.atomic():
        n_updates = make_updates(rng, today)
    print(f"  updates: {n_updates:,}")

    with Step("ANALYZE", timings), connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    report(today)
    print(f"total: {time.perf_counter() - started:.1f} s")


# --- reset ----------------------------------------------------------------------------------------


def reset() -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from dxnet.notifications.models import Notification
    from dxnet.plans.models import Programme, ReminderSent

    with transaction.atomic():
        ReminderSent.objects.filter(key__startswith="task:").delete()
        Notification.objects.filter(kind__in=["task_due", "task_overdue", "escalation"]).delete()
        progs = Programme.objects.filter(code__startswith=PREFIX)
        with connection.cursor() as cursor:  # the cascade through Django would load 100,000 rows
            ids = list(progs.values_list("pk", flat=True))
            cursor.execute("DELETE FROM plans_taskupdate WHERE task_id IN (SELECT id FROM plans_task "
                           "WHERE programme_id = ANY(%s))", [ids])
            cursor.execute("DELETE FROM plans_task_coordinating_units WHERE task_id IN (SELECT id FROM plans_task "
                           "WHERE programme_id = ANY(%s))", [ids])
            cursor.execute("UPDATE plans_programme SET source_task_id = NULL WHERE id = ANY(%s)", [ids])
            cursor.execute("DELETE FROM plans_task WHERE programme_id = ANY(%s)", [ids])
        progs.delete()
        get_user_model().objects.filter(username__startswith=USER_PREFIX).delete()


# --- people ---------------------------------------------------------------------------------------


def make_people(rng: random.Random, vn, ministries, provinces, communes_of, n_commune_reporters: int
                ) -> dict[str, int]:
    from django.contrib.auth import get_user_model

    from dxnet.network.models import Profile, RoleAssignment

    User = get_user_model()
    wanted: list[tuple[str, str, object, str]] = [(f"{USER_PREFIX}vn.sup", "Giám sát quốc gia", vn, "supervisor")]
    for m in ministries:
        wanted.append((f"{USER_PREFIX}{m.code.lower()}.rep", f"Chuyên viên {m.name}"[:150], m, "reporter"))
    for p in provinces:
        wanted.append((f"{USER_PREFIX}p{p.code}.sup", f"Giám sát {p.name}"[:150], p, "supervisor"))
        wanted.append((f"{USER_PREFIX}p{p.code}.rep", f"Báo cáo viên {p.name}"[:150], p, "reporter"))
    all_communes = [c for cs in communes_of.values() for c in cs]
    for c in sorted(rng.sample(all_communes, min(n_commune_reporters, len(all_communes))), key=lambda u: u.path):
        wanted.append((f"{USER_PREFIX}c{c.code}.rep", f"Công chức {c.name}"[:150], c, "reporter"))
    users = User.objects.bulk_create([
        User(username=name, first_name=full[:150], email=f"{name}@bench.dxnet.local", password="!bench",
             is_active=True) for name, full, _u, _r in wanted], batch_size=2000)
    Profile.objects.bulk_create([Profile(user=u, unit=unit, position=role)
                                 for u, (_n, _f, unit, role) in zip(users, wanted, strict=True)], batch_size=2000)
    RoleAssignment.objects.bulk_create([RoleAssignment(user=u, unit=unit, role=role, starts_on=ROLES_FROM)
                                        for u, (_n, _f, unit, role) in zip(users, wanted, strict=True)],
                                       batch_size=2000)
    counts: dict[str, int] = defaultdict(int)
    for _n, _f, unit, role in wanted:
        counts[f"{role}s on {unit.unit_type}"] += 1
    return {"users": len(users), **counts}


# --- deadlines and states -------------------------------------------------------------------------

QUARTERS = {1: "I", 2: "II", 3: "III", 4: "IV"}


def deadline_text(rng: random.Random) -> str:
    """A deadline as a plan writes it, somewhere in 2025–2027."""
    day = START + dt.timedelta(days=rng.randrange((END - START).days + 1))
    r = rng.random()
    if r < 0.55:
        return f"{day.day}/{day.month}/{day.year}"
    if r < 0.70:
        return f"{day.month}/{day.year}" if rng.random() < 0.5 else f"Tháng {day.month}/{day.year}"
    if r < 0.82:
        return f"Quý {QUARTERS[(day.month - 1) // 3 + 1]}/{day.year}"
    if r < 0.86:
        return f"6 tháng {'đầu' if day.month <= 6 else 'cuối'} năm {day.year}"
    if r < 0.95:
        return str(day.year)
    return rng.choice(["Thường xuyên", "Thường xuyên, hằng năm", "Thường xuyên, hằng quý", "Thường xuyên, hằng tháng"])


def state(rng: random.Random, deadline: dt.date | None, today: dt.date, p_open_past: float
          ) -> tuple[int, dt.date | None, bool]:
    """(progress, completed_on, cancelled) of one task."""
    if rng.random() < 0.01:
        return rng.randrange(0, 80, 10), None, True
    if deadline is None:  # ongoing: never completed
        return rng.randrange(0, 95, 5), None, False
    if deadline < today:
        r = rng.random()
        if r < p_open_past:  # overdue
            return (0 if rng.random() < 0.3 else rng.randrange(5, 100, 5)), None, False
        if r < p_open_past + (1 - p_open_past) * 0.65:  # done on time
            done = deadline - dt.timedelta(days=rng.randrange(0, 60))
            return 100, max(done, START), False
        late = deadline + dt.timedelta(days=rng.randrange(1, 120))  # done late
        return 100, min(late, today), False
    r = rng.random()
    if r < 0.08:  # done early
        return 100, today - dt.timedelta(days=rng.randrange(0, 90)), False
    if r < 0.55:
        return rng.randrange(5, 100, 5), None, False
    return 0, None, False


# --- programmes and tasks -------------------------------------------------------------------------

GROUPS = ["I. Hoàn thiện thể chế", "II. Phát triển hạ tầng số", "III. Dữ liệu số", "IV. Chính quyền số",
          "V. Kinh tế số", "VI. Xã hội số", "VII. Tổ chức thực hiện"]
VERBS = ["Xây dựng", "Triển khai", "Rà soát, hoàn thiện", "Đánh giá", "Tổ chức", "Cập nhật", "Số hóa",
         "Kết nối, chia sẻ", "Báo cáo kết quả", "Tuyên truyền"]
OBJECTS = ["kế hoạch chuyển đổi số", "cơ sở dữ liệu dân cư", "dịch vụ công trực tuyến toàn trình",
           "hạ tầng mạng 5G", "nền tảng định danh điện tử", "hồ sơ công việc điện tử", "kho dữ liệu dùng chung",
           "tổ công nghệ số cộng đồng", "chữ ký số cho cán bộ", "chỉ số DTI"]


def title(rng: random.Random) -> str:
    return f"{rng.choice(VERBS)} {rng.choice(OBJECTS)}"


def make_tasks(rng, args, today, vn, ministries, provinces, communes_of) -> dict[str, int]:
    from dxnet.plans.deadlines import parse_deadline
    from dxnet.plans.models import Programme, Task

    frac_past = ((today - START).days) / ((END - START).days + 1)
    # ≈ 90 % of tasks have a deadline; OVERDUE_SHARE of all should be open past it.
    p_open_past = min(0.95, OVERDUE_SHARE / max(0.05, 0.9 * frac_past * 0.99))
    parsed: dict[str, object] = {}

    def fields(text: str) -> dict[str, object]:
        d = parsed.get(text) or parsed.setdefault(text, parse_deadline(text))
        return {"deadline_kind": d.kind, "deadline": d.due, "deadline_text": d.text or text,
                "reporting_cycle": d.cycle}

    def task(programme, lead, text, *, parent=None, group="", number="", name="") -> Task:
        f = fields(text)
        progress, completed_on, cancelled = state(rng, f["deadline"], today, p_open_past)
        return Task(programme=programme, parent=parent, group=group, number=number, title=name or title(rng),
                    lead_unit=lead, expected_output="Báo cáo kết quả", priority=rng.choice([1, 2, 2, 2, 3]),
                    progress=progress, completed_on=completed_on,
                    cancelled_at=(dt.datetime(2025, 9, 1, tzinfo=dt.UTC) if cancelled else None), **f)

    def copy(head: Task, lead, programme) -> Task:
        progress, completed_on, cancelled = state(rng, head.deadline, today, p_open_past)
        return Task(programme=programme, parent=head, group=head.group, number=head.number, title=head.title,
                    lead_unit=lead, expected_output=head.expected_output, priority=head.priority,
                    deadline_kind=head.deadline_kind, deadline=head.deadline, deadline_text=head.deadline_text,
                    reporting_cycle=head.reporting_cycle, progress=progress, completed_on=completed_on,
                    cancelled_at=(dt.datetime(2025, 9, 1, tzinfo=dt.UTC) if cancelled else None))

    # Sizes: national + ministries fixed; province plans take what remains, heads spread over
    # the provinces in turn; the last remainder are extra national tasks.
    fixed = args.national_tasks + args.national_cascades * (len(ministries) + len(provinces)) \
        + args.ministry_programmes * args.ministry_heads * (1 + len(provinces))
    left = args.tasks - fixed
    if left < 0:
        sys.exit(f"--tasks {args.tasks} is below the fixed part ({fixed}).")
    heads_of: dict[int, int] = {p.pk: 0 for p in provinces}
    while True:
        grew = False
        for p in provinces:
            cost = 1 + len(communes_of[p.pk])
            if left >= cost:
                heads_of[p.pk] += 1
                left -= cost
                grew = True
        if not grew:
            break
    extra_national = left

    made: dict[str, int] = defaultdict(int)
    nat = Programme.objects.create(
        code=f"{PREFIX}NQ03", title="Chương trình hành động quốc gia về chuyển đổi số (benchmark)",
        kind=Programme.Kind.PROGRAMME, owner=vn, legal_number="03/NQ-CP", legal_date=dt.date(2025, 1, 9),
        legal_issuer="Chính phủ", starts_on=START, ends_on=END)
    made["programmes"] += 1
    tops = [task(nat, rng.choice(ministries), deadline_text(rng), group=rng.choice(GROUPS), number=str(i + 1))
            for i in range(args.national_tasks + extra_national)]
    tops = Task.objects.bulk_create(tops, batch_size=5000)
    cascades = tops[:args.national_cascades]
    children = [copy(head, unit, nat) for head in cascades for unit in (*ministries, *provinces)]
    children = Task.objects.bulk_create(children, batch_size=5000)
    made["national tasks"] += len(tops) + len(children)
    # the first cascade task's province children are what each province plan details
    plan_source = {c.lead_unit_id: c for c in children if c.parent_id == cascades[0].pk}
    coord = Task.coordinating_units.through
    links = [coord(task_id=t.pk, unit_id=u.pk) for t in tops[args.national_cascades:]
             for u in rng.sample(ministries, rng.randrange(0, 4)) if u.pk != t.lead_unit_id]

    for m in ministries[:args.ministry_programmes]:
        prog = Programme.objects.create(
            code=f"{PREFIX}{m.code}", title=f"Kế hoạch chuyển đổi số của {m.name} (benchmark)",
            owner=m, legal_number=f"{rng.randrange(100, 999)}/KH-{m.code}", legal_date=dt.date(2025, 3, 1),
            legal_issuer=m.name, starts_on=START, ends_on=END)
        made["programmes"] += 1
        heads = Task.objects.bulk_create([task(prog, m, deadline_text(rng), group=rng.choice(GROUPS),
                                               number=str(i + 1)) for i in range(args.ministry_heads)])
        kids = Task.objects.bulk_create([copy(h, p, prog) for h in heads for p in provinces], batch_size=5000)
        links += [coord(task_id=h.pk, unit_id=u.pk) for h in heads for u in rng.sample(ministries, 2)
                  if u.pk != m.pk]
        made["ministry tasks"] += len(heads) + len(kids)

    for p in provinces:
        prog = Programme.objects.create(
            code=f"{PREFIX}P{p.code}", title=f"Kế hoạch chi tiết của {p.name} (benchmark)", owner=p,
            legal_number=f"{rng.randrange(10, 300)}/KH-UBND", legal_date=dt.date(2025, 4, 1),
            legal_issuer=f"Ủy ban nhân dân {p.name}", starts_on=START, ends_on=END, source_task=plan_source.get(p.pk))
        made["programmes"] += 1
        heads = Task.objects.bulk_create([task(prog, p, deadline_text(rng), group=rng.choice(GROUPS),
                                               number=str(i + 1)) for i in range(heads_of[p.pk])])
        kids = Task.objects.bulk_create([copy(h, c, prog) for h in heads for c in communes_of[p.pk]],
                                        batch_size=5000)
        made["province tasks"] += len(heads) + len(kids)
    coord.objects.bulk_create(links, batch_size=5000, ignore_conflicts=True)
    made["coordinating links"] = len(links)

    from django.db import connection

    with connection.cursor() as cursor:  # created at the programme's start, not today
        cursor.execute(
            "UPDATE plans_task t SET created_at = (p.starts_on + (t.id %% 60) * interval '1 day') "
            "AT TIME ZONE 'Asia/Ho_Chi_Minh' FROM plans_programme p "
            "WHERE p.id = t.programme_id AND p.code LIKE %s", [PREFIX + "%"])
        cursor.execute("UPDATE plans_programme SET created_at = starts_on AT TIME ZONE 'Asia/Ho_Chi_Minh' "
                       "WHERE code LIKE %s", [PREFIX + "%"])
    made["tasks"] = Task.objects.filter(programme__code__startswith=PREFIX).count()
    return made


def make_updates(rng: random.Random, today: dt.date) -> int:
    """Progress updates: 30 % of the tasks with progress get 1–3 updates; ongoing tasks get one
    in the current quarter with probability 0.6 (the rest await an update)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from dxnet.plans.models import Task, TaskUpdate
    from dxnet.plans.status import cycle_start

    actor_id = get_user_model().objects.filter(username="admin").values_list("pk", flat=True).first()
    q_start = cycle_start("quarter", today)
    rows = []

    def at(day: dt.date) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time(9, rng.randrange(60))))

    for pk, unit_id, progress, deadline, completed_on in (
            Task.objects.filter(programme__code__startswith=PREFIX, progress__gt=0)
            .values_list("pk", "lead_unit_id", "progress", "deadline", "completed_on").iterator(chunk_size=10000)):
        if deadline is None:
            if rng.random() < 0.6:
                day = q_start + dt.timedelta(days=rng.randrange(max(1, (today - q_start).days)))
                rows.append(TaskUpdate(task_id=pk, unit_id=unit_id, actor_id=actor_id, percent=progress,
                                       text="Cập nhật định kỳ", at=at(day)))
            continue
        if rng.random() >= 0.3:
            continue
        last = completed_on or min(today, deadline)
        n = rng.randrange(1, 4)
        for k in range(n):
            day = last - dt.timedelta(days=30 * (n - 1 - k))
            rows.append(TaskUpdate(task_id=pk, unit_id=unit_id, actor_id=actor_id,
                                   percent=progress if k == n - 1 else progress * (k + 1) // n,
                                   text="Đã triển khai", at=at(max(day, START))))
    TaskUpdate.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def report(today: dt.date) -> None:
    from django.db.models import Count

    from dxnet.plans import status
    from dxnet.plans.models import Programme, Task, TaskUpdate

    qs = Task.objects.filter(programme__code__startswith=PREFIX)
    total = qs.count()
    by = {r["status"]: r["n"] for r in qs.annotate(status=status.case(today)).values("status").annotate(n=Count("id"))}
    print(f"data set: {Programme.objects.filter(code__startswith=PREFIX).count()} programmes, {total:,} tasks, "
          f"{TaskUpdate.objects.filter(task__programme__code__startswith=PREFIX).count():,} updates")
    print("  status today: " + ", ".join(f"{s} {by.get(s, 0):,} ({100 * by.get(s, 0) / total:.1f} %)"
                                         for s in status.STATUSES))
    soon = qs.filter(deadline__gte=today, deadline__lte=today + dt.timedelta(days=7), completed_on__isnull=True,
                     cancelled_at__isnull=True).count()
    print(f"  ongoing (no deadline): {qs.filter(deadline__isnull=True).count():,}; due within 7 days: {soon:,}")


if __name__ == "__main__":
    main()
