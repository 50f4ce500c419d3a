"""Small builders for the plans tests."""

from __future__ import annotations

from typing import Any

from dxnet.network.models import Unit
from dxnet.plans import services
from dxnet.plans.models import Programme, Task


def programme(code: str = "KH-73-DL", owner: str = "66", **kw: Any) -> Programme:
    return services.programme_create(actor=None, code=code, title=kw.pop("title", "Kế hoạch thực hiện Nghị định 73"),
                                     owner=Unit.objects.get(code=owner), **kw)


def task(prog: Programme, lead: str, deadline: str = "6/2025", **kw: Any) -> Task:
    coord = [Unit.objects.get(code=c) for c in kw.pop("coordinating", [])]
    return services.task_create(actor=None, programme=prog, title=kw.pop("title", f"Nhiệm vụ của {lead}"),
                                lead_unit=Unit.objects.get(code=lead), deadline_text=deadline,
                                coordinating_units=coord, **kw)
