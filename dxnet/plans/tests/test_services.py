"""Programmes, tasks, progress with evidence, acceptance, cascade and coverage."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from dxnet.core.models import AuditEntry
from dxnet.indicators.services import Rejected
from dxnet.network.models import Unit
from dxnet.plans import selectors, services, status
from dxnet.plans.models import Programme, Task, TaskUpdate

from .factories import programme, task

pytestmark = pytest.mark.django_db


def test_supervisor_creates_programme_and_task_with_parsed_deadline(cast: Any, unit: Any) -> None:
    snv = cast.user("snv.daklak")
    p = services.programme_create(actor=snv, code="KH-1", title="Kế hoạch", owner=unit("66"),
                                  legal_number="123/KH-UBND", legal_date=dt.date(2025, 3, 1))
    t = services.task_create(actor=snv, programme=p, title="Tuyên truyền", lead_unit=unit("66-SNV"),
                             coordinating_units=[unit("24133")], deadline_text="Quý II/2025")
    assert (t.deadline_kind, t.deadline, t.deadline_text) == ("quarter", dt.date(2025, 6, 30), "Quý II/2025")
    assert list(t.coordinating_units.values_list("code", flat=True)) == ["24133"]
    assert AuditEntry.objects.filter(action="task.create", object_id=str(t.pk)).exists()
    ongoing = services.task_create(actor=snv, programme=p, title="Theo dõi", lead_unit=unit("66-SNV"),
                                   deadline_text="Thường xuyên, hằng năm")
    assert (ongoing.deadline, ongoing.deadline_kind, ongoing.reporting_cycle) == (None, "ongoing", "year")


def test_bad_deadline_names_the_field_and_stores_nothing(cast: Any, unit: Any) -> None:
    p = programme()
    with pytest.raises(Rejected) as exc:
        services.task_create(actor=cast.user("snv.daklak"), programme=p, title="x", lead_unit=unit("66-SNV"),
                             deadline_text="sớm")
    assert exc.value.errors[0][1] == "deadline" and "sớm" in exc.value.errors[0][2]
    assert not Task.objects.filter(programme=p).exists()


def test_only_supervisors_of_the_issuer_create(cast: Any, unit: Any) -> None:
    with pytest.raises(Http404):
        services.programme_create(actor=cast.user("px.buonmathuot"), code="X", title="x", owner=unit("66"))
    with pytest.raises(Http404):
        services.programme_create(actor=cast.user("bo.khcn"), code="X", title="x", owner=unit("66"))


def test_lead_update_moves_progress_and_completes_with_evidence(cast: Any) -> None:
    t = task(programme(), "24133", coordinating=["24373"])
    reporter = cast.user("px.buonmathuot")
    f = SimpleUploadedFile("bien-ban.pdf", b"%PDF-1.4 ...", content_type="application/pdf")
    services.task_update_progress(actor=reporter, task=t, percent=60, text="Đã tổ chức hội nghị", files=[f])
    t.refresh_from_db()
    assert t.progress == 60 and t.completed_on is None
    update = TaskUpdate.objects.get(task=t)
    assert update.unit.code == "24133" and update.evidence.get().name == "bien-ban.pdf"
    services.task_update_progress(actor=reporter, task=t, percent="100", text="Xong")
    t.refresh_from_db()
    assert t.progress == 100 and t.completed_on is not None


def test_coordinator_posts_but_does_not_move_progress(cast: Any) -> None:
    t = task(programme(), "24133", coordinating=["24373"])
    u = services.task_update_progress(actor=cast.user("xa.eakar"), task=t, percent=100, text="Phần phối hợp xong")
    t.refresh_from_db()
    assert u.unit.code == "24373" and t.progress == 0 and t.completed_on is None


def test_others_cannot_post(cast: Any) -> None:
    t = task(programme(), "24133")
    for name in ("xa.eakar", "px.hoankiem", "mttq.daklak"):
        with pytest.raises(Http404):
            services.task_update_progress(actor=cast.user(name), task=t, percent=10, text="x")


def test_bad_percent_is_rejected(cast: Any) -> None:
    t = task(programme(), "24133")
    with pytest.raises(Rejected) as exc:
        services.task_update_progress(actor=cast.user("px.buonmathuot"), task=t, percent="150", text="x")
    assert exc.value.errors[0][1] == "percent"
    assert not TaskUpdate.objects.filter(task=t).exists()


def test_accept_and_reopen_by_the_supervisor(cast: Any) -> None:
    t = task(programme(), "24133")
    reporter, snv = cast.user("px.buonmathuot"), cast.user("snv.daklak")
    services.task_update_progress(actor=reporter, task=t, percent=70, text="a")
    services.task_update_progress(actor=reporter, task=t, percent=100, text="b")
    t.refresh_from_db()
    with pytest.raises(Http404):
        services.task_accept(actor=reporter, task=t)
    services.task_accept(actor=snv, task=t)
    assert t.accepted_at is not None
    with pytest.raises(Rejected):
        services.task_update_progress(actor=reporter, task=t, percent=100, text="c")
    with pytest.raises(Rejected):
        services.task_reopen(actor=snv, task=t, reason="")
    services.task_reopen(actor=snv, task=t, reason="Thiếu minh chứng")
    t.refresh_from_db()
    assert (t.progress, t.completed_on, t.accepted_at) == (70, None, None)


def test_cancel_cascades_and_cancelled_wins(cast: Any, unit: Any) -> None:
    p = programme()
    parent = task(p, "66-SNV", deadline="1/2025")
    children = services.task_assign_to_all(actor=cast.user("snv.daklak"), task=parent, within=unit("66"),
                                           unit_type="commune")
    services.task_cancel(actor=cast.user("snv.daklak"), task=parent, reason="Thay thế")
    assert Task.objects.filter(pk__in=[c.pk for c in children], cancelled_at__isnull=False).count() == len(children)
    today = dt.date(2026, 1, 1)
    assert not Task.objects.filter(pk=parent.pk).filter(status.q(status.OVERDUE, today)).exists()
    assert Task.objects.filter(pk=parent.pk).filter(status.q(status.CANCELLED, today)).exists()


def test_assign_to_all_creates_one_task_per_commune_of_dak_lak(cast: Any, unit: Any) -> None:
    parent = task(programme(), "66-SNV", deadline="Quý III/2025", title="Xây dựng kế hoạch chi tiết")
    before = AuditEntry.objects.count()
    children = services.task_assign_to_all(actor=cast.user("snv.daklak"), task=parent, within=unit("66"),
                                           unit_type="commune")
    assert len(children) == 102 == Unit.objects.current().subtree_of(unit("66")).filter(unit_type="commune").count()
    assert len({c.lead_unit_id for c in children}) == 102
    assert all(c.deadline == dt.date(2025, 9, 30) and c.parent_id == parent.pk for c in children)
    assert AuditEntry.objects.filter(action="task.assign_to_all").count() == 1
    assert AuditEntry.objects.count() - before == 1  # one action, one line (the rollup leaves 0 % as it was)
    again = services.task_assign_to_all(actor=cast.user("snv.daklak"), task=parent, within=unit("66"),
                                        unit_type="commune")
    assert again == [] and parent.children.count() == 102


def test_assign_to_all_needs_a_supervisor_who_received_the_task(cast: Any, unit: Any) -> None:
    parent = task(programme(), "66-SNV")
    with pytest.raises(Http404):
        services.task_assign_to_all(actor=cast.user("px.buonmathuot"), task=parent, within=unit("24133"),
                                    unit_type="team")
    ministry_task = task(programme(code="BKHCN-1", owner="BKHCN"), "BKHCN")
    with pytest.raises(Http404):  # Đắk Lắk did not receive the ministry's own task
        services.task_assign_to_all(actor=cast.user("snv.daklak"), task=ministry_task, within=unit("66"),
                                    unit_type="commune")


def test_progress_rolls_up_weighted_mean(cast: Any, unit: Any) -> None:
    p = programme()
    parent = task(p, "66-SNV")
    snv = cast.user("snv.daklak")
    a = task(p, "24133", parent=parent)
    b = task(p, "24373", parent=parent)
    c = task(p, "66", parent=parent)
    services.task_update_progress(actor=cast.user("px.buonmathuot"), task=a, percent=100, text="xong")
    services.task_update_progress(actor=cast.user("xa.eakar"), task=b, percent=50, text="một nửa")
    parent.refresh_from_db()
    assert parent.progress == 50 and parent.completed_on is None  # (100 + 50 + 0) / 3
    Task.objects.filter(pk=a.pk).update(weight=2)
    services.task_update_progress(actor=snv, task=c, percent=0, text="chưa làm")
    parent.refresh_from_db()
    assert parent.progress == 63  # (2·100 + 50 + 0) / 4 = 62.5 → 63
    assert selectors.tasks_visible(snv).filter(pk=parent.pk).exists()
    services.task_update_progress(actor=snv, task=parent, percent=10, text="tổng hợp")
    parent.refresh_from_db()
    assert parent.progress == 63  # a parent's progress is its children's
    services.task_update_progress(actor=cast.user("xa.eakar"), task=b, percent=100, text="xong")
    services.task_update_progress(actor=snv, task=c, percent=100, text="xong")
    parent.refresh_from_db()
    assert parent.progress == 100 and parent.completed_on is not None


def test_detailed_plan_and_coverage(cast: Any, unit: Any) -> None:
    p = programme()
    parent = task(p, "66-SNV", title="Mỗi xã xây dựng kế hoạch chi tiết")
    children = services.task_assign_to_all(actor=cast.user("snv.daklak"), task=parent, within=unit("66"),
                                           unit_type="commune")
    assert services.task_coverage(parent) == (0, 102)
    mine = next(c for c in children if c.lead_unit.code == "24133")
    reporter = cast.user("px.buonmathuot")
    plan = services.task_detail(actor=reporter, task=mine, unit=unit("24133"))
    assert plan.source_task == mine and plan.owner.code == "24133"
    assert services.task_detail(actor=reporter, task=mine, unit=unit("24133")) == plan  # once per unit
    assert services.task_coverage(parent) == (1, 102)
    other = next(c for c in children if c.lead_unit.code == "24373")
    with pytest.raises(Http404):
        services.task_detail(actor=reporter, task=other, unit=unit("24373"))
    # its plan's tasks go to its own units only
    with pytest.raises(Rejected):
        services.task_create(actor=reporter, programme=plan, title="x", lead_unit=unit("24373"), deadline_text="2025")
    sub = services.task_create(actor=reporter, programme=plan, title="Tổ công nghệ số", lead_unit=unit("24133"),
                               deadline_text="8/2025")
    assert sub.parent == mine
    assert services.programme_coverage(p) == (1, 1)  # the lead unit assigned its task to all communes
    assert Programme.objects.filter(source_task__isnull=False).count() == 1
