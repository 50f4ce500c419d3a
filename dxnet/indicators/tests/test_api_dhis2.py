"""DHIS2 dataValueSets over the API: import (all or nothing, 409 with every conflict, dry run),
export back (round trip), scoping (another commune is a 404 / an unknown unit), and dxnet's own
JSON rows at /api/values."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dxnet.indicators.models import DataValue

from .test_transfer import make_form, stored

PAYLOAD = {
    "dataSet": "T-FORM",
    "dataValues": [
        {"dataElement": "T-DOS", "period": "202508", "orgUnit": "24373", "value": "120", "comment": "từ DHIS2"},
        {"dataElement": "T-DOS", "period": "202509", "orgUnit": "24373", "value": "130.5"},
        {"dataElement": "T-PCT", "period": "202508", "orgUnit": "24133", "value": "87.5"},
        {"dataElement": "T-RAT", "period": "202508", "orgUnit": "24373", "categoryOptionCombo": "numerator",
         "value": "30"},
        {"dataElement": "T-RAT", "period": "202508", "orgUnit": "24373", "categoryOptionCombo": "denominator",
         "value": "40"},
        {"dataElement": "T-YES", "period": "202508", "orgUnit": "24133", "value": "true"},
        {"dataElement": "T-YES", "period": "202509", "orgUnit": "24133", "value": "false"},
    ],
}


@pytest.fixture
def form(db: Any) -> Any:
    return make_form()


def post(client: Any, payload: object, query: str = "") -> Any:
    body = payload if isinstance(payload, str) else json.dumps(payload)
    return client.post(f"/api/dataValueSets{query}", body, content_type="application/json",
                       HTTP_ACCEPT_LANGUAGE="en")


def _key(dv: dict[str, Any]) -> tuple[str, str, str, str, float]:
    return (dv["dataElement"], dv["period"], dv["orgUnit"], dv.get("categoryOptionCombo", ""),
            float({"true": 1, "false": 0}.get(dv["value"], dv["value"])))


def test_import_then_export_round_trips(cast: Any, form: Any) -> None:
    client = cast.client("snv.daklak")
    response = post(client, PAYLOAD)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "SUCCESS"
    assert body["importCount"] == {"imported": 6, "updated": 0, "ignored": 0, "deleted": 0}
    assert stored()[("T-RAT", "24373", "202508")] == (75.0, 30.0, 40.0)
    assert DataValue.objects.get(indicator__code="T-DOS", unit__code="24373", period__month=8).comment == "từ DHIS2"

    exported = client.get("/api/dataValueSets?dataSet=T-FORM&orgUnit=66&children=true&period=202508&period=202509")
    assert exported.status_code == 200
    out = exported.json()
    assert out["dataSet"] == "T-FORM"
    assert sorted(map(_key, out["dataValues"])) == sorted(map(_key, PAYLOAD["dataValues"]))
    assert {dv["value"] for dv in out["dataValues"] if dv["dataElement"] == "T-YES"} == {"true", "false"}

    # The export imported again changes nothing.
    again = post(client, out)
    assert again.status_code == 200
    assert again.json()["importCount"] == {"imported": 0, "updated": 0, "ignored": 6, "deleted": 0}

    # A date range gives the same periods; without children only the unit itself.
    ranged = client.get("/api/dataValueSets?dataSet=T-FORM&orgUnit=66&children=true&startDate=2025-08-01"
                        "&endDate=2025-09-30").json()
    assert sorted(map(_key, ranged["dataValues"])) == sorted(map(_key, PAYLOAD["dataValues"]))
    assert client.get("/api/dataValueSets?dataSet=T-FORM&orgUnit=66&period=202508").json()["dataValues"] == []


def test_bad_payload_is_409_with_every_conflict_and_stores_nothing(cast: Any, form: Any) -> None:
    bad = {"dataValues": [
        {"dataElement": "T-DOS", "period": "202508", "orgUnit": "24373", "value": "12"},       # 0 good
        {"dataElement": "NOPE", "period": "202508", "orgUnit": "24373", "value": "1"},         # 1 unknown element
        {"dataElement": "T-DOS", "period": "2025Q3", "orgUnit": "24373", "value": "1"},        # 2 wrong period type
        {"dataElement": "T-DOS", "period": "202508", "orgUnit": "99999", "value": "1"},        # 3 unknown unit
        {"dataElement": "T-DOS", "period": "202508", "orgUnit": "24373", "value": "13"},       # 4 duplicate of 0
        {"dataElement": "T-PCT", "period": "202508", "orgUnit": "24373", "value": "120"},      # 5 above 100
        {"dataElement": "T-DOS", "period": "202509", "orgUnit": "24373", "value": "abc"},      # 6 not a number
        {"dataElement": "T-RAT", "period": "202508", "orgUnit": "24373", "categoryOptionCombo": "numerator",
         "value": "5"},                                                                         # 7 no denominator
        {"period": "202508", "orgUnit": "24373", "value": "1"},                                # 8 no dataElement
        {"dataElement": "T-DOS", "period": "202508", "orgUnit": "24133", "value": "1"},        # 9 other commune
    ]}
    response = post(cast.client("xa.eakar"), bad)
    assert response.status_code == 409
    body = response.json()
    assert body["status"] == "ERROR" and body["importCount"]["imported"] == 0
    conflicts = {(c["object"], c["value"]) for c in body["conflicts"]}
    assert {c["object"] for c in body["conflicts"]} == {f"dataValues[{i}]" for i in range(1, 10)}
    assert ("dataValues[1]", "unknown indicator “NOPE”") in conflicts
    assert ("dataValues[2]", "2025Q3 is not a month period") in conflicts
    assert ("dataValues[3]", "unknown unit “99999”") in conflicts
    assert ("dataValues[5]", "120 is above the maximum 100") in conflicts
    assert ("dataValues[6]", "“abc” is not a number") in conflicts
    assert ("dataValues[7]", "give both the numerator and the denominator") in conflicts
    assert ("dataValues[9]", "unknown unit “24133”") in conflicts  # another commune: as if it did not exist
    assert not stored()


def test_dry_run_checks_and_stores_nothing(cast: Any, form: Any) -> None:
    response = post(cast.client("snv.daklak"), PAYLOAD, "?dryRun=true")
    assert response.status_code == 200
    assert response.json()["dryRun"] is True and response.json()["importCount"]["imported"] == 6
    assert not stored()


def test_not_json_or_wrong_shape_is_400(cast: Any, form: Any) -> None:
    client = cast.client("snv.daklak")
    assert post(client, "{nope").status_code == 400
    assert post(client, {"values": []}).json()["error"]["code"] == "bad_json"


def test_scoping_export_404_and_anonymous_401(cast: Any, form: Any) -> None:
    post(cast.client("snv.daklak"), PAYLOAD)
    reporter = cast.client("xa.eakar")
    assert reporter.get("/api/dataValueSets?dataSet=T-FORM&orgUnit=24133&period=202508").status_code == 404
    assert reporter.get("/api/dataValueSets?dataSet=T-FORM&orgUnit=66&children=true&period=202508"
                        ).status_code == 404
    mine = reporter.get("/api/dataValueSets?dataSet=T-FORM&orgUnit=24373&children=true&period=202508").json()
    assert {dv["orgUnit"] for dv in mine["dataValues"]} == {"24373"}
    assert cast.client("px.hoankiem").get("/api/dataValueSets?dataSet=T-FORM&orgUnit=24373&period=202508"
                                          ).status_code == 404
    assert cast.client(None).get("/api/dataValueSets?dataSet=T-FORM&orgUnit=24373&period=202508").status_code == 401
    assert reporter.get("/api/dataValueSets?dataSet=T-FORM&orgUnit=24373").status_code == 422  # no period


def test_own_json_rows(cast: Any, form: Any) -> None:
    client = cast.client("xa.eakar")
    rows = {"values": [
        {"indicator": "T-DOS", "unit": "24373", "period": "202508", "value": 5},
        {"indicator": "T-RAT", "unit": "24373", "period": "202508", "numerator": 1, "denominator": 2},
    ]}
    response = client.post("/api/values", json.dumps(rows), content_type="application/json")
    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 2
    assert stored()[("T-RAT", "24373", "202508")] == (50.0, 1.0, 2.0)
    bad = {"values": [
        {"indicator": "T-DOS", "unit": "24373", "period": "202509", "value": 1},
        {"indicator": "T-RAT", "unit": "24373", "period": "202509", "numerator": 3, "denominator": 2},
        {"indicator": "T-DOS", "unit": "24133", "period": "202509", "value": 1},
    ]}
    response = client.post("/api/values", json.dumps(bad), content_type="application/json",
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    fields = {(f["field"], f["message"]) for f in response.json()["error"]["fields"]}
    assert fields == {("values[1].value", "the numerator (3) is greater than the denominator (2)"),
                      ("values[2].unit", "unknown unit “24133”")}
    assert ("T-DOS", "24373", "202509") not in stored()
