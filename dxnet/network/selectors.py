"""Reads of the network. Unit names, codes and lineage are public; people and roles go through
the access module."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from dxnet.core import access
from dxnet.core.text import fold

from .models import Profile, RoleAssignment, Unit, UnitLineage, UnitType


def unit_search(
    *, query: str = "", unit_type: str = "", within: Unit | None = None, status: str = "current",
    on: dt.date | None = None,
) -> QuerySet[Unit]:
    """Units whose names or codes contain every word of ``query``, accents optional."""
    qs = Unit.objects.all()
    if status == "current":
        qs = qs.current(on)
    elif status == "legacy":
        qs = qs.legacy(on)
    if unit_type:
        qs = qs.filter(unit_type=unit_type)
    if within is not None:
        qs = qs.subtree_of(within)
    for word in fold(query).split():
        qs = qs.filter(search_text__contains=word)
    return qs.select_related("parent")


def unit_roots() -> QuerySet[Unit]:
    return Unit.objects.current().filter(parent__isnull=True)


def unit_children(*, unit: Unit, status: str = "current") -> QuerySet[Unit]:
    qs = unit.children.all()
    if status == "current":
        qs = qs.current()
    return qs.annotate(n_children=Count("children", filter=Q(children__valid_to__isnull=True))).order_by(
        "unit_type", "name"
    )


def unit_ancestors(*, unit: Unit) -> list[Unit]:
    by_id = Unit.objects.in_bulk(unit.ancestor_ids[:-1])
    return [by_id[i] for i in unit.ancestor_ids[:-1] if i in by_id]


def unit_lineage(*, unit: Unit) -> dict[str, list[UnitLineage]]:
    return {
        "predecessors": list(unit.predecessor_links.select_related("predecessor").order_by("predecessor__name")),
        "successors": list(unit.successor_links.select_related("successor").order_by("-is_primary", "successor__name")),
    }


def unit_successors(*, unit: Unit, on: dt.date | None = None, primary_only: bool = False) -> list[Unit]:
    """The units in force on ``on`` that continue ``unit``, following merges, splits and renames
    through as many steps as there were. A current unit is its own successor."""
    on = on or timezone.localdate()
    result: list[Unit] = []
    seen: set[int] = set()
    frontier = [unit]
    while frontier:
        nxt: list[Unit] = []
        for u in frontier:
            if u.pk in seen:
                continue
            seen.add(u.pk)
            if u.is_current(on):
                result.append(u)
                continue
            links = u.successor_links.select_related("successor")
            if primary_only:
                links = links.filter(is_primary=True)
            nxt.extend(link.successor for link in links)
        frontier = nxt
    return result


def unit_people(*, actor: Any, unit: Unit) -> QuerySet[Profile]:
    """Members of ``unit`` itself; 404 unless ``actor`` may see the people of that subtree."""
    access.check(actor, "view_people", unit)
    return access.visible(actor, Profile.objects.filter(unit=unit)).select_related("user").order_by("user__last_name")


def unit_roles(*, actor: Any, unit: Unit) -> QuerySet[RoleAssignment]:
    """Roles held on ``unit`` itself, current ones first; 404 outside the actor's scope."""
    access.check(actor, "view_people", unit)
    return (
        access.visible(actor, RoleAssignment.objects.filter(unit=unit))
        .select_related("user", "user__profile")
        .order_by("-starts_on")
    )


def my_units(*, actor: Any) -> list[dict[str, Any]]:
    """The units the actor holds roles on, with the roles, for the home page."""
    rows: dict[int, dict[str, Any]] = {}
    for ra in RoleAssignment.objects.active().filter(user=actor).select_related("unit").order_by("unit__path"):
        entry = rows.setdefault(ra.unit_id, {"unit": ra.unit, "roles": [], "subtree_size": None})
        entry["roles"].append(ra)
    for entry in rows.values():
        entry["subtree_size"] = Unit.objects.current().subtree_of(entry["unit"]).count() - 1
    return list(rows.values())


def acting_units(*, actor: Any, action: str, model: Any, limit: int = 400) -> list[Unit]:
    """The units in force where ``actor`` may ``action`` (``model``'s policy): the subtrees of
    ``access.top_units``, for a form's choice list. When there are more than ``limit``, communes,
    teams and old districts are left out of the list (forms still accept their codes)."""
    tops = access.top_units(actor, action, model)
    if not tops:
        return []
    qs = Unit.objects.current().none()
    for top in tops:
        qs = qs | Unit.objects.current().subtree_of(top)
    qs = qs.distinct().order_by("path")
    if qs.count() > limit:
        qs = qs.exclude(unit_type__in=[UnitType.COMMUNE, UnitType.TEAM, UnitType.DISTRICT])
    return list(qs[:limit * 2])
