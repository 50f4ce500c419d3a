"""Who may do what with plans. A programme is seen by the staff and observers of its issuing
unit's subtree and of the units its tasks are given to; a task is updated by its lead unit."""

from dxnet.core import access
from dxnet.core.access import STAFF_ROLES

from .models import Programme, ReminderSent, Task, TaskUpdate, UrgingNotice, UrgingRecipient

READERS = STAFF_ROLES | {"observer"}
access.register(Programme, unit_field="owner", actions={
    "view": READERS, "change": {"supervisor", "leader", "admin"}})
access.register(Task, unit_field="lead_unit", actions={
    "view": READERS, "update": {"reporter", "supervisor", "leader", "admin", "focal_point"},
    "review": {"supervisor", "leader", "admin"}, "assign": {"supervisor", "leader", "admin"}})
access.register(TaskUpdate, unit_field="unit", actions={"view": READERS})
access.register(UrgingNotice, unit_field="issuer",
                actions={"view": READERS, "issue": {"supervisor", "leader", "admin"}})
access.register(UrgingRecipient, unit_field="unit", actions={
    "view": READERS, "acknowledge": {"reporter", "supervisor", "leader", "admin", "focal_point"}})
access.register(ReminderSent, unit_field="unit", actions={"view": {"admin"}})
