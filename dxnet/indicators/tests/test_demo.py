"""The demo reporting content (``manage.py load_demo_reporting``): what it defines, that its
generated history is consistent with the live rollups and the completeness rules, that Đắk
Lắk's supervisor has late and missing reports to see, and that a second run adds nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Model
from django.utils import timezone

from dxnet.core.models import AuditEntry
from dxnet.indicators import completeness, demo, selectors
from dxnet.indicators.models import (
    Aggregate,
    DataValue,
    FormAssignment,
    Indicator,
    Report,
    ReportEvent,
    ReportForm,
    Target,
    ValidationRule,
)
from dxnet.network.models import Unit

pytestmark = pytest.mark.django_db
MODELS: list[type[Model]] = [Indicator, ReportForm, FormAssignment, ValidationRule, Report, ReportEvent, DataValue,
                             Aggregate, Target, AuditEntry]


def load() -> demo.Window:
    call_command("load_demo_reporting", "--months", "3", verbosity=0)
    return demo.Window(timezone.localdate(), 3)


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS}


def test_definitions_history_and_rollups() -> None:
    window = load()
    annex = json.loads((demo.DATA / "nq03_annex1_targets.json").read_text(encoding="utf-8"))["indicators"]
    codes = {"QD1690-1", "QD1690-2", "QD1690-3", "QD1690-4", "QD1690-5", "DVC-HS-TIEPNHAN", "DVC-HS-TRUCTUYEN",
             "DVC-TL-TRUCTUYEN", "VHD-LUOT-DOC", "VHD-LUOT-SACH", "VHD-HOAT-DONG"} | {i["code"] for i in annex}
    assert codes <= set(Indicator.objects.values_list("code", flat=True))
    assert len(annex) == 52
    assert Indicator.objects.get(code="QD1690-4").version_for(2026).aggregation == "ratio_of_sums"
    assert Indicator.objects.get(code="QD1690-1").version_for(2026).aggregation == "share_yes"
    vn = Unit.objects.get(code="VN")
    # Resolution 03 Annex I: the 2030 result, where it is a number, is the national target.
    online_services = Target.objects.get(indicator__code="NQ03-PL1-11.1", unit=vn, period_type="year")
    assert (online_services.period.year, online_services.value, online_services.state) == (2030, 80.0, "agreed")

    monthly = ReportForm.objects.get(code=demo.MONTHLY)
    assert ReportForm.objects.get(code=demo.SURVEY).is_survey
    assert FormAssignment.objects.filter(form=monthly, unit_type="commune", valid_from="2025-07-01").exists()
    assert monthly.rules.get().left.code == "DVC-HS-TRUCTUYEN"
    assert Target.objects.filter(origin="registered", state="proposed", unit__unit_type="province").exists()
    assert Target.objects.filter(origin="registered", unit__code__in=["24133", "24373"]).count() == 2

    last = window.last
    # Every expected commune has a report or is missing; nobody else has one.
    expected = set(selectors.expected_units(form=monthly, period=last).values_list("pk", flat=True))
    reported = set(Report.objects.filter(form=monthly, period=last.start).values_list("unit_id", flat=True))
    assert reported <= expected and 0.9 < len(reported) / len(expected) < 1
    # The national rollup is the brute-force sum of the counted leaf values.
    online = Indicator.objects.get(code="DVC-HS-TRUCTUYEN")
    brute = sum(DataValue.objects.filter(indicator=online, period=last.start, counted=True)
                .values_list("value", flat=True))
    assert brute > 0
    cell = selectors.rollup_cells(indicator=online, units=[vn], periods=[last])[0]
    assert cell.value == pytest.approx(brute)
    # A province's share of dossiers online is the ratio of its sums, with its target beside it.
    ratio = Indicator.objects.get(code="DVC-TL-TRUCTUYEN")
    dak_lak = Unit.objects.get(code="66")
    rows = [(v.numerator, v.denominator) for v in DataValue.objects.filter(indicator=ratio, period=last.start,
                                                                           counted=True).select_related("unit")
            if dak_lak.contains(v.unit)]
    cell = selectors.rollup_cells(indicator=ratio, units=[dak_lak], periods=[last])[0]
    assert cell.value == pytest.approx(100 * sum(n for n, _ in rows) / sum(d for _, d in rows))
    assert cell.target is not None and cell.achievement is not None
    # Values of reports still open (drafts, returned) are stored but not counted.
    assert not DataValue.objects.filter(report__status__in=["draft", "returned"], counted=True).exists()
    assert Report.objects.filter(form=monthly, period=window.current.start, unit__code="24133", status="draft").exists()

    for period in window.periods:
        for unit in (vn, dak_lak):
            c = completeness.completeness(form=monthly, period=period, within=unit)
            for part in (c.submitted, c.on_time, c.approved):
                rate = c.rate(part)
                assert rate is not None and 0 <= rate <= 100
    # Đắk Lắk's supervisor sees late and missing communes in the latest month, Ea Kar among them.
    table = completeness.state_table(form=monthly, periods=[last], within=dak_lak)
    states = {table.units[uid].code: table.state(uid, last).state for uid in table.expected[last.start]}
    assert "late" in states.values() and "returned" in states.values()
    assert states["24373"] == "missing" and states["24133"] in {"on_time", "approved"}
    c = completeness.completeness(form=monthly, period=last, within=dak_lak)
    assert c.on_time < c.submitted < c.expected


def test_second_run_adds_nothing() -> None:
    load()
    before = counts()
    assert before["Report"] > 0 and before["Aggregate"] > 0
    load()
    assert counts() == before
    assert AuditEntry.objects.filter(action="demo.reporting.load").count() == 1


def test_the_fixture_is_built_from_the_annex(settings: Any) -> None:
    """The converter's parsing of expected results (run on the shared Markdown once)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_annex1", settings.BASE_DIR / "scripts"
                                                  / "build_annex1_targets.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.parse_result("≤ 3 Đông Nam Á; ≤ 50 Thế giới") == {"op": "≤", "value": 50}
    assert module.parse_result("> 0,7") == {"op": ">", "value": 0.7}
    assert module.parse_result("40 - 50") == {"op": "range", "value": 40, "value_max": 50}
    assert module.parse_result("≥ 3% và tăng dần theo yêu cầu phát triển") == {"op": "≥", "value": 3}
    assert module.parse_result("Đạt mức trên trung bình của thế giới") == {}
