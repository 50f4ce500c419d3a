"""The demo plans: Đắk Lắk's Decree 73 plan with every commune, Resolution 03's 140 tasks imported
with the Ministry of Information and Communications resolved through lineage, the culture
ministry's movement with its phases; loading twice changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from dxnet.core.models import AuditEntry
from dxnet.network.models import Unit, UnitType
from dxnet.plans import demo
from dxnet.plans.models import Phase, Programme, Task

pytestmark = pytest.mark.django_db


def test_demo_plans_load_once_and_again_without_change(unit: Any) -> None:
    audit_before = AuditEntry.objects.count()
    call_command("load_demo_plans", verbosity=0)
    counts = (Programme.objects.count(), Task.objects.count(), Phase.objects.count(), AuditEntry.objects.count())
    assert counts[3] == audit_before + 3  # one audit entry per programme
    call_command("load_demo_plans", verbosity=0)
    assert (Programme.objects.count(), Task.objects.count(), Phase.objects.count(),
            AuditEntry.objects.count()) == counts

    # (a) Đắk Lắk: the Department of Home Affairs' tasks, and one child task per commune.
    daklak = Programme.objects.get(code=demo.DAKLAK_CODE)
    assert daklak.owner.code == "66" and "Nghị định 73/2023/NĐ-CP" in daklak.title
    assert daklak.tasks.filter(lead_unit__code="66-SNV", title__contains="tổng hợp báo cáo").exists()
    parent = daklak.tasks.get(parent=None, title__startswith="UBND các xã")
    communes = Unit.objects.current().subtree_of(unit("66")).filter(unit_type=UnitType.COMMUNE)
    assert parent.children.count() == communes.count() > 50
    today = timezone.localdate()
    late = parent.children.filter(deadline__lt=today, completed_on__isnull=True)
    assert late.filter(lead_unit__code="24373").exists()  # Ea Kar is late
    assert parent.children.filter(progress=100, lead_unit__code="24133").exists()  # Buôn Ma Thuột is done
    assert late.count() > 10 and parent.children.filter(progress=100).count() > 10

    # (b) Resolution 03: 140 tasks, MIC-led tasks led by the Ministry of Science and Technology.
    nq03 = Programme.objects.get(code=demo.NQ03_CODE)
    top = nq03.tasks.filter(parent=None)
    assert top.count() == 140 and nq03.legal_number == "03/NQ-CP"
    assert top.get(number="1").lead_unit.code == "BKHCN"
    assert not nq03.tasks.filter(lead_unit__code="BTTTT").exists()
    # Task 5: led by the Ministry of Home Affairs; "các bộ, ngành, địa phương" coordinate (the lead excluded).
    t5 = top.get(number="5")
    assert t5.lead_unit.code == "BNV"
    assert t5.coordinating_units.count() == (
        Unit.objects.current().filter(unit_type__in=[UnitType.MINISTRY, UnitType.PROVINCE]).count() - 1)

    # (c) The movement and its phases.
    movement = Programme.objects.get(code=demo.MOVEMENT_CODE)
    assert movement.kind == Programme.Kind.MOVEMENT and movement.owner.code == "BVHTTDL"
    assert [(p.starts_on.year, p.ends_on.year, p.is_review) for p in movement.phases.all()] == [
        (2025, 2027, False), (2027, 2027, True), (2027, 2030, False), (2030, 2030, True)]
    assert movement.tasks.get(deadline_text="Quý III/2025").deadline.isoformat() == "2025-09-30"
