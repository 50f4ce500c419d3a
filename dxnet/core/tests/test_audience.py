"""Audience scoping (documents and their passages): a document published to a unit is read by
the officials of every unit in that subtree, and managed by the staff of its publishing unit."""

from __future__ import annotations

from typing import Any

import pytest

from dxnet.core import access
from dxnet.documents.models import Document

# audience unit → who reads a document published to it (owner = the same unit)
READERS: dict[str, set[str]] = {
    "VN": {"admin", "bo.khcn", "ubnd.daklak", "snv.daklak", "px.buonmathuot", "xa.eakar", "px.hoankiem",
           "mttq.daklak"},
    "66": {"admin", "ubnd.daklak", "snv.daklak", "px.buonmathuot", "xa.eakar", "mttq.daklak"},
    # the province's observer is not in commune 24373's subtree and observers are not staff: it does
    # not read what is published to that commune alone (see the test below)
    "24373": {"admin", "ubnd.daklak", "snv.daklak", "xa.eakar"},
    "01": {"admin", "px.hoankiem"},
    "BKHCN": {"admin", "bo.khcn"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("audience", list(READERS))
def test_readers_are_the_audience_subtree_and_the_owner_staff(cast: Any, unit: Any, audience: str) -> None:
    doc = Document.objects.create(slug=f"d-{audience.lower()}", title="t", owner=unit(audience),
                                  audience=unit(audience))
    for username in READERS["VN"]:
        seen = access.visible(cast.user(username), Document.objects.filter(pk=doc.pk)).exists()
        assert seen is (username in READERS[audience]), (username, audience)
    assert access.visible(None, Document.objects.filter(pk=doc.pk)).exists()


@pytest.mark.django_db
def test_owner_staff_read_what_they_publish_to_a_narrower_audience(cast: Any, unit: Any) -> None:
    # A province publishes to one commune: the province's staff still see it, the other commune not.
    doc = Document.objects.create(slug="to-ea-kar", title="t", owner=unit("66"), audience=unit("24373"))
    qs = Document.objects.filter(pk=doc.pk)
    assert access.visible(cast.user("snv.daklak"), qs).exists()
    assert not access.visible(cast.user("px.buonmathuot"), qs).exists()


@pytest.mark.django_db
def test_observers_read_through_the_audience_only(cast: Any, unit: Any) -> None:
    # mttq.daklak observes province 66: it reads what is published to the province (the audience
    # covers it), not what the province publishes to commune 24373 (only the owner's STAFF read that).
    to_commune = Document.objects.create(slug="to-commune", title="t", owner=unit("66"), audience=unit("24373"))
    to_province = Document.objects.create(slug="to-province", title="t", owner=unit("24373"), audience=unit("66"))
    observer = cast.user("mttq.daklak")
    seen = set(access.visible(observer, Document.objects.filter(pk__in=[to_commune.pk, to_province.pk]))
               .values_list("slug", flat=True))
    assert seen == {"to-province"}


@pytest.mark.django_db
def test_profile_unit_counts_as_membership(cast: Any, unit: Any) -> None:
    from django.contrib.auth import get_user_model

    from dxnet.network.models import Profile

    user = get_user_model().objects.create_user("no.role", password="x")
    Profile.objects.create(user=user, unit=unit("24133"))
    doc = Document.objects.create(slug="dl", title="t", owner=unit("66"), audience=unit("66"))
    hn = Document.objects.create(slug="hn", title="t", owner=unit("01"), audience=unit("01"))
    seen = set(access.visible(user, Document.objects.filter(pk__in=[doc.pk, hn.pk])).values_list("slug", flat=True))
    assert seen == {"dl"}


@pytest.mark.django_db
def test_anonymous_reads_nothing(unit: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    Document.objects.create(slug="x", title="t", owner=unit("VN"), audience=unit("VN"))
    assert not access.visible(AnonymousUser(), Document.objects.all()).exists()
