"""What the browser journeys share."""

from __future__ import annotations

from playwright.sync_api import Page

from dxnet.network.demo import DEMO_PASSWORD


def sign_in(page: Page, base: str, username: str) -> None:
    """Sign in through the real form (Vietnamese, the default language) as a demo user."""
    page.context.clear_cookies()
    page.goto(f"{base}/account/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{base}/")
