"""A commune reporter fills and submits the monthly form; the province supervisor returns it
with a comment; the reporter fixes and resubmits; the supervisor approves; the province figure
shows the new value at once."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from dxnet.indicators.periods import Period, PeriodType
from dxnet.indicators.tests.factories import commune_form

from .helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]



def test_report_submit_return_fix_approve(page: Page, live: Any, shot: Any) -> None:
    commune_form()
    base = live.url
    period = Period.containing(PeriodType.MONTH, timezone.localdate()).previous()

    sign_in(page, base, "px.buonmathuot")
    page.get_by_role("button", name="Báo cáo", exact=True).click()
    page.get_by_role("link", name="Báo cáo của tôi").click()
    page.get_by_test_id("my-reports").get_by_role("link", name=period.label()).click()
    page.get_by_role("textbox", name="Chỉ số HS-NHAN", exact=True).fill("120")
    # More dossiers online than received: the rule between the two refuses it.
    page.get_by_role("textbox", name="Chỉ số HS-TRUCTUYEN", exact=True).fill("150")
    page.get_by_label("tử số: Chỉ số NENTANG").fill("30")
    page.get_by_label("mẫu số: Chỉ số NENTANG").fill("40")
    page.get_by_role("button", name="Nộp báo cáo").click()
    expect(page.get_by_test_id("errors")).to_contain_text("không được lớn hơn")
    shot(page, "rule-error")
    page.get_by_role("textbox", name="Chỉ số HS-TRUCTUYEN", exact=True).fill("90")
    page.get_by_role("button", name="Nộp báo cáo").click()
    expect(page.get_by_test_id("status")).to_have_text("Đã nộp")
    shot(page, "submitted")

    sign_in(page, base, "snv.daklak")
    page.goto(f"{base}/reporting/")
    page.get_by_test_id("to-review").get_by_role("link", name="Phường Buôn Ma Thuột").click()
    page.get_by_label("Ý kiến (bắt buộc khi trả lại báo cáo)").fill("Số hồ sơ tiếp nhận chưa khớp sổ theo dõi.")
    page.get_by_role("button", name="Trả lại để chỉnh sửa").click()
    expect(page.get_by_test_id("status")).to_have_text("Trả lại để chỉnh sửa")

    sign_in(page, base, "px.buonmathuot")
    page.goto(f"{base}/reporting/report/BC-XA/24133/{period.dhis2}/")
    expect(page.get_by_test_id("return-comment")).to_contain_text("chưa khớp sổ theo dõi")
    page.get_by_role("textbox", name="Chỉ số HS-NHAN", exact=True).fill("125")
    page.get_by_role("button", name="Nộp báo cáo").click()
    expect(page.get_by_test_id("status")).to_have_text("Đã nộp")

    sign_in(page, base, "snv.daklak")
    page.goto(f"{base}/reporting/report/BC-XA/24133/{period.dhis2}/")
    page.get_by_role("button", name="Duyệt").click()
    expect(page.get_by_test_id("status")).to_have_text("Đã duyệt")
    expect(page.get_by_test_id("history")).to_contain_text("chưa khớp sổ theo dõi")
    shot(page, "approved")

    # The province dashboard shows the approved value at once, and the map renders.
    page.goto(f"{base}/reporting/dashboard/66/?indicator=HS-NHAN&period={period.dhis2}")
    expect(page.get_by_test_id("kpi-HS-NHAN")).to_contain_text("125")
    page.locator('#dash-map[data-ready="1"]').wait_for()
    regions = page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('dash-map'))"
        ".getModel().getComponent('geo').coordinateSystem.regions.length")
    assert regions == 34
    shot(page, "province-dashboard")
