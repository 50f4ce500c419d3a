from django.urls import path

from . import views_urging as views

urlpatterns = [
    path("", views.urging_list, name="urging_list"),
    path("new/", views.urging_new, name="urging_new"),
    path("notices/<int:pk>/", views.urging_notice, name="urging_notice"),
    path("notices/<int:pk>/docx/", views.urging_docx, name="urging_docx"),
    path("inbox/", views.urging_inbox, name="urging_inbox"),
    path("inbox/<str:code>/", views.urging_inbox, name="urging_inbox"),
    path("recipients/<int:pk>/acknowledge/", views.urging_acknowledge, name="urging_acknowledge"),
]
