"""Reads of recommendations and sessions, narrowed by the access module.

A recommendation is visible to
- readers whose role covers the raising unit (``access.visible`` on ``raised_by``);
- readers whose role covers the responsible unit (they must answer it);
- once answered, anyone holding a reader role inside the raising unit's subtree (the answer is
  published to the raising unit's subtree: a province's recommendation is read by its communes);
- readers of the chair of the session it was raised in (the ministry answers at its conference);
- everybody, signed in or not, when it is answered and public.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from dxnet.core import access
from dxnet.network.models import SEGMENT, Unit

from .models import Attendance, ConferenceSession, Recommendation
from .policies import READERS


def _prefixes(paths: list[str]) -> list[str]:
    """Every ancestor-or-self path of the given paths."""
    return sorted({p[:i] for p in paths for i in range(SEGMENT, len(p) + 1, SEGMENT)})


def public_q() -> Q:
    return Q(is_public=True, answered_at__isnull=False)


def recommendations_visible(actor: Any, qs: QuerySet[Recommendation] | None = None) -> QuerySet[Recommendation]:
    qs = Recommendation.objects.all() if qs is None else qs
    paths = access.held_paths(actor, frozenset(READERS))
    if paths is None:
        return qs
    if not paths:
        return qs.filter(public_q())
    readable_units = access.units(actor, "view", Recommendation)
    return access.visible(actor, qs) | qs.filter(
        Q(responsible__in=readable_units)
        | Q(answered_at__isnull=False, raised_by__path__in=_prefixes(paths))
        | Q(session__chair__in=readable_units)
        | public_q())


def recommendation_get(*, actor: Any, pk: int) -> Recommendation:
    try:
        return recommendations_visible(actor).select_related(
            "raised_by", "responsible", "session", "session__chair", "answered_by", "created_by").get(pk=pk)
    except (Recommendation.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def overdue_q(today: dt.date | None = None) -> Q:
    today = today or timezone.localdate()
    return Q(deadline__lt=today, answered_at__isnull=True)


def overdue_recommendations(*, within: Unit | None = None, today: dt.date | None = None) -> QuerySet[Recommendation]:
    """Unanswered recommendations whose answer deadline (a date in Asia/Ho_Chi_Minh) has passed:
    due on the 15th, overdue from the 16th. ``within``: only those whose responsible unit is in
    that subtree. Unscoped (the system's view) — for the reminder engine; pages use
    ``recommendation_list``."""
    qs = Recommendation.objects.filter(overdue_q(today)).select_related("responsible", "raised_by")
    if within is not None:
        qs = qs.filter(responsible__in=Unit.objects.subtree_of(within))
    return qs.order_by("deadline", "pk")


def recommendation_list(*, actor: Any, scope: str = "", session: int | None = None, q: str = "",
                        today: dt.date | None = None) -> QuerySet[Recommendation]:
    """The list page: ``scope`` is ``raised`` (by units I work for), ``assigned`` (to units I
    work for), ``overdue`` or empty (everything I may read)."""
    qs = recommendations_visible(actor)
    if scope == "raised":
        qs = qs.filter(raised_by__in=access.units(actor, "raise", Recommendation))
    elif scope == "assigned":
        qs = qs.filter(responsible__in=access.units(actor, "raise", Recommendation))
    elif scope == "overdue":
        qs = qs.filter(overdue_q(today))
    elif scope == "unrouted":
        qs = qs.filter(responsible__isnull=True)
    if session:
        qs = qs.filter(session_id=session)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(text__icontains=q) | Q(raised_by__name__icontains=q))
    return qs.select_related("raised_by", "responsible", "session").order_by("-created_at", "-pk")


def public_recommendations(q: str = "") -> QuerySet[Recommendation]:
    qs = Recommendation.objects.filter(public_q())
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(text__icontains=q) | Q(answer__icontains=q))
    return qs.select_related("raised_by", "responsible", "session").order_by("-answered_at", "-pk")


# --- sessions -----------------------------------------------------------------------------------


def sessions_visible(actor: Any) -> QuerySet[ConferenceSession]:
    """Sessions readable by the chair's readers, and by readers above, at or below any of the
    session's connection points."""
    qs = ConferenceSession.objects.all()
    paths = access.held_paths(actor, frozenset(READERS))
    if paths is None:
        return qs
    if not paths:
        return qs.none()
    points = Attendance.objects.filter(session=OuterRef("pk")).filter(
        Q(unit__in=access.units(actor, "view", Attendance)) | Q(unit__path__in=_prefixes(paths)))
    return access.visible(actor, qs) | qs.filter(Exists(points))


def session_list(*, actor: Any) -> QuerySet[ConferenceSession]:
    return sessions_visible(actor).select_related("chair").annotate(
        n_points=Count("attendance", distinct=True),
        n_present=Count("attendance", filter=Q(attendance__present=True), distinct=True),
        n_recommendations=Count("recommendations", distinct=True),
    ).order_by("-date", "-pk")


def session_get(*, actor: Any, pk: int) -> ConferenceSession:
    try:
        return sessions_visible(actor).select_related("chair").get(pk=pk)
    except (ConferenceSession.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def session_attendance(session: ConferenceSession) -> list[Attendance]:
    return list(session.attendance.select_related("unit").order_by("unit__unit_type", "unit__path"))


def sessions_for_raising(*, actor: Any) -> QuerySet[ConferenceSession]:
    return sessions_visible(actor).select_related("chair").order_by("-date", "-pk")[:30]
