"""Reading notifications: always the signed-in person's own (a notification belongs to a person,
not to a unit, so there is no unit policy to apply — the filter on ``user`` is the scoping)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import Notification


def notification_list(*, actor: Any, unread: bool = False) -> QuerySet[Notification]:
    if actor is None or not actor.is_authenticated:
        return Notification.objects.none()
    qs = Notification.objects.filter(user=actor)
    return qs.filter(read_at__isnull=True) if unread else qs


def unread_count(*, actor: Any) -> int:
    return notification_list(actor=actor, unread=True).count()
