"""A Đắk Lắk commune reporter signs in, sees their own unit, cannot open the people of a unit
in another province (names and codes are public, people are not), and switches language."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from dxnet.network.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/account/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def test_commune_reporter_journey(page: Page, live: Any, shot: Any) -> None:
    base = live.url
    page.goto(base)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Mạng lưới chuyển đổi số")
    shot(page, "landing")

    sign_in(page, base, "px.buonmathuot")
    my_units = page.get_by_test_id("my-units")
    expect(my_units).to_contain_text("Phường Buôn Ma Thuột")
    expect(my_units).to_contain_text("Cán bộ báo cáo")
    shot(page, "home")

    # Own unit: its people and roles are open.
    my_units.get_by_role("link", name="Cán bộ và vai trò").first.click()
    expect(page.get_by_test_id("people")).to_contain_text("Lê Văn Nam")
    shot(page, "own-people")

    # A ward of Hà Nội: found by searching without accents, its page is public…
    page.goto(f"{base}/units/")
    page.get_by_label("Tìm theo tên hoặc mã").fill("hoan kiem")
    result = page.locator("#unit-results").get_by_role("link", name="Phường Hoàn Kiếm")
    expect(result).to_be_visible()
    shot(page, "search")
    result.click()
    expect(page.get_by_test_id("unit-name")).to_have_text("Phường Hoàn Kiếm")
    expect(page.get_by_test_id("people-link")).to_have_count(0)
    # …but its people and roles are not, even by typing the address.
    response = page.goto(f"{base}/units/00070/people/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_contain_text("không có quyền")
    shot(page, "other-province-404")

    # Switch to English.
    page.goto(f"{base}/units/24133/")
    page.get_by_label("Ngôn ngữ").select_option("en")
    expect(page.get_by_role("heading", name="Units below")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    shot(page, "english")


def test_unit_tree_expands_on_a_phone(page: Page, live: Any, shot: Any) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live.url}/units/")
    tree = page.get_by_test_id("unit-tree")
    expect(tree.get_by_role("link", name="Tỉnh Đắk Lắk")).to_be_visible()
    tree.get_by_role("button", name="Đơn vị cấp dưới của Tỉnh Đắk Lắk").click()
    expect(tree.get_by_role("link", name="Phường Buôn Ma Thuột")).to_be_visible()
    shot(page, "tree-phone")
