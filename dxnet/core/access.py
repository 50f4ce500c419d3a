"""Access, in one place.

A role is held on a unit and covers the unit's subtree. Each unit-scoped model registers a
``Policy``: how to reach its unit, and which roles may do which action. Every page, API route,
export, search and assistant answer asks this module: ``visible`` filters a queryset,
``get_or_404`` resolves one object, ``check``/``can`` answer for a unit. Outside scope is a 404,
never a 403 that would confirm the object exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Model, Q, QuerySet
from django.http import Http404

PUBLIC = "public"  # pseudo-role: anyone, signed in or not
SIGNED_IN = "signed_in"  # pseudo-role: any signed-in user

STAFF_ROLES = frozenset({"reporter", "supervisor", "leader", "council_member", "focal_point", "admin"})


@dataclass(frozen=True)
class Policy:
    model: type[Model]
    unit_field: str  # lookup from the model to its Unit; "" when the model is Unit itself
    actions: dict[str, frozenset[str]] = field(default_factory=dict)
    # Published things (documents): besides the staff of ``unit_field``'s subtree, these actions
    # are open to the officials of every unit inside the subtree of ``audience_field``'s unit.
    audience_field: str = ""
    audience_actions: frozenset[str] = frozenset()

    def unit_lookup(self, suffix: str) -> str:
        return f"{self.unit_field}__{suffix}" if self.unit_field else suffix

    def unit_of(self, obj: Model) -> Any:
        if not self.unit_field:
            return obj
        for part in self.unit_field.split("__"):
            obj = getattr(obj, part)
            if obj is None:
                return None
        return obj


_registry: dict[type[Model], Policy] = {}


def register(model: type[Model], *, unit_field: str, actions: dict[str, Iterable[str]],
             audience_field: str = "", audience_actions: Iterable[str] = ()) -> Policy:
    policy = Policy(model, unit_field, {a: frozenset(r) for a, r in actions.items()},
                    audience_field, frozenset(audience_actions))
    _registry[model] = policy
    return policy


def policy_for(model: type[Model]) -> Policy:
    try:
        return _registry[model]
    except KeyError:
        raise LookupError(f"{model.__name__} has no access policy: register one in its app's policies.py") from None


def registered_models() -> set[type[Model]]:
    return set(_registry)


# --- what an actor holds -----------------------------------------------------------------


def held_paths(actor: Any, roles: frozenset[str]) -> list[str] | None:
    """Paths of the units on which ``actor`` holds one of ``roles`` today; ``None`` means
    everywhere (a superuser, or the action is public). Nested units are collapsed."""
    if PUBLIC in roles or actor is None:
        # None is the system itself (management commands, data loads) — never a request, whose
        # user is at least AnonymousUser.
        return None
    if not actor.is_authenticated:
        return []
    if actor.is_superuser:
        return None
    if SIGNED_IN in roles:
        return None
    held = _role_paths(actor)
    paths = sorted({p for role, p in held if role in roles})
    collapsed: list[str] = []
    for p in paths:
        if not collapsed or not p.startswith(collapsed[-1]):
            collapsed.append(p)
    return collapsed


def _role_paths(actor: Any) -> list[tuple[str, str]]:
    cached = getattr(actor, "_dxnet_role_paths", None)
    if cached is None:
        from dxnet.network.models import RoleAssignment

        cached = list(
            RoleAssignment.objects.active().filter(user=actor).values_list("role", "unit__path")
        )
        actor._dxnet_role_paths = cached
    return cached


def forget(actor: Any) -> None:
    """Drop the per-request cache of the actor's roles (after assigning or ending a role)."""
    for attr in ("_dxnet_role_paths", "_dxnet_reader_paths"):
        if hasattr(actor, attr):
            delattr(actor, attr)


def reader_paths(actor: Any) -> list[str] | None:
    """Paths of every unit ``actor`` belongs to (any role held today, and the profile's unit);
    ``None`` for the system and superusers. An audience covers a reader when its unit is one of
    these or one of their ancestors."""
    if actor is None:
        return None
    if not actor.is_authenticated:
        return []
    if actor.is_superuser:
        return None
    cached = getattr(actor, "_dxnet_reader_paths", None)
    if cached is None:
        from dxnet.network.models import Profile

        own = Profile.objects.filter(user=actor).values_list("unit__path", flat=True).first()
        cached = sorted({p for _, p in _role_paths(actor)} | ({own} if own else set()))
        actor._dxnet_reader_paths = cached
    return cached


