"""Who may do what with documents. Readers are the officials of the audience's subtree (any role
there, observers included, or their profile's unit) and the STAFF of the publishing unit's subtree
(observers do not read through the owner: a province's observer does not read what the province
publishes to one commune); the publishing unit's supervisors, leaders and administrators upload,
change and withdraw."""

from dxnet.core import access
from dxnet.core.access import STAFF_ROLES

from .models import Document

# roles that read through the publishing unit's subtree (the audience branch admits any official)
OWNER_READERS = STAFF_ROLES
MANAGERS = {"supervisor", "leader", "admin"}

access.register(Document, unit_field="owner", audience_field="audience", audience_actions={"view"},
                actions={"view": OWNER_READERS, "create": MANAGERS, "change": MANAGERS})
