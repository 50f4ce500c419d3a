"""Importing a real plan, mounted at /plans/import/."""

from django.urls import path

from . import views_import as views

urlpatterns = [
    path("", views.import_start, name="plans_import"),
    path("<str:token>/", views.import_review, name="plans_import_review"),
    path("<str:token>/cancel/", views.import_cancel, name="plans_import_cancel"),
]