def _ancestor_paths(paths: list[str]) -> set[str]:
    from dxnet.network.models import SEGMENT

    return {p[:n] for p in paths for n in range(SEGMENT, len(p) + 1, SEGMENT)}


def _audience_q(policy: Policy, actor: Any) -> Q | None:
    """Rows whose audience covers the actor; None = every row."""
    paths = reader_paths(actor)
    if paths is None:
        return None
    return Q(**{f"{policy.audience_field}__path__in": sorted(_ancestor_paths(paths))})


def _path_q(paths: list[str], lookup: str) -> Q:
    from dxnet.network.models import subtree_bounds

    q = Q(pk__in=[])  # matches nothing
    for p in paths:
        low, high = subtree_bounds(p)
        q |= Q(**{f"{lookup}__gte": low, f"{lookup}__lt": high})
    return q


def _roles_for(policy: Policy, action: str) -> frozenset[str]:
    try:
        return policy.actions[action]
    except KeyError:
        raise LookupError(f"{policy.model.__name__} policy has no action {action!r}") from None


# --- the questions -------------------------------------------------------------------------


def visible[M: Model](actor: Any, qs: QuerySet[M], action: str = "view") -> QuerySet[M]:
    """``qs`` narrowed to the rows ``actor`` may ``action``."""
    policy = policy_for(qs.model)
    paths = held_paths(actor, _roles_for(policy, action))
    if paths is None:
        return qs
    staff = _path_q(paths, policy.unit_lookup("path")) if paths else None
    if action in policy.audience_actions:
        audience = _audience_q(policy, actor)
        if audience is None:
            return qs
        return qs.filter(audience if staff is None else (staff | audience))
    if staff is None:
        return qs.none()
    return qs.filter(staff)


def get_or_404[M: Model](actor: Any, qs: QuerySet[M] | type[M], action: str = "view", **lookup: Any) -> M:
    """One object the actor may ``action``; 404 when it does not exist or is out of scope."""
    if isinstance(qs, type) and issubclass(qs, models.Model):
        qs = qs._default_manager.all()
    try:
        return visible(actor, qs, action).get(**lookup)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def can(actor: Any, action: str, unit: Any, model: type[Model] | None = None) -> bool:
    """May ``actor`` do ``action`` (of ``model``'s policy, default Unit) on ``unit``?"""
    from dxnet.network.models import Unit

    policy = policy_for(model or Unit)
    paths = held_paths(actor, _roles_for(policy, action))
    if paths is None:
        return True
    return unit is not None and any(unit.path.startswith(p) for p in paths)


def can_here(actor: Any, action: str, unit: Any, model: type[Model] | None = None) -> bool:
    """Like ``can``, but only a role held on ``unit`` itself counts — for acts a unit does in its
    own name (acknowledging a notice sent to it), which its supervisors must not do for it."""
    if actor is None:
        return True
    if not getattr(actor, "is_authenticated", False):
        return False
    roles = _roles_for(policy_for(model or _unit_model()), action)
    return unit is not None and any(role in roles and path == unit.path for role, path in _role_paths(actor))


def _unit_model() -> type[Model]:
    from dxnet.network.models import Unit

    return Unit


def check(actor: Any, action: str, unit: Any, model: type[Model] | None = None) -> None:
    if not can(actor, action, unit, model):
        raise Http404


def units[M: Model](actor: Any, action: str, model: type[M] | None = None) -> QuerySet[Any]:
    """The units on which ``actor`` may ``action`` (of ``model``'s policy, default Unit)."""
    from dxnet.network.models import Unit

    policy = policy_for(model or Unit)
    paths = held_paths(actor, _roles_for(policy, action))
    qs = Unit.objects.all()
    if paths is None:
        return qs
    if not paths:
        return qs.none()
    return qs.filter(_path_q(paths, "path"))


def top_units(actor: Any, action: str, model: type[Model] | None = None) -> list[Any]:
    """Where the actor's subtrees for ``action`` start: the units its roles are held on (nested
    ones dropped), or the roots for superusers — the natural first page of a section."""
    from dxnet.network.models import Unit

    paths = held_paths(actor, _roles_for(policy_for(model or Unit), action))
    if paths is None:
        return list(Unit.objects.current().filter(parent__isnull=True).order_by("path"))
    return list(Unit.objects.filter(path__in=paths).order_by("depth", "path"))
