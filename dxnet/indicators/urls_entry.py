from django.urls import path

from . import views_entry

urlpatterns = [
    path("", views_entry.reporting_home, name="reporting_home"),
    path("report/<str:form_code>/<str:unit_code>/<str:period>/", views_entry.report_entry, name="report_entry"),
    path("report/<str:form_code>/<str:unit_code>/<str:period>/review/", views_entry.report_review,
         name="report_review"),
]
