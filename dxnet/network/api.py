from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from dxnet.api import auth_optional
from dxnet.core import access

from . import selectors
from .models import Unit

router = Router(tags=["network"])


class UnitOut(Schema):
    code: str
    official_code: str
    name: str
    name_en: str
    unit_type: str
    level_name: str
    parent_code: str | None = Field(None, alias="parent.code")
    depth: int
    valid_from: dt.date | None
    valid_to: dt.date | None
    is_current: bool

    @staticmethod
    def resolve_is_current(obj: Unit) -> bool:
        return obj.is_current()


class LineageLinkOut(Schema):
    unit: UnitOut
    event: str
    effective_on: dt.date
    is_primary: bool


class LineageOut(Schema):
    unit: UnitOut
    predecessors: list[LineageLinkOut]
    successors: list[LineageLinkOut]
    current_successors: list[UnitOut]


class RoleOut(Schema):
    role: str
    unit: UnitOut
    starts_on: dt.date
    ends_on: dt.date | None


class PersonOut(Schema):
    username: str
    full_name: str
    position: str
    roles: list[str]


class MeOut(Schema):
    username: str
    full_name: str
    email: str
    unit: UnitOut | None
    position: str
    roles: list[RoleOut]


def _unit(request: HttpRequest, code: str, action: str = "view") -> Unit:
    return access.get_or_404(request.user, Unit.objects.select_related("parent"), action, code=code)


@router.get("/units", response=list[UnitOut], auth=auth_optional, summary="List and search units")
@paginate(PageNumberPagination, page_size=100)
def units_list(request: HttpRequest, q: str = "", type: str = "", status: str = "current", parent: str = "") -> Any:
    qs = selectors.unit_search(query=q, unit_type=type, status=status)
    if parent:
        qs = qs.filter(parent=_unit(request, parent))
    return access.visible(request.user, qs).order_by("path")


@router.get("/units/{code}", response=UnitOut, auth=auth_optional, summary="One unit")
def unit_detail(request: HttpRequest, code: str) -> Any:
    return _unit(request, code)


@router.get("/units/{code}/children", response=list[UnitOut], auth=auth_optional, summary="Children of a unit")
@paginate(PageNumberPagination, page_size=200)
def unit_children(request: HttpRequest, code: str, status: str = "current") -> Any:
    return selectors.unit_children(unit=_unit(request, code), status=status).select_related("parent")


@router.get("/units/{code}/subtree", response=list[UnitOut], auth=auth_optional,
            summary="Search inside a unit's subtree")
@paginate(PageNumberPagination, page_size=100)
def unit_subtree(request: HttpRequest, code: str, q: str = "", type: str = "", status: str = "current") -> Any:
    return selectors.unit_search(query=q, unit_type=type, status=status, within=_unit(request, code)).order_by("path")


@router.get("/units/{code}/lineage", response=LineageOut, auth=auth_optional,
            summary="Predecessors, successors and the units in force that continue this one")
def unit_lineage(request: HttpRequest, code: str) -> Any:
    unit = _unit(request, code)
    lineage = selectors.unit_lineage(unit=unit)
    return {
        "unit": unit,
        "predecessors": [{"unit": link.predecessor, "event": link.event, "effective_on": link.effective_on,
                          "is_primary": link.is_primary} for link in lineage["predecessors"]],
        "successors": [{"unit": link.successor, "event": link.event, "effective_on": link.effective_on,
                        "is_primary": link.is_primary} for link in lineage["successors"]],
        "current_successors": selectors.unit_successors(unit=unit),
    }


@router.get("/units/{code}/people", response=list[PersonOut], summary="People and roles of a unit (scoped)")
def unit_people(request: HttpRequest, code: str) -> Any:
    unit = _unit(request, code, "view_people")
    roles_by_user: dict[int, list[str]] = {}
    for ra in selectors.unit_roles(actor=request.user, unit=unit).filter(ends_on__isnull=True):
        roles_by_user.setdefault(ra.user_id, []).append(ra.role)
    return [
        {"username": p.user.username, "full_name": p.user.get_full_name(), "position": p.position,
         "roles": roles_by_user.get(p.user_id, [])}
        for p in selectors.unit_people(actor=request.user, unit=unit)
    ]


@router.get("/me", response=MeOut, summary="The signed-in user, their unit and roles")
def me(request: HttpRequest) -> Any:
    user = request.user
    profile = getattr(user, "profile", None)
    from .models import RoleAssignment

    roles = RoleAssignment.objects.active().filter(user=user).select_related("unit", "unit__parent")
    return {
        "username": user.username, "full_name": user.get_full_name(), "email": user.email,
        "unit": profile.unit if profile else None, "position": profile.position if profile else "",
        "roles": list(roles),
    }
