from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from dxnet.core.text import fold
from dxnet.network import selectors, services
from dxnet.network.models import Unit, UnitType


def test_fold_strips_vietnamese_accents() -> None:
    assert fold("Đắk Lắk") == "dak lak"
    assert fold("  Phường   Buôn Ma Thuột ") == "phuong buon ma thuot"
    assert fold("Xã Ea H'Leo") == "xa ea h'leo"


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["Buôn Ma Thuột", "buon ma thuot", "BUON MA", "ma thuot buon", "24133"])
def test_search_with_or_without_accents(query: str) -> None:
    codes = set(selectors.unit_search(query=query).values_list("code", flat=True))
    assert "24133" in codes


@pytest.mark.django_db
def test_search_by_type_and_status() -> None:
    assert selectors.unit_search(query="dak lak", unit_type="province").get().code == "66"
    legacy = selectors.unit_search(query="phu yen", unit_type="province", status="legacy")
    assert legacy.get().valid_to == dt.date(2025, 6, 30)
    assert not selectors.unit_search(query="phu yen", unit_type="province").exists()


@pytest.mark.django_db
def test_subtree_is_a_range_on_the_path(unit: Any) -> None:
    dak_lak = unit("66")
    subtree = Unit.objects.current().subtree_of(dak_lak)
    codes = set(subtree.values_list("code", flat=True))
    assert {"66", "24133", "24373", "66-SNV", "24133-TCNS"} <= codes
    assert "00070" not in codes and "BKHCN" not in codes
    # The same answer as walking the parent links.
    walked, frontier = {dak_lak.pk}, [dak_lak.pk]
    while frontier:
        frontier = list(Unit.objects.current().filter(parent_id__in=frontier).values_list("pk", flat=True))
        walked.update(frontier)
    assert set(subtree.values_list("pk", flat=True)) == walked


@pytest.mark.django_db
def test_subtree_query_uses_the_path_index(unit: Any) -> None:
    from django.db import connection

    qs = Unit.objects.subtree_of(unit("66")).only("pk")
    plan = qs.explain()
    if connection.vendor == "sqlite":
        assert "network_unit_path" in plan or "unit_type_path" in plan, plan
    else:
        assert "Seq Scan on network_unit" not in plan.replace("Bitmap", ""), plan


@pytest.mark.django_db
def test_ancestors_come_from_the_path(unit: Any) -> None:
    team = unit("24133-TCNS")
    assert [u.code for u in selectors.unit_ancestors(unit=team)] == ["VN", "66", "24133"]
    assert team.depth == 3


@pytest.mark.django_db
def test_move_rewrites_the_whole_subtree(cast: Any, unit: Any) -> None:
    admin = cast.user("admin")
    team = unit("24133-TCNS")
    services.unit_move(actor=admin, unit=unit("24133"), parent=unit("66-SNV"))
    team.refresh_from_db()
    assert [u.code for u in selectors.unit_ancestors(unit=team)] == ["VN", "66", "66-SNV", "24133"]
    assert team.depth == 4
    with pytest.raises(ValueError):
        services.unit_move(actor=admin, unit=unit("66"), parent=unit("24133"))


@pytest.mark.django_db
def test_only_administrators_of_the_subtree_create_units(cast: Any, unit: Any) -> None:
    from django.http import Http404

    with pytest.raises(Http404):
        services.unit_create(actor=cast.user("snv.daklak"), code="X1", name="Tổ mới", unit_type=UnitType.TEAM,
                             parent=unit("24373"))
    created = services.unit_create(actor=cast.user("admin"), code="X1", name="Tổ công nghệ số cộng đồng xã Ea Kar",
                                   unit_type=UnitType.TEAM, parent=unit("24373"))
    assert created.path.startswith(unit("24373").path) and created.depth == unit("24373").depth + 1
    assert "to cong nghe so" in created.search_text


