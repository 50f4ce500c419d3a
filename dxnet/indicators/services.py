"""Writes of indicators, values, reports and targets. Every write checks access, validates,
stores, keeps the aggregates and records its audit line in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from dxnet.core import access, audit
from dxnet.network.models import Unit

from . import rollup, validation
from .models import DataValue, Indicator, IndicatorVersion, Report, ReportEvent, ReportForm, Target, TargetEvent
from .periods import Period, PeriodError, PeriodType


class Rejected(Exception):
    """Nothing was stored. ``errors`` lists every problem: (row label, field, message)."""

    def __init__(self, errors: list[tuple[str, str, str]]) -> None:
        super().__init__(f"{len(errors)} problem(s)")
        self.errors = errors


# --- indicators ---------------------------------------------------------------------------------


def indicator_create(*, actor: Any, code: str, period_type: str, group: str = "", valid_from_year: int = 2020,
                     **version: Any) -> Indicator:
    """Define an indicator (no code needed: admins do it in the UI)."""
    if actor is not None and not actor.is_superuser and not access.units(actor, "change").exists():
        raise Http404
    problems = validation.version_problems(version)
    if problems:
        raise Rejected(problems)
    with transaction.atomic():
        indicator = Indicator.objects.create(code=code.strip(), period_type=PeriodType(period_type), group=group)
        v = IndicatorVersion.objects.create(indicator=indicator, valid_from_year=valid_from_year, **version)
        audit.record(actor=actor, action="indicator.create", obj=indicator,
                     after={"code": code, "period_type": period_type, **audit.snapshot(v)})
    return indicator


def indicator_version_set(*, actor: Any, indicator: Indicator, valid_from_year: int, **fields: Any) -> IndicatorVersion:
    """Add (or change) the definition in force from ``valid_from_year``. Stored values are kept;
    periods of that year onward are computed with the new definition."""
    if actor is not None and not actor.is_superuser and not access.units(actor, "change").exists():
        raise Http404
    with transaction.atomic():
        version = IndicatorVersion.objects.filter(indicator=indicator, valid_from_year=valid_from_year).first()
        before = audit.snapshot(version) if version else None
        base = version or indicator.version_for(valid_from_year)
        data = {f.name: getattr(base, f.name) for f in IndicatorVersion._meta.concrete_fields
                if base is not None and f.name not in {"id", "indicator", "valid_from_year"}}
        data.update(fields)
        problems = validation.version_problems(data)
        if problems:
            raise Rejected(problems)
        version, _created = IndicatorVersion.objects.update_or_create(
            indicator=indicator, valid_from_year=valid_from_year, defaults=data)
        audit.record(actor=actor, action="indicator.version", obj=indicator, before=before,
                     after=audit.snapshot(version))
    if hasattr(indicator, "_versions"):
        del indicator._versions
    return version


# --- values -------------------------------------------------------------------------------------


@dataclass
class ValueInput:
    """One value to store, as it came in (raw text or numbers); ``row`` names it in messages."""

    indicator: str | Indicator
    unit: str | Unit
    period: str | dt.date | Period
    value: object = None
    numerator: object = None
    denominator: object = None
    comment: str = ""
    row: str = ""


@dataclass
class WriteResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    warnings: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + self.deleted


def values_write(*, actor: Any, rows: Sequence[ValueInput], counted: bool = True, report: Report | None = None,
                 source: str = "api") -> WriteResult:
    """Store values, all or nothing. Each row is checked for its unit (existing, and within the
    actor's write scope — else "unknown unit", never a hint that it exists), indicator, period,
    value, and for a report already submitted or approved (locked). Raises ``Rejected`` naming
    every bad row; on success the aggregates above each unit are updated in the same transaction."""
    indicators = {i.code: i for i in Indicator.objects.prefetch_related("versions")}
    unit_codes = {r.unit for r in rows if isinstance(r.unit, str)}
    units = {u.code: u for u in Unit.objects.filter(code__in=unit_codes)}
    units.update({r.unit.code: r.unit for r in rows if isinstance(r.unit, Unit)})
    # actor None: the system itself (demo data, benchmarks) writes anywhere.
    allowed_ids = None if actor is None else {
        u.pk for u in units.values() if access.can(actor, "write", u, DataValue)}
    errors: list[tuple[str, str, str]] = []
    clean: dict[tuple[int, int, dt.date], tuple[Any, ...]] = {}
    # Imports send tens of thousands of rows over a few indicators and periods: parse each
    # period and find each definition once.
    periods: dict[tuple[Any, PeriodType], Period | PeriodError] = {}
    versions: dict[tuple[int, int], IndicatorVersion | None] = {}
    for i, r in enumerate(rows, start=1):
        label = r.row or _("row %(n)d") % {"n": i}
        indicator = r.indicator if isinstance(r.indicator, Indicator) else indicators.get(str(r.indicator).strip())
        unit = r.unit if isinstance(r.unit, Unit) else units.get(str(r.unit).strip())
        if indicator is None:
            errors.append((label, "indicator", _("unknown indicator “%(code)s”") % {"code": r.indicator}))
        if unit is None or (allowed_ids is not None and unit.pk not in allowed_ids):
            errors.append((label, "unit", _("unknown unit “%(code)s”") % {"code": getattr(r.unit, "code", r.unit)}))
        if indicator is None or unit is None or (allowed_ids is not None and unit.pk not in allowed_ids):
            continue
        pkey = (r.period, indicator.ptype)
        period = periods.get(pkey)
        if period is None:
            try:
                period = periods[pkey] = _period(r.period, indicator.ptype)
            except PeriodError as exc:
                period = periods[pkey] = exc
        if isinstance(period, PeriodError):
            errors.append((label, "period", str(period)))
            continue
        vkey = (indicator.pk, period.start.year)
        if vkey not in versions:
            versions[vkey] = indicator.version_for(period.start.year)
        parsed = validation.parse(versions[vkey], r.value, r.numerator, r.denominator)
        for message in parsed.errors:
            errors.append((label, "value", message))
        key = (indicator.pk, unit.pk, period.start)
        if key in clean:
            errors.append((label, "row", _("duplicate of %(other)s (same unit, indicator and period)")
                           % {"other": clean[key][0]}))
            continue
        clean[key] = (label, parsed, (r.comment or "").strip())
    if errors:
        raise Rejected(errors)
    return _store(actor=actor, clean=clean, counted=counted, report=report, source=source)


def _period(raw: str | dt.date | Period, ptype: PeriodType) -> Period:
    if isinstance(raw, Period):
        if raw.type != ptype:
            raise PeriodError(f"{raw} is not a {ptype.value} period")
        return raw
    if isinstance(raw, dt.date):
        period = Period.containing(ptype, raw)
        if period.start != raw:
            raise PeriodError(f"{raw} is not the first day of a {ptype.value} period")
        return period
    return Period.parse(raw, ptype)


def _store(*, actor: Any, clean: dict[tuple[int, int, dt.date], tuple[Any, ...]], counted: bool,
           report: Report | None, source: str) -> WriteResult:
    result = WriteResult()
    keys = list(clean)
    with transaction.atomic():
        existing = _existing_values(keys)
        locked = _locked_reports(keys)
        if locked:
            raise Rejected([
                (clean[k][0], "report",
                 _("the report of this unit and period is %(status)s: values can change only after the supervisor "
                   "returns it") % {"status": r.get_status_display().lower()})
                for k, r in locked.items()
            ])
        deltas: list[tuple[int, int, dt.date, rollup.Sums]] = []
        upserts: list[tuple[Any, ...]] = []
        to_delete: list[int] = []
        for key, (_label, parsed, comment) in clean.items():
            old = existing.get(key)  # (pk, value, numerator, denominator, comment, counted)
            old_sums = rollup.contribution(*old[1:4]) if old is not None and old[5] else rollup.Sums()
            if parsed.empty:
                if old is not None:
                    to_delete.append(old[0])
                    result.deleted += 1
                    deltas.append((*key, _minus(old_sums)))
                continue
            if old is not None and old[1:] == (parsed.value, parsed.numerator, parsed.denominator, comment, counted):
                result.unchanged += 1
                continue
            if old is None:
                result.created += 1
            else:
                result.updated += 1
            upserts.append((*key, parsed.value, parsed.numerator, parsed.denominator, comment, counted))
            new_sums = rollup.contribution(parsed.value, parsed.numerator, parsed.denominator) if counted \
                else rollup.Sums()
            delta = rollup.Sums(new_sums.n - old_sums.n, new_sums.total - old_sums.total,
                                new_sums.num - old_sums.num, new_sums.den - old_sums.den)
            if delta.n or delta.total or delta.num or delta.den:
                deltas.append((*key, delta))
        for start in range(0, len(to_delete), 900):
            DataValue.objects.filter(pk__in=to_delete[start : start + 900]).delete()
        _upsert_values(upserts, report)
        rollup.apply(deltas)
        if result.created or result.updated or result.deleted:
            first = keys[0]
            audit.record(actor=actor, action=f"values.write.{source}",
                         obj=report or Indicator.objects.get(pk=first[0]),
                         after={"created": result.created, "updated": result.updated, "deleted": result.deleted,
                                "counted": counted, "units": len({k[1] for k in keys})},
                         unit=Unit.objects.filter(pk=first[1]).first())
    return result


def _existing_values(keys: list[tuple[int, int, dt.date]]) -> dict[tuple[int, int, dt.date], tuple[Any, ...]]:
    """The stored values for ``keys``, locked for the transaction (one query per 2,000 units)."""
    wanted = set(keys)
    indicators = sorted({k[0] for k in keys})
    periods = sorted({k[2] for k in keys})
    units = sorted({k[1] for k in keys})
    out: dict[tuple[int, int, dt.date], tuple[Any, ...]] = {}
    for start in range(0, len(units), 2000):
        rows = DataValue.objects.select_for_update().filter(
            indicator_id__in=indicators, unit_id__in=units[start : start + 2000], period__in=periods,
        ).values_list("indicator_id", "unit_id", "period", "pk", "value", "numerator", "denominator", "comment",
                      "counted")
        for r in rows:
            if (r[0], r[1], r[2]) in wanted:
                out[(r[0], r[1], r[2])] = r[3:]
    return out


def _upsert_values(rows: list[tuple[Any, ...]], report: Report | None) -> None:
    """INSERT … ON CONFLICT DO UPDATE in batches: the same SQL on SQLite and PostgreSQL, and far
    cheaper than the ORM's bulk_update (one CASE per column per row)."""
    if not rows:
        return
    from django.db import connection

    table = connection.ops.quote_name(DataValue._meta.db_table)
    ops = connection.ops
    now = timezone.now() if connection.vendor == "postgresql" else ops.adapt_datetimefield_value(timezone.now())
    dates = {d: ops.adapt_datefield_value(d) for d in {r[2] for r in rows}}
    report_id = report.pk if report is not None else None
    columns = "indicator_id, unit_id, period, value, numerator, denominator, comment, counted, report_id, updated_at"
    report_update = "report_id = excluded.report_id, " if report_id is not None else ""
    update = ("ON CONFLICT (indicator_id, unit_id, period) DO UPDATE SET value = excluded.value, "
              "numerator = excluded.numerator, denominator = excluded.denominator, comment = excluded.comment, "
              f"counted = excluded.counted, {report_update}updated_at = excluded.updated_at")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One array per column: the statement stays small however many rows it carries
            # (thousands of %s placeholders cost more to parse than the insert itself).
            for start in range(0, len(rows), 5000):
                c = list(zip(*rows[start : start + 5000], strict=True))
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) SELECT i, u, p, v, n, d, c, k, %s::bigint, %s::timestamptz "
                    "FROM unnest(%s::bigint[], %s::bigint[], %s::date[], %s::float8[], %s::float8[], %s::float8[], "
                    f"%s::text[], %s::bool[]) AS x(i, u, p, v, n, d, c, k) {update}",
                    [report_id, now, *[list(col) for col in c]],
                )
            return
        for start in range(0, len(rows), 400):
            chunk = rows[start : start + 400]
            params: list[Any] = []
            for r in chunk:
                params += [r[0], r[1], dates[r[2]], *r[3:], report_id, now]
            placeholders = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {placeholders} {update}", params)


