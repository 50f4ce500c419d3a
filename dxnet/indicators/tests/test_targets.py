"""The targets page: assigned top-down, registered bottom-up, agreed, revised with history, and
the cascade check — log in → call → status → what was stored."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dxnet.core.models import AuditEntry
from dxnet.indicators import definitions, services
from dxnet.indicators.models import Target
from dxnet.indicators.tests import factories

pytestmark = pytest.mark.django_db

YEAR = 2026


@pytest.fixture
def indicator(db):
    return factories.indicator("HS_TT", aggregation="sum")


def _url(code: str) -> str:
    return reverse("targets", args=[code])


def _post(client, page: str, **data):
    return client.post(_url(page), {"indicator": "HS_TT", "year": YEAR, "note": "", **data})


def test_supervisor_assigns_a_target_to_a_commune(cast, indicator):
    client = cast.client("snv.daklak")
    response = _post(client, "66", action="assign", unit="24133", value="1 200")
    assert response.status_code == 302
    target = Target.objects.get(indicator=indicator, unit__code="24133")
    assert (target.value, target.origin, target.state) == (1200, "assigned", "proposed")
    assert target.period_type == "year" and target.period.year == YEAR
    assert AuditEntry.objects.filter(action="target.propose", object_id=str(target.pk)).exists()


def test_registration_agreement_and_revision_keep_the_history(cast, indicator):
    reporter, supervisor = cast.client("px.buonmathuot"), cast.client("snv.daklak")
    assert _post(reporter, "24133", action="register", unit="24133", value="50").status_code == 302
    target = Target.objects.get(indicator=indicator, unit__code="24133")
    assert (target.value, target.origin, target.state) == (50, "registered", "proposed")

    assert _post(supervisor, "66", action="agree", target=target.pk).status_code == 302
    target.refresh_from_db()
    assert target.state == "agreed"

    # The commune changes its agreed target: revised until agreed again; the agreed value is kept.
    assert _post(reporter, "24133", action="register", unit="24133", value="60", note="thêm 1 điểm").status_code == 302
    target.refresh_from_db()
    assert (target.value, target.state) == (60, "revised")
    history = list(target.events.values_list("action", "value", "state"))
    assert history == [("propose", 50, "proposed"), ("agree", 50, "agreed"), ("revise", 60, "revised")]

    page = supervisor.get(_url("66"), {"indicator": "HS_TT", "year": YEAR, "type": "commune"})
    assert page.status_code == 200
    row = next(r for r in page.context["page"].rows if r.unit.code == "24133")
    assert row.agreed == 50 and row.can_agree and len(row.events) == 3
    html = page.content.decode()
    assert 'data-testid="history-24133"' in html and 'data-testid="agree-24133"' in html


def test_reporter_cannot_agree_nor_assign_to_a_sibling(cast, indicator, unit):
    reporter = cast.client("px.buonmathuot")
    _post(reporter, "24133", action="register", unit="24133", value="50")
    own = Target.objects.get(indicator=indicator, unit__code="24133")
    # Agreeing is for the level above.
    assert _post(reporter, "24133", action="agree", target=own.pk).status_code == 404
    own.refresh_from_db()
    assert own.state == "proposed"
    # A sibling commune: not through its own page, nor through the province's, nor as a registration.
    assert _post(reporter, "24133", action="assign", unit="24373", value="10").status_code == 404
    assert _post(reporter, "66", action="assign", unit="24373", value="10").status_code == 404
    assert _post(reporter, "24373", action="register", unit="24373", value="10").status_code == 404
    # Nor assign to itself (assigning is the level above's).
    assert _post(reporter, "24133", action="assign", unit="24133", value="99").status_code == 404
    assert not Target.objects.filter(unit__code="24373").exists()
    assert Target.objects.get(pk=own.pk).value == 50
    # And another commune's targets are not even readable.
    other = services.target_set(actor=cast.user("admin"), indicator=indicator, unit=unit("24373"),
                                period=definitions.Period.of(definitions.PeriodType.YEAR, YEAR), value=7,
                                origin="registered")
    assert reporter.get(_url("24373"), {"indicator": "HS_TT", "year": YEAR}).status_code == 404
    assert cast.client("px.hoankiem").get(_url("66")).status_code == 404
    assert _post(cast.client("px.hoankiem"), "66", action="agree", target=other.pk).status_code == 404


def test_observer_reads_but_has_no_actions(cast, indicator):
    page = cast.client("mttq.daklak").get(_url("66"), {"indicator": "HS_TT", "year": YEAR})
    assert page.status_code == 200
    p = page.context["page"]
    assert not p.own.can_assign and not p.own.can_register
    assert not any(r.can_assign or r.can_register or r.can_agree for r in p.rows)
    assert _post(cast.client("mttq.daklak"), "66", action="assign", unit="24133", value="1").status_code == 404


def test_cascade_check_flags_a_shortfall_and_names_children_without_agreed_targets(cast, indicator, unit):
    admin, supervisor = cast.client("admin"), cast.client("snv.daklak")
    # The country assigns Đắk Lắk 1,000 and agrees it at once.
    assert _post(admin, "VN", action="assign", unit="66", value="1000", agree="on").status_code == 302
    assert Target.objects.get(unit__code="66").state == "agreed"
    # Two communes agreed (300 + 200), a third only proposed (100).
    for code, value in (("24133", "300"), ("24373", "200")):
        assert _post(supervisor, "66", action="assign", unit=code, value=value, agree="on").status_code == 302
    third = unit("66").children.current().filter(unit_type="commune").exclude(code__in=["24133", "24373"]).first()
    assert _post(supervisor, "66", action="assign", unit=third.code, value="100").status_code == 302

    page = supervisor.get(_url("66"), {"indicator": "HS_TT", "year": YEAR, "type": "commune"})
    assert page.status_code == 200
    cascade = page.context["page"].cascade
    assert cascade.rule == "sum" and cascade.status == "short"
    assert cascade.parent_value == 1000 and cascade.combined == 500 and cascade.gap == 500
    missing = {u.code for u in cascade.missing}
    assert third.code in missing and "24133" not in missing and "24373" not in missing
    html = page.content.decode()
    assert third.name in html
    assert 'data-testid="cascade-rule"' in html

    # The country's page shows the same check one level down, on Đắk Lắk's row.
    country = admin.get(_url("VN"), {"indicator": "HS_TT", "year": YEAR, "type": "province"})
    row = next(r for r in country.context["page"].rows if r.unit.code == "66")
    assert row.cascade is not None and row.cascade.status == "short" and row.cascade.gap == 500


def test_cascade_rules_for_means_and_lower_is_better(unit):
    a, b = unit("24133"), unit("24373")
    mean = definitions.cascade_check(parent_value=80, children=[a, b], agreed={a.pk: 70, b.pk: 90},
                                     aggregation="average", direction="higher")
    assert (mean.rule, mean.combined, mean.status) == ("mean", 80, "covered")
    short = definitions.cascade_check(parent_value=85, children=[a, b], agreed={a.pk: 70, b.pk: 90},
                                      aggregation="share_yes", direction="higher")
    assert short.status == "short" and short.gap == 5
    lower = definitions.cascade_check(parent_value=10, children=[a, b], agreed={a.pk: 6, b.pk: 6},
                                      aggregation="sum", direction="lower")
    assert lower.status == "short" and lower.gap == 2  # 12 exceeds the ceiling of 10
    pending = definitions.cascade_check(parent_value=10, children=[a, b], agreed={a.pk: 6},
                                        aggregation="sum", direction="lower")
    assert pending.status == "incomplete" and [u.code for u in pending.missing] == ["24373"]


def test_current_value_of_the_year_is_shown_next_to_the_target(cast, indicator):
    services.values_write(actor=None, rows=[
        services.ValueInput(indicator="HS_TT", unit="24133", period=p, value=v)
        for p, v in ((f"{YEAR}01", 10), (f"{YEAR}02", 15), (f"{YEAR - 1}12", 99))])
    page = cast.client("snv.daklak").get(_url("66"), {"indicator": "HS_TT", "year": YEAR, "type": "commune"})
    row = next(r for r in page.context["page"].rows if r.unit.code == "24133")
    assert row.current == 25
    assert page.context["page"].own.current == 25


def test_a_value_that_is_not_a_number_names_the_field_and_stores_nothing(cast, indicator):
    response = _post(cast.client("snv.daklak"), "66", action="assign", unit="24133", value="nhiều")
    assert response.status_code == 302
    assert not Target.objects.exists()
    follow = cast.client("snv.daklak")
    response = follow.post(_url("66"), {"indicator": "HS_TT", "year": YEAR, "action": "assign", "unit": "24133",
                                        "value": "abc"}, follow=True)
    text = response.content.decode()
    assert "abc" in text and "Phường Buôn Ma Thuột" in text


def test_targets_home_goes_to_the_users_highest_unit(cast):
    response = cast.client("snv.daklak").get(reverse("targets_home"))
    assert response.status_code == 302 and response["Location"].startswith(_url("66"))
