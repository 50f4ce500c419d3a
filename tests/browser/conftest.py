"""Playwright in Debian's Chromium (never a downloaded browser), against the live server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SCREENSHOTS = Path(os.environ.get("DXNET_SCREENSHOTS", "var/screenshots"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    chromium = os.environ.get("DXNET_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    return {
        **browser_type_launch_args,
        "executable_path": chromium,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "vi-VN", "timezone_id": "Asia/Ho_Chi_Minh"}


@pytest.fixture
def live(live_server: Any, transactional_db: Any) -> Iterator[Any]:
    """The live server with the units (current ones: faster) and the demo cast loaded; the
    live server's database is flushed after each browser test."""
    from conftest import load_fixtures

    load_fixtures(legacy=False)
    yield live_server


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Any:
    """shot(page, "name") saves a screenshot to look at (var/screenshots/<test>-<name>.png)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str) -> Path:
        path = SCREENSHOTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed and "page" in getattr(item, "funcargs", {}):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"FAILED-{item.name}.png"
        try:
            item.funcargs["page"].screenshot(path=str(path), full_page=True)
            report.sections.append(("screenshot", f"saved {path}"))
        except Exception as exc:  # the page may be gone; the failure itself matters more
            report.sections.append(("screenshot", f"could not save: {exc}"))
