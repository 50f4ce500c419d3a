"""Import and export pages, mounted at /reporting/transfer/."""

from django.urls import path

from . import views_transfer as views

urlpatterns = [
    path("", views.transfer_home, name="transfer_home"),
    path("template/", views.template_pick, name="transfer_template_pick"),
    path("template/<str:form_code>/", views.template_download, name="transfer_template"),
    path("export/", views.export_pick, name="transfer_export_pick"),
    path("export/<str:form_code>/", views.export_download, name="transfer_export"),
    path("jobs/<int:job_id>/", views.job_detail, name="transfer_job"),
]
