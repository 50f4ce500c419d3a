"""Urging (đôn đốc): the scheduled reminders, their escalation, the formal urging notice and its
acknowledgement, and the urging of late reports (the reporting module's hook).

**Reminders.** For every open task with a deadline, the reporters and focal points of its lead
unit are told ``DAYS_BEFORE`` days before (7 and 1), on the day, and after it (1 and 7 days, then
every week). After the deadline the reminder is also **escalated** to the supervisors of the
late unit: the people holding a supervisor or leader role on its nearest ancestor that has such
people (a commune's province, an agency's province or ministry). Recommendations waiting for an
answer are reminded to their responsible unit the same way.

**Idempotent.** Every reminder has a key in ``ReminderSent`` (unique): the object, the stage and
the deadline (``task:42:after:7:2025-06-30``; ``…:up`` for its escalation). A run sends only
the stages whose key is not stored, and stores the keys in the same transaction as the
notifications, so a re-run — or a second worker racing the first — sends nothing twice. A stage
is the latest one reached, not only the one falling today: a day the job did not run is caught
up by the next run, once. Changing a deadline starts its reminders afresh.

Notifications are grouped, not one per task: one per unit and kind for the unit's people, one
per supervising unit for an escalation (listing the late units below it, with a link to the
urging notice form prefilled with them).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.dispatch import receiver
from django.http import Http404
from django.tasks import task
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dxnet.core import access, audit
from dxnet.indicators.completeness import urging_requested
from dxnet.indicators.services import Rejected
from dxnet.network.models import RoleAssignment, Unit, UnitType, subtree_bounds
from dxnet.notifications import services as notifications
from dxnet.notifications.models import Kind
from dxnet.recommendations.models import Recommendation

from .models import ReminderSent, Task, UrgingNotice, UrgingRecipient

logger = logging.getLogger(__name__)

DAYS_BEFORE = (7, 1)  # reminders this many days before the deadline
DAYS_AFTER = (1, 7)  # and this many days after it …
WEEKLY = 7  # … then every week
SUPERVISOR_ROLES = frozenset({"supervisor", "leader"})
BODY_LINES = 10  # items listed in a notification's body; the rest is a count
URL_UNITS = 40  # units (and tasks) carried in a prefilled form's link
CHUNK = 900  # ids per IN (…) — under SQLite's variable limit


# --- the late ones (own small selectors: the plans core's lists are not needed here) --------


def open_tasks() -> QuerySet[Task]:
    """Tasks still to do: not cancelled, not completed."""
    return Task.objects.filter(cancelled_at__isnull=True, completed_on__isnull=True, progress__lt=100)


def late_tasks(*, today: dt.date | None = None, within: Unit | None = None) -> QuerySet[Task]:
    """Open tasks whose deadline day has passed (the deadline day itself is not late)."""
    today = today or timezone.localdate()
    qs = open_tasks().filter(deadline__lt=today)
    if within is not None:
        low, high = subtree_bounds(within.path)
        qs = qs.filter(lead_unit__path__gte=low, lead_unit__path__lt=high)
    return qs


def late_recommendations(*, today: dt.date | None = None, within: Unit | None = None) -> QuerySet[Recommendation]:
    """Recommendations routed to a unit whose answer deadline has passed without an answer."""
    today = today or timezone.localdate()
    qs = Recommendation.objects.filter(responsible__isnull=False, answered_at__isnull=True, deadline__lt=today)
    if within is not None:
        low, high = subtree_bounds(within.path)
        qs = qs.filter(responsible__path__gte=low, responsible__path__lt=high)
    return qs


@dataclass
class LateUnit:
    unit: Unit
    tasks: int = 0
    recommendations: int = 0


def late_units(*, within: Unit, today: dt.date | None = None, subject: str = UrgingNotice.Subject.TASKS
               ) -> list[LateUnit]:
    """The units of ``within``'s subtree (itself excluded: a unit does not urge itself) that
    have late tasks (or late answers to recommendations), with their counts."""
    today = today or timezone.localdate()
    if subject == UrgingNotice.Subject.RECOMMENDATIONS:
        counts = dict(late_recommendations(today=today, within=within).values_list("responsible")
                      .annotate(n=Count("id")).values_list("responsible", "n"))
    else:
        counts = dict(late_tasks(today=today, within=within).values_list("lead_unit")
                      .annotate(n=Count("id")).values_list("lead_unit", "n"))
    counts.pop(within.pk, None)
    out = []
    for start in range(0, len(ids := sorted(counts)), CHUNK):
        for u in Unit.objects.filter(pk__in=ids[start:start + CHUNK]):
            out.append(LateUnit(u, tasks=counts[u.pk]) if subject != UrgingNotice.Subject.RECOMMENDATIONS
                       else LateUnit(u, recommendations=counts[u.pk]))
    return sorted(out, key=lambda lu: lu.unit.path)


# --- stages ------------------------------------------------------------------------------------


def stage_for(deadline: dt.date, today: dt.date) -> str | None:
    """The latest reminder stage reached on ``today``: ``before:7``, ``before:1``, ``due``,
    ``after:1``, ``after:7``, ``after:14``, …; None when the first reminder is still ahead."""
    days = (today - deadline).days
    if days < 0:
        reached = [n for n in DAYS_BEFORE if -days <= n]
        return f"before:{min(reached)}" if reached else None
    if days == 0:
        return "due"
    last = max(DAYS_AFTER)
    if days < last:
        return f"after:{max(n for n in DAYS_AFTER if n <= days)}"
    return f"after:{last + (days - last) // WEEKLY * WEEKLY}"


def _when(deadline: dt.date, today: dt.date) -> str:
    days = (deadline - today).days
    d = deadline.strftime("%d/%m/%Y")
    if days > 0:
        return ngettext("due in %(n)d day (%(date)s)", "due in %(n)d days (%(date)s)", days) % {"n": days, "date": d}
    if days == 0:
        return _("due today (%(date)s)") % {"date": d}
    return ngettext("overdue by %(n)d day (deadline %(date)s)", "overdue by %(n)d days (deadline %(date)s)",
                    -days) % {"n": -days, "date": d}


_url_cache: dict[str, bool] = {}


def _url(name: str, *args: Any, fallback: str = "/plans/") -> str:
    """A page of another module when it exists (the plans core and recommendations pages are
    written alongside this module), else ``fallback``."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return fallback


