"""Writing a programme through its pages: create and edit, phases, guidance files and their
scoped download. Logged in as the cast; out of scope is a 404 and nothing is stored."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from dxnet.core.models import AuditEntry
from dxnet.plans.forms_programme import PhaseForm, ProgrammeForm
from dxnet.plans.models import GuidanceFile, Phase, Programme

from .factories import programme, task

pytestmark = pytest.mark.django_db

NEW = {"code": "KH-CDS-2026", "title": "Kế hoạch chuyển đổi số năm 2026", "kind": "plan", "owner": "66",
       "legal_number": "15/KH-UBND", "legal_date": "2026-01-10", "legal_issuer": "UBND tỉnh Đắk Lắk",
       "starts_on": "2026-01-01", "ends_on": "2026-12-31", "description": "Triển khai Nghị định 73."}


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _label(response: Any, form: Any, name: str) -> str:
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        return str(form.base_fields[name].label)


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_supervisor_creates_a_programme_and_it_is_audited(cast: Any) -> None:
    c = cast.client("snv.daklak")
    home = c.get("/plans/").content.decode()
    assert 'data-testid="programme-new"' in home and 'href="/plans/new/"' in home
    form = c.get("/plans/new/")
    assert form.status_code == 200
    body = form.content.decode()
    assert 'value="66"' in body and 'value="66-SNV"' in body and 'value="01"' not in body
    r = c.post("/plans/new/", NEW)
    assert r.status_code == 302 and r["Location"] == "/plans/KH-CDS-2026/"
    p = Programme.objects.get(code="KH-CDS-2026")
    assert (p.owner.code, p.legal_number, p.legal_date, p.ends_on) == ("66", "15/KH-UBND", dt.date(2026, 1, 10),
                                                                       dt.date(2026, 12, 31))
    assert p.created_by.username == "snv.daklak"
    entry = AuditEntry.objects.get(action="programme.create", object_id=str(p.pk))
    assert entry.actor_name == "snv.daklak"
    page = c.get("/plans/KH-CDS-2026/").content.decode()
    assert 'data-testid="programme-edit"' in page and 'data-testid="no-guidance"' in page
    # edit: the title and the end date change, audited
    r = c.post("/plans/KH-CDS-2026/edit/", NEW | {"title": "Kế hoạch CĐS 2026 (sửa)", "ends_on": "2026-11-30"})
    assert r.status_code == 302
    p.refresh_from_db()
    assert p.title == "Kế hoạch CĐS 2026 (sửa)" and p.ends_on == dt.date(2026, 11, 30)
    assert AuditEntry.objects.filter(action="programme.update", object_id=str(p.pk)).count() == 1


def test_the_issuing_unit_select_stays_short_for_a_superuser(cast: Any) -> None:
    body = cast.client("admin").get("/plans/new/").content.decode()
    assert 'value="BKHCN"' in body and 'value="66"' in body and 'value="24133"' not in body
    # a commune not in the list is still accepted when in scope
    r = cast.client("admin").post("/plans/new/", NEW | {"owner": "24133"})
    assert r.status_code == 302 and Programme.objects.get(code="KH-CDS-2026").owner.code == "24133"


def test_a_programme_of_a_unit_out_of_scope_is_refused(cast: Any) -> None:
    r = cast.client("snv.daklak").post("/plans/new/", NEW | {"owner": "01"})
    assert r.status_code == 422 and "owner" in r.context["form"].errors
    assert not Programme.objects.filter(code="KH-CDS-2026").exists()


def test_commune_reporter_gets_404_on_new_and_edit(cast: Any) -> None:
    programme()
    c = cast.client("px.buonmathuot")
    assert 'data-testid="programme-new"' not in c.get("/plans/").content.decode()
    assert c.get("/plans/new/").status_code == 404
    assert c.post("/plans/new/", NEW | {"owner": "24133"}).status_code == 404
    assert c.get("/plans/KH-73-DL/edit/").status_code == 404
    assert c.post("/plans/KH-73-DL/edit/", NEW).status_code == 404
    # the Hà Nội reporter does not even see it
    assert cast.client("px.hoankiem").get("/plans/KH-73-DL/edit/").status_code == 404
    assert not Programme.objects.filter(code="KH-CDS-2026").exists()
    assert Programme.objects.get(code="KH-73-DL").title == "Kế hoạch thực hiện Nghị định 73"


def test_bad_dates_name_the_field_and_store_nothing(cast: Any) -> None:
    c = cast.client("snv.daklak")
    r = c.post("/plans/new/", NEW | {"starts_on": "2026-12-31", "ends_on": "2026-01-01"})
    assert r.status_code == 422
    errors = r.context["form"].errors
    assert list(errors) == ["ends_on"]
    assert errors["ends_on"][0].startswith(_label(r, ProgrammeForm, "ends_on") + ":")
    assert "01/01/2026" in errors["ends_on"][0] and "31/12/2026" in errors["ends_on"][0]
    assert not Programme.objects.filter(code="KH-CDS-2026").exists()
    r = c.post("/plans/new/", NEW | {"legal_date": "31/02/2026"})
    assert r.status_code == 422 and "legal_date" in r.context["form"].errors
    assert not Programme.objects.exists()
    assert not AuditEntry.objects.filter(action="programme.create").exists()


def test_add_and_remove_a_phase(cast: Any) -> None:
    p = programme(starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2030, 12, 31))
    c = cast.client("snv.daklak")
    r = c.post(f"/plans/{p.code}/phases/", {"name": "Giai đoạn 1", "starts_on": "2025-01-01",
                                            "ends_on": "2027-12-31"})
    assert r.status_code == 302
    c.post(f"/plans/{p.code}/phases/", {"name": "Sơ kết", "starts_on": "2027-12-01", "ends_on": "2027-12-31",
                                        "is_review": "on"})
    assert [(ph.name, ph.is_review) for ph in p.phases.all()] == [("Giai đoạn 1", False), ("Sơ kết", True)]
    assert AuditEntry.objects.filter(action="programme.phase_add").count() == 2
    page = c.get(f"/plans/{p.code}/").content.decode()
    assert 'data-testid="phases"' in page and "31/12/2027" in page
    # bad dates: end before start; end after the programme — the message names the field
    r = c.post(f"/plans/{p.code}/phases/", {"name": "Giai đoạn 2", "starts_on": "2028-06-01",
                                            "ends_on": "2028-01-01"}, follow=True)
    [msg] = _messages(r)
    assert msg.startswith(_label(r, PhaseForm, "ends_on") + ":") and "01/01/2028" in msg
    r = c.post(f"/plans/{p.code}/phases/", {"name": "Giai đoạn 2", "starts_on": "2028-01-01",
                                            "ends_on": "2031-06-30"}, follow=True)
    [msg] = _messages(r)
    assert msg.startswith(_label(r, PhaseForm, "ends_on") + ":") and "31/12/2030" in msg
    r = c.post(f"/plans/{p.code}/phases/", {"name": "Giai đoạn 0", "starts_on": "2024-01-01",
                                            "ends_on": "2025-06-30"}, follow=True)
    [msg] = _messages(r)
    assert msg.startswith(_label(r, PhaseForm, "starts_on") + ":") and "01/01/2025" in msg
    assert p.phases.count() == 2
    # a commune reporter cannot add or remove
    first = p.phases.get(name="Giai đoạn 1")
    px = cast.client("px.buonmathuot")
    assert px.post(f"/plans/{p.code}/phases/", {"name": "X", "starts_on": "2025-01-01",
                                                "ends_on": "2025-02-01"}).status_code == 404
    assert px.post(f"/plans/{p.code}/phases/{first.pk}/remove/").status_code == 404
    # remove
    assert c.post(f"/plans/{p.code}/phases/{first.pk}/remove/").status_code == 302
    assert not Phase.objects.filter(pk=first.pk).exists() and p.phases.count() == 1
    assert AuditEntry.objects.filter(action="programme.phase_remove", object_id=str(first.pk)).exists()
    # a phase of another programme through this one's address: 404
    other = programme(code="KH-KHAC")
    stray = Phase.objects.create(programme=other, name="P", starts_on=dt.date(2025, 1, 1),
                                 ends_on=dt.date(2025, 2, 1))
    assert c.post(f"/plans/{p.code}/phases/{stray.pk}/remove/").status_code == 404


def test_upload_guidance_and_download_it_in_scope_only(cast: Any) -> None:
    p = programme()
    task(p, "24133", title="Xây dựng kế hoạch của phường")
    c = cast.client("snv.daklak")
    content = b"%PDF-1.4 huong dan cho dia phuong"
    f = SimpleUploadedFile("huong-dan.pdf", content, content_type="application/pdf")
    r = c.post(f"/plans/{p.code}/guidance/", {"title": "Hướng dẫn xây dựng kế hoạch", "file": f})
    assert r.status_code == 302
    g = GuidanceFile.objects.get(programme=p)
    assert g.title == "Hướng dẫn xây dựng kế hoạch"
    assert AuditEntry.objects.filter(action="programme.guidance_add", object_id=str(g.pk)).exists()
    page = c.get(f"/plans/{p.code}/").content.decode()
    assert f'href="/plans/guidance/{g.pk}/"' in page and "/media/" not in page
    assert 'data-testid="no-guidance"' not in page
    # the commune that received a task of the programme downloads it
    px = cast.client("px.buonmathuot")
    assert f'href="/plans/guidance/{g.pk}/"' in px.get(f"/plans/{p.code}/").content.decode()
    got = px.get(f"/plans/guidance/{g.pk}/")
    assert got.status_code == 200 and b"".join(got.streaming_content) == content
    assert "attachment" in got["Content-Disposition"]
    got = c.get(f"/plans/guidance/{g.pk}/")
    assert got.status_code == 200 and b"".join(got.streaming_content) == content
    # Hà Nội does not; nor does a neighbour commune without a task of it; nor an unknown id
    assert cast.client("px.hoankiem").get(f"/plans/guidance/{g.pk}/").status_code == 404
    assert cast.client("xa.eakar").get(f"/plans/guidance/{g.pk}/").status_code == 404
    assert c.get(f"/plans/guidance/{g.pk + 1000}/").status_code == 404
    # …and cannot upload
    f = SimpleUploadedFile("x.pdf", content, content_type="application/pdf")
    assert px.post(f"/plans/{p.code}/guidance/", {"title": "x", "file": f}).status_code == 404


@pytest.mark.parametrize(("name", "content", "size"), [
    ("huong-dan.exe", b"MZ\x90\x00", None),
    ("huong-dan.pdf", b"MZ\x90\x00 not a pdf", None),
    ("huong-dan.pdf", b"%PDF-1.4 ", 20 * 1024 * 1024 + 1),
    ("trong.txt", b"", None),
])
def test_wrong_or_oversized_guidance_file_is_refused(cast: Any, name: str, content: bytes, size: int | None) -> None:
    p = programme()
    if size:
        content = content + b"0" * (size - len(content))
    f = SimpleUploadedFile(name, content)
    r = cast.client("snv.daklak").post(f"/plans/{p.code}/guidance/", {"title": "Hướng dẫn", "file": f}, follow=True)
    [msg] = _messages(r)
    assert name in msg
    assert not GuidanceFile.objects.exists()
    assert not AuditEntry.objects.filter(action="programme.guidance_add").exists()
    assert 'data-testid="no-guidance"' in r.content.decode()
