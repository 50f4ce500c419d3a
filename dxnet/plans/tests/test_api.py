"""The plans API: scoped like the pages, errors in the API's shape."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from dxnet.network.models import Unit
from dxnet.plans import services
from dxnet.plans.models import Task

from .factories import programme, task

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(cast: Any) -> dict[str, Any]:
    p = programme()
    parent = task(p, "66-SNV", deadline="3/2025")
    services.task_assign_to_all(actor=None, task=parent, within=Unit.objects.get(code="66"), unit_type="commune")
    task(programme(code="KH-HN", owner="01", title="Kế hoạch Hà Nội"), "00070", deadline="2025")
    return {"programme": p, "parent": parent, "bmt": parent.children.get(lead_unit__code="24133")}


def token_client(cast: Any, username: str) -> Any:
    from django.test import Client

    from dxnet.core.auth import token_create

    _token, raw = token_create(actor=cast.user(username), name="t")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def test_programmes_and_tasks_are_scoped(cast: Any, plan: dict[str, Any]) -> None:
    c = cast.client("px.buonmathuot")
    codes = [p["code"] for p in c.get("/api/programmes").json()]
    assert codes == ["KH-73-DL"]
    tasks = c.get("/api/programmes/KH-73-DL/tasks").json()
    assert [t["lead_unit"]["code"] for t in tasks] == ["24133"]
    assert tasks[0]["deadline"] == "2025-03-31" and tasks[0]["status"] in ("overdue", "not_started")
    assert c.get("/api/programmes/KH-HN/tasks").status_code == 404
    assert len(cast.client("snv.daklak").get("/api/programmes/KH-73-DL/tasks").json()) == 103


def test_overdue_by_unit(cast: Any, plan: dict[str, Any]) -> None:
    Task.objects.filter(programme=plan["programme"]).update(deadline=dt.date(2025, 3, 31))
    c = cast.client("snv.daklak")
    late = c.get("/api/tasks/overdue?unit=66").json()
    assert len(late) == 103 and {t["status"] for t in late} == {"overdue"}
    assert c.get("/api/tasks/overdue?unit=01").json()["error"]["code"] == "not_found"
    assert cast.client("px.buonmathuot").get("/api/tasks/overdue?unit=66").status_code == 404
    assert len(cast.client("px.buonmathuot").get("/api/tasks/overdue?unit=24133").json()) == 1


def test_post_progress_with_a_token(cast: Any, plan: dict[str, Any]) -> None:
    c = token_client(cast, "px.buonmathuot")
    r = c.post(f"/api/tasks/{plan['bmt'].pk}/progress", {"percent": 40, "text": "Đang triển khai"},
               content_type="application/json")
    assert r.status_code == 201 and r.json()["progress"] == 40
    assert Task.objects.get(pk=plan["bmt"].pk).progress == 40
    assert Task.objects.get(pk=plan["parent"].pk).progress == 0  # 40 / 102 rounds to 0
    bad = c.post(f"/api/tasks/{plan['bmt'].pk}/progress", {"percent": 140}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "percent"
    other = plan["parent"].children.get(lead_unit__code="24373")
    r = c.post(f"/api/tasks/{other.pk}/progress", {"percent": 10}, content_type="application/json")
    assert r.status_code == 404
    assert token_client(cast, "px.hoankiem").post(f"/api/tasks/{plan['bmt'].pk}/progress", {"percent": 10},
                                                  content_type="application/json").status_code == 404
    from django.test import Client

    assert Client().post(f"/api/tasks/{plan['bmt'].pk}/progress", {"percent": 10},
                         content_type="application/json").status_code == 401