@pytest.mark.django_db
def test_unit_browser_pages(client: Any) -> None:
    tree = client.get("/units/")
    assert tree.status_code == 200 and "Việt Nam".encode() in tree.content
    found = client.get("/units/", {"q": "dak lak", "type": "province"})
    assert "Tỉnh Đắk Lắk".encode() in found.content
    partial = client.get("/units/", {"q": "ea kar"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="unit-results")
    assert b"<html" not in partial.content and "Xã Ea Kar".encode() in partial.content
    children = client.get("/units/66/children/", HTTP_HX_REQUEST="true")
    assert "Phường Buôn Ma Thuột".encode() in children.content
    nothing = client.get("/units/", {"q": "zzzz no such place"})
    assert b"dx-empty" in nothing.content


@pytest.mark.django_db
def test_province_page_lists_its_communes_and_lineage(client: Any) -> None:
    page = client.get("/units/66/")
    body = page.content.decode()
    assert "Tỉnh Đắk Lắk" in body and 'data-testid="lineage"' in body
    assert "Tỉnh Phú Yên" in body  # merged into Đắk Lắk on 1 July 2025


@pytest.mark.django_db
def test_legacy_unit_page_points_to_its_successor(client: Any) -> None:
    legacy = Unit.objects.get(code="L54")  # Phú Yên before the merger
    body = client.get(f"/units/{legacy.code}/").content.decode()
    assert 'data-testid="successor-notice"' in body and "Tỉnh Đắk Lắk" in body


@pytest.mark.django_db
def test_language_switch(client: Any) -> None:
    assert "Đơn vị".encode() in client.get("/units/").content
    client.post("/i18n/setlang/", {"language": "en", "next": "/units/"})
    english = client.get("/units/").content.decode()
    assert "Units of the network" in english


@pytest.mark.django_db
def test_an_administrator_assigns_and_ends_a_role_on_the_people_page(cast: Any, unit: Any) -> None:
    from dxnet.core.models import AuditEntry
    from dxnet.network.models import RoleAssignment

    admin = cast.client("admin")
    response = admin.post("/units/24373/people/", {"username": "px.buonmathuot", "role": "observer",
                                                   "starts_on": "2025-08-01"})
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user__username="px.buonmathuot", unit__code="24373")
    assert assignment.role == "observer"
    assert AuditEntry.objects.filter(action="role.assign", object_id=str(assignment.pk)).exists()
    assert admin.post(f"/units/24373/roles/{assignment.pk}/end/").status_code == 302
    assignment.refresh_from_db()
    assert assignment.ends_on is not None


@pytest.mark.django_db
def test_role_form_names_the_bad_field_and_stores_nothing(cast: Any) -> None:
    from dxnet.network.models import RoleAssignment

    before = RoleAssignment.objects.count()
    admin = cast.client("admin")
    unknown = admin.post("/units/24373/people/", {"username": "nobody", "role": "reporter", "starts_on": "2025-08-01"})
    assert unknown.status_code == 200 and "nobody" in unknown.content.decode()
    backwards = admin.post("/units/24373/people/", {"username": "xa.eakar", "role": "reporter",
                                                    "starts_on": "2025-08-01", "ends_on": "2025-07-01"})
    assert "is-invalid" in backwards.content.decode()
    assert RoleAssignment.objects.count() == before


@pytest.mark.django_db
def test_staff_without_the_admin_role_cannot_assign_or_end_roles(cast: Any) -> None:
    from dxnet.network.models import RoleAssignment

    supervisor = cast.client("snv.daklak")
    page = supervisor.get("/units/24373/people/")
    assert page.status_code == 200 and b'data-testid="assign-role"' not in page.content
    before = RoleAssignment.objects.count()
    supervisor.post("/units/24373/people/", {"username": "xa.eakar", "role": "admin", "starts_on": "2025-08-01"})
    assert RoleAssignment.objects.count() == before
    own = RoleAssignment.objects.get(user__username="xa.eakar", unit__code="24373")
    assert supervisor.post(f"/units/24373/roles/{own.pk}/end/").status_code == 404
