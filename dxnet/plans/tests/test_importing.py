"""Importing a real plan: parsing (Markdown, CSV, XLSX), every deadline form, agency matching
(abbreviations, accents, lineage, collective phrases), the review screen before anything is
stored, all-or-nothing, and scoping."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dxnet.core.models import AuditEntry
from dxnet.indicators.services import Rejected
from dxnet.network import services as network_services
from dxnet.network.models import Unit, UnitType
from dxnet.plans import importing
from dxnet.plans.demo import ANNEX2
from dxnet.plans.models import Programme, Task

pytestmark = pytest.mark.django_db
D = Task.DeadlineKind


@pytest.mark.parametrize(("text", "kind", "date", "cycle"), [
    ("30/06/2025", D.DATE, dt.date(2025, 6, 30), ""),
    ("6/2025", D.MONTH, dt.date(2025, 6, 30), ""),
    ("02/2028", D.MONTH, dt.date(2028, 2, 29), ""),
    ("Tháng 10/2025", D.MONTH, dt.date(2025, 10, 31), ""),
    ("Quý II/2025", D.QUARTER, dt.date(2025, 6, 30), ""),
    ("quy 3/2025", D.QUARTER, dt.date(2025, 9, 30), ""),
    ("Q4 2026", D.QUARTER, dt.date(2026, 12, 31), ""),
    ("2025", D.YEAR, dt.date(2025, 12, 31), ""),
    ("2025 - 2026", D.YEAR, dt.date(2026, 12, 31), ""),
    ("Thường xuyên", D.ONGOING, None, "quarter"),
    ("Nhiệm vụ thường xuyên", D.ONGOING, None, "quarter"),
    ("Hằng năm", D.ONGOING, None, "year"),
    ("2025 và những năm tiếp theo", D.ONGOING, None, "year"),
    ("", D.ONGOING, None, ""),
])
def test_every_deadline_form_is_parsed(text: str, kind: str, date: dt.date | None, cycle: str) -> None:
    d = importing.parse_deadline(text)
    assert (d.kind, d.due, d.cycle) == (kind, date, cycle)


@pytest.mark.parametrize("text", ["sớm", "13/2025", "31/02/2025", "Quý V/2025", "1999"])
def test_a_bad_deadline_is_refused(text: str) -> None:
    with pytest.raises(importing.DeadlineError):
        importing.parse_deadline(text)


def _match(matcher: importing.Matcher, text: str) -> list[importing.Match]:
    return [matcher.match(n, c) for n, c in matcher.split(text)]


def test_names_match_by_abbreviation_accents_lineage_and_collective(unit: Any) -> None:
    m = importing.Matcher(owner=unit("VN"))
    bkhcn = unit("BKHCN").pk
    for text, method in [("Bộ Khoa học và Công nghệ", "exact"), ("Bộ KH&CN", "abbreviation"), ("KHCN", "abbreviation"),
                         ("bo khoa hoc va cong nghe", "folded")]:
        [found] = _match(m, text)
        assert (found.method, found.unit_ids) == (method, [bkhcn]), text
    [mic] = _match(m, "Bộ TT&TT")
    assert (mic.method, mic.unit_ids, mic.via_id) == ("lineage", [bkhcn], unit("BTTTT").pk)
    assert mic.effective_on == "2025-03-01" and mic.event == "merged"
    [vpcp] = _match(m, "Văn phòng Chính phủ")
    assert vpcp.unit_ids == [unit("VPCP").pk]
    [sbv] = _match(m, "Ngân hàng Nhà nước")
    assert sbv.unit_ids == [unit("NHNN").pk]
    n_ministries = Unit.objects.current().filter(unit_type=UnitType.MINISTRY).count()
    for text, n in [("UBND các tỉnh, thành phố", 34), ("các địa phương", 34), ("các bộ, ngành", n_ministries),
                    ("các bộ, ngành, địa phương", n_ministries + 34)]:
        [found] = _match(m, text)
        assert (found.method, len(found.unit_ids)) == ("collective", n), text
    # A coordinators' list mixing names and a collective phrase; a comma inside a ministry's name.
    found = _match(m, "Bộ Tài chính; Bộ Văn hóa, Thể thao và Du lịch, các bộ, ngành và địa phương")
    assert [f.method for f in found] == ["exact", "exact", "collective"]
    assert found[1].unit_ids == [unit("BVHTTDL").pk]


def _annex_rows() -> list[dict[str, Any]]:
    return importing.read_markdown(ANNEX2.read_text(encoding="utf-8"))


def test_annex2_markdown_gives_140_tasks_in_groups_i_to_vii_every_deadline_parsed() -> None:
    rows = _annex_rows()
    assert len(rows) == 140
    assert [r["number"] for r in rows] == [str(i) for i in range(1, 141)]
    groups = list(dict.fromkeys(r["group"].split(".")[0] for r in rows))
    assert groups == ["I", "II", "III", "IV", "V", "VI", "VII"]
    assert importing.check_rows(rows) == []
    # A continuation row (a page break in the source) is appended to its task.
    assert "Kết quả xét nghiệm" in rows[109]["title"]


def _resolve_like_a_reviewer(rows: list[dict[str, Any]], owner: Unit) -> dict[str, Any]:
    names = importing.Matcher(owner=owner).names_of(rows)
    return {n: (owner.pk if e["lead_required"] else importing.IGNORE)
            for n, e in names.items() if e["method"] in ("ambiguous", "unknown")}


def test_annex2_import_stores_the_programme_with_leads_resolved_through_lineage(cast: Any, unit: Any) -> None:
    admin, vn = cast.user("admin"), unit("VN")
    rows = _annex_rows()
    before = AuditEntry.objects.count()
    resolutions = _resolve_like_a_reviewer(rows, vn)
    result = importing.programme_import(actor=admin, owner=vn, rows=rows, resolutions=resolutions,
                                        title="NQ 03 — Phụ lục II", legal_number="03/NQ-CP",
                                        legal_date=dt.date(2025, 1, 9), legal_issuer="Chính phủ")
    p = result.programme
    top = Task.objects.filter(programme=p, parent=None)
    assert result.tasks == top.count() == 140
    assert {t.group.split(".")[0] for t in top} == {"I", "II", "III", "IV", "V", "VI", "VII"}
    assert all(t.deadline or t.deadline_kind == D.ONGOING for t in top)
    assert top.filter(deadline_kind=D.ONGOING, deadline__isnull=False).count() == 0
    # Task 4: "Bộ Thông tin và Truyền thông" leads → the Ministry of Science and Technology.
    t4 = top.get(number="4")
    assert t4.lead_unit.code == "BKHCN" and t4.deadline == dt.date(2025, 6, 30)
    # Its coordinators, "Các bộ, ngành, địa phương": every ministry and province.
    assert t4.coordinating_units.filter(unit_type=UnitType.PROVINCE).count() == 34
    assert t4.coordinating_units.filter(unit_type=UnitType.MINISTRY).exists()
    # A collective lead: the Government keeps the task, each ministry and province gets a child.
    t6 = top.get(number="6")
    assert t6.lead_unit == vn and t6.children.count() == 34 + Unit.objects.current().filter(
        unit_type=UnitType.MINISTRY).count()
    assert result.names["Bộ Thông tin và Truyền thông"]["method"] == "lineage"
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.latest("seq")
    assert entry.action == "programme.import" and entry.after["tasks"] == 140


def _upload(client: Any, name: str, content: bytes, owner: str) -> Any:
    return client.post("/plans/import/", {"owner": owner, "file": SimpleUploadedFile(name, content)})


def test_review_page_shows_the_ministry_no_longer_in_force_as_its_successor(cast: Any) -> None:
    client = cast.client("admin")
    r = _upload(client, "annex2.md", ANNEX2.read_bytes(), "VN")
    assert r.status_code == 302
    assert Task.objects.filter(programme__legal_number="03/NQ-CP").count() == 0
    r = client.get(r["Location"])
    assert r.status_code == 200
    html = r.content.decode()
    assert "Bộ Thông tin và Truyền thông → Bộ Khoa học và Công nghệ" in html
    assert "01/03/2025" in html
    mic = next(d for d in r.context["names"] if d["name"] == "Bộ Thông tin và Truyền thông")
    assert mic["method"] == "lineage" and not mic["needs_choice"]


CSV_HEADER = "Nhóm,STT,Nhiệm vụ,Cơ quan chủ trì,Cơ quan phối hợp,Sản phẩm,Thời hạn\n"


def _make_ambiguous(unit: Any) -> tuple[Unit, Unit]:
    a = network_services.unit_create(actor=None, code="T-CDS-66", name="Trung tâm Chuyển đổi số",
                                     unit_type=UnitType.AGENCY, parent=unit("66"))
    b = network_services.unit_create(actor=None, code="T-CDS-BKHCN", name="Trung tâm Chuyển đổi số",
                                     unit_type=UnitType.AGENCY, parent=unit("BKHCN"))
    return a, b


def test_ambiguous_and_unknown_names_store_nothing_until_resolved_on_the_review_screen(cast: Any, unit: Any) -> None:
    centre, _other = _make_ambiguous(unit)
    csv = (CSV_HEADER
           + "I. Tuyên truyền,1,Phổ biến Nghị định 73,Sở Nội vụ tỉnh Đắk Lắk,"
           + "Trung tâm Chuyển đổi số; Báo Đắk Lắk,Tin bài,Quý III/2025\n"
           + "I. Tuyên truyền,2,Xây dựng chuyên mục,Công ty Truyền thông ABC,Bộ KH&CN,Chuyên mục,12/2025\n")
    client = cast.client("snv.daklak")
    programmes = Programme.objects.count()
    r = _upload(client, "kh.csv", csv.encode(), "66")
    assert r.status_code == 302
    review_url = r["Location"]
    r = client.get(review_url)
    names = {d["name"]: d for d in r.context["names"]}
    assert names["Trung tâm Chuyển đổi số"]["method"] == "ambiguous"
    assert {u.pk for u in names["Trung tâm Chuyển đổi số"]["candidates"]} == {centre.pk, _other.pk}
    assert names["Báo Đắk Lắk"]["method"] == "unknown" and not names["Báo Đắk Lắk"]["lead_required"]
    assert names["Công ty Truyền thông ABC"]["lead_required"]
    assert names["Sở Nội vụ tỉnh Đắk Lắk"]["method"] == "exact"
    fields = {d["name"]: d["field"] for d in r.context["names"] if d["needs_choice"]}
    form = {"title": "Kế hoạch thử", "kind": "plan", "legal_number": "12/KH-UBND", "legal_date": "01/08/2025",
            "legal_issuer": "UBND tỉnh Đắk Lắk"}
    # Not resolved → nothing stored, every open name listed.
    r = client.post(review_url, form)
    assert r.status_code == 400
    assert Programme.objects.count() == programmes and not Task.objects.filter(programme__title="Kế hoạch thử")
    text = r.content.decode()
    assert "Trung tâm Chuyển đổi số" in text and "Công ty Truyền thông ABC" in text
    # The lead cannot be ignored.
    r = client.post(review_url, {**form, fields["Trung tâm Chuyển đổi số"]: str(centre.pk),
                                 fields["Báo Đắk Lắk"]: "ignore", fields["Công ty Truyền thông ABC"]: "ignore"})
    assert r.status_code == 400 and Programme.objects.count() == programmes
    # Resolved → stored.
    r = client.post(review_url, {**form, fields["Trung tâm Chuyển đổi số"]: str(centre.pk),
                                 fields["Báo Đắk Lắk"]: "ignore",
                                 fields["Công ty Truyền thông ABC"]: str(unit("66-SNV").pk)})
    assert r.status_code == 200, r.content.decode()[:2000]
    p = Programme.objects.get(title="Kế hoạch thử")
    assert f"/plans/{p.code}/" in r.content.decode()  # the report links to the programme
    assert p.owner.code == "66" and p.legal_date == dt.date(2025, 8, 1) and p.created_by == cast.user("snv.daklak")
    t1, t2 = p.tasks.order_by("number")
    assert t1.lead_unit.code == "66-SNV" and list(t1.coordinating_units.all()) == [centre]
    assert t1.deadline == dt.date(2025, 9, 30) and t1.deadline_kind == D.QUARTER and t1.group == "I. Tuyên truyền"
    assert t2.lead_unit.code == "66-SNV" and [u.code for u in t2.coordinating_units.all()] == ["BKHCN"]
    # The pending upload is gone once imported.
    assert client.get(review_url).status_code == 404


def test_collective_phrases_expand_to_child_tasks_and_coordinators(cast: Any, unit: Any) -> None:
    csv = (CSV_HEADER + ",1,Xây dựng kế hoạch,Các bộ, ngành,\"các bộ, ngành, địa phương\",Kế hoạch,6/2025\n"
           ).replace("Các bộ, ngành,", "\"Các bộ, ngành\",")
    rows = importing.read_csv(csv.encode())
    result = importing.programme_import(actor=cast.user("admin"), owner=unit("VN"), rows=rows, title="Thử")
    task = Task.objects.get(programme=result.programme, parent=None)
    n_ministries = Unit.objects.current().filter(unit_type=UnitType.MINISTRY).count()
    assert task.lead_unit.code == "VN"
    assert task.children.count() == n_ministries
    assert set(task.children.values_list("lead_unit__unit_type", flat=True)) == {UnitType.MINISTRY}
    # Coordinators exclude the leads: the 34 provinces remain.
    assert task.coordinating_units.count() == 34


def test_a_bad_deadline_stores_nothing_and_names_the_row(cast: Any, unit: Any) -> None:
    csv = (CSV_HEADER + ",1,Nhiệm vụ một,Bộ KH&CN,,,6/2025\n" + ",2,Nhiệm vụ hai,Bộ KH&CN,,,sớm\n")
    client = cast.client("bo.khcn")
    r = _upload(client, "bad.csv", csv.encode(), "BKHCN")
    assert r.status_code == 400
    assert "row 3 (task 2)" in r.content.decode() or "dòng 3 (nhiệm vụ 2)" in r.content.decode()
    assert "sớm" in r.content.decode()
    # The service refuses too (all or nothing), naming the row.
    rows = importing.read_csv(csv.encode())
    programmes, tasks = Programme.objects.count(), Task.objects.count()
    with pytest.raises(Rejected) as exc:
        importing.programme_import(actor=cast.user("bo.khcn"), owner=unit("BKHCN"), rows=rows, title="Thử")
    assert any("3" in where and "2" in where for where, _f, _m in exc.value.errors)
    assert (Programme.objects.count(), Task.objects.count()) == (programmes, tasks)


def test_xlsx_with_vietnamese_headers_without_accents(cast: Any, unit: Any) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["KẾ HOẠCH"])
    ws.append(["Nhom", "STT", "Nhiem vu", "Co quan chu tri", "Co quan phoi hop", "San pham", "Thoi han"])
    ws.append(["II. Thể chế", 1, "Ban hành quy chế", "KHCN", "Bo Tai chinh", "Quy chế", dt.datetime(2025, 12, 15)])  # noqa: DTZ001 — Excel dates are naive
    buf = io.BytesIO()
    wb.save(buf)
    rows = importing.read_upload("kh.xlsx", buf.getvalue())
    result = importing.programme_import(actor=cast.user("bo.khcn"), owner=unit("BKHCN"), rows=rows, title="Thử xlsx")
    task = result.programme.tasks.get()
    assert (task.lead_unit.code, task.deadline, task.deadline_kind) == ("BKHCN", dt.date(2025, 12, 15), D.DATE)
    assert [u.code for u in task.coordinating_units.all()] == ["BTC"]
    assert result.names["KHCN"]["method"] == "abbreviation"


@pytest.mark.parametrize("username", ["px.buonmathuot", "xa.eakar", "mttq.daklak"])
def test_only_supervisors_and_leaders_can_import(cast: Any, username: str) -> None:
    client = cast.client(username)
    assert client.get("/plans/import/").status_code == 404
    csv = CSV_HEADER + ",1,Nhiệm vụ,Bộ KH&CN,,,6/2025\n"
    assert _upload(client, "x.csv", csv.encode(), "66").status_code == 404
    with pytest.raises(Exception):  # noqa: B017 — Http404 from the access check
        importing.programme_import(actor=cast.user(username), owner=Unit.objects.get(code="66"),
                                   rows=importing.read_csv(csv.encode()), title="x")
    assert not Programme.objects.filter(title="x").exists()


def test_a_supervisor_cannot_issue_for_a_unit_outside_their_subtree_or_open_anothers_upload(cast: Any) -> None:
    csv = CSV_HEADER + ",1,Nhiệm vụ,Bộ KH&CN,,,6/2025\n"
    snv = cast.client("snv.daklak")
    r = _upload(snv, "x.csv", csv.encode(), "BKHCN")  # not a choice for Đắk Lắk's supervisor
    assert r.status_code == 200 and "owner" in r.context["form"].errors
    r = _upload(cast.client("bo.khcn"), "x.csv", csv.encode(), "BKHCN")
    assert r.status_code == 302
    assert snv.get(r["Location"]).status_code == 404  # the pending upload lives in its owner's session
    assert cast.client(None).get("/plans/import/").status_code == 302  # sign in first
