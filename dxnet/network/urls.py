from django.urls import path

from . import views

urlpatterns = [
    path("", views.unit_browser, name="unit_browser"),
    path("<str:code>/", views.unit_detail, name="unit_detail"),
    path("<str:code>/children/", views.unit_children, name="unit_children"),
    path("<str:code>/people/", views.unit_people, name="unit_people"),
    path("<str:code>/roles/<int:assignment_id>/end/", views.role_end, name="role_end"),
]
