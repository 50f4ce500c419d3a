"""Pages of the index (status, rebuild); included by ``urls.py`` under the ``assistant`` namespace."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
