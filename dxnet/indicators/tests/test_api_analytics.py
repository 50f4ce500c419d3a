"""GET /api/analytics and /api/indicators: shapes, live figures, targets, errors naming the
parameter, and scoping (404 outside the caller's subtrees, 401 when anonymous)."""

from __future__ import annotations

from typing import Any

import pytest

from dxnet.core.auth import token_create
from dxnet.indicators import services
from dxnet.indicators.models import Aggregation, Direction
from dxnet.indicators.periods import Period, PeriodType

from .factories import indicator

pytestmark = pytest.mark.django_db

JAN = Period.of(PeriodType.MONTH, 2025, 1)


@pytest.fixture
def dossiers(db: Any) -> Any:
    ind = indicator("A-DOSSIERS", Aggregation.SUM, unit_of_measure="hồ sơ")
    services.values_write(actor=None, rows=[
        services.ValueInput(ind, "24133", "202501", value=40),
        services.ValueInput(ind, "24373", "202501", value=2),
        services.ValueInput(ind, "00070", "202501", value=7),
        services.ValueInput(ind, "24133", "202502", value=10),
    ])
    return ind


def get(client: Any, **params: str) -> Any:
    return client.get("/api/analytics", params)


def test_shape_and_value_of_a_province(cast: Any, dossiers: Any) -> None:
    response = get(cast.client("snv.daklak"), indicator="A-DOSSIERS", unit="66", period="202501")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["indicator"] == {
        "code": "A-DOSSIERS", "name": "Chỉ số A-DOSSIERS", "name_en": "Indicator A-DOSSIERS", "period_type": "month",
        "aggregation": "sum", "value_type": "number", "unit_of_measure": "hồ sơ", "direction": "higher"}
    assert body["unit"]["code"] == "66"
    assert body["periods"] == [{"dhis2": "202501", "label": "01/2025"}]
    assert body["rows"] == [{"unit": {"code": "66", "name": body["unit"]["name"]},
                             "period": {"dhis2": "202501", "label": "01/2025"},
                             "value": 42.0, "n": 2, "target": None, "achievement": None}]


def test_range_of_periods_for_a_commune(cast: Any, dossiers: Any) -> None:
    body = get(cast.client("px.buonmathuot"), indicator="A-DOSSIERS", unit="24133", period="202501:202503").json()
    assert [(r["period"]["dhis2"], r["value"], r["n"]) for r in body["rows"]] == [
        ("202501", 40.0, 1), ("202502", 10.0, 1), ("202503", None, 0)]


def test_children_sum_to_the_parent(cast: Any, dossiers: Any) -> None:
    client = cast.client("admin")
    national = get(client, indicator="A-DOSSIERS", unit="VN", period="202501").json()["rows"][0]["value"]
    children = get(client, indicator="A-DOSSIERS", unit="VN", period="202501", by="children").json()["rows"]
    assert national == 49.0
    assert sum(r["value"] or 0 for r in children) == national
    by_code = {r["unit"]["code"]: r for r in children}
    assert by_code["66"]["value"] == 42.0 and by_code["66"]["n"] == 2
    assert by_code["01"]["value"] == 7.0
    communes = get(client, indicator="A-DOSSIERS", unit="66", period="202501", by="children").json()["rows"]
    assert sum(r["value"] or 0 for r in communes) == 42.0
    assert {r["unit"]["code"] for r in communes if r["value"]} == {"24133", "24373"}


def test_by_level_lists_the_units_of_a_type(cast: Any, dossiers: Any) -> None:
    rows = get(cast.client("admin"), indicator="A-DOSSIERS", unit="VN", period="202501", by="level",
               level="province").json()["rows"]
    assert len(rows) == 34
    assert {r["unit"]["code"]: r["value"] for r in rows if r["value"]} == {"66": 42.0, "01": 7.0}


def test_a_value_written_now_is_in_the_next_answer(cast: Any, dossiers: Any) -> None:
    client = cast.client("admin")
    assert get(client, indicator="A-DOSSIERS", unit="VN", period="202501").json()["rows"][0]["value"] == 49.0
    services.values_write(actor=cast.user("xa.eakar"), rows=[services.ValueInput(dossiers, "24373", "202501", value=5)])
    assert get(client, indicator="A-DOSSIERS", unit="VN", period="202501").json()["rows"][0]["value"] == 52.0


