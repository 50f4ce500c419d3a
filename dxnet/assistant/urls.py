from django.urls import path

from . import urls_index, views

app_name = "assistant"
urlpatterns: list = [
    path("", views.chat, name="chat"),
    path("c/<int:pk>/", views.conversation, name="conversation"),
    path("ask/", views.ask, name="ask"),
    path("m/<int:pk>/stream/", views.stream, name="stream"),
    path("m/<int:pk>/answer/", views.message, name="message"),
    path("m/<int:pk>/feedback/", views.feedback, name="feedback"),
    path("feedback.csv", views.feedback_export, name="feedback_export"),
    path("index-notice/", views.index_notice, name="index_notice"),
    *urls_index.urlpatterns,
]
