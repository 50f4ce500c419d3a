"""The signed-in person's notifications over the JSON API (their own only: another person's
notification answers 404)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema

from . import selectors, services

router = Router(tags=["notifications"])

MAX_ITEMS = 200


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    created_at: dt.datetime
    read_at: dt.datetime | None
    emailed_at: dt.datetime | None


class UnreadOut(Schema):
    unread: int


@router.get("/notifications", response=list[NotificationOut], summary="My notifications, newest first")
def notifications(request: HttpRequest, unread: bool = False, limit: int = 50) -> list[NotificationOut]:
    qs = selectors.notification_list(actor=request.user, unread=unread)
    return list(qs[: max(1, min(limit, MAX_ITEMS))])  # type: ignore[arg-type]


@router.get("/notifications/unread-count", response=UnreadOut, summary="How many of my notifications are unread")
def unread_count(request: HttpRequest) -> dict[str, int]:
    return {"unread": selectors.unread_count(actor=request.user)}


@router.post("/notifications/{notification_id}/read", response=NotificationOut, summary="Mark one as read")
def read(request: HttpRequest, notification_id: int) -> NotificationOut:
    return services.notification_read(actor=request.user, notification_id=notification_id)  # type: ignore[return-value]
