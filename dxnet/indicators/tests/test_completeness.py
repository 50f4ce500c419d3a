"""Completeness and timeliness: expected reports from the dated history (units created, merged
and closed mid-year, assignments ending), rates that never exceed 100 %, the grid page, its
scoping, and the urging hook."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from dxnet.core.models import AuditEntry
from dxnet.indicators import completeness, selectors
from dxnet.indicators.models import FormAssignment, Report, ReportForm
from dxnet.indicators.periods import Period, PeriodType, span
from dxnet.network import services as network
from dxnet.network.models import LineageEvent, Unit, UnitLineage

JUL, AUG, SEP, OCT, NOV, DEC = (Period.of(PeriodType.MONTH, 2025, m) for m in range(7, 13))
H2 = [JUL, AUG, SEP, OCT, NOV, DEC]
TODAY = dt.date(2026, 3, 1)  # every period of 2025 is past due


def local(y: int, m: int, d: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(y, m, d, hour, tzinfo=timezone.get_default_timezone())


def report(form: ReportForm, unit: Unit, period: Period, status: str, first: dt.datetime | None = None) -> Report:
    # Test data set directly: the workflow's own timestamps would all be "now".
    return Report.objects.create(form=form, unit=unit, period=period.start, status=status,
                                 first_submitted_at=first, submitted_at=first)


@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    """A test province with communes that live, die and merge during the second half of 2025."""
    vn = Unit.objects.get(code="VN")
    d = dt.date

    def mk(code: str, parent: Unit, unit_type: str = "commune", **dates: Any) -> Unit:
        return network.unit_create(actor=None, code=code, name=f"Xã {code}", unit_type=unit_type, parent=parent,
                                   **dates)

    p = mk("TP", vn, "province", valid_from=d(2025, 7, 1))
    units = {
        "steady": mk("T-STEADY", p, valid_from=d(2025, 7, 1)),
        "new": mk("T-NEW", p, valid_from=d(2025, 9, 15)),  # created mid-September
        "closed": mk("T-CLOSED", p, valid_from=d(2025, 7, 1), valid_to=None),
        "a": mk("T-A", p, valid_from=d(2025, 7, 1)),
        "b": mk("T-B", p, valid_from=d(2025, 7, 1)),
        "ab": mk("T-AB", p, valid_from=d(2025, 11, 1)),  # T-A and T-B merged on 1 November
        "agency": mk("T-AGENCY", p, "agency", valid_from=d(2025, 7, 1)),
    }
    # Closing units goes through the service, as an administrator would do it.
    network.unit_update(actor=None, unit=units["closed"], valid_to=d(2025, 10, 15))
    network.unit_update(actor=None, unit=units["a"], valid_to=d(2025, 10, 31))
    network.unit_update(actor=None, unit=units["b"], valid_to=d(2025, 10, 31))
    for old in (units["a"], units["b"]):
        UnitLineage.objects.create(predecessor=old, successor=units["ab"], event=LineageEvent.MERGED,
                                   effective_on=d(2025, 11, 1))
    form = ReportForm.objects.create(code="CT-TEST", name="Báo cáo chuyển đổi số hằng tháng", period_type="month",
                                     due_days=5, owner=vn)
    FormAssignment.objects.create(form=form, unit=p, unit_type="commune", valid_from=d(2025, 7, 1))
    # The agency reported only in July and August (its assignment ended on 31 August).
    FormAssignment.objects.create(form=form, unit=units["agency"], valid_from=d(2025, 7, 1), valid_to=d(2025, 8, 31))
    return {"province": p, "form": form, **units}


EXPECTED = {  # period → codes expected
    JUL: {"T-STEADY", "T-CLOSED", "T-A", "T-B", "T-AGENCY"},
    AUG: {"T-STEADY", "T-CLOSED", "T-A", "T-B", "T-AGENCY"},
    SEP: {"T-STEADY", "T-NEW", "T-CLOSED", "T-A", "T-B"},
    OCT: {"T-STEADY", "T-NEW", "T-A", "T-B"},
    NOV: {"T-STEADY", "T-NEW", "T-AB"},
    DEC: {"T-STEADY", "T-NEW", "T-AB"},
}


def test_expected_units_follow_the_dated_history(world: dict[str, Any]) -> None:
    table = completeness.state_table(form=world["form"], periods=H2, within=world["province"], today=TODAY)
    for p, codes in EXPECTED.items():
        got = {table.units[pk].code for pk in table.expected[p.start]}
        assert got == codes, p
        # The same rule as the shared selector, period by period.
        shared = set(selectors.expected_units(form=world["form"], period=p, within=world["province"])
                     .values_list("code", flat=True))
        assert shared == codes
        assert table.counts(p).expected == len(codes)


def test_rates_never_exceed_100_even_when_units_that_were_not_expected_report(world: dict[str, Any]) -> None:
    form, w = world["form"], world
    # Everyone reports every month, including units that were closed, not yet created, or merged
    # away — only the expected ones may count.
    for p in H2:
        for key in ("steady", "new", "closed", "a", "b", "ab", "agency"):
            report(form, w[key], p, Report.Status.SUBMITTED, local(p.end.year, p.end.month, p.end.day))
    series = completeness.completeness_series(form=form, periods=H2, within=w["province"])
    for p, c in series:
        assert c.expected == len(EXPECTED[p])
        assert c.submitted == c.expected and c.on_time == c.expected
        for rate in (c.submitted_rate, c.on_time_rate, c.approved_rate):
            assert rate is not None and 0 <= rate <= 100
    # T-CLOSED reported for October although it closed on 15 October: shown, not counted.
    table = completeness.state_table(form=form, periods=H2, within=w["province"], today=TODAY)
    cell = table.state(w["closed"].pk, OCT)
    assert cell.state == "not_expected" and cell.reported
    assert table.counts(OCT).submitted == 4
    # The merged units' successor counts once from November; the predecessors no longer.
    assert table.state(w["a"].pk, NOV).state == "not_expected"
    assert table.state(w["ab"].pk, NOV).state == "on_time"


def test_states_and_timeliness(world: dict[str, Any]) -> None:
    form, w = world["form"], world
    # Due date of July: 5 August. Timeliness is judged on the local (Việt Nam) date.
    report(form, w["steady"], JUL, Report.Status.APPROVED, local(2025, 8, 5, 23))  # on time, approved
    report(form, w["closed"], JUL, Report.Status.SUBMITTED, local(2025, 8, 6, 1))  # late by an hour past midnight
    report(form, w["a"], JUL, Report.Status.RETURNED, local(2025, 8, 1))  # returned
    report(form, w["b"], JUL, Report.Status.DRAFT)  # a draft is not a report: missing
    table = completeness.state_table(form=form, periods=[JUL], within=w["province"], today=TODAY)
    states = {table.units[pk].code: table.state(pk, JUL).state for pk in table.expected[JUL.start]}
    assert states == {"T-STEADY": "approved", "T-CLOSED": "late", "T-A": "returned", "T-B": "missing",
                      "T-AGENCY": "missing"}
    c = table.counts(JUL)
    assert (c.expected, c.submitted, c.on_time, c.late, c.approved, c.returned, c.missing) == (5, 2, 1, 1, 1, 1, 2)
    assert c.submitted_rate == 40.0 and c.on_time_rate == 20.0
    # Before the due date, an absent report is pending, not missing.
    early = completeness.state_table(form=form, periods=[JUL], within=w["province"], today=dt.date(2025, 8, 3))
    assert early.state(w["b"].pk, JUL).state == "pending"
    assert early.counts(JUL).pending == 2


def test_late_units_are_those_still_owing_the_report(world: dict[str, Any]) -> None:
    form, w = world["form"], world
    report(form, w["steady"], SEP, Report.Status.SUBMITTED, local(2025, 10, 2))
    report(form, w["closed"], SEP, Report.Status.SUBMITTED, local(2025, 10, 20))  # late
    report(form, w["a"], SEP, Report.Status.RETURNED, local(2025, 10, 1))
    owing = completeness.late_units(form=form, period=SEP, within=w["province"], today=TODAY)
    # In tree order (T-NEW was created before T-A and T-B).
    assert [(o.unit.code, o.state) for o in owing] == [("T-NEW", "missing"), ("T-A", "returned"),
                                                        ("T-B", "missing")]
    assert all(o.days_overdue == (TODAY - dt.date(2025, 10, 5)).days for o in owing)
    with_late = completeness.late_units(form=form, period=SEP, within=w["province"], include_late=True, today=TODAY)
    late = [o for o in with_late if o.state == "late"]
    assert [(o.unit.code, o.days_overdue) for o in late] == [("T-CLOSED", 15)]


def test_rates_by_child_add_up_to_the_subtree(world: dict[str, Any]) -> None:
    form, w = world["form"], world
    report(form, w["steady"], AUG, Report.Status.SUBMITTED, local(2025, 9, 1))
    vn = Unit.objects.get(code="VN")
    rows = dict((u.code, c) for u, c in completeness.rates_by_child(form=form, period=AUG, within=vn))
    assert rows["TP"].expected == 5 and rows["TP"].submitted == 1
    total = completeness.completeness(form=form, period=AUG, within=vn)
    assert total.expected == sum(c.expected for c in rows.values())


def test_grid_rows_children_and_units(world: dict[str, Any]) -> None:
    form, w = world["form"], world
    report(form, w["steady"], JUL, Report.Status.SUBMITTED, local(2025, 8, 2))
    vn = Unit.objects.get(code="VN")
    g = completeness.grid(form=form, periods=[JUL, AUG], within=vn, rows="children", today=TODAY)
    tp = next(r for r in g.rows if r.unit.code == "TP")
    assert tp.kind == "group" and tp.members == 5
    assert (tp.cells[0].counts.submitted, tp.cells[0].counts.expected) == (1, 5)
    assert [c.expected for c in g.totals] == [5, 5]
    g = completeness.grid(form=form, periods=[JUL, AUG], within=w["province"], rows="children", today=TODAY)
    assert all(r.kind == "unit" for r in g.rows)
    assert g.owing == 5  # nobody reported August
    g = completeness.grid(form=form, periods=[JUL], within=w["province"], rows="units", problems_only=True,
                          today=TODAY)
    assert "T-STEADY" not in {r.unit.code for r in g.rows} and len(g.rows) == 4


# --- the page -------------------------------------------------------------------------------------


@pytest.fixture
def daklak_form(db: Any) -> ReportForm:
    form = ReportForm.objects.create(code="CT-DL", name="Báo cáo tháng", period_type="month", due_days=5,
                                     owner=Unit.objects.get(code="VN"))
    FormAssignment.objects.create(form=form, unit=Unit.objects.get(code="66"), unit_type="commune",
                                  valid_from=dt.date(2025, 7, 1))
    return form


def english(client: Any) -> Any:
    """Messages are asserted in their English source text (the interface defaults to Vietnamese)."""
    client.cookies["dxnet_language"] = "en"
    return client


def grid_url(code: str, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("completeness_grid", args=[code]) + (f"?{query}" if query else "")


def test_grid_page_for_the_province_supervisor(cast: Any, daklak_form: ReportForm, unit: Any) -> None:
    report(daklak_form, unit("24133"), SEP, Report.Status.APPROVED, local(2025, 10, 3))
    report(daklak_form, unit("24373"), SEP, Report.Status.SUBMITTED, local(2025, 10, 9))
    n = selectors.expected_units(form=daklak_form, period=SEP, within=unit("66")).count()
    assert n > 50  # Đắk Lắk's communes and wards
    r = cast.client("snv.daklak").get(grid_url("66", form="CT-DL", **{"from": "202507", "to": "202509"}, rows="units"))
    assert r.status_code == 200
    html = r.content.decode()
    assert 'data-testid="legend"' in html and 'data-testid="grid"' in html
    assert f"2/{n}" in html  # the September column total
    assert "Buôn Ma Thuột" in html
    # More than a page of communes: paginated, and the second page comes as a partial through htmx.
    assert "page=2" in html
    r2 = cast.client("snv.daklak").get(grid_url("66", form="CT-DL", **{"from": "202507", "to": "202509"},
                                                rows="units", page="2"), HTTP_HX_REQUEST="true",
                                       HTTP_HX_TARGET="completeness-grid")
    assert r2.status_code == 200 and "<nav class=\"navbar" not in r2.content.decode()
    # Urging: a checkbox for the communes owing September, none for those that reported.
    assert 'value="24133" data-urgeable' not in html and 'data-urgeable' in html
    assert 'data-testid="urge-note"' not in html  # the plans module listens: no "not connected" note
    assert reverse("completeness_grid", args=["VN"]) not in html  # no link above the supervisor's subtree


def test_grid_is_404_outside_the_actors_subtree(cast: Any, daklak_form: ReportForm) -> None:
    assert cast.client("px.buonmathuot").get(grid_url("66", form="CT-DL")).status_code == 404
    assert cast.client("px.hoankiem").get(grid_url("24133", form="CT-DL")).status_code == 404
    assert cast.client(None).get(grid_url("66")).status_code == 302  # sign in first
    # The commune's own reporter sees its own row.
    assert cast.client("px.buonmathuot").get(grid_url("24133", form="CT-DL")).status_code == 200


def test_urging_sends_the_hook_with_only_the_units_owing(cast: Any, daklak_form: ReportForm, unit: Any) -> None:
    report(daklak_form, unit("24133"), SEP, Report.Status.SUBMITTED, local(2025, 10, 3))
    received: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> str:
        received.append(kwargs)
        return "queued"

    completeness.urging_requested.connect(receiver)
    try:
        r = english(cast.client("snv.daklak")).post(reverse("completeness_urge", args=["66"]), {
            "form": "CT-DL", "period": "202509", "units": ["24373", "24133", "00070"]}, follow=True)
    finally:
        completeness.urging_requested.disconnect(receiver)
    assert r.status_code == 200
    assert len(received) == 1
    assert [u.code for u in received[0]["units"]] == ["24373"]  # reported and out-of-subtree units left out
    assert received[0]["period"] == SEP and received[0]["form"] == daklak_form
    assert received[0]["actor"].username == "snv.daklak"
    entry = AuditEntry.objects.filter(action="report.urge_request").latest("seq")
    assert entry.after["units"] == ["24373"] and entry.after["period"] == "202509"
    html = r.content.decode()
    assert "prepared by the plans module" in html
    assert "2 selected units were left out" in html


def test_urging_all_owing_reaches_the_plans_module(cast: Any, daklak_form: ReportForm, unit: Any) -> None:
    from dxnet.notifications.models import Notification

    assert completeness.urging_requested.has_listeners()  # the plans module urges late reports
    n = selectors.expected_units(form=daklak_form, period=SEP, within=unit("66")).count()
    r = english(cast.client("snv.daklak")).post(reverse("completeness_urge", args=["66"]), {
        "form": "CT-DL", "period": "202509", "all_owing": "1"}, follow=True)
    assert r.status_code == 200
    entry = AuditEntry.objects.filter(action="report.urge_request").latest("seq")
    assert len(entry.after["units"]) == n
    # The supervisor is handed the formal notice to issue; the owing units are told.
    assert Notification.objects.filter(user__username="snv.daklak").exists()
    assert Notification.objects.exclude(user__username="snv.daklak").exists()


def test_urging_needs_a_supervisor_of_the_subtree(cast: Any, daklak_form: ReportForm) -> None:
    data = {"form": "CT-DL", "period": "202509", "units": ["24373"]}
    url = reverse("completeness_urge", args=["66"])
    assert cast.client("mttq.daklak").post(url, data).status_code == 404  # observer: reads, never urges
    assert cast.client("xa.eakar").post(url, data).status_code == 404
    assert not AuditEntry.objects.filter(action="report.urge_request").exists()
    # The observer reads the grid, without the urging controls.
    r = cast.client("mttq.daklak").get(grid_url("66", form="CT-DL", **{"from": "202509", "to": "202509"}))
    assert r.status_code == 200 and "data-urgeable" not in r.content.decode()


def test_period_span_helpers() -> None:
    assert span(JUL, DEC) == H2
