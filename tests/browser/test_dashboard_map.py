"""The national dashboard draws the choropleth of the 34 provinces; a province's dashboard
highlights it; the controls swap the page parts with htmx and the map is drawn again; the
page holds on a phone's width."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from dxnet.network.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAP_STATE = """() => {
  const el = document.getElementById("dash-map");
  const chart = window.echarts && echarts.getInstanceByDom(el);
  if (!chart) return null;
  const option = chart.getOption();
  const map = option.series.find((s) => s.type === "map");
  const geo = chart.getModel().getComponent("geo");
  return {
    canvas: !!el.querySelector("canvas"),
    items: map.data.length,
    withValue: map.data.filter((d) => d.value !== null && !Number.isNaN(d.value)).length,
    regions: geo.coordinateSystem.regions.length,
    names: geo.coordinateSystem.regions.map((r) => r.name).sort(),
    highlighted: (option.geo[0].regions || []).filter((r) => r.itemStyle && r.itemStyle.areaColor).map((r) => r.name),
  };
}"""


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/account/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def write_demo_values() -> None:
    from dxnet.indicators import services
    from dxnet.indicators.models import Aggregation, Direction
    from dxnet.indicators.tests.factories import indicator
    from dxnet.network.models import Unit

    online = indicator("B-ONLINE", Aggregation.SUM, unit_of_measure="hồ sơ")
    waiting = indicator("B-WAIT", Aggregation.AVERAGE, direction=Direction.LOWER, unit_of_measure="ngày")
    rows = []
    provinces = Unit.objects.current().filter(unit_type="province").order_by("code")
    for i, province in enumerate(provinces):
        commune = Unit.objects.current().subtree_of(province).filter(unit_type="commune").order_by("code").first()
        if commune is None or i % 11 == 5:  # a few provinces without data: grey on the map
            continue
        rows += [services.ValueInput(online, commune, "202412", value=900 + 41 * i),
                 services.ValueInput(online, commune, "202501", value=1000 + (i * 377) % 2500),
                 services.ValueInput(waiting, commune, "202501", value=3 + (i * 7) % 9)]
    services.values_write(actor=None, rows=rows)


def map_ready(page: Page) -> Any:
    page.locator('#dash-map[data-ready="1"]').wait_for()
    return page.evaluate(MAP_STATE)


def test_national_dashboard_map(page: Page, live: Any, shot: Any) -> None:
    write_demo_values()
    base = live.url
    sign_in(page, base, "admin")
    page.goto(f"{base}/reporting/dashboard/")
    expect(page).to_have_url(f"{base}/reporting/dashboard/VN/")
    expect(page.get_by_test_id("kpi-B-ONLINE")).to_be_visible()

    state = map_ready(page)
    assert state["canvas"]
    assert state["regions"] == 34
    assert state["items"] == 34
    assert 28 <= state["withValue"] < 34
    assert "66" in state["names"] and "01" in state["names"]
    assert state["highlighted"] == []
    expect(page.get_by_test_id("map-attribution")).to_contain_text("CC BY-SA 4.0")
    assert page.evaluate("() => !!echarts.getInstanceByDom(document.getElementById('dash-chart'))")
    shot(page, "national")

    # Another indicator through the controls: htmx swaps the body, the map is drawn again.
    page.locator("#dash-indicator").select_option("B-WAIT")
    expect(page).to_have_url(f"{base}/reporting/dashboard/VN/?form=&indicator=B-WAIT&period=202501&span=12")
    state = map_ready(page)
    assert state["regions"] == 34 and state["withValue"] >= 28
    expect(page.get_by_test_id("dash-chart")).to_be_visible()

    # The table ranks the largest figures first; sorting by name swaps the table only (htmx).
    table = page.get_by_test_id("dash-table")
    expect(table.locator("th[aria-sort=descending] a[data-sort=value]")).to_have_count(1)
    table.locator("a[data-sort=name]").click()
    expect(page.get_by_test_id("dash-table").locator("th[aria-sort=ascending] a[data-sort=name]")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"sort=name&dir=asc"))
    assert page.evaluate("() => !!echarts.getInstanceByDom(document.getElementById('dash-map'))")

    # On a phone.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/reporting/dashboard/VN/?indicator=B-ONLINE")
    map_ready(page)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    shot(page, "phone")

    # A province: its dashboard highlights it on the map.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}/reporting/dashboard/66/?indicator=B-ONLINE")
    state = map_ready(page)
    assert state["highlighted"] == ["66"]
    assert state["regions"] == 34
    shot(page, "province")
