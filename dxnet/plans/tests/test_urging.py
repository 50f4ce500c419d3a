"""Urging: the reminder stages (before, on and after the deadline), escalation to the supervisors
of the late unit, idempotence (also with the real ``db_worker``), the late-report hook, the
formal urging notice with its DOCX and acknowledgement, and the scoping of every page."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.http import Http404
from django.utils import timezone

from dxnet.core.models import AuditEntry
from dxnet.indicators.completeness import urging_requested
from dxnet.indicators.periods import Period, PeriodType
from dxnet.indicators.services import Rejected
from dxnet.network.models import Unit
from dxnet.notifications.models import Kind, Notification
from dxnet.plans import urging
from dxnet.plans.models import Programme, ReminderSent, Task, UrgingNotice, UrgingRecipient
from dxnet.recommendations.models import Recommendation

TODAY = dt.date(2025, 10, 15)


def english(client: Any) -> Any:
    client.cookies["dxnet_language"] = "en"
    return client


def make_tasks(today: dt.date) -> dict[str, Task]:
    programme = Programme.objects.create(code="KH-73-DL", title="Kế hoạch thực hiện Nghị định 73",
                                         owner=Unit.objects.get(code="66"))

    def task(key: str, unit: str, days: int, **kw: Any) -> Task:
        return Task.objects.create(programme=programme, number=key, title=f"Nhiệm vụ {key}",
                                   lead_unit=Unit.objects.get(code=unit), deadline=today + dt.timedelta(days=days),
                                   **kw)

    return {
        "late": task("1", "24373", -3, progress=20),  # Ea Kar, overdue by 3 days
        "soon": task("2", "24133", 5),  # Buôn Ma Thuột, due in 5 days
        "today": task("3", "24133", 0),  # the deadline day itself is not late
        "far": task("4", "24133", 30),  # nothing yet
        "cancelled": task("5", "24373", -3, cancelled_at=timezone.now()),
        "done": task("6", "24373", -10, progress=100, completed_on=today - dt.timedelta(days=12)),
        "hanoi": task("7", "00070", -1),  # Hoàn Kiếm, overdue; no supervisor of Hà Nội in the cast
    }


def notes(username: str, kind: str | None = None) -> list[Notification]:
    qs = Notification.objects.filter(user__username=username)
    return list(qs.filter(kind=kind) if kind else qs)


# --- stages -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("offset", "stage"), [
    (-10, None), (-8, None), (-7, "before:7"), (-2, "before:7"), (-1, "before:1"), (0, "due"),
    (1, "after:1"), (6, "after:1"), (7, "after:7"), (13, "after:7"), (14, "after:14"), (21, "after:21"),
    (30, "after:28"),
])
def test_reminder_stages(offset: int, stage: str | None) -> None:
    deadline = dt.date(2025, 6, 30)
    assert urging.stage_for(deadline, deadline + dt.timedelta(days=offset)) == stage


# --- the reminder run ---------------------------------------------------------------------------


def test_reminders_reach_the_unit_and_escalate_after_the_deadline(cast: Any) -> None:
    tasks = make_tasks(TODAY)
    result = urging.reminders_run(today=TODAY)
    # Ea Kar's reporter: its overdue task (not the cancelled or completed ones).
    overdue = notes("xa.eakar", Kind.TASK_OVERDUE)
    assert len(overdue) == 1 and "Nhiệm vụ 1" in overdue[0].body and "Nhiệm vụ 5" not in overdue[0].body
    assert "Nhiệm vụ 6" not in overdue[0].body
    assert not notes("xa.eakar", Kind.TASK_DUE)
    # Buôn Ma Thuột (reporter + focal point, one person): one notice for its two tasks due soon,
    # the one due today among them — the deadline day is "due", not overdue.
    due = notes("px.buonmathuot", Kind.TASK_DUE)
    assert len(due) == 1 and "Nhiệm vụ 2" in due[0].body and "Nhiệm vụ 3" in due[0].body
    assert "Nhiệm vụ 4" not in due[0].body
    assert not notes("px.buonmathuot", Kind.TASK_OVERDUE)
    # Escalation: the supervisor and the leader of the province above Ea Kar, with a link to the
    # urging form prefilled with the late unit and its task.
    for username in ("snv.daklak", "ubnd.daklak"):
        esc = notes(username, Kind.ESCALATION)
        assert len(esc) == 1, username
        assert "Xã Ea Kar" in esc[0].body and "Buôn Ma Thuột" not in esc[0].body
        assert esc[0].url.startswith("/plans/urging/new/?unit=24373") and f"task={tasks['late'].pk}" in esc[0].url
    # Nothing reaches another province, nor the observer.
    assert not notes("mttq.daklak") and not notes("bo.khcn")
    assert notes("px.hoankiem", Kind.TASK_OVERDUE)  # its own overdue task, not escalated (nobody above)
    keys = set(ReminderSent.objects.values_list("key", flat=True))
    late = tasks["late"]
    assert f"task:{late.pk}:after:1:{late.deadline.isoformat()}" in keys
    assert f"task:{late.pk}:after:1:{late.deadline.isoformat()}:up" in keys
    assert f"task:{tasks['today'].pk}:due:{TODAY.isoformat()}" in keys
    assert f"task:{tasks['soon'].pk}:before:7:{tasks['soon'].deadline.isoformat()}" in keys
    assert result.reminders == 4 and result.escalations == 1


def test_a_rerun_sends_nothing_twice_and_the_next_stage_is_sent_once(cast: Any) -> None:
    tasks = make_tasks(TODAY)
    urging.reminders_run(today=TODAY)
    before = Notification.objects.count()
    keys = ReminderSent.objects.count()
    again = urging.reminders_run(today=TODAY)
    assert again.reminders == again.escalations == again.notifications == 0
    assert Notification.objects.count() == before and ReminderSent.objects.count() == keys
    # A day later the task due yesterday has become overdue (and is escalated); nothing else moved:
    # the soon task is still in its "7 days before" stage, the late one in its "1 day after" stage.
    next_day = urging.reminders_run(today=TODAY + dt.timedelta(days=1))
    assert (next_day.reminders, next_day.escalations) == (1, 1)
    assert urging.reminders_run(today=TODAY + dt.timedelta(days=2)).notifications == 0
    # Four days later: "soon" is due in 1 day, "late" is 7 days overdue (escalated again).
    later = urging.reminders_run(today=TODAY + dt.timedelta(days=4))
    assert (later.reminders, later.escalations) == (2, 1)
    assert len(notes("snv.daklak", Kind.ESCALATION)) == 3
    # Changing the deadline starts the reminders afresh.
    Task.objects.filter(pk=tasks["late"].pk).update(deadline=TODAY + dt.timedelta(days=2))
    fresh = urging.reminders_run(today=TODAY + dt.timedelta(days=4))
    assert fresh.reminders == 1


def test_overdue_recommendations_are_reminded_and_escalated(cast: Any) -> None:
    rec = Recommendation.objects.create(raised_by=Unit.objects.get(code="24133"), title="Hướng dẫn chữ ký số",
                                        text="Đề nghị hướng dẫn", responsible=Unit.objects.get(code="24373"),
                                        deadline=TODAY - dt.timedelta(days=8))
    Recommendation.objects.create(raised_by=Unit.objects.get(code="24133"), title="Đã trả lời", text="…",
                                  responsible=Unit.objects.get(code="24373"), deadline=TODAY - dt.timedelta(days=8),
                                  answered_at=timezone.now())
    urging.reminders_run(today=TODAY)
    got = notes("xa.eakar", Kind.RECOMMENDATION)
    assert len(got) == 1 and "Hướng dẫn chữ ký số" in got[0].body and "Đã trả lời" not in got[0].body
    assert ReminderSent.objects.filter(key=f"rec:{rec.pk}:after:7:{rec.deadline.isoformat()}").exists()
    esc = notes("snv.daklak", Kind.ESCALATION)
    assert len(esc) == 1 and "subject=recommendations" in esc[0].url


# --- the late-report hook -------------------------------------------------------------------------


def test_late_report_urging_notifies_the_units_once_a_day(cast: Any) -> None:
    form = SimpleNamespace(code="CT-DL", name="Báo cáo chuyển đổi số")
    period = Period.of(PeriodType.MONTH, 2025, 9)
    units = [Unit.objects.get(code="24373")]
    actor = cast.user("snv.daklak")
    responses = urging_requested.send(sender=object, actor=actor, form=form, period=period, units=units)
    answer = dict(responses)[urging._on_urging_requested]
    assert answer["notified"] == 1 and "subject=reports" in answer["notice_url"]
    got = notes("xa.eakar", Kind.REPORT)
    assert len(got) == 1 and "Báo cáo chuyển đổi số" in got[0].title
    assert got[0].url == "/reporting/report/CT-DL/24373/202509/"
    mine = notes("snv.daklak", Kind.REPORT)
    assert len(mine) == 1 and mine[0].url.startswith("/plans/urging/new/?unit=24373")
    # Pressing the button again the same day sends nothing new.
    urging_requested.send(sender=object, actor=actor, form=form, period=period, units=units)
    assert len(notes("xa.eakar", Kind.REPORT)) == 1 and len(notes("snv.daklak", Kind.REPORT)) == 1


# --- the formal urging notice ---------------------------------------------------------------------


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def issue_via_page(cast: Any, made: dict[str, Task], **extra: Any) -> Any:
    data = {"issuer": "66", "subject": "tasks", "number": "125/SNV-CĐS",
            "date": timezone.localdate().strftime("%d/%m/%Y"),
            "text": "Đề nghị các đơn vị khẩn trương hoàn thành.", "units": ["24373"],
            "tasks": [str(made["late"].pk)], **extra}
    return english(cast.client("snv.daklak")).post("/plans/urging/new/", data)


def test_supervisor_issues_a_notice_the_late_commune_acknowledges(cast: Any, media: Path) -> None:
    tasks = make_tasks(timezone.localdate())
    client = english(cast.client("snv.daklak"))
    # The form lists the late units of the subtree, prefilled from the link.
    page = client.get(f"/plans/urging/new/?unit=24373&task={tasks['late'].pk}")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'value="24373" id="u-24373" checked' in html and "Phường Hoàn Kiếm" not in html
    assert "Nhiệm vụ 1" in html
    r = issue_via_page(cast, tasks)
    notice = UrgingNotice.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/plans/urging/notices/{notice.pk}/"
    assert notice.issuer.code == "66" and notice.number == "125/SNV-CĐS"
    assert list(notice.tasks.all()) == [tasks["late"]]
    assert [rc.unit.code for rc in notice.recipients.all()] == ["24373"]
    assert AuditEntry.objects.filter(action="urging.issue", object_id=str(notice.pk)).exists()
    # The DOCX in the administrative layout.
    from docx import Document

    doc = Document(io.BytesIO(notice.docx.read()))
    text = "\n".join([p.text for p in doc.paragraphs] + [c.text for t in doc.tables for row in t.rows
                                                         for c in row.cells])
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Số: 125/SNV-CĐS",
                     "V/v đôn đốc thực hiện các nhiệm vụ quá hạn", "Kính gửi", "Xã Ea Kar", "1 Nhiệm vụ 1",
                     "Nơi nhận:", "UBND TỈNH ĐẮK LẮK", "SỞ NỘI VỤ", "Đắk Lắk, ngày"):
        assert expected in text, expected
    # The late commune is notified, sees the notice in its inbox and acknowledges it (htmx).
    urged = notes("xa.eakar", Kind.URGING)
    assert len(urged) == 1 and urged[0].url == f"/plans/urging/notices/{notice.pk}/"
    commune = english(cast.client("xa.eakar"))
    inbox = commune.get("/plans/urging/inbox/")
    assert inbox.status_code == 200 and "125/SNV-CĐS" in inbox.content.decode()
    detail = commune.get(f"/plans/urging/notices/{notice.pk}/")
    assert detail.status_code == 200 and b'data-testid="acknowledge"' in detail.content
    assert commune.get(f"/plans/urging/notices/{notice.pk}/docx/").status_code == 200
    recipient = UrgingRecipient.objects.get()
    # The supervisor above cannot acknowledge in the commune's name.
    issuer_view = client.get(f"/plans/urging/notices/{notice.pk}/")
    assert b'data-testid="acknowledge"' not in issuer_view.content
    assert client.post(f"/plans/urging/recipients/{recipient.pk}/acknowledge/").status_code == 404
    recipient.refresh_from_db()
    assert recipient.acknowledged_at is None
    ack = commune.post(f"/plans/urging/recipients/{recipient.pk}/acknowledge/", HTTP_HX_REQUEST="true")
    assert ack.status_code == 200 and b"Acknowledged" in ack.content and b"<html" not in ack.content
    recipient.refresh_from_db()
    assert recipient.acknowledged_at is not None and recipient.acknowledged_by.username == "xa.eakar"
    assert len(notes("snv.daklak", Kind.URGING)) == 1  # the issuer is told
    # A second press changes nothing.
    commune.post(f"/plans/urging/recipients/{recipient.pk}/acknowledge/")
    assert AuditEntry.objects.filter(action="urging.acknowledge").count() == 1
    issuer_view = client.get(f"/plans/urging/notices/{notice.pk}/").content.decode()
    assert "1 of 1 acknowledged" in issuer_view


def test_notice_scoping(cast: Any, media: Path) -> None:
    tasks = make_tasks(timezone.localdate())
    issue_via_page(cast, tasks)
    notice = UrgingNotice.objects.get()
    recipient = UrgingRecipient.objects.get()
    # A commune reporter cannot issue notices.
    for username in ("xa.eakar", "px.buonmathuot", "mttq.daklak"):
        c = cast.client(username)
        assert c.get("/plans/urging/new/").status_code == 404, username
        assert c.post("/plans/urging/new/", {"issuer": "66", "number": "1", "units": ["24373"]}).status_code == 404
    assert cast.client("xa.eakar").post("/plans/urging/new/", {"issuer": "24373"}).status_code == 404
    assert UrgingNotice.objects.count() == 1
    # The other commune of the province and another province: 404 on every route of the notice.
    for username in ("px.buonmathuot", "px.hoankiem", "bo.khcn"):
        c = cast.client(username)
        assert c.get(f"/plans/urging/notices/{notice.pk}/").status_code == 404, username
        assert c.get(f"/plans/urging/notices/{notice.pk}/docx/").status_code == 404, username
        assert c.post(f"/plans/urging/recipients/{recipient.pk}/acknowledge/").status_code == 404, username
        assert "125/SNV-CĐS" not in c.get("/plans/urging/inbox/").content.decode()
        assert c.get("/plans/urging/inbox/24373/").status_code == 404, username
    # The observer reads (issuer side) but does not acknowledge.
    observer = cast.client("mttq.daklak")
    assert observer.get(f"/plans/urging/notices/{notice.pk}/").status_code == 200
    assert observer.post(f"/plans/urging/recipients/{recipient.pk}/acknowledge/").status_code == 404
    recipient.refresh_from_db()
    assert recipient.acknowledged_at is None
    # A unit sees only its own received notices; signed-out visitors are sent to sign in.
    assert cast.client("xa.eakar").get("/plans/urging/inbox/24373/").status_code == 200
    assert cast.client("px.buonmathuot").get("/plans/urging/inbox/24133/").content.decode().count("125/SNV") == 0
    assert cast.client(None).get("/plans/urging/").status_code == 302
    assert cast.client("snv.daklak").get("/plans/urging/").status_code == 200


def test_issue_refuses_what_is_not_late_and_hides_what_is_outside(cast: Any, media: Path) -> None:
    tasks = make_tasks(timezone.localdate())
    actor = cast.user("snv.daklak")
    daklak = Unit.objects.get(code="66")
    common = {"actor": actor, "issuer": daklak, "date": timezone.localdate(), "subject": "tasks",
              "text": "Đôn đốc"}
    with pytest.raises(Http404):  # another province's commune: as if it did not exist
        urging.urging_issue(number="1", units=[Unit.objects.get(code="00070")], **common)
    with pytest.raises(Rejected) as e:  # Buôn Ma Thuột has nothing overdue; a task not late
        urging.urging_issue(number="2", units=[Unit.objects.get(code="24133")], tasks=[tasks["soon"]], **common)
    messages = {(row, f) for row, f, _m in e.value.errors}
    assert ("Phường Buôn Ma Thuột", "units") in messages and (str(tasks["soon"]), "tasks") in messages
    with pytest.raises(Rejected) as e:
        urging.urging_issue(number=" ", units=[], **common)
    assert {f for _r, f, _m in e.value.errors} == {"number", "units"}
    with pytest.raises(Http404):  # a commune reporter issues nothing
        urging.urging_issue(**{**common, "actor": cast.user("xa.eakar"), "issuer": Unit.objects.get(code="24373")},
                            number="3", units=[])
    assert not UrgingNotice.objects.exists()
    # Through the page: the error names the unit and nothing is stored.
    r = issue_via_page(cast, tasks, units=["24373"], tasks=[str(tasks["soon"].pk)], number="")
    assert r.status_code == 200 and b"Nothing was issued" in r.content and not UrgingNotice.objects.exists()


# --- the real worker ----------------------------------------------------------------------------------


def run_worker(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        url = (f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}"
               f"/{db['NAME']}")
    env = {**os.environ, "DXNET_DATABASE_URL": url, "DXNET_TESTING": "1", "DXNET_VAR_DIR": str(tmp_path)}
    root = Path(__file__).resolve().parents[3]
    return subprocess.run([sys.executable, "manage.py", "db_worker", "--batch", "--queue-name", "*"], cwd=root,
                          env=env, capture_output=True, text=True, timeout=300)


# The worker reads the test database from another process: the data must be committed (a
# transactional test, which flushes the database afterwards, so it runs last).
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_db_worker_sends_reminders_once(cast: Any, tmp_path: Path) -> None:
    from django_tasks_db.models import DBTaskResult

    from conftest import load_fixtures

    load_fixtures(legacy=False)  # an earlier flushing test may have emptied the database
    tasks = make_tasks(TODAY)
    urging.send_reminders.enqueue(TODAY.isoformat())
    run = run_worker(tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    result = DBTaskResult.objects.get(task_path="dxnet.plans.urging.send_reminders")
    assert result.status == "SUCCESSFUL", (result.status, run.stderr[-3000:])
    assert result.return_value["reminders"] == 4 and result.return_value["escalations"] == 1
    assert len(notes("xa.eakar", Kind.TASK_OVERDUE)) == 1
    assert len(notes("snv.daklak", Kind.ESCALATION)) == 1 and len(notes("ubnd.daklak", Kind.ESCALATION)) == 1
    late = tasks["late"]
    assert ReminderSent.objects.filter(key=f"task:{late.pk}:after:1:{late.deadline.isoformat()}:up",
                                       unit__code="66").exists()
    count, keys = Notification.objects.count(), ReminderSent.objects.count()
    # Again on the worker: nothing new.
    urging.send_reminders.enqueue(TODAY.isoformat())
    run = run_worker(tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    second = DBTaskResult.objects.filter(task_path="dxnet.plans.urging.send_reminders").order_by("-enqueued_at")[0]
    assert second.status == "SUCCESSFUL" and second.return_value["notifications"] == 0
    assert Notification.objects.count() == count and ReminderSent.objects.count() == keys


@pytest.mark.django_db
def test_the_scheduler_queues_reminders_then_digests() -> None:
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    before = DBTaskResult.objects.count()
    call_command("run_scheduler", "--once", stdout=io.StringIO())
    queued = list(DBTaskResult.objects.order_by("enqueued_at").values_list("task_path", flat=True)[before:])
    assert queued == ["dxnet.plans.urging.send_reminders", "dxnet.notifications.digests.send_digests"]
