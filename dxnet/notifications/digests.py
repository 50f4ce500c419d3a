"""The daily e-mail digest: at most one e-mail per person per day, only when something is
waiting, grouped by kind with counts and links — never an empty mail (the anchors' digests are
criticised for being noisy and empty).

What goes in: the person's notifications that are unread, not yet e-mailed, and of a kind they
receive as a daily digest (the default). "Immediately" kinds were mailed when they happened;
"off" kinds stay in the app only. The ``Digest`` row (unique per person and day) is written in
the same transaction as the mail is sent, so a second run the same day — or a second worker —
sends nothing, and a mail server failure rolls back and the next run retries.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import Digest, Kind, Notification, Preference
from .services import absolute, site_url

logger = logging.getLogger(__name__)

ITEMS_PER_KIND = 10  # the rest is a count and the link to the list


@dataclass
class Group:
    kind: str
    label: str
    count: int
    items: list[Notification] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.count - len(self.items)


def _pending(user_id: int) -> Any:
    """The person's notifications waiting for a digest (kinds without a choice are daily)."""
    not_daily = list(Preference.objects.filter(user_id=user_id).exclude(mode=Preference.Mode.DAILY)
                     .values_list("kind", flat=True))
    return (Notification.objects.filter(user_id=user_id, read_at__isnull=True, emailed_at__isnull=True)
            .exclude(kind__in=not_daily))


def groups_for(notifications: list[Notification]) -> list[Group]:
    """Grouped by kind, in the order of ``Kind`` (overdue work before news), newest first."""
    by_kind: dict[str, list[Notification]] = {}
    for n in notifications:
        by_kind.setdefault(n.kind, []).append(n)
    out = []
    for kind in Kind.values:
        items = sorted(by_kind.get(kind, []), key=lambda n: (n.created_at, n.pk), reverse=True)
        if items:
            out.append(Group(kind, str(Kind(kind).label), len(items), items[:ITEMS_PER_KIND]))
    return out


def digest_send(*, user: Any, day: dt.date | None = None) -> Digest | None:
    """Send one person's digest for ``day`` (today by default). Nothing — and no mail — when the
    person has no address, nothing is waiting, or the day's digest was already sent."""
    day = day or timezone.localdate()
    if not user.email or not user.is_active:
        return None
    with transaction.atomic():
        pending = list(_pending(user.pk).order_by("-created_at", "-id"))
        if not pending or Digest.objects.filter(user=user, day=day).exists():
            return None
        try:
            with transaction.atomic():
                digest = Digest.objects.create(user=user, day=day, sent_at=timezone.now(), count=len(pending))
        except IntegrityError:  # another worker sent it a moment ago
            return None
        Notification.objects.filter(pk__in=[n.pk for n in pending]).update(emailed_at=digest.sent_at)
        groups = groups_for(pending)
        for g in groups:
            for n in g.items:
                n.link = absolute(n.url)  # type: ignore[attr-defined]
        with translation.override(settings.LANGUAGE_CODE):
            subject = ngettext("[dxnet] %(n)d new notification", "[dxnet] %(n)d new notifications",
                               len(pending)) % {"n": len(pending)}
            context = {
                "user": user, "day": day, "groups": groups, "total": len(pending), "site": site_url(),
                "list_url": absolute("/notifications/"), "prefs_url": absolute("/notifications/preferences/"),
                "greeting": _("Hello %(name)s,") % {"name": user.get_full_name() or user.get_username()},
            }
            text = render_to_string("notifications/email/digest.txt", context)
        # Sent inside the transaction: if the mail server refuses, nothing is marked and the next
        # run tries again; once it is accepted the Digest row keeps today's second run silent.
        send_mail(subject, text, None, [user.email])
    return digest


def digest_run(*, day: dt.date | None = None) -> dict[str, int]:
    """Every person with something waiting gets their digest (one e-mail at most each)."""
    day = day or timezone.localdate()
    User = get_user_model()
    already = Digest.objects.filter(day=day).values("user_id")
    candidates = (Notification.objects.filter(read_at__isnull=True, emailed_at__isnull=True)
                  .exclude(user_id__in=already).values_list("user_id", flat=True).distinct())
    sent = failed = 0
    users = User.objects.filter(pk__in=list(candidates), is_active=True).exclude(Q(email="") | Q(email__isnull=True))
    for user in users:
        try:
            if digest_send(user=user, day=day) is not None:
                sent += 1
        except Exception:  # one bad address must not stop everyone else's digest
            logger.exception("digest for user %s failed", user.pk)
            failed += 1
    return {"sent": sent, "failed": failed}


@task()
def send_digests(day: str = "") -> dict[str, int]:
    """The daily digest on the worker (``day`` as YYYY-MM-DD, default today)."""
    return digest_run(day=dt.date.fromisoformat(day) if day else None)
