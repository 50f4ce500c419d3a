"""Status derivation at the deadline boundaries, in Python and in SQL alike."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest
from django.utils import timezone

from dxnet.plans import status
from dxnet.plans.models import Programme, Task

D = dt.date
DUE = D(2025, 6, 30)
CANCELLED_AT = dt.datetime(2025, 5, 1, 8, tzinfo=dt.UTC)


def derive(**kw: Any) -> str:
    base = {"deadline": DUE, "progress": 0, "completed_on": None, "cancelled_at": None, "today": DUE}
    return status.derive(**(base | kw))


def test_the_deadline_day_itself_is_not_overdue() -> None:
    assert derive() == status.NOT_STARTED
    assert derive(progress=40) == status.IN_PROGRESS
    assert derive(today=D(2025, 7, 1)) == status.OVERDUE
    assert derive(today=D(2025, 7, 1), progress=99) == status.OVERDUE


def test_completed_on_the_deadline_is_done_after_it_done_late() -> None:
    assert derive(progress=100, completed_on=DUE, today=D(2025, 12, 1)) == status.DONE
    assert derive(progress=100, completed_on=D(2025, 7, 1), today=D(2025, 12, 1)) == status.DONE_LATE


def test_cancelled_wins() -> None:
    assert derive(cancelled_at=CANCELLED_AT, today=D(2025, 9, 1)) == status.CANCELLED
    assert derive(cancelled_at=CANCELLED_AT, progress=100, completed_on=D(2025, 7, 3)) == status.CANCELLED


def test_ongoing_is_never_overdue() -> None:
    assert derive(deadline=None, today=D(2030, 1, 1)) == status.NOT_STARTED
    assert derive(deadline=None, progress=100, completed_on=D(2030, 1, 1), today=D(2030, 1, 2)) == status.DONE


def test_boundaries_are_days_in_ho_chi_minh_city(settings: Any) -> None:
    # 30/06 17:30 UTC is already 01/07 00:30 in Hà Nội: the task due 30/06 is overdue there.
    hcm = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
    late_evening_utc = dt.datetime(2025, 6, 30, 17, 30, tzinfo=dt.UTC)
    assert timezone.localdate(late_evening_utc, hcm) == D(2025, 7, 1)
    assert derive(today=timezone.localdate(late_evening_utc, hcm)) == status.OVERDUE
    before = dt.datetime(2025, 6, 30, 16, 59, tzinfo=dt.UTC)
    assert derive(today=timezone.localdate(before, hcm)) == status.NOT_STARTED


def test_ongoing_task_is_awaiting_an_update_when_nothing_came_this_cycle() -> None:
    kw = {"deadline": None, "cancelled_at": None, "created_on": D(2025, 1, 5)}
    assert status.update_late(cycle="quarter", last_update_on=D(2025, 3, 31), today=D(2025, 4, 2), **kw)
    assert not status.update_late(cycle="quarter", last_update_on=D(2025, 4, 1), today=D(2025, 6, 30), **kw)
    assert not status.update_late(cycle="year", last_update_on=D(2025, 2, 1), today=D(2025, 12, 31), **kw)
    assert status.update_late(cycle="month", last_update_on=None, today=D(2025, 2, 1), **kw)
    assert not status.update_late(cycle="month", last_update_on=None, today=D(2025, 1, 20), **kw)  # created this month


CASES = [
    # (deadline, progress, completed_on, cancelled)
    (DUE, 0, None, False), (DUE, 30, None, False), (D(2025, 6, 29), 30, None, False), (D(2025, 6, 29), 0, None, False),
    (DUE, 100, DUE, False), (D(2025, 6, 1), 100, DUE, False), (None, 10, None, False),
    (None, 100, D(2025, 1, 1), False),
    (DUE, 0, None, True), (D(2025, 1, 1), 100, D(2025, 2, 1), True),
]


@pytest.mark.django_db
def test_sql_and_python_agree(unit: Any) -> None:
    province = unit("66")
    programme = Programme.objects.create(code="T-STATUS", title="t", owner=province)
    tasks = [Task.objects.create(programme=programme, title=str(i), lead_unit=province, deadline=d, progress=p,
                                 completed_on=c, cancelled_at=CANCELLED_AT if x else None)
             for i, (d, p, c, x) in enumerate(CASES)]
    today = DUE
    for t in Task.objects.filter(pk__in=[t.pk for t in tasks]).annotate(s=status.case(today)):
        assert t.s == status.of(t, today), t.title
        for s in status.STATUSES:
            assert Task.objects.filter(status.q(s, today), pk=t.pk).exists() == (s == t.s), (t.title, s)
