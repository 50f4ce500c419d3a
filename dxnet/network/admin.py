from __future__ import annotations

from typing import Any

from django.contrib import admin

from dxnet.core.admin import AuditedAdmin

from . import services
from .models import Profile, RoleAssignment, Unit, UnitLineage


@admin.register(Unit)
class UnitAdmin(AuditedAdmin):
    list_display = ["code", "name", "unit_type", "parent", "valid_from", "valid_to"]
    list_filter = ["unit_type"]
    search_fields = ["code", "name", "search_text"]
    raw_id_fields = ["parent"]
    readonly_fields = ["path", "depth"]

    def save_model(self, request: Any, obj: Unit, form: Any, change: bool) -> None:
        # New units and moves need their paths: go through the services, which audit themselves.
        if not change:
            fixed = {"code", "name", "unit_type", "parent"}
            data = {f: v for f, v in form.cleaned_data.items() if f not in fixed}
            services.unit_create(actor=request.user, code=obj.code, name=obj.name, unit_type=obj.unit_type,
                                 parent=obj.parent, **data)
            obj.pk = Unit.objects.get(code=obj.code).pk
            return
        old_parent = Unit.objects.values_list("parent_id", flat=True).get(pk=obj.pk)
        if obj.parent_id != old_parent and obj.parent is not None:
            services.unit_move(actor=request.user, unit=Unit.objects.get(pk=obj.pk), parent=obj.parent)
        changes = {f: form.cleaned_data[f] for f in form.changed_data if f != "parent"}
        if changes:
            services.unit_update(actor=request.user, unit=Unit.objects.get(pk=obj.pk), **changes)

    def unit_of(self, obj: Unit) -> Unit:
        return obj


@admin.register(UnitLineage)
class UnitLineageAdmin(AuditedAdmin):
    list_display = ["predecessor", "event", "successor", "effective_on", "is_primary"]
    list_filter = ["event"]
    raw_id_fields = ["predecessor", "successor"]

    def unit_of(self, obj: UnitLineage) -> Unit:
        return obj.successor


@admin.register(Profile)
class ProfileAdmin(AuditedAdmin):
    list_display = ["user", "unit", "position"]
    raw_id_fields = ["user", "unit"]
    search_fields = ["user__username", "user__last_name", "unit__name"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(AuditedAdmin):
    list_display = ["user", "role", "unit", "starts_on", "ends_on"]
    list_filter = ["role"]
    raw_id_fields = ["user", "unit"]
    search_fields = ["user__username", "unit__name", "unit__code"]
