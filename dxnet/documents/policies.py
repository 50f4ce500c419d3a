"""Who may do what with documents. Readers are the officials of the audience's subtree (and
the staff of the publishing unit's subtree); the publishing unit's supervisors, leaders and
administrators upload, change and withdraw."""

from dxnet.core import access
from dxnet.core.access import STAFF_ROLES

from .models import Document

READERS = STAFF_ROLES | {"observer"}
MANAGERS = {"supervisor", "leader", "admin"}

access.register(Document, unit_field="owner", audience_field="audience", audience_actions={"view"},
                actions={"view": READERS, "create": MANAGERS, "change": MANAGERS})