def urging_new_url(*, units: Sequence[Unit], tasks: Iterable[int] = (), subject: str = "",
                   reference: str = "") -> str:
    query: list[tuple[str, Any]] = [("unit", u.code) for u in units[:URL_UNITS]]
    query += [("task", t) for t in list(tasks)[:URL_UNITS]]
    if subject:
        query.append(("subject", subject))
    if reference:
        query.append(("reference", reference))
    return reverse("urging_new") + ("?" + urlencode(query) if query else "")


# --- the reminder run ---------------------------------------------------------------------------


@dataclass
class Item:
    kind: str  # "task" or "rec"
    pk: int
    label: str
    deadline: dt.date
    unit_id: int
    stage: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.pk}:{self.stage}:{self.deadline.isoformat()}"

    @property
    def late(self) -> bool:
        return self.stage.startswith("after:")


@dataclass
class RunResult:
    reminders: int = 0  # keys stored for units
    escalations: int = 0  # keys stored for supervisors
    notifications: int = 0
    skipped: int = 0  # units whose reminders another run stored first

    def as_dict(self) -> dict[str, int]:
        return {"reminders": self.reminders, "escalations": self.escalations,
                "notifications": self.notifications, "skipped": self.skipped}


def _items(today: dt.date) -> list[Item]:
    horizon = today + dt.timedelta(days=max(DAYS_BEFORE))
    items: list[Item] = []
    rows = (open_tasks().filter(deadline__isnull=False, deadline__lte=horizon)
            .values_list("pk", "number", "title", "deadline", "lead_unit_id")
            .order_by("lead_unit_id", "deadline", "pk"))
    for pk, number, title, deadline, unit_id in rows.iterator(chunk_size=5000):
        stage = stage_for(deadline, today)
        if stage:
            label = f"{number} {title}".strip() if number else title
            items.append(Item("task", pk, label, deadline, unit_id, stage))
    recs = (Recommendation.objects.filter(responsible__isnull=False, answered_at__isnull=True,
                                          deadline__isnull=False, deadline__lte=horizon)
            .values_list("pk", "title", "deadline", "responsible_id").order_by("responsible_id", "deadline", "pk"))
    for pk, title, deadline, unit_id in recs.iterator(chunk_size=5000):
        stage = stage_for(deadline, today)
        if stage:
            items.append(Item("rec", pk, title, deadline, unit_id, stage))
    return items


