"""Conversations, messages and feedback in Django's admin, read-only: they are what people
asked and said; nobody edits them (the feedback export on the chat page is the working view)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Conversation, Feedback, Message


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MessageInline(admin.TabularInline):
    model = Message
    fields = ["role", "text", "lang", "mode", "abstained", "notice", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Conversation)
class ConversationAdmin(ReadOnly):
    list_display = ["title", "user", "created_at", "updated_at"]
    search_fields = ["title", "user__username"]
    list_select_related = ["user"]
    inlines = [MessageInline]


@admin.register(Message)
class MessageAdmin(ReadOnly):
    list_display = ["created_at", "role", "short_text", "lang", "mode", "abstained", "conversation"]
    list_filter = ["role", "mode", "abstained", "lang"]
    search_fields = ["text"]
    list_select_related = ["conversation"]

    @admin.display(description="text")
    def short_text(self, obj: Message) -> str:
        return obj.text[:80]


@admin.register(Feedback)
class FeedbackAdmin(ReadOnly):
    list_display = ["updated_at", "user", "rating", "reason", "comment", "message"]
    list_filter = ["rating", "reason"]
    search_fields = ["comment", "user__username", "message__text"]
    list_select_related = ["user", "message"]
