"""Notifications: each person's choice per kind (immediately / daily / off), the daily digest
(one e-mail per person per day at most, grouped by kind, never empty), the list with
mark-as-read, the unread badge, the preferences page and the API — each person's own only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from dxnet.network.models import Unit
from dxnet.notifications import digests, services
from dxnet.notifications.models import Digest, Kind, Notification, Preference

DAY = dt.date(2025, 10, 15)


def english(client: Any) -> Any:
    client.cookies["dxnet_language"] = "en"
    return client


def test_no_digest_when_nothing_waits(cast: Any) -> None:
    assert digests.digest_run(day=DAY) == {"sent": 0, "failed": 0}
    # Read ones and "off" kinds do not count either: still no mail.
    user = cast.user("xa.eakar")
    services.notify(user=user, kind=Kind.TASK_DUE, title="read already")
    Notification.objects.update(read_at=timezone.now())
    Preference.objects.create(user=user, kind=Kind.URGING, mode=Preference.Mode.OFF)
    services.notify(user=user, kind=Kind.URGING, title="in the app only")
    assert digests.digest_run(day=DAY)["sent"] == 0
    assert mail.outbox == [] and not Digest.objects.exists()
    assert Notification.objects.filter(user=user, read_at__isnull=True).count() == 1  # still shown in the app


def test_digest_grouped_by_kind_once_a_day(cast: Any) -> None:
    user = cast.user("snv.daklak")
    for i in range(3):
        services.notify(user=user, kind=Kind.ESCALATION, title=f"Escalation {i}", url="/plans/urging/new/?unit=24373")
    services.notify(user=user, kind=Kind.TASK_OVERDUE, title="Overdue one", url="/plans/")
    services.notify(user=cast.user("xa.eakar"), kind=Kind.URGING, title="Urged")
    result = digests.digest_run(day=DAY)
    assert result["sent"] == 2 and len(mail.outbox) == 2
    mine = next(m for m in mail.outbox if m.to == ["snv.daklak@demo.dxnet.local"])
    body = mine.body
    assert "4" in mine.subject
    # Grouped by kind, in the order of the kinds (overdue tasks before escalations), with counts.
    overdue_at, escalation_at = body.index("(1)"), body.index("(3)")
    assert overdue_at < escalation_at
    assert body.count("Escalation ") == 3 and "http://" in body and "/plans/urging/new/?unit=24373" in body
    assert Digest.objects.get(user=user, day=DAY).count == 4
    assert not Notification.objects.filter(user=user, emailed_at__isnull=True).exists()
    # Again the same day: nothing, even with something new (one e-mail per person per day).
    services.notify(user=user, kind=Kind.TASK_DUE, title="Due soon")
    assert digests.digest_run(day=DAY)["sent"] == 0 and len(mail.outbox) == 2
    # The next day: only what is new.
    mail.outbox.clear()
    assert digests.digest_run(day=DAY + dt.timedelta(days=1))["sent"] == 1
    assert "Due soon" in mail.outbox[0].body and "Escalation" not in mail.outbox[0].body


def test_digest_task_on_the_queue_backend(cast: Any) -> None:
    services.notify(user=cast.user("xa.eakar"), kind=Kind.URGING, title="Urged")
    assert digests.send_digests.call(DAY.isoformat()) == {"sent": 1, "failed": 0}
    assert digests.send_digests.call(DAY.isoformat()) == {"sent": 0, "failed": 0}


def test_immediate_preference_mails_at_once_and_skips_the_digest(cast: Any,
                                                                 django_capture_on_commit_callbacks: Any) -> None:
    user = cast.user("px.buonmathuot")
    Preference.objects.create(user=user, kind=Kind.URGING, mode=Preference.Mode.IMMEDIATE)
    with django_capture_on_commit_callbacks(execute=True):
        n = services.notify(user=user, kind=Kind.URGING, title="Urging notice 12/SNV", url="/plans/urging/")
    assert len(mail.outbox) == 1 and "Urging notice 12/SNV" in mail.outbox[0].subject
    n.refresh_from_db()
    assert n.emailed_at is not None and n.read_at is None
    assert digests.digest_run(day=DAY)["sent"] == 0 and len(mail.outbox) == 1


def test_notify_unit_reaches_the_people_of_the_unit(cast: Any) -> None:
    made = services.notify_unit(unit=Unit.objects.get(code="24133"), kind=Kind.TASK_DUE, title="Due")
    assert {n.user.username for n in made} == {"px.buonmathuot"}
    # A province: no reporter there, its focal point (snv.daklak) is told; the observer never.
    made = services.notify_unit(unit=Unit.objects.get(code="66"), kind=Kind.TASK_DUE, title="Due")
    assert {n.user.username for n in made} == {"snv.daklak"}
    # Managers when nobody reports for the unit.
    made = services.notify_unit(unit=Unit.objects.get(code="66"), kind=Kind.TASK_DUE, title="Due", roles={"reporter"})
    assert {n.user.username for n in made} == {"snv.daklak", "ubnd.daklak"}
    assert services.notify_unit(unit=Unit.objects.get(code="VN"), kind=Kind.TASK_DUE, title="x", fallback=None) == []


# --- pages --------------------------------------------------------------------------------------


def test_list_mark_read_with_htmx_and_the_badge(cast: Any) -> None:
    user = cast.user("xa.eakar")
    first = services.notify(user=user, kind=Kind.URGING, title="Urging notice 12/SNV", url="/plans/urging/")
    services.notify(user=user, kind=Kind.TASK_OVERDUE, title="1 task overdue")
    other = services.notify(user=cast.user("px.buonmathuot"), kind=Kind.URGING, title="Not for Ea Kar")
    client = english(cast.client("xa.eakar"))
    page = client.get("/notifications/")
    html = page.content.decode()
    assert page.status_code == 200 and "Urging notice 12/SNV" in html and "Not for Ea Kar" not in html
    badge = client.get("/notifications/badge/", HTTP_HX_REQUEST="true")
    assert b'data-count="2"' in badge.content and b'hx-trigger="every 60s' in badge.content
    r = client.post(f"/notifications/{first.pk}/read/", HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and b'data-read="1"' in r.content and b"<html" not in r.content
    assert r["HX-Trigger"] == "dx-notifications-changed"
    first.refresh_from_db()
    assert first.read_at is not None
    assert b'data-count="1"' in client.get("/notifications/badge/").content
    assert "Urging notice 12/SNV" not in client.get("/notifications/?unread=1").content.decode()
    # Someone else's notification: 404, untouched.
    assert client.post(f"/notifications/{other.pk}/read/").status_code == 404
    assert client.get(f"/notifications/{other.pk}/open/").status_code == 404
    other.refresh_from_db()
    assert other.read_at is None
    # Opening follows the link and marks read; "mark all" clears the rest.
    second = Notification.objects.get(user=user, read_at__isnull=True)
    assert client.post("/notifications/read-all/").status_code == 302
    second.refresh_from_db()
    assert second.read_at is not None
    assert client.get(f"/notifications/{first.pk}/open/")["Location"] == "/plans/urging/"
    assert cast.client(None).get("/notifications/badge/").status_code == 302


def test_empty_list_says_what_to_do(cast: Any) -> None:
    html = english(cast.client("px.hoankiem")).get("/notifications/").content.decode()
    assert 'data-testid="empty"' in html and "preferences" in html


def test_preferences_page(cast: Any) -> None:
    client = english(cast.client("xa.eakar"))
    page = client.get("/notifications/preferences/")
    assert page.status_code == 200 and b'name="mode-urging" value="daily"' in page.content
    data = {f"mode-{k}": "daily" for k in Kind.values} | {"mode-urging": "immediate", "mode-report": "off"}
    assert client.post("/notifications/preferences/", data).status_code == 302
    assert services.preferences_of(user=cast.user("xa.eakar"))["urging"] == "immediate"
    assert Preference.objects.get(user__username="xa.eakar", kind="report").mode == "off"
    # A bad value stores nothing and says which kind.
    bad = client.post("/notifications/preferences/", data | {"mode-urging": "hourly"})
    assert bad.status_code == 200 and b"Urging notices" in bad.content
    assert Preference.objects.get(user__username="xa.eakar", kind="urging").mode == "immediate"


# --- API ------------------------------------------------------------------------------------------


def test_api_lists_and_marks_my_notifications_only(cast: Any) -> None:
    mine = services.notify(user=cast.user("xa.eakar"), kind=Kind.URGING, title="Mine")
    services.notify(user=cast.user("xa.eakar"), kind=Kind.TASK_DUE, title="Read one")
    Notification.objects.filter(title="Read one").update(read_at=timezone.now())
    theirs = services.notify(user=cast.user("px.buonmathuot"), kind=Kind.URGING, title="Theirs")
    client = cast.client("xa.eakar")
    r = client.get("/api/notifications?unread=true")
    assert r.status_code == 200 and [n["title"] for n in r.json()] == ["Mine"]
    assert len(client.get("/api/notifications").json()) == 2
    assert client.get("/api/notifications/unread-count").json() == {"unread": 1}
    r = client.post(f"/api/notifications/{mine.pk}/read")
    assert r.status_code == 200 and r.json()["read_at"] is not None
    assert client.post(f"/api/notifications/{theirs.pk}/read").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert cast.client(None).get("/api/notifications").status_code == 401


@pytest.mark.parametrize("kind", Kind.values)
def test_every_kind_has_a_label(kind: str) -> None:
    assert str(Kind(kind).label)