def _existing(keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), CHUNK):
        found.update(ReminderSent.objects.filter(key__in=keys[start:start + CHUNK]).values_list("key", flat=True))
    return found


def _line(item: Item, today: dt.date) -> str:
    label = item.label if len(item.label) <= 160 else item.label[:157] + "…"
    return f"- {label} — {_when(item.deadline, today)}"


def _body(lines: list[str]) -> str:
    shown = lines[:BODY_LINES]
    if len(lines) > len(shown):
        shown.append(ngettext("… and %(n)d more", "… and %(n)d more", len(lines) - len(shown))
                     % {"n": len(lines) - len(shown)})
    return "\n".join(shown)


def _unit_message(kind: str, unit: Unit, items: list[Item], today: dt.date) -> tuple[str, str, str]:
    n = len(items)
    if kind == Kind.RECOMMENDATION:
        title = ngettext("%(n)d recommendation awaits an answer from %(unit)s",
                         "%(n)d recommendations await an answer from %(unit)s", n) % {"n": n, "unit": unit.name}
        url = (_url("recommendation_detail", items[0].pk, fallback="/recommendations/") if n == 1
               else _url("recommendation_list", fallback="/recommendations/"))
    elif kind == Kind.TASK_OVERDUE:
        title = ngettext("%(n)d task of %(unit)s is overdue", "%(n)d tasks of %(unit)s are overdue",
                         n) % {"n": n, "unit": unit.name}
        url = _url("task", items[0].pk) if n == 1 else _url("my_tasks")
    else:
        title = ngettext("%(n)d task of %(unit)s is due soon", "%(n)d tasks of %(unit)s are due soon",
                         n) % {"n": n, "unit": unit.name}
        url = _url("task", items[0].pk) if n == 1 else _url("my_tasks")
    return title, _body([_line(i, today) for i in items]), url


def _kind_of(item: Item) -> str:
    if item.kind == "rec":
        return Kind.RECOMMENDATION
    return Kind.TASK_OVERDUE if item.late else Kind.TASK_DUE


def _supervisors() -> dict[int, list[int]]:
    """Unit id → people holding a supervisor or leader role on it today (a few hundred rows)."""
    out: dict[int, list[int]] = defaultdict(list)
    for unit_id, user_id in (RoleAssignment.objects.active().filter(role__in=SUPERVISOR_ROLES, user__is_active=True)
                             .values_list("unit_id", "user_id")):
        if user_id not in out[unit_id]:
            out[unit_id].append(user_id)
    return out


def escalation_target(unit: Unit, supervisors: dict[int, list[int]]) -> int | None:
    """The nearest ancestor of ``unit`` (itself excluded) on which someone is supervisor or
    leader."""
    for ancestor_id in reversed(unit.ancestor_ids[:-1]):
        if supervisors.get(ancestor_id):
            return ancestor_id
    return None


