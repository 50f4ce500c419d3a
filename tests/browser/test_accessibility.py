"""axe-core (vendored in tests/browser/vendor, 4.14.1, MPL-2.0) on the main pages: no serious or
critical violation of WCAG 2.1 A/AA rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Page

from dxnet.network.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()


def violations(page: Page) -> list[str]:
    # Evaluated through the DevTools protocol, so the page's CSP (no inline script) still holds.
    page.evaluate(AXE)
    result = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def test_main_pages_have_no_serious_accessibility_violations(page: Page, live: Any) -> None:
    base = live.url
    found: dict[str, list[str]] = {}
    for path in ["/", "/account/login/", "/units/", "/units/?q=dak+lak", "/units/66/"]:
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        found[path] = violations(page)
    page.goto(f"{base}/account/login/")
    page.get_by_label("Tên đăng nhập").fill("snv.daklak")
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{base}/")
    call_command("load_demo_documents", verbosity=0)
    for path in ["/", "/units/24133/people/", "/account/tokens/", "/documents/", "/documents/?q=nghi+quyet+57",
                 "/documents/new/", "/documents/nq-57-tw-2024/?from=1000&to=1200#passage", "/assistant/"]:
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        found[path] = violations(page)
    assert {path: v for path, v in found.items() if v} == {}
