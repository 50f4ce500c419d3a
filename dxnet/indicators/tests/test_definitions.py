"""Indicators and report forms defined in the UI: log in → call the page → status → what was stored."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from dxnet.core.models import AuditEntry
from dxnet.indicators import selectors, services
from dxnet.indicators.models import FormAssignment, FormIndicator, Indicator, ReportForm, ValidationRule
from dxnet.indicators.periods import Period, PeriodType
from dxnet.indicators.tests import factories

pytestmark = pytest.mark.django_db

NEW_INDICATOR = {
    "code": "DVC_TT", "name": "Tỷ lệ hồ sơ xử lý trực tuyến", "name_en": "Share of dossiers handled online",
    "description": "", "group": "Nghị quyết 03", "value_type": "ratio", "aggregation": "ratio_of_sums",
    "period_type": "month", "direction": "higher", "unit_of_measure": "%", "min_value": "", "max_value": "",
    "decimals": "1", "valid_from_year": "2025",
}


def test_admin_creates_an_indicator_with_its_version_and_an_audit_line(cast):
    client = cast.client("admin")
    response = client.post(reverse("definitions_indicator_create"), NEW_INDICATOR)
    assert response.status_code == 302
    indicator = Indicator.objects.get(code="DVC_TT")
    assert indicator.period_type == "month" and indicator.group == "Nghị quyết 03"
    version = indicator.versions.get()
    assert (version.valid_from_year, version.value_type, version.aggregation) == (2025, "ratio", "ratio_of_sums")
    assert version.name == "Tỷ lệ hồ sơ xử lý trực tuyến"
    entry = AuditEntry.objects.get(action="indicator.create", object_id=str(indicator.pk))
    assert entry.actor.username == "admin" and entry.after["code"] == "DVC_TT"
    page = client.get(reverse("definitions_indicator", args=["DVC_TT"]))
    assert page.status_code == 200 and "Tỷ lệ hồ sơ xử lý trực tuyến" in page.content.decode()


def test_a_bad_aggregation_for_the_value_type_names_the_field(cast):
    client = cast.client("admin")
    data = {**NEW_INDICATOR, "value_type": "number", "aggregation": "count_yes"}
    response = client.post(reverse("definitions_indicator_create"), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    form = response.context["form"]
    assert "aggregation" in form.errors
    assert "does not fit values of type" in form.errors["aggregation"][0]
    assert "is-invalid" in response.content.decode()
    assert not Indicator.objects.filter(code="DVC_TT").exists()


def test_a_duplicate_code_names_the_code_field(cast):
    factories.indicator("DVC_TT")
    response = cast.client("admin").post(reverse("definitions_indicator_create"), NEW_INDICATOR)
    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    assert Indicator.objects.filter(code="DVC_TT").count() == 1


def test_indicator_pages_are_read_only_for_non_admins(cast):
    factories.indicator("READ_ME")
    reporter = cast.client("px.buonmathuot")
    assert reporter.get(reverse("definitions_indicators")).status_code == 200
    assert reporter.get(reverse("definitions_indicator", args=["READ_ME"])).status_code == 200
    assert reporter.get(reverse("definitions_indicator_create")).status_code == 404
    assert reporter.post(reverse("definitions_indicator_create"), NEW_INDICATOR).status_code == 404
    assert reporter.get(reverse("definitions_indicator_version", args=["READ_ME"])).status_code == 404
    assert not Indicator.objects.filter(code="DVC_TT").exists()
    anonymous = cast.client(None)
    assert anonymous.get(reverse("definitions_indicators")).status_code == 302  # to the sign-in page


def test_indicator_list_searches_and_filters_by_group(cast):
    factories.indicator("ALPHA", group="Bộ A")
    factories.indicator("BETA", group="Bộ B")
    client = cast.client("xa.eakar")
    codes = lambda r: [i.code for i, _v in r.context["rows"]]  # noqa: E731
    assert codes(client.get(reverse("definitions_indicators"), {"group": "Bộ B"})) == ["BETA"]
    assert codes(client.get(reverse("definitions_indicators"), {"q": "alp"})) == ["ALPHA"]
    assert codes(client.get(reverse("definitions_indicators"), {"q": "Chỉ số BETA"})) == ["BETA"]


def test_a_new_definition_from_2026_leaves_2025_computed_with_the_old_one(cast, unit):
    indicator = factories.indicator("DTI", aggregation="sum", valid_from_year=2020)
    client = cast.client("admin")
    response = client.post(reverse("definitions_indicator_version", args=["DTI"]), {
        "valid_from_year": "2026", "name": "Chỉ số DTI (2026)", "name_en": "", "description": "",
        "value_type": "number", "aggregation": "average", "direction": "higher", "unit_of_measure": "",
        "min_value": "", "max_value": "", "decimals": "1"})
    assert response.status_code == 302
    indicator = Indicator.objects.get(pk=indicator.pk)
    assert indicator.version_for(2025).aggregation == "sum"
    assert indicator.version_for(2026).aggregation == "average"
    assert indicator.version_for(2026).name == "Chỉ số DTI (2026)"
    assert AuditEntry.objects.filter(action="indicator.version", object_id=str(indicator.pk)).exists()
    rows = [services.ValueInput(indicator="DTI", unit=code, period=period, value=value)
            for period in ("202512", "202601") for code, value in (("24133", 10), ("24373", 30))]
    services.values_write(actor=None, rows=rows)
    province = unit("66")
    dec = [Period.parse("202512", PeriodType.MONTH)]
    jan = [Period.parse("202601", PeriodType.MONTH)]
    assert selectors.rollup_total(indicator=indicator, unit=province, periods=dec) == 40  # sum in 2025
    assert selectors.rollup_total(indicator=indicator, unit=province, periods=jan) == 20  # average in 2026
    page = client.get(reverse("definitions_indicator", args=["DTI"])).content.decode()
    assert "2020 to 2025" in page or "2020 đến 2025" in page


def test_a_new_definition_with_a_bad_aggregation_is_refused(cast):
    indicator = factories.indicator("DTI2", aggregation="sum")
    response = cast.client("admin").post(reverse("definitions_indicator_version", args=["DTI2"]), {
        "valid_from_year": "2026", "name": "x", "value_type": "percentage", "aggregation": "sum",
        "direction": "higher", "decimals": "1"})
    assert response.status_code == 200
    assert "aggregation" in response.context["form"].errors
    assert indicator.versions.count() == 1


# --- report forms ---------------------------------------------------------------------------


def _form_data(**over: str) -> dict[str, str]:
    return {"code": "BC_CDS", "name": "Báo cáo chuyển đổi số hằng tháng", "name_en": "", "description": "",
            "owner": "66", "period_type": "month", "due_days": "5", "opens_days_before_end": "5",
            "closes_days_after_due": "", "survey_period": "", **over}


def test_form_created_through_the_page_with_owner_and_audit(cast):
    client = cast.client("admin")
    response = client.post(reverse("definitions_form_create"), _form_data())
    assert response.status_code == 302
    form = ReportForm.objects.get(code="BC_CDS")
    assert form.owner.code == "66" and form.due_days == 5 and not form.is_survey
    assert AuditEntry.objects.filter(action="form.create", object_id=str(form.pk)).exists()
    response = client.post(reverse("definitions_form_edit", args=["BC_CDS"]), _form_data(due_days="10"))
    assert response.status_code == 302
    form.refresh_from_db()
    assert form.due_days == 10
    assert AuditEntry.objects.get(action="form.update").before["due_days"] == 5


def test_a_survey_without_its_period_names_the_field(cast):
    response = cast.client("admin").post(reverse("definitions_form_create"),
                                         _form_data(code="KS_DVC", is_survey="on", period_type="quarter"))
    assert response.status_code == 200
    assert "survey_period" in response.context["form"].errors
    response = cast.client("admin").post(reverse("definitions_form_create"), _form_data(
        code="KS_DVC", is_survey="on", period_type="quarter", survey_period="2025-08-01"))
    assert "survey_period" in response.context["form"].errors  # not the first day of a quarter
    response = cast.client("admin").post(reverse("definitions_form_create"), _form_data(
        code="KS_DVC", is_survey="on", period_type="quarter", survey_period="2025-07-01"))
    assert response.status_code == 302
    assert ReportForm.objects.get(code="KS_DVC").survey_period == dt.date(2025, 7, 1)


def test_an_unknown_owner_unit_names_the_field(cast):
    response = cast.client("admin").post(reverse("definitions_form_create"), _form_data(owner="NOPE"))
    assert response.status_code == 200
    assert "owner" in response.context["form"].errors
    assert not ReportForm.objects.filter(code="BC_CDS").exists()


def _make_form(**kw: object) -> ReportForm:
    from dxnet.network.models import Unit

    return ReportForm.objects.create(code=kw.pop("code", "BC1"), name="Báo cáo", period_type="month",
                                     owner=Unit.objects.get(code="VN"), **kw)


def test_form_indicators_added_reordered_and_removed(cast):
    form = _make_form()
    a, b, c = (factories.indicator(code) for code in ("A1", "B1", "C1"))
    client = cast.client("admin")
    for ind in (a, b, c):
        r = client.post(reverse("definitions_form_indicator_add", args=["BC1"]),
                        {"indicator": ind.pk, "section": "I", "required": "on"})
        assert r.status_code == 302
    order = lambda: list(form.form_indicators.order_by("order", "id").values_list("indicator__code", flat=True))  # noqa: E731
    assert order() == ["A1", "B1", "C1"]
    fi_c = FormIndicator.objects.get(form=form, indicator=c)
    client.post(reverse("definitions_form_indicator_move", args=["BC1", fi_c.pk]), {"direction": "up"})
    assert order() == ["A1", "C1", "B1"]
    # A rule on B1 goes when B1 is taken off the form.
    r = client.post(reverse("definitions_rule_add", args=["BC1"]),
                    {"left": b.pk, "operator": "<=", "right": a.pk, "message": "B ≤ A"})
    assert r.status_code == 302 and form.rules.count() == 1
    fi_b = FormIndicator.objects.get(form=form, indicator=b)
    assert client.post(reverse("definitions_form_indicator_remove", args=["BC1", fi_b.pk])).status_code == 302
    assert order() == ["A1", "C1"]
    assert form.rules.count() == 0
    assert AuditEntry.objects.filter(action="form.indicator.remove").exists()


def test_an_indicator_of_another_period_type_is_refused_naming_the_field(cast):
    _make_form()
    yearly = factories.indicator("Y1", period_type="year")
    r = cast.client("admin").post(reverse("definitions_form_indicator_add", args=["BC1"]), {"indicator": yearly.pk})
    assert r.status_code == 200
    assert "indicator" in r.context["indicator_form"].errors
    assert not FormIndicator.objects.exists()


def test_a_rule_needs_two_indicators_of_the_form_and_a_message(cast):
    form = _make_form()
    a, b = factories.indicator("A2"), factories.indicator("B2")
    FormIndicator.objects.create(form=form, indicator=a)
    FormIndicator.objects.create(form=form, indicator=b)
    client = cast.client("admin")
    r = client.post(reverse("definitions_rule_add", args=["BC1"]),
                    {"left": a.pk, "operator": "<=", "right": a.pk, "message": ""})
    assert r.status_code == 200
    errors = r.context["rule_form"].errors
    assert "message" in errors and "right" in errors
    assert not ValidationRule.objects.exists()


def test_dated_assignments_keep_expected_units_of_past_periods_exact(cast, unit):
    form = _make_form()
    client = cast.client("admin")
    r = client.post(reverse("definitions_assignment_add", args=["BC1"]),
                    {"unit": "66", "unit_type": "commune", "valid_from": "2025-07-01", "valid_to": ""})
    assert r.status_code == 302
    r = client.post(reverse("definitions_assignment_add", args=["BC1"]),
                    {"unit": "00070", "unit_type": "", "valid_from": "2025-07-01", "valid_to": ""})
    assert r.status_code == 302
    communes = unit("66").children.current(dt.date(2025, 9, 30)).filter(unit_type="commune").count()
    assert communes > 50
    sep_2025 = Period.parse("202509", PeriodType.MONTH)
    assert selectors.expected_units(form=form, period=sep_2025).count() == communes + 1

    # The Đắk Lắk assignment ends at the end of 2025: it stays stored, with its last day.
    daklak = FormAssignment.objects.get(form=form, unit__code="66")
    r = client.post(reverse("definitions_assignment_end", args=["BC1", daklak.pk]), {"on": "2025-12-31"})
    assert r.status_code == 302
    daklak.refresh_from_db()
    assert daklak.valid_to == dt.date(2025, 12, 31)
    assert FormAssignment.objects.filter(form=form).count() == 2
    assert selectors.expected_units(form=form, period=sep_2025).count() == communes + 1  # the past is unchanged
    feb_2026 = Period.parse("202602", PeriodType.MONTH)
    assert list(selectors.expected_units(form=form, period=feb_2026).values_list("code", flat=True)) == ["00070"]
    assert AuditEntry.objects.filter(action="form.assignment.end", object_id=str(daklak.pk)).exists()

    preview = client.get(reverse("definitions_form_expected", args=["BC1"]), {"period": "202509"})
    assert preview.status_code == 200 and preview.context["count"] == communes + 1
    preview = client.get(reverse("definitions_form_expected", args=["BC1"]), {"period": "2025Q1"})
    assert preview.status_code == 200 and preview.context["error"]


def test_an_assignment_cannot_end_before_it_starts(cast):
    form = _make_form()
    a = FormAssignment.objects.create(form=form, unit=form.owner, valid_from=dt.date(2025, 7, 1))
    r = cast.client("admin").post(reverse("definitions_assignment_end", args=["BC1", a.pk]), {"on": "2025-01-01"})
    assert r.status_code == 302
    a.refresh_from_db()
    assert a.valid_to is None


def test_non_admins_cannot_change_forms(cast):
    form = _make_form()
    reporter = cast.client("px.buonmathuot")
    assert reporter.get(reverse("definitions_form", args=["BC1"])).status_code == 200
    assert reporter.get(reverse("definitions_form_edit", args=["BC1"])).status_code == 404
    assert reporter.get(reverse("definitions_form_create")).status_code == 404
    r = reporter.post(reverse("definitions_assignment_add", args=["BC1"]),
                      {"unit": "24133", "valid_from": "2025-07-01"})
    assert r.status_code == 404
    assert not form.assignments.exists()
