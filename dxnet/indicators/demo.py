"""The demo reporting content: the indicators of Decision 1690, of Resolution 03 Annex I, of
online public services and of reading culture; the report forms that collect them, with dated
assignments and a survey; generated reports and values for every commune; targets assigned and
registered. Used by ``manage.py load_demo_reporting`` (``make run``) and by the tests.

Definitions and targets go through the services. The generated history (about 140,000 reports
and 930,000 values for 24 months) does not: replaying it through ``report_save``/``report_submit``
would take an hour, and the demo rewrites the past anyway (submission dates, late reports). It is
bulk-inserted in one transaction; the counted values then go through ``rollup.apply`` — the same
code that keeps the aggregates on every write — in two calls (values of the units before the 2025
reform, then the others, so that each unit's lineage is resolved once), and the load is recorded
as one audit entry. (``rollup.rebuild`` would give the same aggregates but re-reads every value
through the ORM: about a minute for the million values of the demo.)

Everything is deterministic for a given seed and day: each unit × period draws from its own
``random.Random(f"{seed}/…")``, so the values of a commune in a month do not depend on how many
months are generated. The whole load is idempotent: definitions are created only when missing,
values only when the monthly form has no report yet.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from dxnet.core import access, audit
from dxnet.network.models import Unit, UnitLineage, UnitType

from . import rollup, selectors, services
from .models import (
    Aggregate,
    DataValue,
    FormAssignment,
    FormIndicator,
    Indicator,
    Report,
    ReportEvent,
    ReportForm,
    Target,
    ValidationRule,
)
from .periods import Period, PeriodType, span

DATA = Path(__file__).resolve().parent / "data"
MONTHLY = "BC-CDS-XA-THANG"
YEARLY = "BC-1690-NAM"
YEARLY_COMMUNES = "BC-1690-XA-NAM"
SURVEY = "KS-DVCTT"
COMMUNES_FROM = dt.date(2025, 7, 1)  # the communes without districts exist since then
LEGACY_UNTIL = dt.date(2025, 6, 30)
DAK_LAK = "66"
FIRST_YEAR = 2025  # yearly forms are reported from 2025 (the year the Decision 1690 targets fall due) at least

# Rates of the generated history (share of expected reports).
MISSING, LATE, RETURNED, DRAFT = 0.04, 0.08, 0.015, 0.01
APPROVED_OLD, APPROVED_RECENT = 0.75, 0.3
OPEN_DRAFTS = 0.35  # current month: reports already started


@cache
def content() -> dict[str, Any]:
    return json.loads((DATA / "demo_reporting.json").read_text(encoding="utf-8"))


@cache
def annex1() -> dict[str, Any]:
    return json.loads((DATA / "nq03_annex1_targets.json").read_text(encoding="utf-8"))


def system_actor() -> Any:
    """Who the services see as acting. ``None`` (the system) where the access module lets the
    system act; else the first superuser (the demo's ``admin``), as an administrator would."""
    root = Unit.objects.filter(parent__isnull=True).order_by("path").first()
    if root is not None and access.can(None, "assign", root, Target):
        return None
    user = get_user_model().objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if user is None:
        raise LookupError(_("No administrator to act as: load the units and the demo cast first "
                            "(manage.py load_demo)."))
    return user


# --- definitions ----------------------------------------------------------------------------------


def ensure_indicators(*, actor: Any) -> dict[str, Indicator]:
    """Create the demo indicators that are missing (Decision 1690, online services, reading
    culture, the survey's questions, Resolution 03 Annex I); return all of them by code."""
    data = content()
    existing = set(Indicator.objects.values_list("code", flat=True))
    for spec in data["indicators"]:
        if spec["code"] in existing:
            continue
        version = {k: spec[k] for k in ("name", "name_en", "description", "value_type", "aggregation",
                                        "unit_of_measure", "decimals") if k in spec}
        for k in ("min_value", "max_value", "direction"):
            if k in spec:
                version[k] = spec[k]
        services.indicator_create(actor=actor, code=spec["code"], period_type=spec["period_type"],
                                  group=data["groups"][spec["group"]], valid_from_year=2020, **version)
    for spec in annex1()["indicators"]:
        if spec["code"] in existing:
            continue
        services.indicator_create(
            actor=actor, code=spec["code"], period_type=PeriodType.YEAR, group=spec["group"], valid_from_year=2025,
            name=spec["name"], name_en=spec["name_en"], description=spec["description"],
            value_type=spec["value_type"], aggregation=spec["aggregation"], direction=spec["direction"],
            unit_of_measure=spec["unit_of_measure"], decimals=spec["decimals"])
    codes = [s["code"] for s in data["indicators"]] + [s["code"] for s in annex1()["indicators"]]
    return {i.code: i for i in Indicator.objects.filter(code__in=codes).prefetch_related("versions")}


@dataclass
class Window:
    """The generated span: ``months`` complete months up to the last one before today."""

    today: dt.date
    months: int

    @property
    def current(self) -> Period:
        return Period.containing(PeriodType.MONTH, self.today)

    @property
    def last(self) -> Period:
        return self.current.previous()

    @property
    def first(self) -> Period:
        return self.last.previous(self.months - 1)

    @property
    def periods(self) -> list[Period]:
        return span(self.first, self.last)

    @property
    def years(self) -> list[Period]:
        """Complete years to report on the yearly forms."""
        first = min(self.first.start.year, FIRST_YEAR)
        return [Period.of(PeriodType.YEAR, y) for y in range(first, self.today.year)]

    @property
    def survey(self) -> Period:
        return Period.containing(PeriodType.QUARTER, self.today)


def ensure_forms(*, indicators: dict[str, Indicator], window: Window) -> dict[str, ReportForm]:
    """The four demo forms with their indicators, rules and dated assignments, when missing.
    There is no form service yet (definitions are being written): the rows are created here,
    and counted in the load's audit entry."""
    root = Unit.objects.get(parent__isnull=True, valid_to__isnull=True, unit_type=UnitType.NATIONAL)
    has_legacy = Unit.objects.filter(unit_type=UnitType.COMMUNE, code__startswith="L",
                                     valid_to=LEGACY_UNTIL).exists()
    forms: dict[str, ReportForm] = {}
    for spec in content()["forms"]:
        form = ReportForm.objects.filter(code=spec["code"]).first()
        if form is None:
            survey = spec.get("is_survey", False)
            form = ReportForm.objects.create(
                code=spec["code"], name=spec["name"], name_en=spec["name_en"], description=spec["description"],
                period_type=spec["period_type"], due_days=spec["due_days"],
                opens_days_before_end=spec["opens_days_before_end"], is_survey=survey,
                survey_period=window.survey.start if survey else None,
                owner=Unit.objects.get(code=spec["owner"]))
            FormIndicator.objects.bulk_create([
                FormIndicator(form=form, indicator=indicators[code], section=section, order=i)
                for i, (code, section) in enumerate(spec["indicators"])])
            for rule in spec.get("rules", []):
                ValidationRule.objects.create(form=form, left=indicators[rule["left"]], operator=rule["operator"],
                                              right=indicators[rule["right"]], message=rule["message"])
            for unit_type, valid_from, valid_to in _assignments(spec["code"], window, has_legacy):
                FormAssignment.objects.create(form=form, unit=root, unit_type=unit_type, valid_from=valid_from,
                                              valid_to=valid_to)
        forms[spec["code"]] = form
    return forms


def _assignments(code: str, window: Window, has_legacy: bool) -> list[tuple[str, dt.date, dt.date | None]]:
    if code == MONTHLY:
        rows: list[tuple[str, dt.date, dt.date | None]] = [(UnitType.COMMUNE, COMMUNES_FROM, None)]
        if has_legacy and window.first.start < COMMUNES_FROM:
            # The communes before the 2025 reform reported the same form until they ended: their
            # values roll up to their successors (lineage).
            rows.append((UnitType.COMMUNE, window.first.start, LEGACY_UNTIL))
        return rows
    if code in {YEARLY, YEARLY_COMMUNES}:
        since = dt.date(window.years[0].start.year if window.years else FIRST_YEAR, 1, 1)
        types = [UnitType.PROVINCE, UnitType.MINISTRY] if code == YEARLY else [UnitType.COMMUNE]
        return [(t, since, None) for t in types]
    if code == SURVEY:
        return [(UnitType.PROVINCE, window.survey.start, window.survey.end)]
    return []


# --- generated values -----------------------------------------------------------------------------


@dataclass
class Profile:
    """What drives a commune's numbers: its size, its province's level, its own offsets."""

    size: float  # dossiers received in an average month
    share0: float  # share of dossiers handled online in January 2024
    usage0: float  # share of network members using the national platforms in January 2024
    members: int
    reading: float


# indicator id, unit id, period, value, numerator, denominator, counted
Value = tuple[int, int, dt.date, float | None, float | None, float | None, bool]
Event = tuple[str, dt.datetime, str]  # action, at, comment


@dataclass
class Plan:
    """The reports of one form and period with their values and events, as plain tuples (model
    instances cost ten times more to build and to insert)."""

    form: ReportForm
    period: Period
    reports: list[tuple[int, str, dt.datetime | None, dt.datetime | None, dt.datetime | None]] = field(
        default_factory=list)  # unit id, status, submitted_at, first_submitted_at, approved_at
    values: list[list[Value]] = field(default_factory=list)  # per report, same order
    events: list[list[Event]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    legacy: set[int] = field(default_factory=set)  # ids of the plan's units no longer in force


def _month_index(period: Period) -> int:
    return (period.start.year - 2024) * 12 + period.start.month - 1


SEASON = {1: 1.05, 2: 0.7, 3: 1.0, 4: 1.0, 5: 1.0, 6: 1.05, 7: 1.0, 8: 0.95, 9: 1.0, 10: 1.05, 11: 1.05, 12: 1.15}
READING_SEASON = {1: 0.9, 2: 0.7, 3: 1.0, 4: 1.25, 5: 1.1, 6: 1.2, 7: 1.15, 8: 1.0, 9: 1.0, 10: 1.0, 11: 1.05,
                  12: 0.9}


class Generator:
    def __init__(self, *, seed: int, window: Window, forms: dict[str, ReportForm],
                 indicators: dict[str, Indicator]) -> None:
        self.seed, self.window, self.forms, self.ind = seed, window, forms, indicators
        self.now = timezone.now()
        self.tz = timezone.get_current_timezone()
        self.comments = content()["return_comments"]
        self._province_codes: dict[int, str] = {
            u.pk: u.code for u in Unit.objects.filter(unit_type=UnitType.PROVINCE)}
        self._profiles: dict[int, Profile] = {}

    # -- profiles --

    def profiles(self, units: Iterable[Unit]) -> None:
        """Profiles of legacy communes first (their sizes make their successors' sizes, so that
        a province's totals run on across the 2025 reform), then of the current ones."""
        units = [u for u in units if u.pk not in self._profiles]
        legacy = [u for u in units if u.valid_to is not None]
        current = [u for u in units if u.valid_to is None]
        successor_of: dict[int, int] = dict(UnitLineage.objects.filter(
            is_primary=True, predecessor__unit_type=UnitType.COMMUNE).values_list("predecessor_id", "successor_id"))
        new_province = {u.pk: self._province_of(u) for u in Unit.objects.filter(
            pk__in=set(successor_of.values())).only("pk", "path")}
        for u in legacy:
            prov = new_province.get(successor_of.get(u.pk, 0)) or self._province_of(u)
            self._profiles[u.pk] = self._draw(u, prov, base=1.0)
        inherited: dict[int, float] = defaultdict(float)
        for pred, succ in successor_of.items():
            if pred in self._profiles:
                inherited[succ] += self._profiles[pred].size
        for u in current:
            profile = self._draw(u, self._province_of(u), base=3.0)
            if inherited.get(u.pk):
                profile.size = inherited[u.pk]
            self._profiles[u.pk] = profile

    def _province_of(self, unit: Unit) -> str:
        for pk in unit.ancestor_ids:
            code = self._province_codes.get(pk)
            if code is not None:
                return code.removeprefix("L")
        return ""

    def _draw(self, unit: Unit, province: str, base: float) -> Profile:
        p = random.Random(f"{self.seed}/province/{province}")
        share0, usage0, reading, density = p.uniform(0.25, 0.62), p.uniform(0.45, 0.8), p.uniform(0.6, 1.5), \
            p.uniform(0.7, 1.6)
        r = random.Random(f"{self.seed}/unit/{unit.code}")
        urban = 1.8 if (unit.level_name or unit.name).lower().startswith("phường") else 1.0
        return Profile(
            size=max(15.0, r.lognormvariate(math.log(110 * density), 0.55)) * urban * base,
            share0=share0 + r.gauss(0, 0.07) + (0.05 if urban > 1 else 0.0),
            usage0=usage0 + r.gauss(0, 0.08),
            members=max(3, round(r.uniform(4, 14) * base)),
            reading=reading * r.uniform(0.7, 1.3),
        )

    # -- monthly reports --

    def month(self, plan: Plan, period: Period, units: list[Unit], *, current: bool = False) -> None:
        form = self.forms[MONTHLY]
        due = form.due_date(period)
        forced = self._forced(period, units)
        recent = period >= self.window.last.previous(1)
        for u in units:
            r = random.Random(f"{self.seed}/{u.code}/{period.dhis2}")
            values = self._monthly_values(r, u, period)
            fate = forced.get(u.pk) or self._fate(r, recent=recent, current=current)
            if fate == "missing":
                continue
            if fate == "draft":
                values = values[: r.randint(2, len(values))]
            self._report(plan, form, u, period, due, fate, values, r, approve_rate=APPROVED_RECENT if period
                         == self.window.last else APPROVED_OLD)

    def _fate(self, r: random.Random, *, recent: bool, current: bool) -> str:
        x = r.random()
        if current:
            return "draft" if x < OPEN_DRAFTS else "missing"
        if x < MISSING:
            return "missing"
        x -= MISSING
        if x < LATE:
            return "late"
        x -= LATE
        if recent and x < RETURNED:
            return "returned"
        x -= RETURNED
        if recent and x < DRAFT:
            return "draft"
        return "on_time"

    def _forced(self, period: Period, units: list[Unit]) -> dict[int, str]:
        """Đắk Lắk's communes in the last two complete months: some late, some missing, one
        returned, so that the province's supervisor has something to urge and review. The cast's
        commune Ea Kar (24373) has not sent its last report yet and has not started this month's;
        Buôn Ma Thuột (24133) reports on time and has started this month's report."""
        cast = {u.code: u.pk for u in units if u.code in {"24133", "24373"}}
        if period == self.window.current:
            return {pk: "draft" if code == "24133" else "missing" for code, pk in cast.items()}
        if period < self.window.last.previous(1):
            return {}
        dl = sorted((u for u in units if u.valid_to is None and u.code not in cast
                     and self._province_of(u) == DAK_LAK), key=lambda u: u.code)
        out = {pk: "on_time" for code, pk in cast.items() if code == "24133"}
        if period == self.window.last and "24373" in cast:
            out[cast["24373"]] = "missing"
        if not dl:
            return out
        r = random.Random(f"{self.seed}/daklak/{period.dhis2}")
        picked = r.sample(dl, k=min(len(dl), max(3, len(dl) // 5)))
        n_missing = max(1, len(picked) // 3)
        out.update({u.pk: "missing" for u in picked[:n_missing]})
        out.update({u.pk: "late" for u in picked[n_missing:-1]})
        out[picked[-1].pk] = "returned"
        return out

    def _monthly_values(self, r: random.Random, u: Unit, period: Period) -> list[tuple[str, float | None, float | None,
                                                                                        float | None]]:
        p = self._profiles[u.pk]
        t = _month_index(period)
        m = period.start.month
        received = max(3, round(p.size * SEASON[m] * r.uniform(0.85, 1.15)))
        share = min(0.98, max(0.03, p.share0 + 0.0075 * t + r.gauss(0, 0.03)))
        online = min(received, round(received * share))
        usage = min(1.0, max(0.1, p.usage0 + 0.011 * t + r.gauss(0, 0.04)))
        members = p.members + (1 if t > 18 and r.random() < 0.3 else 0)
        using = min(members, round(members * usage))
        visits = max(0, round(p.size * 1.2 * p.reading * READING_SEASON[m] * r.uniform(0.7, 1.3)))
        books = round(visits * r.uniform(0.4, 0.9))
        # In proportion to the commune's size, so that totals run on across the 2025 mergers.
        events = max(0, round(r.gauss(0.8 * p.size / 110 * p.reading * READING_SEASON[m], 0.6)))
        return [
            ("DVC-HS-TIEPNHAN", float(received), None, None),
            ("DVC-HS-TRUCTUYEN", float(online), None, None),
            ("DVC-TL-TRUCTUYEN", 100.0 * online / received, float(online), float(received)),
            ("QD1690-4", 100.0 * using / members, float(using), float(members)),
            ("VHD-LUOT-DOC", float(visits), None, None),
            ("VHD-LUOT-SACH", float(books), None, None),
            ("VHD-HOAT-DONG", float(events), None, None),
        ]

    # -- yearly reports and the survey --

    def year(self, plan: Plan, period: Period, form_code: str, units: list[Unit]) -> None:
        form = self.forms[form_code]
        due = form.due_date(period)
        communes = form_code == YEARLY_COMMUNES
        y = period.start.year
        for u in units:
            r = random.Random(f"{self.seed}/{form_code}/{u.code}/{y}")
            fate = self._fate(r, recent=False, current=False)
            if fate == "missing":
                continue
            progress = 0.0 if y <= 2024 else 1.0
            rows: list[tuple[str, float | None, float | None, float | None]] = []
            if not communes:
                rows.append(("QD1690-1", float(r.random() < 0.72 + 0.22 * progress), None, None))
                rows.append(("QD1690-2", float(r.random() < 0.5 + 0.3 * progress), None, None))
            rows.append(("QD1690-3", float(r.random() < (0.8 if not communes else 0.66) + 0.16 * progress), None,
                         None))
            staff = r.randint(25, 140) if not communes else r.randint(2, 12)
            trained = min(staff, round(staff * min(1.0, r.uniform(0.55, 0.92) + 0.1 * progress)))
            rows.append(("QD1690-5", 100.0 * trained / staff, float(trained), float(staff)))
            self._report(plan, form, u, period, due, fate, rows, r, approve_rate=0.85)

    def survey(self, plan: Plan, units: list[Unit]) -> None:
        """The one-off survey is in progress: about 60 % of the provinces have answered."""
        form = self.forms[SURVEY]
        period = Period(form.survey_period or self.window.survey.start, PeriodType.QUARTER)
        for u in units:
            r = random.Random(f"{self.seed}/survey/{u.code}")
            x = r.random()
            if x > 0.75:
                continue
            rows: list[tuple[str, float | None, float | None, float | None]] = [
                ("KS-DVC-HATANG", float(r.random() < 0.45), None, None),
                ("KS-DVC-KINHPHI", float(r.random() < 0.7), None, None),
                ("KS-DVC-NHANLUC", float(r.random() < 0.6), None, None),
                ("KS-DVC-TOANTRINH", float(r.randint(300, 1400)), None, None),
                ("KS-DVC-KIENNGHI", float(r.randint(0, 9)), None, None),
            ]
            fate = "draft" if x > 0.6 else "survey"
            self._report(plan, form, u, period, form.due_date(period), fate, rows, r, approve_rate=0.0)

    # -- one report --

    def _at(self, day: dt.date, r: random.Random) -> dt.datetime:
        """Office hours on ``day``, never in the future."""
        at = dt.datetime.combine(day, dt.time(r.randint(8, 16), r.randint(0, 59), r.randint(0, 59)), self.tz)
        return min(at, self.now - dt.timedelta(minutes=r.randint(5, 600)))

    def _report(self, plan: Plan, form: ReportForm, u: Unit, period: Period, due: dt.date, fate: str,
                rows: list[tuple[str, float | None, float | None, float | None]], r: random.Random,
                approve_rate: float) -> None:
        today = self.window.today
        status = Report.Status.DRAFT
        submitted = approved = None
        events: list[Event] = []
        counted = False
        if fate == "late" and due >= today - dt.timedelta(days=1):
            fate = "draft"  # not yet due: cannot be late
        if fate in {"on_time", "late", "returned", "survey"}:
            if fate == "late":
                last_day = min(today - dt.timedelta(days=1), due + dt.timedelta(days=25))
                day = due + dt.timedelta(days=r.randint(1, max(1, (last_day - due).days)))
            else:
                last_day = min(due, today)
                first_day = min(last_day, form.opens_on(period) if form.is_survey
                                else max(form.opens_on(period), period.end - dt.timedelta(days=3)))
                day = first_day + dt.timedelta(days=r.randint(0, (last_day - first_day).days))
            submitted = self._at(day, r)
            status = Report.Status.SUBMITTED
            events.append(("submit", submitted, ""))
            counted = True
            if fate == "returned":
                back = self._at(min(today, day + dt.timedelta(days=r.randint(1, 4))), r)
                status = Report.Status.RETURNED
                events.append(("return", max(back, submitted + dt.timedelta(minutes=30)), r.choice(self.comments)))
                counted = False
            elif r.random() < approve_rate:
                approved_day = day + dt.timedelta(days=r.randint(1, 10))
                if approved_day < today:
                    status = Report.Status.APPROVED
                    approved = max(self._at(approved_day, r), submitted + dt.timedelta(minutes=30))
                    events.append(("approve", approved, ""))
        plan.reports.append((u.pk, status, submitted, submitted, approved))
        if u.valid_to is not None:
            plan.legacy.add(u.pk)
        plan.values.append([(self.ind[code].pk, u.pk, period.start, value, num, den, counted)
                            for code, value, num, den in rows])
        # The workflow history (who submitted, approved, returned when) is kept for the last three
        # months and for returned reports: enough to show, and a quarter of a million rows fewer.
        plan.events.append(events if fate == "returned" or period >= self.window.last.previous(2) else [])
        plan.counts[f"reports.{status}"] += 1
        if fate == "late":
            plan.counts["reports.late"] += 1


# --- the load -------------------------------------------------------------------------------------


def generate(*, seed: int, window: Window, forms: dict[str, ReportForm], indicators: dict[str, Indicator],
             progress: Callable[[str], None] = lambda s: None) -> Counter[str]:
    """Generate and bulk-insert the reports and values of every expected unit and period, one
    period at a time (a million model instances at once would not fit a small machine), then
    put the counted values into the aggregates. Call inside a transaction."""
    gen = Generator(seed=seed, window=window, forms=forms, indicators=indicators)
    counts: Counter[str] = Counter()
    pending: dict[bool, list[tuple[int, int, dt.date, float | None, float | None, float | None]]] = defaultdict(list)
    monthly = forms[MONTHLY]
    fields = ["pk", "code", "path", "name", "level_name", "valid_from", "valid_to"]
    expected: dict[Period, list[Unit]] = {}
    for period in [*window.periods, window.current]:
        expected[period] = list(selectors.expected_units(form=monthly, period=period).only(*fields).order_by("code"))
    gen.profiles({u.pk: u for units in expected.values() for u in units}.values())
    for period, units in expected.items():
        plan = Plan(monthly, period)
        gen.month(plan, period, units, current=period == window.current)
        _insert(plan, counts, pending)
    progress(f"monthly reports: {counts['reports']}, values: {counts['values']}")
    for code in (YEARLY, YEARLY_COMMUNES):
        for year in window.years:
            plan = Plan(forms[code], year)
            gen.year(plan, year, code, list(selectors.expected_units(form=forms[code], period=year)
                                            .only(*fields).order_by("code")))
            _insert(plan, counts, pending)
    survey = forms[SURVEY]
    if survey.survey_period:
        period = Period(survey.survey_period, PeriodType.QUARTER)
        plan = Plan(survey, period)
        gen.survey(plan, list(selectors.expected_units(form=survey, period=period).only(*fields).order_by("code")))
        _insert(plan, counts, pending)
    progress(f"all reports: {counts['reports']}, values: {counts['values']}")
    for legacy in (True, False):
        deltas = [(ind, unit, period, rollup.contribution(v, n, d))
                  for ind, unit, period, v, n, d in pending.pop(legacy, [])]
        counts["aggregates"] += rollup.apply(deltas)
        del deltas
    progress(f"aggregates updated: {counts['aggregates']} rows")
    return counts


def _insert(plan: Plan, counts: Counter[str],
            pending: dict[bool, list[tuple[int, int, dt.date, float | None, float | None, float | None]]]) -> None:
    """Insert one plan with ``executemany`` (same SQL on SQLite and PostgreSQL). The new reports'
    ids are read back by (form, period), which no other report of the plan's form had."""
    if not plan.reports:
        return
    ops, q = connection.ops, connection.ops.quote_name
    now = ops.adapt_datetimefield_value(timezone.now())
    period = ops.adapt_datefield_value(plan.period.start)
    ts = ops.adapt_datetimefield_value
    report_t, value_t, event_t = (q(m._meta.db_table) for m in (Report, DataValue, ReportEvent))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {report_t} (form_id, unit_id, period, status, submitted_at, first_submitted_at, "
            f"approved_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            [(plan.form.pk, unit_id, period, status, ts(sub), ts(first), ts(appr), now)
             for unit_id, status, sub, first, appr in plan.reports])
        cursor.execute(f"SELECT unit_id, id FROM {report_t} WHERE form_id = %s AND period = %s",
                       [plan.form.pk, period])
        report_id = dict(cursor.fetchall())
        values, events = [], []
        for (unit_id, *_rest), report_values, report_events in zip(plan.reports, plan.values, plan.events,
                                                                   strict=True):
            rid = report_id[unit_id]
            values += [(ind, unit, period, v, n, d, "", counted, rid, now)
                       for ind, unit, _p, v, n, d, counted in report_values]
            events += [(rid, action, ts(at), comment) for action, at, comment in report_events]
        cursor.executemany(
            f"INSERT INTO {value_t} (indicator_id, unit_id, period, value, numerator, denominator, comment, "
            f"counted, report_id, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", values)
        cursor.executemany(
            f"INSERT INTO {event_t} (report_id, action, at, comment) VALUES (%s, %s, %s, %s)", events)
    counts.update(plan.counts)
    counts["reports"] += len(plan.reports)
    counts["values"] += len(values)
    counts["values.counted"] += sum(1 for v in values if v[7])
    # Counted values wait for the aggregates, grouped by whether their unit still exists.
    for (unit_id, *_rest), report_values in zip(plan.reports, plan.values, strict=True):
        legacy = unit_id in plan.legacy
        pending[legacy].extend(v[:6] for v in report_values if v[6])
    counts["events"] += len(events)


# --- targets --------------------------------------------------------------------------------------


def ensure_targets(*, actor: Any, seed: int, window: Window, indicators: dict[str, Indicator]) -> None:
    """National targets (Decision 1690, Resolution 03 Annex I, online dossiers), provincial targets
    assigned by the ministry or registered by the provinces, and a few targets registered by
    communes of Đắk Lắk. Unchanged targets are left alone (``target_set`` is then a no-op)."""
    notes = content()["target_notes"]
    root = Unit.objects.get(parent__isnull=True, valid_to__isnull=True, unit_type=UnitType.NATIONAL)
    this_year, last_year = window.today.year, window.today.year - 1

    def put(code: str, unit: Unit, year: int, value: float, origin: str, agree: bool, note: str = "") -> None:
        period = Period.of(PeriodType.YEAR, year)
        target = services.target_set(actor=actor, indicator=indicators[code], unit=unit, period=period,
                                     value=value, origin=origin, note=note)
        if agree and target.state != Target.State.AGREED:
            services.target_agree(actor=actor, target=target)

    for spec in annex1()["indicators"]:
        for t in spec["targets"]:
            if "value" in t:
                put(spec["code"], root, t["year"], float(t["value"]), Target.Origin.ASSIGNED, True, t["note"])
    for year in sorted({min(last_year, 2025), last_year, this_year}):
        for code in ("QD1690-1", "QD1690-2", "QD1690-3", "QD1690-4", "QD1690-5"):
            put(code, root, year, 100.0, Target.Origin.ASSIGNED, True, notes["assigned"])
        put("DVC-TL-TRUCTUYEN", root, year, _national_online(year), Target.Origin.ASSIGNED, True, notes["assigned"])

    provinces = list(Unit.objects.current(window.today).filter(unit_type=UnitType.PROVINCE).order_by("code"))
    for i, province in enumerate(provinces):
        p = random.Random(f"{seed}/province/{province.code}")
        share0, usage0 = p.uniform(0.25, 0.62), p.uniform(0.45, 0.8)
        for year in (last_year, this_year):
            t = _month_index(Period.of(PeriodType.MONTH, year, 12))
            online = _round5(100 * min(0.95, share0 + 0.0075 * t + 0.05))
            usage = _round5(100 * min(1.0, usage0 + 0.011 * t + 0.05))
            if year == last_year or i % 3 == 1:  # assigned by the ministry, agreed
                put("DVC-TL-TRUCTUYEN", province, year, online, Target.Origin.ASSIGNED, True, notes["assigned"])
                put("QD1690-4", province, year, usage, Target.Origin.ASSIGNED, True, notes["assigned"])
            else:  # registered by the province; a third still waiting for the ministry's agreement
                agreed = i % 3 == 2
                put("DVC-TL-TRUCTUYEN", province, year, online + 5, Target.Origin.REGISTERED, agreed,
                    notes["registered"])
                put("QD1690-4", province, year, usage, Target.Origin.REGISTERED, agreed, notes["registered"])
    dak_lak = Unit.objects.filter(code=DAK_LAK).first()
    if dak_lak is None:
        return
    communes = list(Unit.objects.current(window.today).subtree_of(dak_lak).filter(unit_type=UnitType.COMMUNE)
                    .order_by("code"))
    chosen = [u for u in communes if u.code in {"24133", "24373"}]
    chosen += random.Random(f"{seed}/daklak/targets").sample([u for u in communes if u not in chosen],
                                                             k=min(6, max(0, len(communes) - len(chosen))))
    for j, commune in enumerate(chosen):
        r = random.Random(f"{seed}/target/{commune.code}")
        put("DVC-TL-TRUCTUYEN", commune, this_year, _round5(r.uniform(55, 85)), Target.Origin.REGISTERED,
            j % 2 == 1, notes["registered"])


def _national_online(year: int) -> float:
    return {2024: 45.0, 2025: 55.0, 2026: 65.0}.get(year, min(90.0, 65.0 + 5 * (year - 2026)))


def _round5(x: float) -> float:
    return float(min(100, 5 * round(x / 5)))


# --- entry point ----------------------------------------------------------------------------------


def _counts() -> dict[str, int]:
    models: list[type[Model]] = [Indicator, ReportForm, FormAssignment, Report, DataValue, Target, Aggregate]
    return {m._meta.model_name or m.__name__: m.objects.count() for m in models}


def load(*, months: int = 24, seed: int = 1, today: dt.date | None = None,
         progress: Callable[[str], None] = lambda s: None) -> dict[str, Any]:
    """Load the demo reporting content; a second call adds nothing. Returns what was created."""
    if months < 1:
        raise ValueError(_("Give at least one month."))
    window = Window(today or timezone.localdate(), months)
    actor = system_actor()
    before = _counts()
    with transaction.atomic():
        indicators = ensure_indicators(actor=actor)
        forms = ensure_forms(indicators=indicators, window=window)
        progress(f"{len(indicators)} indicators, {len(forms)} forms")
        generated: Counter[str] = Counter()
        if not Report.objects.filter(form=forms[MONTHLY]).exists():
            generated = generate(seed=seed, window=window, forms=forms, indicators=indicators, progress=progress)
        ensure_targets(actor=actor, seed=seed, window=window, indicators=indicators)
        after = _counts()
        created = {k: after[k] - before[k] for k in after if after[k] != before[k]}
        if created:
            summary = {"created": created, "generated": dict(generated), "months": months, "seed": seed,
                       "first": window.first.dhis2, "last": window.last.dhis2}
            audit.record(actor=actor, action="demo.reporting.load", obj=forms[MONTHLY], after=summary)
    return {"created": created, "generated": dict(generated), "window": (window.first, window.last)}
