"""Dashboards: KPI cards from the values written in the test, the table by child unit and its
XLSX export, the map data, htmx partials, Vietnamese number formatting, and scoping."""

from __future__ import annotations

import json
import re
from io import BytesIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from dxnet.indicators import services
from dxnet.indicators.models import Aggregation, Direction, FormIndicator, ReportForm
from dxnet.indicators.periods import Period, PeriodType

from .factories import indicator

pytestmark = pytest.mark.django_db

URL = "/reporting/dashboard/{}/"


@pytest.fixture
def data(db: Any) -> Any:
    online = indicator("D-ONLINE", Aggregation.SUM, unit_of_measure="hồ sơ", decimals=1)
    waiting = indicator("D-WAIT", Aggregation.AVERAGE, direction=Direction.LOWER)
    services.values_write(actor=None, rows=[
        services.ValueInput(online, "24133", "202412", value=30),
        services.ValueInput(online, "24133", "202501", value=40),
        services.ValueInput(online, "24373", "202501", value=2),
        services.ValueInput(online, "00070", "202501", value=1234.5),
        services.ValueInput(waiting, "24133", "202412", value=6),
        services.ValueInput(waiting, "24133", "202501", value=4),
    ])
    return online, waiting


def kpi(html: str, code: str) -> str:
    """The text of one KPI card."""
    match = re.search(rf'data-testid="kpi-{code}"(.*?)</div>\s*</div>\s*</div>', html, re.S)
    assert match, f"no card for {code}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1)))


def trend_html(html: str, code: str) -> str:
    """The trend line of one KPI card, as HTML (its class says the colour)."""
    card = html.split(f'data-testid="kpi-{code}"')[1]
    start = card.index('data-testid="kpi-trend"')
    return card[card.rindex("<div", 0, start):start + 400]


def json_data(html: str, element_id: str) -> Any:
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(match.group(1)) if match else None


def test_province_dashboard_shows_the_values_written(cast: Any, data: Any) -> None:
    response = cast.client("snv.daklak").get(URL.format("66"))
    assert response.status_code == 200
    html = response.content.decode()
    card = kpi(html, "D-ONLINE")
    assert "42" in card and "01/2025" in card and ("2 giá trị" in card or "2 values" in card)
    assert "+12" in card  # 42 in 01/2025 against 30 in 12/2024
    assert "text-success" in trend_html(html, "D-ONLINE")  # more dossiers online is better: green
    waiting = kpi(html, "D-WAIT")
    assert "4" in waiting and "-2" in waiting
    # Fewer waiting days is better: the downward trend is green too, never red.
    assert "bi-arrow-down-right" in trend_html(html, "D-WAIT")
    assert "text-success" in trend_html(html, "D-WAIT") and "text-danger" not in trend_html(html, "D-WAIT")
    # The table by commune, with the province's total underneath.
    table = html.split('data-testid="dash-table"')[1]
    assert re.search(r'data-unit="24133">.*?>40<', table, re.S)
    assert re.search(r'data-testid="total-value">42<', table)
    # The province map with the province highlighted.
    map_data = json_data(html, "dash-map-data")
    assert map_data["highlight"] == "66"
    assert map_data["data"] == [{"name": "66", "value": 42.0, "unit": map_data["data"][0]["unit"], "text": "42",
                                 "n": 2, "achievement": "—", "url": "/reporting/dashboard/66/"}]
    assert "CC BY-SA 4.0" in html and "Open Development Mekong" in html
    chart = json_data(html, "dash-chart-data")
    assert chart["periods"][-1] == "202501" and len(chart["periods"]) == 12
    assert chart["values"][-2:] == [30.0, 42.0]


def test_national_map_has_every_province(cast: Any, data: Any) -> None:
    html = cast.client("admin").get(URL.format("VN"), {"indicator": "D-ONLINE"}).content.decode()
    map_data = json_data(html, "dash-map-data")
    assert map_data["highlight"] is None
    assert len(map_data["data"]) == 34
    values = {d["name"]: d["value"] for d in map_data["data"] if d["value"] is not None}
    assert values == {"66": 42.0, "01": 1234.5}
    assert map_data["geojson"].endswith("dxnet/maps/vn-provinces-34.geo.json")


def test_commune_has_no_map_and_says_there_is_nothing_below(cast: Any, data: Any) -> None:
    html = cast.client("xa.eakar").get(URL.format("24373")).content.decode()
    assert json_data(html, "dash-map-data") is None
    assert "2" in kpi(html, "D-ONLINE")
    assert 'colspan="5"' in html


def test_figures_are_formatted_in_the_language_of_the_page(cast: Any, data: Any) -> None:
    client = cast.client("admin")
    html = client.get(URL.format("01"), {"indicator": "D-ONLINE"}).content.decode()
    assert "1.234,5" in kpi(html, "D-ONLINE")
    client.cookies["dxnet_language"] = "en"
    html = client.get(URL.format("01"), {"indicator": "D-ONLINE"}).content.decode()
    assert "1,234.5" in kpi(html, "D-ONLINE")


