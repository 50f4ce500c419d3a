from dxnet.core import access
from dxnet.core.models import AuditEntry

# Administrators read the audit trail of their subtree; entries without a unit only superusers.
access.register(AuditEntry, unit_field="unit", actions={"view": {"admin"}})
