"""Completeness grid and synthesis reports, mounted at /reporting/synthesis/."""

from django.urls import path

from . import views_synthesis as views

urlpatterns = [
    path("", views.synthesis_home, name="synthesis_home"),
    path("completeness/", views.completeness_home, name="completeness_home"),
    path("completeness/<str:code>/", views.completeness_grid, name="completeness_grid"),
    path("completeness/<str:code>/urge/", views.completeness_urge, name="completeness_urge"),
    path("<str:code>/", views.synthesis_unit, name="synthesis_unit"),
    path("<str:code>/<int:pk>/status/", views.synthesis_status, name="synthesis_status"),
    path("<str:code>/<int:pk>/<str:kind>/", views.synthesis_download, name="synthesis_download"),
]