def reminders_run(*, today: dt.date | None = None) -> RunResult:
    """Send every reminder (and escalation) due today that was not sent before."""
    today = today or timezone.localdate()
    result = RunResult()
    with translation.override(settings.LANGUAGE_CODE):
        items = _items(today)
        sent = _existing([i.key for i in items] + [i.key + ":up" for i in items if i.late])
        todo = [i for i in items if i.key not in sent]
        escalate = [i for i in items if i.late and i.key + ":up" not in sent]
        unit_ids = {i.unit_id for i in todo} | {i.unit_id for i in escalate}
        units: dict[int, Unit] = {}
        ids = sorted(unit_ids)
        for start in range(0, len(ids), CHUNK):
            units.update({u.pk: u for u in Unit.objects.filter(pk__in=ids[start:start + CHUNK])})
        people = notifications.unit_user_ids(unit_ids=ids)

        # 1. The late (or soon due) units' own people: one transaction per unit.
        by_unit: dict[int, list[Item]] = defaultdict(list)
        for i in todo:
            by_unit[i.unit_id].append(i)
        for unit_id, unit_items in by_unit.items():
            unit = units[unit_id]
            try:
                with transaction.atomic():
                    now = timezone.now()
                    ReminderSent.objects.bulk_create([ReminderSent(key=i.key, unit_id=unit_id, sent_at=now)
                                                      for i in unit_items])
                    by_kind: dict[str, list[Item]] = defaultdict(list)
                    for i in unit_items:
                        by_kind[_kind_of(i)].append(i)
                    for kind, kind_items in by_kind.items():
                        title, body, url = _unit_message(kind, unit, kind_items, today)
                        made = notifications.notify_users(user_ids=people.get(unit_id, []), kind=kind, title=title,
                                                          body=body, url=url)
                        result.notifications += len(made)
            except IntegrityError:  # another run stored these keys first: it sent them
                result.skipped += 1
                continue
            result.reminders += len(unit_items)

        # 2. Escalation to the supervisors above each late unit: one transaction per supervising unit.
        supervisors = _supervisors()
        by_target: dict[int, list[Item]] = defaultdict(list)
        for i in escalate:
            target = escalation_target(units[i.unit_id], supervisors)
            if target is not None:
                by_target[target].append(i)
        targets = {u.pk: u for u in Unit.objects.filter(pk__in=list(by_target))}
        for target_id, target_items in by_target.items():
            try:
                with transaction.atomic():
                    now = timezone.now()
                    ReminderSent.objects.bulk_create([ReminderSent(key=i.key + ":up", unit_id=target_id, sent_at=now)
                                                      for i in target_items])
                    title, body, url = _escalation_message(targets[target_id], target_items, units, today)
                    made = notifications.notify_users(user_ids=supervisors[target_id], kind=Kind.ESCALATION,
                                                      title=title, body=body, url=url)
                    result.notifications += len(made)
            except IntegrityError:
                result.skipped += 1
                continue
            result.escalations += len(target_items)
    return result


def _escalation_message(target: Unit, items: list[Item], units: dict[int, Unit], today: dt.date
                        ) -> tuple[str, str, str]:
    per_unit: dict[int, list[Item]] = defaultdict(list)
    for i in items:
        per_unit[i.unit_id].append(i)
    late = sorted((units[uid] for uid in per_unit), key=lambda u: u.path)
    title = ngettext("%(n)d unit under %(unit)s is late", "%(n)d units under %(unit)s are late",
                     len(late)) % {"n": len(late), "unit": target.name}
    lines = []
    for u in late:
        tasks = sum(1 for i in per_unit[u.pk] if i.kind == "task")
        recs = len(per_unit[u.pk]) - tasks
        parts = []
        if tasks:
            parts.append(ngettext("%(n)d overdue task", "%(n)d overdue tasks", tasks) % {"n": tasks})
        if recs:
            parts.append(ngettext("%(n)d late answer to a recommendation", "%(n)d late answers to recommendations",
                                  recs) % {"n": recs})
        lines.append(f"- {u.name}: {', '.join(parts)}")
    task_ids = [i.pk for i in items if i.kind == "task"]
    subject = UrgingNotice.Subject.TASKS if task_ids else UrgingNotice.Subject.RECOMMENDATIONS
    url = urging_new_url(units=late, tasks=task_ids, subject=subject)
    return title, _body(lines), url


@task()
def send_reminders(day: str = "") -> dict[str, int]:
    """The daily reminder run on the worker (``day`` as YYYY-MM-DD, default today)."""
    return reminders_run(today=dt.date.fromisoformat(day) if day else None).as_dict()


# --- late reports (the reporting module's hook) ----------------------------------------------------


