"""Who may do what with the network. Names, codes and lineage of units are public; people and
roles are visible to the staff of the subtree; only administrators change them."""

from dxnet.core import access
from dxnet.core.access import PUBLIC, STAFF_ROLES

from .models import Profile, RoleAssignment, Unit, UnitLineage

access.register(
    Unit,
    unit_field="",
    actions={
        "view": {PUBLIC},
        "change": {"admin"},
        "view_people": STAFF_ROLES,
        "assign_role": {"admin"},
        "view_audit": {"admin"},
    },
)
access.register(UnitLineage, unit_field="successor", actions={"view": {PUBLIC}, "change": {"admin"}})
access.register(Profile, unit_field="unit", actions={"view": STAFF_ROLES, "change": {"admin"}})
access.register(RoleAssignment, unit_field="unit", actions={"view": STAFF_ROLES, "change": {"admin"}})
