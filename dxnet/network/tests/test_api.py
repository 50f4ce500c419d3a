from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.django_db
def test_units_list_filters_and_pages(client: Any) -> None:
    body = client.get("/api/units", {"type": "province"}).json()
    assert body["count"] == 34
    assert {"code", "name", "name_en", "unit_type", "parent_code", "is_current"} <= set(body["items"][0])
    communes = client.get("/api/units", {"type": "commune"}).json()
    assert communes["count"] == 3321 and len(communes["items"]) == 100
    found = client.get("/api/units", {"q": "buon ma thuot", "type": "commune"}).json()
    assert [u["code"] for u in found["items"]] == ["24133"]


@pytest.mark.django_db
def test_children_subtree_and_detail(client: Any) -> None:
    detail = client.get("/api/units/24133").json()
    assert detail["name"] == "Phường Buôn Ma Thuột" and detail["parent_code"] == "66"
    children = client.get("/api/units/66/children").json()
    codes = {u["code"] for u in children["items"]}
    assert {"24133", "24373", "66-SNV"} <= codes and all(u["parent_code"] == "66" for u in children["items"])
    subtree = client.get("/api/units/66/subtree", {"q": "ea kar"}).json()
    assert [u["code"] for u in subtree["items"]] == ["24373"]
    assert client.get("/api/units/01/subtree", {"q": "ea kar"}).json()["count"] == 0


@pytest.mark.django_db
def test_lineage_of_a_legacy_province(client: Any) -> None:
    body = client.get("/api/units/L54/lineage").json()  # Phú Yên
    assert body["unit"]["is_current"] is False
    assert [u["code"] for u in body["current_successors"]] == ["66"]
    assert body["successors"][0]["event"] == "merged"
    new = client.get("/api/units/66/lineage").json()
    provinces = {link["unit"]["code"] for link in new["predecessors"] if link["unit"]["unit_type"] == "province"}
    assert provinces == {"L66", "L54"}


@pytest.mark.django_db
def test_me_needs_authentication_and_describes_the_user(cast: Any, client: Any) -> None:
    assert client.get("/api/me").status_code == 401
    me = cast.client("snv.daklak").get("/api/me").json()
    assert me["unit"]["code"] == "66-SNV"
    assert {(r["role"], r["unit"]["code"]) for r in me["roles"]} == {("supervisor", "66"), ("focal_point", "66")}


@pytest.mark.django_db
def test_errors_have_one_shape(client: Any) -> None:
    missing = client.get("/api/units/NOPE")
    assert missing.status_code == 404 and missing.json() == {
        "error": {"code": "not_found", "message": missing.json()["error"]["message"], "fields": []}}
    bad = client.get("/api/units", {"page": "abc"})
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "invalid" and bad.json()["error"]["fields"][0]["field"] == "page"


@pytest.mark.django_db
def test_openapi_schema_is_served(client: Any) -> None:
    schema = client.get("/api/openapi.json").json()
    assert "/api/units/{code}/lineage" in schema["paths"]
    assert client.get("/api/docs").status_code == 200