def _minus(s: rollup.Sums) -> rollup.Sums:
    return rollup.Sums(-s.n, -s.total, -s.num, -s.den)


def _locked_reports(keys: list[tuple[int, int, dt.date]]) -> dict[tuple[int, int, dt.date], Report]:
    """Keys whose unit and period belong to a submitted or approved report of a form that holds
    the indicator: those values change only through the report's workflow."""
    if not keys:
        return {}
    from .models import FormIndicator

    forms_of: dict[int, set[int]] = {}
    for form_id, indicator_id in FormIndicator.objects.filter(indicator_id__in={k[0] for k in keys}).values_list(
            "form_id", "indicator_id"):
        forms_of.setdefault(indicator_id, set()).add(form_id)
    if not forms_of:
        return {}
    reports = Report.objects.filter(unit_id__in={k[1] for k in keys}, period__in={k[2] for k in keys},
                                    form_id__in={f for s in forms_of.values() for f in s},
                                    status__in=[Report.Status.SUBMITTED, Report.Status.APPROVED])
    by = {(r.form_id, r.unit_id, r.period): r for r in reports}
    out: dict[tuple[int, int, dt.date], Report] = {}
    for k in keys:
        for form_id in forms_of.get(k[0], ()):
            r = by.get((form_id, k[1], k[2]))
            if r is not None:
                out[k] = r
    return out


