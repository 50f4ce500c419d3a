"""The pages, logged in as the cast: what each sees, what each may do, and 404 outside."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dxnet.network.models import Unit
from dxnet.plans import services
from dxnet.plans.models import Evidence, Programme, Task, TaskUpdate

from .factories import programme, task

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(cast: Any) -> dict[str, Any]:
    """Đắk Lắk's plan: a task for every commune (one late), and a Hà Nội task in another plan."""
    p = programme(legal_number="12/KH-UBND", legal_date=dt.date(2025, 2, 1), starts_on=dt.date(2025, 1, 1),
                  ends_on=dt.date(2025, 12, 31))
    services.phase_add(actor=None, programme=p, name="Giai đoạn 1", starts_on=dt.date(2025, 1, 1),
                       ends_on=dt.date(2025, 6, 30))
    parent = task(p, "66-SNV", deadline="Quý II/2025", title="Xây dựng kế hoạch chi tiết", group="I. Tuyên truyền")
    services.task_assign_to_all(actor=None, task=parent, within=Unit.objects.get(code="66"), unit_type="commune")
    hn = task(programme(code="KH-HN", owner="01", title="Kế hoạch Hà Nội"), "00070", deadline="2025")
    return {"programme": p, "parent": parent, "bmt": parent.children.get(lead_unit__code="24133"),
            "eakar": parent.children.get(lead_unit__code="24373"), "hn": hn}


def test_commune_reporter_sees_its_own_task_not_its_neighbours(cast: Any, plan: dict[str, Any]) -> None:
    c = cast.client("px.buonmathuot")
    home = c.get("/plans/")
    assert home.status_code == 200 and "Kế hoạch thực hiện Nghị định 73" in home.content.decode()
    assert "Kế hoạch Hà Nội" not in home.content.decode()
    page = c.get(f"/plans/{plan['programme'].code}/").content.decode()
    assert f"/plans/task/{plan['bmt'].pk}/" in page and f"/plans/task/{plan['eakar'].pk}/" not in page
    assert c.get(f"/plans/task/{plan['bmt'].pk}/").status_code == 200
    assert c.get(f"/plans/task/{plan['eakar'].pk}/").status_code == 404
    assert c.get(f"/plans/task/{plan['hn'].pk}/").status_code == 404
    assert c.get("/plans/KH-HN/").status_code == 404
    assert c.get("/plans/overdue/66/").status_code == 404
    assert c.get("/plans/overdue/24373/").status_code == 404
    assert c.get("/plans/overdue/24133/").status_code == 200
    mine = c.get("/plans/my/").content.decode()
    assert f"/plans/task/{plan['bmt'].pk}/" in mine and f"/plans/task/{plan['eakar'].pk}/" not in mine


def test_supervisor_sees_the_subtree_and_not_elsewhere(cast: Any, plan: dict[str, Any]) -> None:
    c = cast.client("snv.daklak")
    page = c.get(f"/plans/{plan['programme'].code}/")
    body = page.content.decode()
    assert page.status_code == 200 and "12/KH-UBND" in body and "Giai đoạn 1" in body
    assert 'data-testid="timeline"' in body and 'data-testid="coverage"' in body
    assert c.get(f"/plans/task/{plan['eakar'].pk}/").status_code == 200
    assert c.get(f"/plans/task/{plan['hn'].pk}/").status_code == 404
    assert c.get("/plans/overdue/01/").status_code == 404
    parent = c.get(f"/plans/task/{plan['parent'].pk}/").content.decode()
    assert 'data-testid="children"' in parent and parent.count("/plans/task/") >= 102


def test_programme_export_is_an_xlsx_of_visible_tasks(cast: Any, plan: dict[str, Any]) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    r = cast.client("px.buonmathuot").get(f"/plans/{plan['programme'].code}/export/")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(BytesIO(r.content)).active
    leads = [row[3] for row in ws.iter_rows(min_row=4, values_only=True)]
    assert leads == ["Phường Buôn Ma Thuột"]
    assert cast.client("px.hoankiem").get(f"/plans/{plan['programme'].code}/export/").status_code == 404


