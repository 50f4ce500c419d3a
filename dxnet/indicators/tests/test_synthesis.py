"""The synthesis report: built by the task (called synchronously here) with the right figures in
the DOCX and the XLSX, requested and downloaded within the actor's subtree only (404 outside),
and enqueued by the page."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from dxnet.core.models import AuditEntry
from dxnet.indicators import selectors, services
from dxnet.indicators.models import (
    Aggregation,
    FormAssignment,
    FormIndicator,
    Report,
    ReportForm,
    Synthesis,
    Target,
    ValueType,
)
from dxnet.indicators.periods import Period, PeriodType
from dxnet.indicators.synthesis import (
    build_synthesis,
    indicator_periods,
    synthesis_request,
    vn_date_line,
    vn_number,
)
from dxnet.network.models import Unit

from .factories import indicator

AUG, SEP = Period.of(PeriodType.MONTH, 2025, 8), Period.of(PeriodType.MONTH, 2025, 9)


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def local(y: int, m: int, d: int) -> dt.datetime:
    return dt.datetime(y, m, d, 9, tzinfo=timezone.get_default_timezone())


@pytest.fixture
def data(db: Any) -> dict[str, Any]:
    """A monthly form for the communes: two indicators with values in August and September in
    Đắk Lắk (Buôn Ma Thuột, Ea Kar) and Hà Nội (Hoàn Kiếm), a target for the province."""
    vn = Unit.objects.get(code="VN")
    dossiers = indicator("TH-HS", Aggregation.SUM, unit_of_measure="hồ sơ", decimals=0)
    online = indicator("TH-TL", Aggregation.RATIO_OF_SUMS, ValueType.RATIO, unit_of_measure="%")
    form = ReportForm.objects.create(code="TH-CDS", name="Báo cáo kết quả chuyển đổi số", period_type="month",
                                     due_days=5, owner=vn)
    FormIndicator.objects.create(form=form, indicator=dossiers, order=1)
    FormIndicator.objects.create(form=form, indicator=online, order=2)
    FormAssignment.objects.create(form=form, unit=vn, unit_type="commune", valid_from=dt.date(2025, 7, 1))
    rows = [
        services.ValueInput("TH-HS", "24133", SEP, value=120),
        services.ValueInput("TH-HS", "24373", SEP, value=30),
        services.ValueInput("TH-HS", "00070", SEP, value=500),
        services.ValueInput("TH-HS", "24133", AUG, value=100),
        services.ValueInput("TH-HS", "24373", AUG, value=25),
        services.ValueInput("TH-TL", "24133", SEP, numerator=90, denominator=120),
        services.ValueInput("TH-TL", "24373", SEP, numerator=10, denominator=30),
        services.ValueInput("TH-TL", "24133", AUG, numerator=50, denominator=100),
    ]
    services.values_write(actor=None, rows=rows)
    daklak = Unit.objects.get(code="66")
    Target.objects.create(indicator=dossiers, unit=daklak, period=SEP.start, period_type="month", value=200,
                          origin=Target.Origin.ASSIGNED, state=Target.State.AGREED)
    Target.objects.create(indicator=online, unit=daklak, period=dt.date(2025, 1, 1), period_type="year", value=80,
                          origin=Target.Origin.ASSIGNED, state=Target.State.AGREED)
    u = Unit.objects.get
    Report.objects.create(form=form, unit=u(code="24133"), period=SEP.start, status=Report.Status.APPROVED,
                          first_submitted_at=local(2025, 10, 3), submitted_at=local(2025, 10, 3))
    Report.objects.create(form=form, unit=u(code="24373"), period=SEP.start, status=Report.Status.SUBMITTED,
                          first_submitted_at=local(2025, 10, 12), submitted_at=local(2025, 10, 12))
    return {"form": form, "daklak": daklak, "dossiers": dossiers, "online": online}


def request_and_build(cast: Any, unit: Unit, form: ReportForm, notes: str = "") -> Synthesis:
    s = Synthesis.objects.create(unit=unit, form=form, period=SEP.start, notes=notes,
                                 created_by=cast.user("snv.daklak"))
    build_synthesis.call(s.pk)
    s.refresh_from_db()
    return s


def docx_text(doc: Any) -> str:
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        for row in t.rows:
            parts.extend(c.text for c in row.cells)
    return "\n".join(parts)


def table_with(doc: Any, header: str) -> Any:
    return next(t for t in doc.tables if header in [c.text for c in t.rows[0].cells])


def test_province_synthesis_has_the_right_figures(cast: Any, data: dict[str, Any]) -> None:
    daklak, form = data["daklak"], data["form"]
    s = request_and_build(cast, daklak, form, notes="Đề nghị các xã chưa nộp hoàn thành trước ngày 20.")
    assert s.status == Synthesis.Status.DONE and s.progress == 100 and s.finished_at is not None
    expected = selectors.expected_units(form=form, period=SEP, within=daklak).count()

    doc = Document(io.BytesIO(s.docx.read()))
    text = docx_text(doc)
    for phrase in ("UBND TỈNH ĐẮK LẮK", "SỞ NỘI VỤ", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                   "Độc lập - Tự do - Hạnh phúc", "Số:", "/BC-SNV", "Đắk Lắk, ngày", "BÁO CÁO TỔNG HỢP",
                   "Báo cáo kết quả chuyển đổi số tháng 09/2025 trên địa bàn tỉnh Đắk Lắk", "I. TÌNH HÌNH BÁO CÁO",
                   "II. KẾT QUẢ THỰC HIỆN CÁC CHỈ SỐ", "III. KẾT QUẢ THEO ĐƠN VỊ", "IV. ĐƠN VỊ CHƯA NỘP HOẶC NỘP TRỄ",
                   "V. GHI CHÚ, KIẾN NGHỊ", "Đề nghị các xã chưa nộp hoàn thành trước ngày 20.", "Nơi nhận:",
                   "PHÓ GIÁM ĐỐC SỞ NỘI VỤ", "Trần Thị Hoa"):
        assert phrase in text, phrase
    assert "Hoàn Kiếm" not in text  # Hà Nội's figures are not Đắk Lắk's
    # Layout of Decree 30: Times New Roman 14 pt, A4, margins.
    assert doc.styles["Normal"].font.name == "Times New Roman" and doc.styles["Normal"].font.size.pt == 14
    sec = doc.sections[0]
    assert round(sec.page_width.mm) == 210 and round(sec.page_height.mm) == 297
    # Stored in twips: compare in whole millimetres.
    assert [round(m.mm) for m in (sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin)] == \
        [20, 20, 30, 15]

    completeness_table = table_with(doc, "Phải báo cáo")
    total = [c.text for c in completeness_table.rows[-1].cells]
    assert total[1] == "Tổng cộng" and total[2] == str(expected) and total[3] == "2" and total[4] == "1"
    figures = table_with(doc, "Chỉ tiêu")
    dossiers_row = [c.text for c in figures.rows[1].cells]
    # 120 + 30 in September against September's target of 200 (75 %); 125 in August (+20 %);
    # 275 since January.
    assert dossiers_row[1] == "Chỉ số TH-HS" and dossiers_row[3] == "150" and dossiers_row[4] == "275"
    assert dossiers_row[5] == "200" and dossiers_row[6] == "75,0%" and dossiers_row[7] == "125"
    assert dossiers_row[8] == "+20,0%"
    # Ratio of sums: (90 + 10) / (120 + 30) in September; since January (90 + 10 + 50) / (120 + 30 + 100)
    # = 60 % against the annual target of 80 % → 75 % achieved; August alone was 50 % (+33,3 %).
    online_row = [c.text for c in figures.rows[2].cells]
    assert online_row[3] == "66,7" and online_row[4] == "60,0" and online_row[5] == "80,0 (năm)"
    assert online_row[6] == "75,0%" and online_row[7] == "50,0" and online_row[8] == "+33,3%"
    by_unit = table_with(doc, "Chỉ số TH-HS")
    by_name = {r.cells[1].text: [c.text for c in r.cells] for r in by_unit.rows[1:]}
    assert by_name["Phường Buôn Ma Thuột"][2:] == ["120", "75,0"]  # decimals shown: the indicator's
    assert by_name["Xã Ea Kar"][2:] == ["30", "33,3"]
    owing = table_with(doc, "Tình trạng")
    states = {r.cells[2].text: r.cells[4].text for r in owing.rows[1:]}
    assert states["24373"] == "Nộp trễ hạn" and "24133" not in states
    assert sum(1 for v in states.values() if v.startswith("Chưa nộp")) == expected - 2

    wb = load_workbook(io.BytesIO(s.xlsx.read()))
    assert wb.sheetnames == ["Thông tin", "Tình hình báo cáo", "Chỉ số", "Theo đơn vị", "Chưa nộp, trễ hạn"]
    ws = wb["Chỉ số"]
    header = [c.value for c in ws[1]]
    assert header[:7] == ["STT", "Chỉ số", "Đơn vị tính", "Kết quả kỳ này", "Lũy kế từ đầu năm", "Chỉ tiêu",
                          "Tỷ lệ đạt chỉ tiêu (%)"]
    assert [c.value for c in ws[2]][3:9] == [150, 275, 200, 75.0, 125, 20.0]
    assert round([c.value for c in ws[3]][3], 4) == round(100 * 100 / 150, 4)
    ws = wb["Tình hình báo cáo"]
    last = [c.value for c in ws[ws.max_row]]
    assert last[1:8] == ["Tổng cộng", expected, 2, 1, 1, 1, expected - 2]
    assert 0 < last[8] <= 100 and 0 < last[9] <= 100
    ws = wb["Chưa nộp, trễ hạn"]
    assert ws.max_row - 1 == expected - 1  # everyone but Buôn Ma Thuột (on time), Ea Kar listed as late

    actions = list(AuditEntry.objects.filter(object_type="indicators.synthesis", object_id=str(s.pk))
                   .values_list("action", flat=True))
    assert "synthesis.done" in actions


def test_national_synthesis_is_by_province(cast: Any, data: dict[str, Any]) -> None:
    vn = Unit.objects.get(code="VN")
    s = Synthesis.objects.create(unit=vn, form=data["form"], period=SEP.start, created_by=cast.user("admin"))
    build_synthesis.call(s.pk)
    s.refresh_from_db()
    assert s.status == Synthesis.Status.DONE
    wb = load_workbook(io.BytesIO(s.xlsx.read()))
    ws = wb["Theo đơn vị"]
    rows = {r[1]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert len(rows) == 34  # the provinces, not the ministries (which do not report this form)
    assert rows["Tỉnh Đắk Lắk"][3] == 150 and rows["Thành phố Hà Nội"][3] == 500
    assert [c.value for c in wb["Chỉ số"][2]][3] == 650


def test_request_download_and_scoping(cast: Any, data: dict[str, Any]) -> None:
    daklak, form = data["daklak"], data["form"]
    url = reverse("synthesis_unit", args=["66"])
    s = request_and_build(cast, daklak, form)
    docx_url = reverse("synthesis_download", args=["66", s.pk, "docx"])
    # The supervisor of the province lists and downloads it.
    r = cast.client("snv.daklak").get(url)
    assert r.status_code == 200 and docx_url in r.content.decode()
    r = cast.client("snv.daklak").get(docx_url)
    assert r.status_code == 200 and b"".join(r.streaming_content)[:2] == b"PK"
    # A commune reporter of the province: not its subtree — 404 for the page, the request, the files.
    for username in ("px.buonmathuot", "px.hoankiem"):
        c = cast.client(username)
        assert c.get(url).status_code == 404
        assert c.post(url, {"form": form.code, "period": "202509"}).status_code == 404
        assert c.get(docx_url).status_code == 404
        assert c.get(reverse("synthesis_download", args=["66", s.pk, "xlsx"])).status_code == 404
        assert c.get(reverse("synthesis_status", args=["66", s.pk])).status_code == 404
    # Through another unit's URL the same synthesis is not found either.
    assert cast.client("px.buonmathuot").get(reverse("synthesis_download", args=["24133", s.pk, "docx"])) \
        .status_code == 404
    # The Fatherland Front observer reads, but does not request.
    assert cast.client("mttq.daklak").get(docx_url).status_code == 200
    assert cast.client("mttq.daklak").post(url, {"form": form.code, "period": "202509"}).status_code == 404
    assert Synthesis.objects.count() == 1
    with pytest.raises(Exception):  # noqa: B017 — the service refuses outside the subtree (Http404)
        synthesis_request(actor=cast.user("xa.eakar"), unit=daklak, form=form, period=SEP)


@override_settings(TASKS={"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}})
def test_the_page_enqueues_the_build(cast: Any, data: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    client = cast.client("snv.daklak")
    client.cookies["dxnet_language"] = "en"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        r = client.post(reverse("synthesis_unit", args=["66"]),
                        {"form": "TH-CDS", "period": "202509", "notes": "Ghi chú"})
    assert r.status_code == 302 and len(callbacks) == 1
    s = Synthesis.objects.get()
    assert (s.unit.code, s.form.code, s.period, s.notes) == ("66", "TH-CDS", SEP.start, "Ghi chú")
    assert s.created_by.username == "snv.daklak"
    assert s.status == Synthesis.Status.DONE and s.docx and s.xlsx  # the immediate backend ran it
    actions = set(AuditEntry.objects.filter(object_type="indicators.synthesis", object_id=str(s.pk))
                  .values_list("action", flat=True))
    assert actions == {"synthesis.request", "synthesis.done"}
    page = client.get(reverse("synthesis_unit", args=["66"])).content.decode()
    assert 'data-status="done"' in page and "DOCX" in page


def test_bad_period_is_named_and_nothing_is_stored(cast: Any, data: dict[str, Any]) -> None:
    client = cast.client("snv.daklak")
    client.cookies["dxnet_language"] = "en"
    r = client.post(reverse("synthesis_unit", args=["66"]), {"form": "TH-CDS", "period": "2025Q3"})
    assert r.status_code == 200 and "is not a month period of this form" in r.content.decode()
    assert not Synthesis.objects.exists()


def test_running_synthesis_polls_and_empty_state(cast: Any, data: dict[str, Any]) -> None:
    client = cast.client("snv.daklak")
    client.cookies["dxnet_language"] = "en"
    page = client.get(reverse("synthesis_unit", args=["66"])).content.decode()
    assert 'data-testid="empty"' in page and "Prepare synthesis" in page
    s = Synthesis.objects.create(unit=data["daklak"], form=data["form"], period=SEP.start,
                                 status=Synthesis.Status.RUNNING, progress=40)
    row = client.get(reverse("synthesis_status", args=["66", s.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in row and 'aria-valuenow="40"' in row
    s.status = Synthesis.Status.DONE
    s.save()
    row = client.get(reverse("synthesis_status", args=["66", s.pk])).content.decode()
    assert "hx-trigger" not in row


def test_formatting_helpers() -> None:
    assert vn_number(1234567.891, 1) == "1.234.567,9"
    assert vn_number(1500.0, 0) == "1.500" and vn_number(75, 1) == "75,0" and vn_number(None) == "–"
    assert vn_date_line("Đắk Lắk", dt.date(2026, 2, 5)) == "Đắk Lắk, ngày 05 tháng 02 năm 2026"
    assert vn_date_line("Hà Nội", dt.date(2025, 11, 20)) == "Hà Nội, ngày 20 tháng 11 năm 2025"


@pytest.mark.django_db
def test_indicator_periods_within_a_quarter() -> None:
    monthly = indicator("TH-M", Aggregation.SUM)
    yearly = indicator("TH-Y", Aggregation.SUM, period_type="year")
    q3 = Period.of(PeriodType.QUARTER, 2025, 3)
    assert [p.dhis2 for p in indicator_periods(monthly, q3)] == ["202507", "202508", "202509"]
    assert [p.dhis2 for p in indicator_periods(yearly, q3)] == ["2025"]


def test_a_failed_build_is_recorded(cast: Any, data: dict[str, Any], monkeypatch: Any) -> None:
    from dxnet.indicators import synthesis as module

    def broken(_data: Any) -> bytes:
        raise RuntimeError("disk full")

    monkeypatch.setattr(module, "render_docx", broken)
    s = Synthesis.objects.create(unit=data["daklak"], form=data["form"], period=SEP.start)
    with pytest.raises(RuntimeError):
        build_synthesis.call(s.pk)
    s.refresh_from_db()
    assert s.status == Synthesis.Status.FAILED and "disk full" in s.error and not s.docx
    assert AuditEntry.objects.filter(action="synthesis.fail", object_id=str(s.pk)).exists()
