from django.urls import path  # noqa: F401

from . import urls_index

app_name = "assistant"
urlpatterns: list = [*urls_index.urlpatterns]
