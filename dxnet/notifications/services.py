"""Notifying people: an in-app notice always, an e-mail now or in the daily digest as each
person chose for that kind of notice.

``notify`` reaches one person, ``notify_unit`` the people holding some roles on one unit (the
reporters and focal points of a late commune, the supervisors of a province). A notification is
not a business write of its own — it follows from one (a reminder, an urging notice) whose
service records the audit line — so these calls do not add audit entries: a reminder run over
the whole country would otherwise lock the audit chain tens of thousands of times.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone, translation

from dxnet.core import audit
from dxnet.network.models import RoleAssignment

from .models import Kind, Notification, Preference

logger = logging.getLogger(__name__)

# Whom a unit's notices reach by default: the people who do its reporting.
UNIT_ROLES = frozenset({"reporter", "focal_point"})
# When a unit has none of those, its managers are told instead of nobody.
FALLBACK_ROLES = frozenset({"supervisor", "leader"})
DEFAULT_MODE = Preference.Mode.DAILY


def site_url() -> str:
    """The address e-mails link to (``DXNET_SITE_URL``), without a trailing slash."""
    return str(getattr(settings, "DXNET_SITE_URL", "") or "http://127.0.0.1:8000").rstrip("/")


def absolute(url: str) -> str:
    return url if not url or "://" in url else site_url() + (url if url.startswith("/") else "/" + url)


# --- preferences -------------------------------------------------------------------------------


def preferences_of(*, user: Any) -> dict[str, str]:
    """Every kind with the person's mode (the default where nothing was chosen)."""
    chosen = dict(Preference.objects.filter(user=user).values_list("kind", "mode"))
    return {kind: chosen.get(kind, DEFAULT_MODE) for kind in Kind.values}


def preferences_set(*, actor: Any, modes: dict[str, str]) -> dict[str, str]:
    """A person chooses, per kind, e-mail immediately, in the daily digest, or not at all (the
    notices stay in the app either way)."""
    if actor is None or not actor.is_authenticated:
        raise Http404
    valid = {k: m for k, m in modes.items() if k in Kind.values and m in Preference.Mode.values}
    before = preferences_of(user=actor)
    with transaction.atomic():
        for kind, mode in valid.items():
            Preference.objects.update_or_create(user=actor, kind=kind, defaults={"mode": mode})
        after = preferences_of(user=actor)
        if after != before:
            first = Preference.objects.filter(user=actor).order_by("pk").first()
            if first is not None:
                audit.record(actor=actor, action="notification.preferences", obj=first, before=before, after=after)
    return after


def _modes(user_ids: Iterable[int], kind: str) -> dict[int, str]:
    ids = list(user_ids)
    chosen = dict(Preference.objects.filter(user_id__in=ids, kind=kind).values_list("user_id", "mode"))
    return {uid: chosen.get(uid, DEFAULT_MODE) for uid in ids}


# --- sending -------------------------------------------------------------------------------------


def notify(*, user: Any, kind: str, title: str, body: str = "", url: str = "") -> Notification:
    """Tell one person: in the app now, by e-mail now when they chose "immediately" for the kind
    (after the surrounding transaction commits, so nothing is mailed about a write that failed)."""
    return _notify_users([user.pk], kind=kind, title=title, body=body, url=url)[0]


def notify_unit(*, unit: Any, kind: str, title: str, body: str = "", url: str = "",
                roles: Iterable[str] = UNIT_ROLES, fallback: Iterable[str] | None = FALLBACK_ROLES,
                exclude: Iterable[int] = ()) -> list[Notification]:
    """Tell the people holding one of ``roles`` on ``unit`` itself today (when nobody does,
    those holding ``fallback`` roles there). Returns the notifications made (none when the unit
    has nobody to tell)."""
    user_ids = unit_user_ids(unit_ids=[unit.pk], roles=roles, fallback=fallback).get(unit.pk, [])
    skip = set(exclude)
    return _notify_users([u for u in user_ids if u not in skip], kind=kind, title=title, body=body, url=url)


