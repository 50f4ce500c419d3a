"""Definitions (indicators, report forms) and targets, mounted at /reporting/definitions/."""

from django.urls import path

from . import views_definitions as views

urlpatterns = [
    path("", views.indicator_list, name="definitions_indicators"),
    path("indicators/new/", views.indicator_create, name="definitions_indicator_create"),
    path("indicators/<str:code>/", views.indicator_detail, name="definitions_indicator"),
    path("indicators/<str:code>/versions/new/", views.indicator_version, name="definitions_indicator_version"),
    path("forms/", views.form_list, name="definitions_forms"),
    path("forms/new/", views.form_create, name="definitions_form_create"),
    path("forms/<str:code>/", views.form_detail, name="definitions_form"),
    path("forms/<str:code>/edit/", views.form_edit, name="definitions_form_edit"),
    path("forms/<str:code>/expected/", views.form_expected, name="definitions_form_expected"),
    path("forms/<str:code>/indicators/", views.form_indicator_add, name="definitions_form_indicator_add"),
    path("forms/<str:code>/indicators/<int:pk>/remove/", views.form_indicator_remove,
         name="definitions_form_indicator_remove"),
    path("forms/<str:code>/indicators/<int:pk>/move/", views.form_indicator_move,
         name="definitions_form_indicator_move"),
    path("forms/<str:code>/assignments/", views.assignment_add, name="definitions_assignment_add"),
    path("forms/<str:code>/assignments/<int:pk>/end/", views.assignment_end, name="definitions_assignment_end"),
    path("forms/<str:code>/rules/", views.rule_add, name="definitions_rule_add"),
    path("forms/<str:code>/rules/<int:pk>/remove/", views.rule_remove, name="definitions_rule_remove"),
    path("targets/", views.targets_home, name="targets_home"),
    path("targets/<str:code>/", views.targets, name="targets"),
]
