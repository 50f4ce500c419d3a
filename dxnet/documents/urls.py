from django.urls import path

from . import views

app_name = "documents"
urlpatterns = [
    path("", views.document_list, name="list"),
    path("new/", views.document_new, name="new"),
    path("<slug:slug>/", views.document_detail, name="detail"),
    path("<slug:slug>/edit/", views.document_edit, name="edit"),
    path("<slug:slug>/withdraw/", views.document_withdraw, name="withdraw"),
    path("<slug:slug>/restore/", views.document_restore, name="restore"),
    path("<slug:slug>/file/", views.document_download, name="download"),
    path("<slug:slug>/index-status/", views.index_status, name="index_status"),
]