def test_reporter_posts_progress_with_evidence_and_only_readers_download(cast: Any, plan: dict[str, Any]) -> None:
    c = cast.client("px.buonmathuot")
    f = SimpleUploadedFile("ke-hoach.pdf", b"%PDF-1.4 ke hoach", content_type="application/pdf")
    r = c.post(f"/plans/task/{plan['bmt'].pk}/update/", {"percent": "100", "text": "Đã ban hành", "files": [f]})
    assert r.status_code == 302
    t = Task.objects.get(pk=plan["bmt"].pk)
    assert t.progress == 100 and t.completed_on is not None
    ev = Evidence.objects.get(update__task=t)
    got = c.get(f"/plans/evidence/{ev.pk}/")
    assert got.status_code == 200 and b"".join(got.streaming_content) == b"%PDF-1.4 ke hoach"
    assert cast.client("snv.daklak").get(f"/plans/evidence/{ev.pk}/").status_code == 200
    assert cast.client("xa.eakar").get(f"/plans/evidence/{ev.pk}/").status_code == 404
    assert cast.client("px.hoankiem").get(f"/plans/evidence/{ev.pk}/").status_code == 404
    # the neighbour cannot post on it
    assert cast.client("xa.eakar").post(f"/plans/task/{plan['bmt'].pk}/update/", {"percent": "5"}).status_code == 404
    # bad input names the field, stores nothing
    bad = cast.client("xa.eakar").post(f"/plans/task/{plan['eakar'].pk}/update/", {"percent": "120", "text": "x"})
    assert bad.status_code == 422 and "120" in bad.content.decode()
    assert not TaskUpdate.objects.filter(task=plan["eakar"]).exists()


def test_supervisor_accepts_reporter_cannot(cast: Any, plan: dict[str, Any]) -> None:
    services.task_update_progress(actor=cast.user("px.buonmathuot"), task=plan["bmt"], percent=100, text="xong")
    assert cast.client("px.buonmathuot").post(f"/plans/task/{plan['bmt'].pk}/accept/").status_code == 404
    assert cast.client("snv.daklak").post(f"/plans/task/{plan['bmt'].pk}/accept/").status_code == 302
    assert Task.objects.get(pk=plan["bmt"].pk).accepted_at is not None
    cast.client("snv.daklak").post(f"/plans/task/{plan['bmt'].pk}/reopen/", {"reason": "thiếu minh chứng"})
    assert Task.objects.get(pk=plan["bmt"].pk).completed_on is None


def test_write_my_detailed_plan_and_assign_to_all(cast: Any, plan: dict[str, Any]) -> None:
    c = cast.client("px.buonmathuot")
    page = c.get(f"/plans/task/{plan['bmt'].pk}/").content.decode()
    assert 'data-testid="write-plan"' in page
    r = c.post(f"/plans/task/{plan['bmt'].pk}/detail/", {"unit": "24133"})
    assert r.status_code == 302
    detailed = Programme.objects.get(source_task=plan["bmt"])
    assert detailed.owner.code == "24133" and r["Location"] == f"/plans/{detailed.code}/"
    assert c.get(r["Location"]).status_code == 200
    assert cast.client("xa.eakar").get(r["Location"]).status_code == 404
    assert c.post(f"/plans/task/{plan['eakar'].pk}/detail/", {"unit": "24373"}).status_code == 404
    # the supervisor: one click assigns a new task to every commune
    snv = cast.client("snv.daklak")
    other = task(plan["programme"], "66-SNV", deadline="2025", title="Báo cáo kết quả")
    r = snv.post(f"/plans/task/{other.pk}/assign-all/", {"within": "66", "unit_type": "commune"})
    assert r.status_code == 302 and other.children.count() == 102
    assert c.post(f"/plans/task/{other.pk}/assign-all/", {"within": "24133", "unit_type": "team"}).status_code == 404


def test_overdue_board_counts_late_communes(cast: Any, plan: dict[str, Any]) -> None:
    # deadline Quý II/2025 has passed (today is after it in these tests' clock or not: pin it)
    Task.objects.filter(parent=plan["parent"]).update(deadline=dt.date(2025, 6, 30))
    services.task_update_progress(actor=cast.user("px.buonmathuot"), task=plan["bmt"], percent=100, text="xong")
    Task.objects.filter(pk=plan["bmt"].pk).update(completed_on=dt.date(2025, 6, 30))
    r = cast.client("snv.daklak").get("/plans/overdue/66/")
    body = r.content.decode()
    assert r.status_code == 200
    board = r.context
    assert board["totals"]["overdue"] == 101 + 1  # 101 communes late, and the parent task of SNV
    assert board["totals"]["on_time"] == 1 and board["totals"]["due"] == 103
    assert "Xã Ea Kar" in body and "unit=24373" in body
    rows = {r["unit"].code: r for r in board["by_unit"] if r["unit"]}
    assert rows["66-SNV"]["overdue"] == 1
    xlsx = cast.client("snv.daklak").get("/plans/overdue/66/?format=xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_anonymous_is_sent_to_sign_in(plan: dict[str, Any], client: Any) -> None:
    for url in ("/plans/", "/plans/my/", f"/plans/task/{plan['bmt'].pk}/", "/plans/overdue/66/"):
        assert client.get(url).status_code == 302