def report_urge(*, actor: Any, form: Any, period: Any, units: Sequence[Unit]) -> dict[str, Any]:
    """Tell each unit still owing ``form`` for ``period`` that it is urged (once a day per unit,
    however often the supervisor presses the button), and give the supervisor the link to issue
    the formal notice to them. The caller (``completeness.urge_request``) checked the scope."""
    today = timezone.localdate()
    reference = f"{form.code} {period.dhis2}"
    keys = {u.pk: f"report:{form.code}:{period.dhis2}:{u.pk}:{today.isoformat()}" for u in units}
    done = _existing(list(keys.values()))
    notified = []
    with translation.override(settings.LANGUAGE_CODE):
        label = period.label()
        for u in units:
            if keys[u.pk] in done:
                continue
            try:
                with transaction.atomic():
                    ReminderSent.objects.create(key=keys[u.pk], unit=u, sent_at=timezone.now())
                    notifications.notify_unit(
                        unit=u, kind=Kind.REPORT,
                        title=_("Urged: send the report “%(form)s” for %(period)s") % {"form": form.name,
                                                                                      "period": label},
                        body=_("%(unit)s has not sent this report yet. Please submit it as soon as possible.")
                        % {"unit": u.name},
                        url=_url("report_entry", form.code, u.code, period.dhis2, fallback="/reporting/"))
            except IntegrityError:
                continue
            notified.append(u)
        notice_url = urging_new_url(units=list(units), subject=UrgingNotice.Subject.REPORTS, reference=reference)
        if notified and actor is not None and getattr(actor, "is_authenticated", False):
            notifications.notify(
                user=actor, kind=Kind.REPORT,
                title=ngettext("%(n)d unit was told to send “%(form)s”: issue the formal urging notice",
                               "%(n)d units were told to send “%(form)s”: issue the formal urging notice",
                               len(notified)) % {"n": len(notified), "form": form.name},
                body=", ".join(u.name for u in notified[:BODY_LINES]), url=notice_url)
    return {"notified": len(notified), "notice_url": notice_url}


@receiver(urging_requested, dispatch_uid="dxnet.plans.urging.report_urge")
def _on_urging_requested(sender: Any, *, actor: Any, form: Any, period: Any, units: Sequence[Unit],
                         **kwargs: Any) -> dict[str, Any]:
    return report_urge(actor=actor, form=form, period=period, units=units)


# --- the formal urging notice --------------------------------------------------------------------


def issuers_for(*, actor: Any) -> list[Unit]:
    """The units on whose behalf the actor may issue notices (where its subtrees start)."""
    return access.top_units(actor, "issue", UrgingNotice)


def urging_issue(*, actor: Any, issuer: Unit, number: str, date: dt.date, subject: str, text: str,
                 units: Sequence[Unit], tasks: Sequence[Task] | None = None, reference: str = "") -> UrgingNotice:
    """A supervisor issues a formal urging notice (number, date, text, DOCX) to late units of its
    subtree; each unit's people are notified and the unit acknowledges it. A unit outside the
    issuer's subtree is a 404; a unit with nothing late, or a task that is not late, is refused."""
    access.check(actor, "issue", issuer, UrgingNotice)
    today = timezone.localdate()
    units = list(dict.fromkeys(units))
    for u in units:
        if not issuer.contains(u):
            raise Http404
    problems: list[tuple[str, str, str]] = []
    number = (number or "").strip()
    text = (text or "").strip()
    if not number:
        problems.append(("", "number", _("Enter the notice's number, e.g. 125/SNV-CĐS.")))
    elif UrgingNotice.objects.filter(issuer=issuer, number=number,
                                     date__year=(date or today).year).exists():
        problems.append(("", "number", _("A notice numbered %(number)s was already issued by %(unit)s this year.")
                         % {"number": number, "unit": issuer.name}))
    if date is None:
        problems.append(("", "date", _("Enter the notice's date (dd/mm/yyyy).")))
    if subject not in UrgingNotice.Subject.values:
        problems.append(("", "subject", _("Choose what the notice urges.")))
    if not text:
        problems.append(("", "text", _("Write the text of the notice.")))
    if not units:
        problems.append(("", "units", _("Choose at least one late unit.")))
    if any(u.pk == issuer.pk for u in units):
        problems.append((issuer.name, "units", _("A unit cannot urge itself.")))
    chosen_tasks: list[Task] = []
    if subject == UrgingNotice.Subject.TASKS and units:
        late = {t.pk: t for t in late_tasks(today=today).filter(lead_unit__in=units).select_related("lead_unit")}
        if tasks:
            for t in tasks:
                if t.pk not in late:
                    problems.append((str(t), "tasks", _("This task is not an overdue task of the chosen units.")))
            chosen_tasks = [late[t.pk] for t in tasks if t.pk in late]
        else:
            chosen_tasks = list(late.values())
        with_tasks = {t.lead_unit_id for t in chosen_tasks}
        for u in units:
            if u.pk not in with_tasks:
                problems.append((u.name, "units", _("This unit has no overdue task to urge.")))
    elif subject == UrgingNotice.Subject.RECOMMENDATIONS and units:
        owing = set(late_recommendations(today=today).filter(responsible__in=units)
                    .values_list("responsible_id", flat=True))
        for u in units:
            if u.pk not in owing:
                problems.append((u.name, "units", _("This unit has no late answer to a recommendation.")))
    if problems:
        raise Rejected(problems)
    with transaction.atomic():
        notice = UrgingNotice.objects.create(issuer=issuer, number=number, date=date, subject=subject, text=text,
                                             reference=(reference or "").strip()[:200],
                                             created_by=actor if getattr(actor, "is_authenticated", False) else None)
        UrgingRecipient.objects.bulk_create([UrgingRecipient(notice=notice, unit=u) for u in units])
        if chosen_tasks:
            notice.tasks.set(chosen_tasks)
        content = render_notice_docx(notice, actor=actor, units=units, tasks=chosen_tasks, today=today)
        notice.docx.save(_docx_name(notice), ContentFile(content), save=True)
        audit.record(actor=actor, action="urging.issue", obj=notice, unit=issuer,
                     after={"number": number, "date": date, "subject": subject, "units": [u.code for u in units],
                            "tasks": [t.pk for t in chosen_tasks], "reference": notice.reference})
        with translation.override(settings.LANGUAGE_CODE):
            for u in units:
                notifications.notify_unit(
                    unit=u, kind=Kind.URGING,
                    title=_("Urging notice %(number)s from %(issuer)s") % {"number": number, "issuer": issuer.name},
                    body=_("%(subject)s. Read it and acknowledge it.") % {"subject": notice.get_subject_display()},
                    url=reverse("urging_notice", args=[notice.pk]))
    return notice


