"""The scoping matrix: each named user × each unit-scoped page and API route → allowed or 404.

Units: the Đắk Lắk province (66), two of its communes (24133 Buôn Ma Thuột, 24373 Ea Kar), its
Department of Home Affairs (66-SNV), a Hà Nội ward (00070), the Ministry of Science and
Technology (BKHCN) and the national root (VN)."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.db import models

from dxnet.core import access
from dxnet.network.models import Unit

UNITS = ["VN", "BKHCN", "66", "66-SNV", "24133", "24373", "00070"]
DAK_LAK = {"66", "66-SNV", "24133", "24373"}

# Who may open the people and roles of which unit (a role covers its unit's subtree).
PEOPLE_ALLOWED: dict[str, set[str]] = {
    "admin": set(UNITS),
    "bo.khcn": {"BKHCN"},
    "ubnd.daklak": DAK_LAK,
    "snv.daklak": DAK_LAK,
    "px.buonmathuot": {"24133"},
    "xa.eakar": {"24373"},
    "px.hoankiem": {"00070"},
    "mttq.daklak": set(),  # observers read published material, not the staff directory
}

MATRIX = [(user, code) for user in PEOPLE_ALLOWED for code in UNITS]


@pytest.mark.django_db
@pytest.mark.parametrize(("username", "code"), MATRIX)
def test_people_page_and_api_follow_the_subtree(cast: Any, username: str, code: str) -> None:
    client = cast.client(username)
    allowed = code in PEOPLE_ALLOWED[username]
    page = client.get(f"/units/{code}/people/")
    api = client.get(f"/api/units/{code}/people")
    assert page.status_code == (200 if allowed else 404)
    assert api.status_code == (200 if allowed else 404)
    if not allowed:
        assert api.json()["error"]["code"] == "not_found"
    # The unit page itself is public, and offers the people link only where it would open.
    detail = client.get(f"/units/{code}/")
    assert detail.status_code == 200
    assert (b'data-testid="people-link"' in detail.content) is allowed


@pytest.mark.django_db
@pytest.mark.parametrize("code", UNITS)
def test_anonymous_sees_units_but_not_people(client: Any, code: str) -> None:
    assert client.get(f"/units/{code}/").status_code == 200
    assert client.get(f"/api/units/{code}").status_code == 200
    page = client.get(f"/units/{code}/people/")
    assert page.status_code == 302 and page["Location"].startswith("/account/login/")
    api = client.get(f"/api/units/{code}/people")
    assert api.status_code == 401
    assert api.json()["error"]["code"] == "unauthenticated"


@pytest.mark.django_db
def test_unknown_unit_is_404_for_everyone(cast: Any) -> None:
    for username in [None, "admin", "snv.daklak"]:
        client = cast.client(username)
        assert client.get("/units/NO-SUCH-UNIT/").status_code == 404
        assert client.get("/api/units/NO-SUCH-UNIT").status_code == 404


@pytest.mark.django_db
def test_people_listed_are_the_units_own(cast: Any) -> None:
    body = cast.client("snv.daklak").get("/api/units/24133/people").json()
    assert [p["username"] for p in body] == ["px.buonmathuot"]
    assert set(body[0]["roles"]) == {"reporter", "focal_point"}


@pytest.mark.django_db
def test_visible_filters_rows_by_subtree(cast: Any) -> None:
    from dxnet.network.models import Profile

    seen = set(access.visible(cast.user("snv.daklak"), Profile.objects.all()).values_list("user__username", flat=True))
    assert seen == {"snv.daklak", "px.buonmathuot", "xa.eakar", "mttq.daklak", "ubnd.daklak"}
    assert not access.visible(cast.user("mttq.daklak"), Profile.objects.all()).exists()
    assert access.visible(cast.user("admin"), Profile.objects.all()).count() == Profile.objects.count()


@pytest.mark.django_db
def test_ended_role_no_longer_opens_the_subtree(cast: Any, unit: Any) -> None:
    import datetime as dt

    from dxnet.network import services
    from dxnet.network.models import RoleAssignment

    user = cast.user("xa.eakar")
    assert access.can(user, "view_people", unit("24373"))
    assignment = RoleAssignment.objects.get(user=user, unit__code="24373")
    services.role_end(actor=cast.user("admin"), assignment=assignment, ends_on=dt.date(2025, 7, 1))
    user = cast.user("xa.eakar")  # a new request: no cached roles
    assert not access.can(user, "view_people", unit("24373"))
    assert cast.client("xa.eakar").get("/units/24373/people/").status_code == 404


def test_every_model_tied_to_a_unit_has_a_policy() -> None:
    missing = []
    for model in apps.get_models():
        tied = any(
            isinstance(f, (models.ForeignKey, models.OneToOneField, models.ManyToManyField)) and f.related_model is Unit
            for f in model._meta.get_fields()
            if not f.auto_created or f.concrete
        )
        if tied and model not in access.registered_models():
            missing.append(model._meta.label)
    assert missing == [], f"models with a unit but no access policy: {missing}"
