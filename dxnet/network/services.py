"""Writes to the network. Each call checks access, writes, and records its audit line in one
transaction. ``actor=None`` means the system itself (management commands, data loads)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from dxnet.core import access, audit
from dxnet.core.text import fold

from .models import SEGMENT, LineageEvent, Profile, Role, RoleAssignment, Unit, UnitLineage

User = get_user_model()

UNIT_FIELDS = ["code", "official_code", "name", "name_en", "short_name", "unit_type", "level_name",
               "parent_id", "valid_from", "valid_to", "latitude", "longitude"]


def search_text_for(unit: Unit) -> str:
    parts = [unit.name, unit.name_en, unit.short_name, unit.code, unit.official_code]
    return fold(" ".join(p for p in parts if p))[:600]


def path_for(unit: Unit, parent: Unit | None) -> str:
    return (parent.path if parent else "") + str(unit.pk).zfill(SEGMENT)


def _check(actor: Any, action: str, unit: Unit | None) -> None:
    if actor is None:
        return
    if unit is None:
        # Top-level units and global changes belong to superusers only.
        if not actor.is_superuser:
            raise Http404
        return
    access.check(actor, action, unit)


def unit_create(*, actor: Any, code: str, name: str, unit_type: str, parent: Unit | None = None, **fields: Any) -> Unit:
    """Add a unit under ``parent`` (an administrator of the parent's subtree may)."""
    _check(actor, "change", parent)
    with transaction.atomic():
        unit = Unit(code=code, name=name, unit_type=unit_type, parent=parent, **fields)
        unit.search_text = search_text_for(unit)
        unit.save()
        unit.path = path_for(unit, parent)
        unit.depth = parent.depth + 1 if parent else 0
        unit.save(update_fields=["path", "depth"])
        audit.record(actor=actor, action="unit.create", obj=unit, after=audit.snapshot(unit, UNIT_FIELDS), unit=unit)
    return unit


def unit_update(*, actor: Any, unit: Unit, **changes: Any) -> Unit:
    """Change a unit's names, codes or dates. Moving a unit is ``unit_move``."""
    if "parent" in changes or "parent_id" in changes:
        raise ValueError("use unit_move to change a unit's parent")
    _check(actor, "change", unit)
    with transaction.atomic():
        before = audit.snapshot(unit, UNIT_FIELDS)
        for name, value in changes.items():
            setattr(unit, name, value)
        unit.search_text = search_text_for(unit)
        unit.full_clean(exclude=["parent"], validate_unique=True)
        unit.save()
        after = audit.snapshot(unit, UNIT_FIELDS)
        if after != before:
            audit.record(actor=actor, action="unit.update", obj=unit, before=before, after=after, unit=unit)
    return unit


def unit_move(*, actor: Any, unit: Unit, parent: Unit) -> Unit:
    """Put ``unit`` and its whole subtree under ``parent``: one UPDATE rewrites their paths."""
    from django.db.models import F, Value
    from django.db.models.functions import Concat, Substr

    _check(actor, "change", unit)
    _check(actor, "change", parent)
    if parent.path.startswith(unit.path):
        raise ValueError("a unit cannot be moved under itself")
    with transaction.atomic():
        old_path, old_parent = unit.path, unit.parent_id
        new_path = path_for(unit, parent)
        shift = (len(new_path) - len(old_path)) // SEGMENT
        Unit.objects.subtree_of(unit).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
            depth=F("depth") + shift,
        )
        Unit.objects.filter(pk=unit.pk).update(parent=parent)
        unit.refresh_from_db()
        audit.record(actor=actor, action="unit.move", obj=unit, before={"parent_id": old_parent},
                     after={"parent_id": parent.pk}, unit=unit)
    return unit


def lineage_link(
    *, actor: Any, predecessor: Unit, successor: Unit, event: str = LineageEvent.MERGED,
    effective_on: dt.date, is_primary: bool = True, note: str = "",
) -> UnitLineage:
    """Record that ``predecessor`` continues in ``successor`` from ``effective_on``."""
    _check(actor, "change", successor)
    with transaction.atomic():
        link, created = UnitLineage.objects.get_or_create(
            predecessor=predecessor, successor=successor,
            defaults={"event": event, "effective_on": effective_on, "is_primary": is_primary, "note": note},
        )
        if created:
            audit.record(actor=actor, action="lineage.create", obj=link,
                         after=audit.snapshot(link), unit=successor)
    return link


def role_assign(
    *, actor: Any, user: Any, unit: Unit, role: str, starts_on: dt.date | None = None, ends_on: dt.date | None = None,
) -> RoleAssignment:
    """Give ``user`` ``role`` on ``unit`` (and so on its subtree) between the dates."""
    _check(actor, "assign_role", unit)
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}")
    with transaction.atomic():
        assignment = RoleAssignment.objects.create(
            user=user, unit=unit, role=role, starts_on=starts_on or timezone.localdate(), ends_on=ends_on
        )
        audit.record(actor=actor, action="role.assign", obj=assignment, after=audit.snapshot(assignment), unit=unit)
    access.forget(user)
    return assignment


def role_end(*, actor: Any, assignment: RoleAssignment, ends_on: dt.date | None = None) -> RoleAssignment:
    _check(actor, "assign_role", assignment.unit)
    with transaction.atomic():
        before = audit.snapshot(assignment)
        assignment.ends_on = max(ends_on or timezone.localdate(), assignment.starts_on)
        assignment.save(update_fields=["ends_on"])
        audit.record(actor=actor, action="role.end", obj=assignment, before=before,
                     after=audit.snapshot(assignment), unit=assignment.unit)
    access.forget(assignment.user)
    return assignment


def person_create(
    *, actor: Any, username: str, unit: Unit, full_name: str = "", email: str = "", position: str = "",
    password: str | None = None,
) -> Any:
    """Create a user account with its profile in ``unit``."""
    _check(actor, "change", unit)
    first, _, last = full_name.rpartition(" ")
    with transaction.atomic():
        user = User(username=username, email=email, first_name=first, last_name=last)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        profile = Profile.objects.create(user=user, unit=unit, position=position)
        audit.record(actor=actor, action="person.create", obj=profile,
                     after={"username": username, "full_name": full_name, "unit_id": unit.pk, "position": position},
                     unit=unit)
    return user
