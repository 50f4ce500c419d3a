"""Recommendations: raised by a unit's staff, answered by the responsible unit's staff; the
answer is read by the raising unit's subtree (and the public when marked public)."""

from dxnet.core import access
from dxnet.core.access import STAFF_ROLES

from .models import Attendance, ConferenceSession, Recommendation

READERS = STAFF_ROLES | {"observer"}
access.register(Recommendation, unit_field="raised_by", actions={
    "view": READERS, "raise": STAFF_ROLES, "answer": STAFF_ROLES, "route": {"supervisor", "leader", "admin"}})
access.register(ConferenceSession, unit_field="chair", actions={
    "view": READERS, "change": {"supervisor", "leader", "admin"}})
access.register(Attendance, unit_field="unit", actions={"view": READERS})
