"""A passage is read by whoever may read its document (the documents policy, audience included).
Conversations and feedback belong to their user; the feedback export is for administrators."""

from dxnet.core import access
from dxnet.documents.policies import MANAGERS, OWNER_READERS

from .models import Passage

access.register(Passage, unit_field="document__owner", audience_field="document__audience",
                audience_actions={"view"}, actions={"view": OWNER_READERS, "change": MANAGERS})