# --- reports ------------------------------------------------------------------------------------


def report_open(*, actor: Any, form: ReportForm, unit: Unit, period: Period) -> Report:
    """The unit's report of ``form`` for ``period``, created as a draft when missing."""
    access.check(actor, "write", unit, Report)
    if period.type != form.ptype:
        raise PeriodError(f"{period} is not a {form.ptype.value} period")
    report, created = Report.objects.get_or_create(form=form, unit=unit, period=period.start)
    if created:
        audit.record(actor=actor, action="report.create", obj=report, after={"status": report.status}, unit=unit)
    return report


def report_save(*, actor: Any, report: Report, raw: dict[int, dict[str, object]]) -> WriteResult:
    """Save the values typed in the form (``raw[indicator_id] = {"value"|"numerator"|"denominator"|
    "comment": …}``) as the report's draft. Outliers need a comment; rules between indicators
    must hold. Raises ``Rejected`` with every problem; stores nothing then."""
    access.check(actor, "write", report.unit, Report)
    if report.is_locked:
        raise Rejected([("", "report", _("this report is %(status)s and can no longer be changed")
                         % {"status": report.get_status_display().lower()})])
    form_indicators = list(report.form.form_indicators.select_related("indicator"))
    rows, problems = [], []
    period = report.period_obj
    for fi in form_indicators:
        data = raw.get(fi.indicator_id, {})
        version = fi.indicator.version_for(period.start.year)
        rows.append(ValueInput(indicator=fi.indicator, unit=report.unit, period=period, value=data.get("value"),
                               numerator=data.get("numerator"), denominator=data.get("denominator"),
                               comment=str(data.get("comment") or ""),
                               row=version.name if version else fi.indicator.code))
    problems += _outliers_without_comment(report, rows)
    problems += _rule_failures(report, rows)
    with transaction.atomic():  # raising inside rolls the values back: all or nothing
        try:
            result = values_write(actor=actor, rows=rows, counted=False, report=report, source="form")
        except Rejected as exc:
            raise Rejected(exc.errors + problems) from None
        if problems:
            raise Rejected(problems)
        report.save(update_fields=["updated_at"])
    return result


