"""Django's admin, for superusers only. Its writes go through the audit log like any service."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db import transaction

from . import audit
from .models import ApiToken, AuditEntry


class AuditedAdmin(admin.ModelAdmin):
    """Records every save and delete made in the admin, with the fields before and after."""

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            before = audit.snapshot(type(obj).objects.get(pk=obj.pk)) if change else None
            super().save_model(request, obj, form, change)
            audit.record(actor=request.user, action=f"admin.{'change' if change else 'add'}", obj=obj,
                         before=before, after=audit.snapshot(obj), unit=self.unit_of(obj))

    def delete_model(self, request: Any, obj: Any) -> None:
        with transaction.atomic():
            audit.record(actor=request.user, action="admin.delete", obj=obj, before=audit.snapshot(obj),
                         unit=self.unit_of(obj))
            super().delete_model(request, obj)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)

    def unit_of(self, obj: Any) -> Any:
        return getattr(obj, "unit", None)


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class AuditedUserAdmin(AuditedAdmin, UserAdmin):
    pass


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["seq", "at", "actor_name", "action", "object_type", "object_repr"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_repr", "actor_name", "action"]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["user", "prefix", "key_hash", "created_at", "last_used_at"]

    def has_add_permission(self, request: Any) -> bool:
        return False  # tokens are created by their owner, who alone sees the key
