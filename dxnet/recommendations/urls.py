from django.urls import path

from . import views

urlpatterns = [
    path("", views.recommendation_list, name="recommendation_list"),
    path("new/", views.recommendation_raise, name="recommendation_raise"),
    path("public/", views.public_list, name="recommendation_public"),
    path("<int:pk>/", views.recommendation_detail, name="recommendation_detail"),
    path("<int:pk>/route/", views.recommendation_route, name="recommendation_route"),
    path("<int:pk>/answer/", views.recommendation_answer, name="recommendation_answer"),
    path("<int:pk>/publish/", views.recommendation_publish, name="recommendation_publish"),
    path("sessions/", views.session_list, name="session_list"),
    path("sessions/new/", views.session_create, name="session_create"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
]