def _numbers(rows: list[ValueInput]) -> dict[int, float]:
    out = {}
    for r in rows:
        indicator = r.indicator
        assert isinstance(indicator, Indicator)
        version = indicator.version_for(r.period.start.year if isinstance(r.period, Period) else 2025)
        parsed = validation.parse(version, r.value, r.numerator, r.denominator)
        if not parsed.errors and parsed.value is not None:
            out[indicator.pk] = parsed.value
    return out


def _outliers_without_comment(report: Report, rows: list[ValueInput]) -> list[tuple[str, str, str]]:
    values = _numbers(rows)
    problems = []
    history_start = report.period_obj.previous(24).start
    for r in rows:
        indicator = r.indicator
        assert isinstance(indicator, Indicator)
        if indicator.pk not in values or r.comment.strip():
            continue
        history = list(DataValue.objects.filter(indicator=indicator, unit=report.unit, period__lt=report.period,
                                                period__gte=history_start, value__isnull=False)
                       .values_list("value", flat=True))
        if validation.is_outlier(values[indicator.pk], history):
            problems.append((r.row, "comment", _("%(v)s is far from this unit's usual values: check it, or explain "
                                                 "it in the comment") % {"v": f"{values[indicator.pk]:g}"}))
    return problems


def _rule_failures(report: Report, rows: list[ValueInput]) -> list[tuple[str, str, str]]:
    values = _numbers(rows)
    return [("", "rule", rule.message) for rule in report.form.rules.all()
            if rule.left_id in values and rule.right_id in values and not rule.holds(values[rule.left_id],
                                                                                     values[rule.right_id])]