def test_targets_and_achievement_follow_the_direction(cast: Any, unit: Any) -> None:
    lower = indicator("A-DAYS", Aggregation.AVERAGE, direction=Direction.LOWER)
    higher = indicator("A-HIGH", Aggregation.SUM)
    services.values_write(actor=None, rows=[services.ValueInput(lower, "24133", "202501", value=8),
                                            services.ValueInput(higher, "24133", "202501", value=8)])
    admin = cast.user("admin")
    services.target_set(actor=admin, indicator=lower, unit=unit("24133"), period=JAN, value=10, origin="assigned")
    # An annual target applies to each month of its year when the month has none of its own.
    services.target_set(actor=admin, indicator=higher, unit=unit("24133"), period=Period.of(PeriodType.YEAR, 2025),
                        value=10, origin="assigned")
    client = cast.client("admin")
    row = get(client, indicator="A-DAYS", unit="24133", period="202501").json()["rows"][0]
    assert (row["value"], row["target"], row["achievement"]) == (8.0, 10.0, 125.0)
    row = get(client, indicator="A-HIGH", unit="24133", period="202501").json()["rows"][0]
    assert (row["value"], row["target"], row["achievement"]) == (8.0, 10.0, 80.0)


@pytest.mark.parametrize(("params", "field"), [
    ({"unit": "66", "period": "202501"}, "indicator"),
    ({"indicator": "NOPE", "unit": "66", "period": "202501"}, "indicator"),
    ({"indicator": "A-DOSSIERS", "unit": "66", "period": "2025-13"}, "period"),
    ({"indicator": "A-DOSSIERS", "unit": "66", "period": "2025Q1"}, "period"),
    ({"indicator": "A-DOSSIERS", "unit": "66", "period": "202512:202501"}, "period"),
    ({"indicator": "A-DOSSIERS", "unit": "66", "period": "190001:202501"}, "period"),
    ({"indicator": "A-DOSSIERS", "unit": "66", "period": "202501", "by": "parents"}, "by"),
    ({"indicator": "A-DOSSIERS", "unit": "66", "period": "202501", "by": "level", "level": "hamlet"}, "level"),
    ({"indicator": "A-DOSSIERS", "period": "202501"}, "unit"),
])
def test_bad_parameters_answer_422_naming_the_parameter(cast: Any, dossiers: Any, params: dict[str, str],
                                                        field: str) -> None:
    response = get(cast.client("snv.daklak"), **params)
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert [f["field"] for f in error["fields"]] == [field]
    assert error["fields"][0]["message"]


def test_another_province_is_404_for_a_commune_reporter(cast: Any, dossiers: Any) -> None:
    client = cast.client("xa.eakar")
    for unit_code in ("01", "00070", "66", "24133", "NO-SUCH-UNIT"):
        response = get(client, indicator="A-DOSSIERS", unit=unit_code, period="202501")
        assert response.status_code == 404, unit_code
        assert response.json()["error"]["code"] == "not_found"
    assert get(client, indicator="A-DOSSIERS", unit="24373", period="202501").json()["rows"][0]["value"] == 2.0


def test_observer_reads_its_province(cast: Any, dossiers: Any) -> None:
    client = cast.client("mttq.daklak")
    assert get(client, indicator="A-DOSSIERS", unit="66", period="202501").json()["rows"][0]["value"] == 42.0
    assert get(client, indicator="A-DOSSIERS", unit="01", period="202501").status_code == 404


def test_anonymous_is_401_and_a_token_works(cast: Any, dossiers: Any) -> None:
    anonymous = cast.client(None)
    response = get(anonymous, indicator="A-DOSSIERS", unit="66", period="202501")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    assert anonymous.get("/api/indicators").status_code == 401
    _token, key = token_create(actor=cast.user("snv.daklak"), name="test")
    response = anonymous.get("/api/analytics", {"indicator": "A-DOSSIERS", "unit": "66", "period": "202501"},
                             headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    assert response.json()["rows"][0]["value"] == 42.0


def test_indicator_list(cast: Any, dossiers: Any) -> None:
    response = cast.client("xa.eakar").get("/api/indicators")
    assert response.status_code == 200
    found = [i for i in response.json() if i["code"] == "A-DOSSIERS"]
    assert found == [{"code": "A-DOSSIERS", "name": "Chỉ số A-DOSSIERS", "name_en": "Indicator A-DOSSIERS",
                      "group": "", "period_type": "month", "value_type": "number", "aggregation": "sum",
                      "direction": "higher", "unit_of_measure": "hồ sơ", "valid_from_year": 2020}]
