"""Who may do what with indicators and reports. A reporter writes the values of the units its
role covers; a supervisor (or leader) approves and returns them; observers read results."""

from dxnet.core import access
from dxnet.core.access import SIGNED_IN, STAFF_ROLES

from .models import Aggregate, DataValue, FormAssignment, Report, ReportForm, Synthesis, Target, TransferJob

READERS = STAFF_ROLES | {"observer"}
WRITERS = {"reporter", "supervisor", "admin"}
REVIEWERS = {"supervisor", "leader", "admin"}

access.register(DataValue, unit_field="unit", actions={"view": READERS, "write": WRITERS})
access.register(Aggregate, unit_field="unit", actions={"view": READERS})
access.register(Report, unit_field="unit", actions={"view": READERS, "write": WRITERS, "review": REVIEWERS})
access.register(ReportForm, unit_field="owner", actions={"view": {SIGNED_IN}, "change": {"admin"}})
access.register(FormAssignment, unit_field="unit", actions={"view": {SIGNED_IN}, "change": {"admin"}})
access.register(
    Target, unit_field="unit",
    actions={"view": READERS, "register": {"reporter", "supervisor", "leader", "admin"},
             "assign": {"supervisor", "leader", "admin"}, "agree": {"supervisor", "leader", "admin"}},
)
access.register(TransferJob, unit_field="unit", actions={"view": WRITERS | REVIEWERS, "create": WRITERS | REVIEWERS})
access.register(Synthesis, unit_field="unit", actions={"view": READERS, "create": REVIEWERS})