def unit_user_ids(*, unit_ids: Iterable[int], roles: Iterable[str] = UNIT_ROLES,
                  fallback: Iterable[str] | None = FALLBACK_ROLES) -> dict[int, list[int]]:
    """Unit id → the ids of the people holding ``roles`` on it today (else ``fallback`` roles),
    for many units in two queries."""
    ids = list(dict.fromkeys(unit_ids))
    wanted, spare = set(roles), set(fallback or ())
    found: dict[int, list[int]] = {}
    backup: dict[int, list[int]] = {}
    for start in range(0, len(ids), 900):
        rows = RoleAssignment.objects.active().filter(unit_id__in=ids[start:start + 900],
                                                      role__in=wanted | spare,
                                                      user__is_active=True).values_list("unit_id", "user_id", "role")
        for unit_id, user_id, role in rows:
            target = found if role in wanted else backup
            target.setdefault(unit_id, [])
            if user_id not in target[unit_id]:
                target[unit_id].append(user_id)
    return {uid: sorted(found.get(uid) or backup.get(uid) or []) for uid in ids if found.get(uid) or backup.get(uid)}


def notify_users(*, user_ids: Iterable[int], kind: str, title: str, body: str = "",
                 url: str = "") -> list[Notification]:
    """Tell several people the same thing (one row each, one query for their preferences)."""
    return _notify_users(list(dict.fromkeys(user_ids)), kind=kind, title=title, body=body, url=url)


def _notify_users(user_ids: list[int], *, kind: str, title: str, body: str, url: str) -> list[Notification]:
    if kind not in Kind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    if not user_ids:
        return []
    now = timezone.now()
    items = Notification.objects.bulk_create([
        Notification(user_id=uid, kind=kind, title=str(title)[:300], body=str(body), url=str(url)[:500],
                     created_at=now) for uid in user_ids])
    modes = _modes(user_ids, kind)
    immediate = [n for n in items if modes.get(n.user_id) == Preference.Mode.IMMEDIATE]
    if immediate:
        if any(n.pk is None for n in immediate):  # backends that do not return ids from bulk inserts
            immediate = list(Notification.objects.filter(user_id__in=[n.user_id for n in immediate], kind=kind,
                                                         created_at=now, title=str(title)[:300]))
        ids = [n.pk for n in immediate]
        transaction.on_commit(lambda: send_immediate(ids))
    return items


def send_immediate(notification_ids: list[int]) -> int:
    """E-mail each notification now (the person chose "immediately" for its kind); a failure is
    logged and the notification stays for the daily digest. Returns how many were sent."""
    sent = 0
    qs = Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True).select_related("user")
    for n in qs:
        if not n.user.email:
            continue
        with translation.override(settings.LANGUAGE_CODE):
            subject = f"[dxnet] {n.title}"
            text = render_to_string("notifications/email/immediate.txt",
                                    {"n": n, "link": absolute(n.url), "site": site_url(),
                                     "kind": Kind(n.kind).label})
        try:
            send_mail(subject, text, None, [n.user.email])
        except Exception:  # an unreachable mail server must not break the write that notified
            logger.exception("immediate e-mail for notification %s failed", n.pk)
            continue
        Notification.objects.filter(pk=n.pk).update(emailed_at=timezone.now())
        sent += 1
    return sent


# --- reading state --------------------------------------------------------------------------------


def notification_read(*, actor: Any, notification_id: int) -> Notification:
    """Mark one of the actor's own notifications as read (404 for anyone else's)."""
    n = _own(actor, notification_id)
    if n.read_at is None:
        n.read_at = timezone.now()
        n.save(update_fields=["read_at"])
    return n


def notification_read_all(*, actor: Any) -> int:
    if actor is None or not actor.is_authenticated:
        raise Http404
    return Notification.objects.filter(user=actor, read_at__isnull=True).update(read_at=timezone.now())


def _own(actor: Any, notification_id: Any) -> Notification:
    if actor is None or not actor.is_authenticated:
        raise Http404
    try:
        return Notification.objects.get(pk=int(notification_id), user=actor)
    except (Notification.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def users_by_id(ids: Iterable[int]) -> dict[int, Any]:
    return {u.pk: u for u in get_user_model().objects.filter(pk__in=list(ids))}
