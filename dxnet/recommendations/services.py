"""Writes of recommendations (kiến nghị) and conference sessions. Every write checks access,
validates, stores and records its audit line in one transaction.

Who may do what:
- raise: staff (reporter, supervisor, leader, focal point…) of the raising unit's subtree;
- route (choose the responsible unit and the answer deadline): a supervisor or leader whose role
  covers the raising unit (its own unit or an ancestor — the province routes its communes'
  recommendations), or, for a recommendation raised in a conference session, a supervisor or
  leader of the session's chair (the ministry answers on the spot at its own conference);
- answer: staff of the responsible unit's subtree;
- publish (to the public portal): whoever may route it, or a supervisor/leader of the
  responsible unit, once it is answered;
- sessions: supervisors and leaders of the chair unit create them and keep the attendance.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from dxnet.core import access, audit
from dxnet.indicators.services import Rejected
from dxnet.network.models import Unit

from .deadlines import DeadlineError, parse_deadline
from .models import Attendance, ConferenceSession, Recommendation

ROUTED_FIELDS = ["responsible_id", "deadline"]
ANSWER_FIELDS = ["answer", "answered_at", "answered_by_id"]


def may_route(actor: Any, rec: Recommendation) -> bool:
    if access.can(actor, "route", rec.raised_by, Recommendation):
        return True
    return rec.session is not None and access.can(actor, "change", rec.session.chair, ConferenceSession)


def may_answer(actor: Any, rec: Recommendation) -> bool:
    return rec.responsible is not None and access.can(actor, "answer", rec.responsible, Recommendation)


def may_publish(actor: Any, rec: Recommendation) -> bool:
    return may_route(actor, rec) or (
        rec.responsible is not None and access.can(actor, "route", rec.responsible, Recommendation))


def _deadline(value: str | dt.date | None, *, required: bool) -> tuple[dt.date | None, str | None]:
    if isinstance(value, dt.date):
        return value, None
    if value is None or not str(value).strip():
        return None, (_("Give the answer deadline.") if required else None)
    try:
        return parse_deadline(str(value)), None
    except DeadlineError as exc:
        return None, str(exc)


def recommendation_raise(*, actor: Any, raised_by: Unit, title: str, text: str,
                         session: ConferenceSession | None = None) -> Recommendation:
    """A unit asks for something (a guideline, a decision, a fix); it waits to be routed to the
    unit that must answer it. Raised in a session, the unit (or one above it) must be one of the
    session's connection points."""
    access.check(actor, "raise", raised_by, Recommendation)
    errors: list[tuple[str, str, str]] = []
    title, text = (title or "").strip(), (text or "").strip()
    if not title:
        errors.append(("", "title", _("Give the recommendation a short title.")))
    elif len(title) > 300:
        errors.append(("", "title", _("The title is longer than 300 characters.")))
    if not text:
        errors.append(("", "text", _("Write what the unit recommends.")))
    if session is not None and not Attendance.objects.filter(
            session=session, unit_id__in=raised_by.ancestor_ids).exists():
        errors.append(("", "session", _("%(unit)s is not a connection point of this session.")
                       % {"unit": raised_by.name}))
    if errors:
        raise Rejected(errors)
    with transaction.atomic():
        rec = Recommendation.objects.create(raised_by=raised_by, session=session, title=title, text=text,
                                            created_by=actor if getattr(actor, "is_authenticated", False) else None)
        audit.record(actor=actor, action="recommendation.raise", obj=rec, unit=raised_by,
                     after=audit.snapshot(rec, ["raised_by_id", "session_id", "title", "text"]))
    return rec


def recommendation_route(*, actor: Any, recommendation: Recommendation, responsible: Unit | None,
                         deadline: str | dt.date | None) -> Recommendation:
    """Assign the unit that must answer and the date by which it must (typed as people say it:
    ``15/4/2025``, ``Quý II/2025``). Re-routing an answered recommendation is refused."""
    rec = recommendation
    if not may_route(actor, rec):
        raise Http404
    errors: list[tuple[str, str, str]] = []
    if responsible is None:
        errors.append(("", "responsible", _("Choose the unit responsible for the answer.")))
    due, problem = _deadline(deadline, required=True)
    if problem:
        errors.append(("", "deadline", problem))
    if rec.answered_at is not None:
        errors.append(("", "responsible", _("This recommendation is already answered.")))
    if errors:
        raise Rejected(errors)
    with transaction.atomic():
        before = audit.snapshot(rec, ROUTED_FIELDS)
        rec.responsible, rec.deadline = responsible, due
        rec.save(update_fields=["responsible", "deadline"])
        audit.record(actor=actor, action="recommendation.route", obj=rec, unit=rec.raised_by,
                     before=before, after=audit.snapshot(rec, ROUTED_FIELDS))
    return rec