def _docx_name(notice: UrgingNotice) -> str:
    safe = "".join(c if c.isalnum() else "-" for c in notice.number).strip("-") or str(notice.pk)
    return f"don-doc-{notice.pk}-{safe}.docx"


def urging_acknowledge(*, actor: Any, recipient: UrgingRecipient) -> UrgingRecipient:
    """The urged unit's staff confirm they received the notice (once; a second press changes
    nothing). The issuer is told."""
    # The late unit acknowledges in its own name: a role on the unit itself, not above it.
    if not access.can_here(actor, "acknowledge", recipient.unit, UrgingRecipient):
        raise Http404
    if recipient.acknowledged_at is not None:
        return recipient
    with transaction.atomic():
        recipient.acknowledged_at = timezone.now()
        recipient.acknowledged_by = actor if getattr(actor, "is_authenticated", False) else None
        recipient.save(update_fields=["acknowledged_at", "acknowledged_by"])
        audit.record(actor=actor, action="urging.acknowledge", obj=recipient, unit=recipient.unit,
                     after={"notice": recipient.notice_id, "at": recipient.acknowledged_at})
        notice = recipient.notice
        if notice.created_by_id and notice.created_by_id != getattr(actor, "pk", None):
            with translation.override(settings.LANGUAGE_CODE):
                notifications.notify(
                    user=notice.created_by, kind=Kind.URGING,
                    title=_("%(unit)s acknowledged urging notice %(number)s")
                    % {"unit": recipient.unit.name, "number": notice.number},
                    url=reverse("urging_notice", args=[notice.pk]))
    return recipient


# --- reading notices --------------------------------------------------------------------------------


def notices_issued(*, actor: Any) -> QuerySet[UrgingNotice]:
    return access.visible(actor, UrgingNotice.objects.select_related("issuer"))


def received(*, actor: Any, unit: Unit | None = None) -> QuerySet[UrgingRecipient]:
    """Notices received: by ``unit`` (in the actor's scope), or by the units on which the actor
    holds a role itself (a province supervisor's inbox is not every commune's)."""
    qs = access.visible(actor, UrgingRecipient.objects.select_related("notice", "notice__issuer", "unit",
                                                                      "acknowledged_by"))
    if unit is not None:
        qs = qs.filter(unit=unit)
    elif not getattr(actor, "is_superuser", False):
        qs = qs.filter(unit__in=RoleAssignment.objects.active().filter(user=actor).values("unit"))
    return qs.order_by("-notice__date", "-notice_id")


@dataclass
class NoticeView:
    notice: UrgingNotice
    issuer_side: bool  # the issuer's staff and observers see every recipient
    own: list[UrgingRecipient] = field(default_factory=list)  # the actor's units' rows


