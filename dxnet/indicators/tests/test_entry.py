"""Data entry and the report workflow through the pages: fill, draft, submit, return with a
comment, resubmit, approve — and what each step does to the live figures."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from dxnet.core.models import AuditEntry
from dxnet.indicators import selectors, services
from dxnet.indicators.models import DataValue, Indicator, Report, ReportForm
from dxnet.indicators.periods import Period, PeriodType
from dxnet.network.models import Unit

from .factories import commune_form


@pytest.fixture
def monthly_form(db: Any) -> ReportForm:
    return commune_form()


def last_month() -> Period:
    return Period.containing(PeriodType.MONTH, timezone.localdate()).previous()


def url(form: ReportForm, unit: str, period: Period) -> str:
    return f"/reporting/report/{form.code}/{unit}/{period.dhis2}/"


def post(client: Any, form: ReportForm, unit: str, period: Period, values: dict[str, Any], action: str) -> Any:
    data: dict[str, Any] = {"action": action}
    for code, v in values.items():
        ind = Indicator.objects.get(code=code)
        if isinstance(v, tuple):
            data[f"i{ind.pk}-numerator"], data[f"i{ind.pk}-denominator"] = v
        else:
            data[f"i{ind.pk}-value"] = v
    return client.post(url(form, unit, period), data)


def national(code: str, period: Period) -> float | None:
    return selectors.rollup_total(indicator=Indicator.objects.get(code=code), unit=Unit.objects.get(code="VN"),
                                  periods=[period])


@pytest.mark.django_db
def test_draft_counts_nowhere_submission_counts_everywhere(cast: Any, monthly_form: ReportForm) -> None:
    p = last_month()
    reporter = cast.client("px.buonmathuot")
    response = post(reporter, monthly_form, "24133", p, {"HS-NHAN": "120", "HS-TRUCTUYEN": "90",
                                                          "NENTANG": ("30", "40")}, "save")
    assert response.status_code == 302
    report = Report.objects.get(form=monthly_form, unit__code="24133", period=p.start)
    assert report.status == "draft" and national("HS-NHAN", p) is None
    post(reporter, monthly_form, "24133", p, {"HS-NHAN": "120", "HS-TRUCTUYEN": "90", "NENTANG": ("30", "40")},
         "submit")
    report.refresh_from_db()
    assert report.status == "submitted" and report.first_submitted_at is not None
    assert national("HS-NHAN", p) == 120 and national("NENTANG", p) == pytest.approx(75)
    assert AuditEntry.objects.filter(action="report.submit", object_id=str(report.pk)).exists()


@pytest.mark.django_db
def test_bad_input_names_the_field_and_stores_nothing(cast: Any, monthly_form: ReportForm) -> None:
    p = last_month()
    reporter = cast.client("px.buonmathuot")
    response = post(reporter, monthly_form, "24133", p, {"HS-NHAN": "mười", "HS-TRUCTUYEN": "90",
                                                          "NENTANG": ("50", "40")}, "save")
    body = response.content.decode()
    assert response.status_code == 422
    assert "Chỉ số HS-NHAN" in body and "mười" in body  # names the indicator and the bad text
    assert "Chỉ số NENTANG" in body  # numerator greater than denominator
    assert not DataValue.objects.filter(unit__code="24133").exists()
    rule = post(reporter, monthly_form, "24133", p, {"HS-NHAN": "10", "HS-TRUCTUYEN": "90", "NENTANG": ("1", "2")},
                "save")
    assert "không được lớn hơn" in rule.content.decode()
    assert not DataValue.objects.filter(unit__code="24133").exists()


@pytest.mark.django_db
def test_submit_needs_every_required_value(cast: Any, monthly_form: ReportForm) -> None:
    p = last_month()
    response = post(cast.client("px.buonmathuot"), monthly_form, "24133", p, {"HS-NHAN": "5"}, "submit")
    body = response.content.decode()
    assert response.status_code == 422 and "bắt buộc" in body
    assert Report.objects.get(unit__code="24133").status == "draft"


@pytest.mark.django_db
def test_return_with_comment_then_resubmit_then_approve_locks(cast: Any, monthly_form: ReportForm) -> None:
    p = last_month()
    reporter, supervisor = cast.client("px.buonmathuot"), cast.client("snv.daklak")
    post(reporter, monthly_form, "24133", p, {"HS-NHAN": "120", "HS-TRUCTUYEN": "90", "NENTANG": ("3", "4")},
         "submit")
    review = f"{url(monthly_form, '24133', p)}review/"
    assert supervisor.post(review, {"action": "return", "comment": ""}).status_code == 302
    assert Report.objects.get(unit__code="24133").status == "submitted"  # a return needs its reason
    supervisor.post(review, {"action": "return", "comment": "Số hồ sơ tiếp nhận chưa khớp sổ theo dõi"})
    report = Report.objects.get(unit__code="24133")
    assert report.status == "returned" and national("HS-NHAN", p) is None  # out of the figures until resubmitted
    page = reporter.get(url(monthly_form, "24133", p)).content.decode()
    assert "chưa khớp sổ theo dõi" in page
    post(reporter, monthly_form, "24133", p, {"HS-NHAN": "125", "HS-TRUCTUYEN": "90", "NENTANG": ("3", "4")},
         "submit")
    assert national("HS-NHAN", p) == 125
    supervisor.post(review, {"action": "approve"})
    assert Report.objects.get(unit__code="24133").status == "approved"
    # Approved data is locked: neither the page nor an import can change it.
    post(reporter, monthly_form, "24133", p, {"HS-NHAN": "999", "HS-TRUCTUYEN": "1", "NENTANG": ("3", "4")}, "save")
    assert national("HS-NHAN", p) == 125
    with pytest.raises(services.Rejected):
        services.values_write(actor=cast.user("snv.daklak"), rows=[
            services.ValueInput("HS-NHAN", "24133", p, value=1)])
    assert [e.action for e in Report.objects.get(unit__code="24133").events.all()] == [
        "submit", "return", "submit", "approve"]


@pytest.mark.django_db
def test_scoping_of_report_pages(cast: Any, monthly_form: ReportForm) -> None:
    p = last_month()
    other = cast.client("xa.eakar")  # a commune of the same province: not this commune's report
    assert other.get(url(monthly_form, "24133", p)).status_code == 404
    assert post(other, monthly_form, "24133", p, {"HS-NHAN": "1"}, "save").status_code == 404
    assert cast.client("px.hoankiem").get(url(monthly_form, "24133", p)).status_code == 404
    assert cast.client("snv.daklak").get(url(monthly_form, "24133", p)).status_code == 200
    # The supervisor reviews but does not approve what does not exist; reporters never review.
    assert cast.client("px.buonmathuot").post(f"{url(monthly_form, '24133', p)}review/",
                                              {"action": "approve"}).status_code == 404
    assert not DataValue.objects.exists()


@pytest.mark.django_db
def test_my_reports_lists_the_expected_form_and_the_review_queue(cast: Any, monthly_form: ReportForm) -> None:
    page = cast.client("px.buonmathuot").get("/reporting/").content.decode()
    assert "Báo cáo tháng cấp xã" in page and last_month().label() in page
    p = last_month()
    post(cast.client("px.buonmathuot"), monthly_form, "24133", p,
         {"HS-NHAN": "1", "HS-TRUCTUYEN": "1", "NENTANG": ("1", "2")}, "submit")
    queue = cast.client("snv.daklak").get("/reporting/").content.decode()
    assert 'data-testid="to-review"' in queue and "Phường Buôn Ma Thuột" in queue


@pytest.mark.django_db
def test_the_report_page_shows_the_units_target(cast: Any, monthly_form: ReportForm) -> None:
    p = last_month()
    services.target_set(actor=None, indicator=Indicator.objects.get(code="HS-TRUCTUYEN"),
                        unit=Unit.objects.get(code="24133"), period=Period.of(PeriodType.YEAR, p.start.year),
                        value=1000, origin="registered")
    page = cast.client("px.buonmathuot").get(url(monthly_form, "24133", p)).content.decode()
    assert 'data-testid="target"' in page and "1000" in page


@pytest.mark.django_db
def test_history_written_by_the_system_shows(cast: Any, monthly_form: ReportForm) -> None:
    # Demo loads and imports act as the system (actor None): the page must still render.
    p = last_month()
    report = services.report_open(actor=None, form=monthly_form, unit=Unit.objects.get(code="24133"), period=p)
    services.report_save(actor=None, report=report, raw={
        i.pk: {"value": "5"} for i in Indicator.objects.filter(code__in=["HS-NHAN", "HS-TRUCTUYEN"])} | {
        Indicator.objects.get(code="NENTANG").pk: {"numerator": "1", "denominator": "2"}})
    services.report_submit(actor=None, report=report)
    services.report_return(actor=None, report=report, comment="Thiếu số liệu")
    page = cast.client("px.buonmathuot").get(url(monthly_form, "24133", p))
    assert page.status_code == 200 and "Thiếu số liệu" in page.content.decode()