def test_value_submitted_now_shows_at_once(cast: Any, data: Any) -> None:
    online, _waiting = data
    client = cast.client("snv.daklak")
    assert "42" in kpi(client.get(URL.format("66")).content.decode(), "D-ONLINE")
    services.values_write(actor=cast.user("xa.eakar"), rows=[services.ValueInput(online, "24373", "202501", value=9)])
    assert "49" in kpi(client.get(URL.format("66")).content.decode(), "D-ONLINE")


def test_targets_show_achievement(cast: Any, data: Any, unit: Any) -> None:
    online, _waiting = data
    services.target_set(actor=cast.user("admin"), indicator=online, unit=unit("66"),
                        period=Period.of(PeriodType.MONTH, 2025, 1), value=50, origin="assigned")
    html = cast.client("ubnd.daklak").get(URL.format("66")).content.decode()
    card = kpi(html, "D-ONLINE")
    assert "50" in card and "84 %" in card


def test_table_sorts_and_htmx_gets_partials(cast: Any, data: Any) -> None:
    client = cast.client("admin")
    params = {"indicator": "D-ONLINE", "period": "202501", "sort": "value", "dir": "desc"}
    response = client.get(URL.format("VN"), params, headers={"HX-Request": "true", "HX-Target": "dash-table"})
    html = response.content.decode()
    assert "<html" not in html and 'data-testid="dash-table"' in html
    order = re.findall(r'<tr data-unit="([^"]+)">', html)
    assert order[:2] == ["01", "66"]  # 1234.5 before 42, then the provinces without data
    body = client.get(URL.format("VN"), params, headers={"HX-Request": "true", "HX-Target": "dash-body"}).content
    assert b"<html" not in body and b'data-testid="kpis"' in body and b"dash-chart-data" in body


def test_xlsx_export_holds_the_table(cast: Any, data: Any) -> None:
    response = cast.client("snv.daklak").get(URL.format("66"), {"indicator": "D-ONLINE", "period": "202501",
                                                                 "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    with translation.override("vi"):
        assert rows[2][:4] == (gettext("Unit"), gettext("Code"), gettext("Reporting period"), gettext("Value"))
    by_code = {r[1]: r for r in rows[3:]}
    assert by_code["24133"][2:] == ("01/2025", 40, None, None, 1)
    assert by_code["24373"][3] == 2
    assert by_code["66"][3] == 42  # the total row
    assert "00070" not in by_code  # Hà Nội's ward is not in Đắk Lắk's table


def test_form_selects_the_cards(cast: Any, data: Any, unit: Any) -> None:
    online, _waiting = data
    form = ReportForm.objects.create(code="F-DASH", name="Biểu mẫu thử", period_type="month", owner=unit("VN"))
    FormIndicator.objects.create(form=form, indicator=online, order=1)
    empty = indicator("D-EMPTY", Aggregation.SUM)
    FormIndicator.objects.create(form=form, indicator=empty, order=2)
    html = cast.client("snv.daklak").get(URL.format("66"), {"form": "F-DASH"}).content.decode()
    assert 'data-testid="kpi-D-ONLINE"' in html and 'data-testid="kpi-D-EMPTY"' in html
    assert 'data-testid="kpi-D-WAIT"' not in html
    assert "—" in kpi(html, "D-EMPTY")


def test_scoping(cast: Any, data: Any) -> None:
    assert cast.client("mttq.daklak").get(URL.format("66")).status_code == 200
    assert cast.client("px.hoankiem").get(URL.format("66")).status_code == 404
    assert cast.client("px.hoankiem").get(URL.format("66"), {"format": "xlsx"}).status_code == 404
    assert cast.client("xa.eakar").get(URL.format("24133")).status_code == 404
    assert cast.client("xa.eakar").get(URL.format("NO-SUCH")).status_code == 404
    anonymous = cast.client(None).get(URL.format("66"))
    assert anonymous.status_code == 302 and "/account/login/" in anonymous["Location"]


def test_dashboard_home_goes_to_the_users_unit_or_says_what_to_do(cast: Any, data: Any) -> None:
    assert cast.client("snv.daklak").get("/reporting/dashboard/")["Location"] == URL.format("66")
    assert cast.client("px.hoankiem").get("/reporting/dashboard/")["Location"] == URL.format("00070")
    assert cast.client("admin").get("/reporting/dashboard/")["Location"] == URL.format("VN")
    nobody = get_user_model().objects.create_user("no.role", password="x")
    client = cast.client(None)
    client.force_login(nobody)
    response = client.get("/reporting/dashboard/")
    assert response.status_code == 200
    assert b'data-testid="dash-empty"' in response.content


def test_empty_dashboard_says_what_to_do(cast: Any) -> None:
    html = cast.client("px.hoankiem").get(URL.format("00070")).content.decode()
    assert 'data-testid="dash-empty"' in html
    assert "/reporting/" in html