def access_notice(*, actor: Any, notice_id: int) -> NoticeView:
    """A notice for its issuer's subtree, or for the urged units' staff (their rows only);
    404 for everyone else."""
    notice = UrgingNotice.objects.select_related("issuer").filter(pk=notice_id).first()
    if notice is None:
        raise Http404
    issuer_side = access.can(actor, "view", notice.issuer, UrgingNotice)
    own = list(access.visible(actor, UrgingRecipient.objects.filter(notice=notice).select_related("unit")))
    if not issuer_side and not own:
        raise Http404
    return NoticeView(notice, issuer_side, own)


# --- the DOCX ----------------------------------------------------------------------------------------


def _strip_prefix(name: str) -> str:
    for prefix in ("Thành phố ", "Tỉnh ", "Xã ", "Phường ", "Đặc khu "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def _heading(notice: UrgingNotice, actor: Any) -> tuple[str, str, str, str, str]:
    """(top line, issuing body, place, signer's title, signer's name): the actor's own agency
    when it sits in the issuer's subtree (Sở Nội vụ under the province), else the issuer."""
    issuer = notice.issuer
    profile = getattr(actor, "profile", None) if getattr(actor, "is_authenticated", False) else None
    body = profile.unit if profile is not None and issuer.contains(profile.unit) else issuer
    if body.unit_type in {UnitType.PROVINCE, UnitType.COMMUNE, UnitType.DISTRICT}:
        top, name = "ỦY BAN NHÂN DÂN", body.name.upper()
    elif body.parent is not None and body.parent.unit_type in {UnitType.PROVINCE, UnitType.COMMUNE}:
        parent = body.parent
        short = body.name[: -len(parent.name) - 1] if body.name.lower().endswith(" " + parent.name.lower()) \
            else body.name
        short = short[: -len(" tỉnh")] if short.lower().endswith(" tỉnh") else short
        top, name = f"UBND {parent.name.upper()}", short.upper()
    else:
        top, name = "", body.name.upper()
    path_ids = issuer.ancestor_ids
    province = Unit.objects.filter(pk__in=path_ids, unit_type=UnitType.PROVINCE).first()
    place = _strip_prefix(province.name) if province is not None else "Hà Nội"
    signer = (actor.get_full_name() or actor.get_username()) if getattr(actor, "is_authenticated", False) else ""
    title = (profile.position.upper() if profile is not None and profile.position else "THỦ TRƯỞNG ĐƠN VỊ")
    return top, name, place, title, signer


SUBJECT_LINES = {
    UrgingNotice.Subject.TASKS: "V/v đôn đốc thực hiện các nhiệm vụ quá hạn",
    UrgingNotice.Subject.REPORTS: "V/v đôn đốc gửi báo cáo",
    UrgingNotice.Subject.RECOMMENDATIONS: "V/v đôn đốc trả lời kiến nghị quá hạn",
}


def vn_date_line(place: str, day: dt.date) -> str:
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def render_notice_docx(notice: UrgingNotice, *, actor: Any, units: Sequence[Unit], tasks: Sequence[Task],
                       today: dt.date) -> bytes:
    """The notice in the Vietnamese administrative layout (Decree 30/2020/NĐ-CP): issuing body
    and national motto, number and date, "V/v …" subject, "Kính gửi", text, the late tasks (or
    recommendations) per unit, "Nơi nhận" and the signature block."""
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    for style_name, size in (("Normal", 14), ("Table Grid", 12)):
        style = doc.styles[style_name]
        style.font.name, style.font.size = "Times New Roman", Pt(size)
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(fonts)
        for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(attr), "Times New Roman")
    doc.styles["Normal"].paragraph_format.space_after = Pt(6)

    def put(cell_or_doc: Any, text: str, *, bold: bool = False, italic: bool = False, size: float | None = None,
            align: Any = WD_ALIGN_PARAGRAPH.JUSTIFY, first: bool = False, indent: bool = False) -> Any:
        p = cell_or_doc.paragraphs[0] if first else cell_or_doc.add_paragraph()
        run = p.add_run(text)
        run.bold, run.italic = bold, italic
        if size:
            run.font.size = Pt(size)
        p.alignment = align
        if indent:
            p.paragraph_format.first_line_indent = Mm(10)
        return p

    top, body_name, place, signer_title, signer = _heading(notice, actor)
    center, left_align = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT
    head = doc.add_table(rows=2, cols=2)
    head.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = head.rows[0].cells
    left.width, right.width = Mm(70), Mm(95)
    if top:
        put(left, top, size=13, align=center, first=True)
        put(left, body_name, bold=True, size=13, align=center)
    else:
        put(left, body_name, bold=True, size=13, align=center, first=True)
    put(left, "―――――", align=center)
    put(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=13, align=center, first=True)
    put(right, "Độc lập - Tự do - Hạnh phúc", bold=True, size=14, align=center)
    put(right, "―――――――――――", align=center)
    number_cell, date_cell = head.rows[1].cells
    number_cell.width, date_cell.width = Mm(70), Mm(95)
    put(number_cell, f"Số: {notice.number}", size=13, align=center, first=True)
    subject_line = SUBJECT_LINES.get(notice.subject, "V/v đôn đốc")
    if notice.subject == UrgingNotice.Subject.REPORTS and notice.reference:
        subject_line += f" {notice.reference}"
    put(number_cell, subject_line, size=12, align=center)
    put(date_cell, vn_date_line(place, notice.date), italic=True, size=14, align=center, first=True)

    doc.add_paragraph()
    p = put(doc, "Kính gửi: ", align=center)
    if len(units) == 1:
        p.add_run(units[0].name)
    else:
        for u in units:
            put(doc, f"- {u.name};", align=left_align).paragraph_format.left_indent = Mm(40)
    for line in [x.strip() for x in notice.text.splitlines() if x.strip()]:
        put(doc, line, indent=True)

    if tasks:
        put(doc, "DANH SÁCH NHIỆM VỤ QUÁ HẠN", bold=True, align=center)
        by_unit: dict[int, list[Task]] = defaultdict(list)
        for t in tasks:
            by_unit[t.lead_unit_id].append(t)
        for u in units:
            mine = sorted(by_unit.get(u.pk, []), key=lambda t: (t.deadline or today, t.pk))
            if not mine:
                continue
            put(doc, u.name, bold=True, align=left_align)
            table = doc.add_table(rows=len(mine) + 1, cols=5)
            table.style = doc.styles["Table Grid"]
            table.alignment = WD_TABLE_ALIGNMENT.CENTER
            for c, h in zip(table.rows[0].cells, ("STT", "Nhiệm vụ", "Thời hạn", "Tiến độ", "Số ngày quá hạn"),
                            strict=True):
                put(c, h, bold=True, align=center, first=True)
            for n, (row, t) in enumerate(zip(table.rows[1:], mine, strict=True), start=1):
                late_days = (today - t.deadline).days if t.deadline else 0
                values = (str(n), str(t), t.deadline_text or (t.deadline.strftime("%d/%m/%Y") if t.deadline else ""),
                          f"{t.progress}%", str(late_days))
                for j, (c, v) in enumerate(zip(row.cells, values, strict=True)):
                    put(c, v, align=left_align if j == 1 else center, first=True)
            for row in table.rows:
                for c, w in zip(row.cells, (12, 85, 25, 18, 25), strict=True):
                    c.width = Mm(w)
    elif notice.subject == UrgingNotice.Subject.RECOMMENDATIONS:
        put(doc, "DANH SÁCH KIẾN NGHỊ QUÁ HẠN TRẢ LỜI", bold=True, align=center)
        for r in late_recommendations(today=today).filter(responsible__in=units).select_related("responsible") \
                .order_by("responsible__path", "deadline"):
            put(doc, f"- {r.responsible.name}: {r.title} (thời hạn {r.deadline:%d/%m/%Y})", align=left_align)

    put(doc, "Đề nghị các đơn vị khẩn trương thực hiện và báo cáo kết quả; xác nhận đã nhận văn bản này "
             "trên hệ thống dxnet.", indent=True)
    foot = doc.add_table(rows=1, cols=2)
    left, right = foot.rows[0].cells
    left.width, right.width = Mm(75), Mm(90)
    put(left, "Nơi nhận:", bold=True, italic=True, size=12, align=left_align, first=True)
    for line in ["- Như trên;", "- Lưu: VT."]:
        put(left, line, size=11, align=left_align)
    put(right, signer_title, bold=True, align=center, first=True)
    for _i in range(3):
        right.add_paragraph()
    put(right, signer, bold=True, align=center)
    out = io.BytesIO()
    doc.core_properties.title = f"{notice.number} {subject_line}"
    doc.core_properties.author = signer or "dxnet"
    doc.save(out)
    return out.getvalue()
