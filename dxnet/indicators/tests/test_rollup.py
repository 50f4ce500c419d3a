"""Live rollups: always equal to a brute-force aggregation of the stored values, for every
aggregation rule, lineage included (property-based), and visible on the very next read."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dxnet.indicators import rollup, selectors, services
from dxnet.indicators.models import Aggregation, DataValue, Indicator
from dxnet.indicators.periods import Period, PeriodType
from dxnet.network import selectors as network
from dxnet.network.models import Unit

from .factories import RULES, indicator

# Current communes of Đắk Lắk and Hà Nội, a pre-2025 ward merged into Buôn Ma Thuột (L24133),
# and a pre-2025 commune split between two new ones (L22315 → 22015 primary, 22319).
LEAVES = ["24133", "24373", "22015", "22319", "00070", "L24133", "L22315"]
CHECKED = ["VN", "66", "01", "24133", "22015", "22319", "L66", "L54"]
JAN, FEB = Period.of(PeriodType.MONTH, 2025, 1), Period.of(PeriodType.MONTH, 2025, 2)


def brute_force(indicator: Indicator, unit: Unit, period: Period) -> float | None:
    """Aggregate from scratch: every counted value whose unit lies in the subtree, or whose
    primary successor (followed to the units in force) lies in it."""
    values = []
    for v in DataValue.objects.filter(indicator=indicator, period=period.start, counted=True).select_related("unit"):
        successors = network.unit_successors(unit=v.unit, primary_only=True) if not v.unit.is_current() else []
        if unit.contains(v.unit) or any(unit.contains(s) for s in successors):
            values.append(v)
    if not values:
        return None
    rule = indicator.version_for(period.start.year).aggregation
    total = sum(v.value for v in values)
    match rule:
        case Aggregation.SUM | Aggregation.COUNT_YES | Aggregation.LATEST:
            return total
        case Aggregation.AVERAGE:
            return total / len(values)
        case Aggregation.SHARE_YES:
            return 100 * total / len(values)
        case Aggregation.RATIO_OF_SUMS:
            return 100 * sum(v.numerator for v in values) / sum(v.denominator for v in values)
    raise AssertionError(rule)


value_strategy = st.one_of(
    st.none(), st.integers(0, 1000), st.floats(0, 1000, allow_nan=False).map(lambda x: round(x, 2)))
writes = st.lists(st.tuples(st.sampled_from(LEAVES), st.sampled_from([JAN, FEB]), value_strategy), min_size=1,
                  max_size=25)


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rule=st.sampled_from(list(RULES)), batches=st.lists(writes, min_size=1, max_size=3))
def test_rollup_equals_brute_force_for_every_rule(rule: str, batches: list[list[tuple[str, Period, Any]]]) -> None:
    with transaction.atomic():
        ind = indicator(f"P-{rule}", rule)
        ratio = RULES[Aggregation(rule)] == "ratio"
        yes_no = RULES[Aggregation(rule)] == "yes_no"
        for batch in batches:  # several writes: creations, updates, deletions (None) in turn
            rows, seen = [], set()
            for code, period, raw in batch:
                if (code, period) in seen:
                    continue
                seen.add((code, period))
                if ratio:
                    den = None if raw is None else float(raw) + 1
                    rows.append(services.ValueInput(ind, code, period, numerator=None if raw is None else raw / 2,
                                                    denominator=den))
                else:
                    value = None if raw is None else (int(raw) % 2 if yes_no else raw)
                    rows.append(services.ValueInput(ind, code, period, value=value))
            services.values_write(actor=None, rows=rows)
        for code in CHECKED:
            unit = Unit.objects.get(code=code)
            for period in (JAN, FEB):
                got = selectors.rollup_cells(indicator=ind, units=[unit], periods=[period])[0].value
                want = brute_force(ind, unit, period)
                assert (got is None) == (want is None), (code, period, got, want)
                if got is not None:
                    assert got == pytest.approx(want, rel=1e-9, abs=1e-6), (code, period)
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_a_value_appears_in_the_national_figure_on_the_next_read() -> None:
    ind = indicator("HS-ONLINE")
    vn = Unit.objects.get(code="VN")
    assert selectors.rollup_total(indicator=ind, unit=vn, periods=[JAN]) is None
    services.values_write(actor=None, rows=[services.ValueInput(ind, "24373", "202501", value=40)])
    assert selectors.rollup_total(indicator=ind, unit=vn, periods=[JAN]) == 40
    services.values_write(actor=None, rows=[services.ValueInput(ind, "24373", "202501", value=45)])
    assert selectors.rollup_total(indicator=ind, unit=vn, periods=[JAN]) == 45
    services.values_write(actor=None, rows=[services.ValueInput(ind, "24373", "202501", value="")])
    assert selectors.rollup_total(indicator=ind, unit=vn, periods=[JAN]) is None


@pytest.mark.django_db
def test_legacy_commune_values_count_toward_the_successor() -> None:
    ind = indicator("LEGACY")
    services.values_write(actor=None, rows=[
        services.ValueInput(ind, "L24133", "202501", value=7),   # Phường Thành Công, merged into Buôn Ma Thuột
        services.ValueInput(ind, "24133", "202501", value=3),
    ])
    def total(code: str) -> float | None:
        return selectors.rollup_total(indicator=ind, unit=Unit.objects.get(code=code), periods=[JAN])

    assert total("24133") == 10 and total("66") == 10 and total("VN") == 10
    assert total("L66") == 7  # the old province still adds up its own old communes
    assert total("01") is None


@pytest.mark.django_db
def test_a_split_commune_counts_wholly_toward_its_primary_successor() -> None:
    ind = indicator("SPLIT")
    services.values_write(actor=None, rows=[services.ValueInput(ind, "L22315", "202501", value=12)])
    def total(code: str) -> float | None:
        return selectors.rollup_total(indicator=ind, unit=Unit.objects.get(code=code), periods=[JAN])

    assert total("22015") == 12  # primary successor
    assert total("22319") is None  # the other part of the split gets nothing: no double count
    assert total("66") == 12 and total("VN") == 12


@pytest.mark.django_db
def test_over_time_flows_add_up_and_stocks_take_the_latest() -> None:
    flow, stock = indicator("FLOW"), indicator("STOCK", Aggregation.SHARE_YES)
    services.values_write(actor=None, rows=[
        services.ValueInput(flow, "24133", "202501", value=2), services.ValueInput(flow, "24133", "202502", value=5),
        services.ValueInput(stock, "24133", "202501", value="có"),
        services.ValueInput(stock, "24373", "202501", value=0),
        services.ValueInput(stock, "24133", "202502", value=1), services.ValueInput(stock, "24373", "202502", value=1),
    ])
    dak_lak = Unit.objects.get(code="66")
    assert selectors.rollup_total(indicator=flow, unit=dak_lak, periods=[JAN, FEB]) == 7
    assert selectors.rollup_total(indicator=stock, unit=dak_lak, periods=[JAN]) == 50
    assert selectors.rollup_total(indicator=stock, unit=dak_lak, periods=[JAN, FEB]) == 100


@pytest.mark.django_db
def test_a_new_definition_applies_from_its_year() -> None:
    ind = indicator("DTI", Aggregation.SUM, valid_from_year=2024)
    services.indicator_version_set(actor=None, indicator=ind, valid_from_year=2025, aggregation=Aggregation.AVERAGE)
    ind = Indicator.objects.get(pk=ind.pk)
    dec24, jan25 = Period.of(PeriodType.MONTH, 2024, 12), JAN
    rows = [services.ValueInput(ind, c, p, value=v) for p in (dec24, jan25) for c, v in (("24133", 10), ("24373", 20))]
    services.values_write(actor=None, rows=rows)
    dak_lak = Unit.objects.get(code="66")
    assert selectors.rollup_total(indicator=ind, unit=dak_lak, periods=[dec24]) == 30  # sum in 2024
    assert selectors.rollup_total(indicator=ind, unit=dak_lak, periods=[jan25]) == 15  # average from 2025


@pytest.mark.django_db
def test_rebuild_gives_the_same_aggregates() -> None:
    from dxnet.indicators.models import Aggregate

    ind = indicator("REB")
    services.values_write(actor=None, rows=[services.ValueInput(ind, c, "202501", value=i) for i, c in
                                            enumerate(LEAVES, start=1)])
    before = sorted(Aggregate.objects.filter(indicator=ind, n__gt=0).values_list("unit_id", "period", "n", "total"))
    rollup.rebuild(indicator=ind)
    after = sorted(Aggregate.objects.filter(indicator=ind, n__gt=0).values_list("unit_id", "period", "n", "total"))
    assert before == after and len(before) > 5


def test_periods_parse_and_print_dhis2() -> None:
    for text, label in [("202501", "01/2025"), ("2025Q2", "Quý II/2025"), ("2025S1", "6 tháng đầu năm 2025"),
                        ("2025", "Năm 2025")]:
        p = Period.parse(text)
        assert p.dhis2 == text and p.label() == label
    assert Period.parse("2025-03").dhis2 == "202503"
    assert Period.parse("2025Q4").end == dt.date(2025, 12, 31)
    assert Period.parse("202412").next().dhis2 == "202501"
    with pytest.raises(ValueError):
        Period.parse("2025M13")
    with pytest.raises(ValueError):
        Period.parse("2025Q1", PeriodType.MONTH)


@pytest.mark.parametrize(("text", "number"), [
    ("1234", 1234), ("1.200", 1200), ("1.234.567", 1234567), ("1 200", 1200), ("12,5", 12.5), ("1.234,5", 1234.5),
    ("1,234.5", 1234.5), ("1.5", 1.5), ("12.50", 12.5), ("0.125", 0.125), ("85%", 85),
])
def test_numbers_as_officials_type_them(text: str, number: float) -> None:
    from dxnet.indicators.validation import parse_number

    assert parse_number(text) == number
