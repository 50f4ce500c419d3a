"""Shared test set-up.

The real units and the demo cast are loaded once per test database (SQLite and PostgreSQL
alike); every test then runs in a transaction that is rolled back. Browser tests need a live
server, which flushes the database after each test, so they run last and reload what they need.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

os.environ.setdefault("DXNET_TESTING", "1")
# Playwright's sync API keeps an event loop running in the test thread; the ORM calls the tests
# make around it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def load_fixtures(*, legacy: bool = True) -> None:
    from django.core.management import call_command

    from dxnet.network.demo import load_cast

    call_command("load_units", *(["--legacy"] if legacy else []), verbosity=0)
    load_cast()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    with django_db_blocker.unblock():
        load_fixtures()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Browser and worker tests flush the database when they end: keep them after every other test.
    items.sort(key=lambda item: any(item.get_closest_marker(m) for m in ("browser", "worker")))


class Cast:
    """The demo people by user name: ``cast.user("snv.daklak")``, ``cast.client("xa.eakar")``."""

    def user(self, username: str) -> Any:
        from django.contrib.auth import get_user_model

        return get_user_model().objects.get(username=username)

    def client(self, username: str | None) -> Any:
        from django.test import Client

        client = Client()
        if username:
            client.force_login(self.user(username))
        return client


@pytest.fixture
def cast(db: Any) -> Cast:
    return Cast()


@pytest.fixture
def unit(db: Any) -> Any:
    from dxnet.network.models import Unit

    return lambda code: Unit.objects.get(code=code)
