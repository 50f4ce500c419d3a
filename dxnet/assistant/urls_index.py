"""Pages of the index (status, rebuild); included by ``urls.py`` under the ``assistant`` namespace."""

from django.urls import path

from . import views_index

urlpatterns: list = [
    path("index/", views_index.index_status, name="index_status"),
    path("index/rebuild/", views_index.index_rebuild, name="index_rebuild"),
]