def _event(report: Report, actor: Any, action: str, comment: str = "") -> None:
    ReportEvent.objects.create(report=report, action=action, actor=actor if getattr(actor, "pk", None) else None,
                               comment=comment, at=timezone.now())


def _count_values(report: Report, counted: bool) -> None:
    """Put the report's values into the aggregates (submit) or take them out (return)."""
    values = list(DataValue.objects.select_for_update().filter(report=report).exclude(counted=counted))
    sign = 1 if counted else -1
    deltas = []
    for v in values:
        s = rollup.contribution(v.value, v.numerator, v.denominator)
        deltas.append((v.indicator_id, v.unit_id, v.period, rollup.Sums(sign * s.n, sign * s.total, sign * s.num,
                                                                         sign * s.den)))
    DataValue.objects.filter(pk__in=[v.pk for v in values]).update(counted=counted)
    rollup.apply(deltas)


def report_submit(*, actor: Any, report: Report) -> Report:
    """Submit a unit's report: its values count in every figure above the unit from now on.
    Late when past the form's due date."""
    access.check(actor, "write", report.unit, Report)
    if report.is_locked:
        raise Rejected([("", "report", _("this report was already submitted"))])
    required = set(report.form.form_indicators.filter(required=True).values_list("indicator_id", flat=True))
    present = set(DataValue.objects.filter(report=report).values_list("indicator_id", flat=True))
    missing = required - present
    if missing:
        names = [i.version_for(report.period.year).name for i in Indicator.objects.filter(pk__in=missing)]
        raise Rejected([(name, "value", _("required: enter a value before submitting")) for name in sorted(names)])
    with transaction.atomic():
        before = report.status
        _count_values(report, True)
        now = timezone.now()
        report.status, report.submitted_at = Report.Status.SUBMITTED, now
        report.first_submitted_at = report.first_submitted_at or now
        report.save(update_fields=["status", "submitted_at", "first_submitted_at", "updated_at"])
        _event(report, actor, "submit")
        audit.record(actor=actor, action="report.submit", obj=report, before={"status": before},
                     after={"status": report.status}, unit=report.unit)
    return report


