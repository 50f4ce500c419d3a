from django.urls import path

from . import views

urlpatterns = [
    path("", views.notification_list, name="notification_list"),
    path("badge/", views.notification_badge, name="notification_badge"),
    path("preferences/", views.notification_preferences, name="notification_preferences"),
    path("read-all/", views.notification_read_all, name="notification_read_all"),
    path("<int:pk>/read/", views.notification_read, name="notification_read"),
    path("<int:pk>/open/", views.notification_open, name="notification_open"),
]