def recommendation_answer(*, actor: Any, recommendation: Recommendation, answer: str) -> Recommendation:
    """The responsible unit answers; the answer is then read by the raising unit's whole subtree.
    Answering again replaces the text (the audit log keeps the earlier one)."""
    rec = recommendation
    if not may_answer(actor, rec):
        raise Http404
    answer = (answer or "").strip()
    if not answer:
        raise Rejected([("", "answer", _("Write the answer."))])
    with transaction.atomic():
        before = audit.snapshot(rec, ANSWER_FIELDS)
        rec.answer = answer
        rec.answered_at = timezone.now()
        rec.answered_by = actor if getattr(actor, "is_authenticated", False) else None
        rec.save(update_fields=["answer", "answered_at", "answered_by"])
        audit.record(actor=actor, action="recommendation.answer", obj=rec, unit=rec.responsible,
                     before=before, after=audit.snapshot(rec, ANSWER_FIELDS))
    return rec


def recommendation_publish(*, actor: Any, recommendation: Recommendation, public: bool = True) -> Recommendation:
    """Show (or withdraw) the recommendation and its answer on the public portal. Only an
    answered recommendation can be published."""
    rec = recommendation
    if not may_publish(actor, rec):
        raise Http404
    if public and rec.answered_at is None:
        raise Rejected([("", "is_public", _("Only an answered recommendation can be published."))])
    with transaction.atomic():
        before = {"is_public": rec.is_public}
        rec.is_public = public
        rec.save(update_fields=["is_public"])
        audit.record(actor=actor, action="recommendation.publish" if public else "recommendation.unpublish",
                     obj=rec, unit=rec.raised_by, before=before, after={"is_public": public})
    return rec


# --- conference sessions ------------------------------------------------------------------------


def session_create(*, actor: Any, title: str, date: dt.date | None, chair: Unit,
                   points: Iterable[Unit] = (), present: Iterable[int] | None = None,
                   notes: str = "") -> ConferenceSession:
    """A conference chaired by a unit, with its connection points (units) and who attended
    (``present``: unit ids; all points when omitted)."""
    access.check(actor, "change", chair, ConferenceSession)
    points = list(dict.fromkeys(points))
    errors: list[tuple[str, str, str]] = []
    title = (title or "").strip()
    if not title:
        errors.append(("", "title", _("Give the session a title.")))
    if date is None:
        errors.append(("", "date", _("Give the date of the session.")))
    if errors:
        raise Rejected(errors)
    present_ids = {u.pk for u in points} if present is None else set(present)
    with transaction.atomic():
        session = ConferenceSession.objects.create(title=title, date=date, chair=chair, notes=(notes or "").strip())
        Attendance.objects.bulk_create([Attendance(session=session, unit=u, present=u.pk in present_ids)
                                        for u in points])
        audit.record(actor=actor, action="session.create", obj=session, unit=chair,
                     after={**audit.snapshot(session, ["title", "date", "chair_id", "notes"]),
                            "points": [u.code for u in points],
                            "present": sorted(u.code for u in points if u.pk in present_ids)})
    return session


def session_points_add(*, actor: Any, session: ConferenceSession, units: Iterable[Unit]) -> int:
    """Add connection points to a session (present by default); returns how many were new."""
    access.check(actor, "change", session.chair, ConferenceSession)
    existing = set(session.attendance.values_list("unit_id", flat=True))
    new = [u for u in dict.fromkeys(units) if u.pk not in existing]
    if not new:
        return 0
    with transaction.atomic():
        Attendance.objects.bulk_create([Attendance(session=session, unit=u, present=True) for u in new])
        audit.record(actor=actor, action="session.points_add", obj=session, unit=session.chair,
                     after={"points": [u.code for u in new]})
    return len(new)


def session_attendance_set(*, actor: Any, session: ConferenceSession, present: Iterable[int]) -> ConferenceSession:
    """Mark which connection points attended (unit ids in ``present``); every other point of the
    session is marked absent. Ids that are not connection points are refused."""
    access.check(actor, "change", session.chair, ConferenceSession)
    wanted = {int(p) for p in present}
    rows = list(session.attendance.select_related("unit"))
    points = {a.unit_id for a in rows}
    unknown = wanted - points
    if unknown:
        raise Rejected([("", "present", _("%(n)d of the units marked present are not connection points of this "
                                          "session.") % {"n": len(unknown)})])
    with transaction.atomic():
        before = sorted(a.unit.code for a in rows if a.present)
        Attendance.objects.filter(session=session, unit_id__in=wanted).update(present=True)
        Attendance.objects.filter(session=session).exclude(unit_id__in=wanted).update(present=False)
        audit.record(actor=actor, action="session.attendance", obj=session, unit=session.chair,
                     before={"present": before},
                     after={"present": sorted(a.unit.code for a in rows if a.unit_id in wanted)})
    return session