def report_return(*, actor: Any, report: Report, comment: str) -> Report:
    """Send a submitted (or approved) report back for correction, with the reason. Its values
    leave the aggregates until it is submitted again."""
    access.check(actor, "review", report.unit, Report)
    if not comment.strip():
        raise Rejected([("", "comment", _("say what must be corrected"))])
    if report.status not in {Report.Status.SUBMITTED, Report.Status.APPROVED}:
        raise Rejected([("", "report", _("only a submitted or approved report can be returned"))])
    with transaction.atomic():
        before = report.status
        _count_values(report, False)
        report.status = Report.Status.RETURNED
        report.approved_at = None
        report.save(update_fields=["status", "approved_at", "updated_at"])
        _event(report, actor, "return", comment.strip())
        audit.record(actor=actor, action="report.return", obj=report, before={"status": before},
                     after={"status": report.status, "comment": comment.strip()}, unit=report.unit)
    return report


def report_approve(*, actor: Any, report: Report, comment: str = "") -> Report:
    """Approve a submitted report: its data is locked."""
    access.check(actor, "review", report.unit, Report)
    if report.status != Report.Status.SUBMITTED:
        raise Rejected([("", "report", _("only a submitted report can be approved"))])
    with transaction.atomic():
        report.status, report.approved_at = Report.Status.APPROVED, timezone.now()
        report.save(update_fields=["status", "approved_at", "updated_at"])
        _event(report, actor, "approve", comment.strip())
        audit.record(actor=actor, action="report.approve", obj=report, before={"status": "submitted"},
                     after={"status": report.status}, unit=report.unit)
    return report


# --- targets ------------------------------------------------------------------------------------


def target_set(*, actor: Any, indicator: Indicator, unit: Unit, period: Period, value: float, origin: str,
               note: str = "") -> Target:
    """Assign a target to a unit below (origin ``assigned``) or register one's own (``registered``).
    A new value of an agreed target makes it ``revised`` until agreed again."""
    if actor is None:
        pass  # the system itself (demo data, imports of national plans)
    elif origin == Target.Origin.ASSIGNED:
        # Assigned by the level above: the actor's role must cover the unit's parent.
        access.check(actor, "assign", unit.parent or unit, Target)
    else:
        access.check(actor, "register", unit, Target)
    with transaction.atomic():
        target = Target.objects.select_for_update().filter(indicator=indicator, unit=unit, period=period.start,
                                                           period_type=period.type.value).first()
        before = audit.snapshot(target) if target else None
        if target is None:
            target = Target.objects.create(indicator=indicator, unit=unit, period=period.start,
                                           period_type=period.type.value, value=value, origin=origin, note=note)
            action = "propose"
        else:
            if target.value == value and target.note == note:
                return target
            target.value, target.note = value, note
            target.state = Target.State.REVISED if target.state != Target.State.PROPOSED else Target.State.PROPOSED
            target.save()
            action = "revise"
        TargetEvent.objects.create(target=target, action=action, value=value, state=target.state,
                                   actor=actor if getattr(actor, "pk", None) else None, comment=note,
                                   at=timezone.now())
        audit.record(actor=actor, action=f"target.{action}", obj=target, before=before,
                     after=audit.snapshot(target), unit=unit)
    return target


def target_agree(*, actor: Any, target: Target, comment: str = "") -> Target:
    """The level above agrees a proposed or revised target."""
    if actor is not None:
        access.check(actor, "agree", target.unit.parent or target.unit, Target)
    with transaction.atomic():
        before = target.state
        target.state = Target.State.AGREED
        target.save(update_fields=["state", "updated_at"])
        TargetEvent.objects.create(target=target, action="agree", value=target.value, state=target.state,
                                   actor=actor if getattr(actor, "pk", None) else None, comment=comment,
                                   at=timezone.now())
        audit.record(actor=actor, action="target.agree", obj=target, before={"state": before},
                     after={"state": target.state}, unit=target.unit)
    return target
