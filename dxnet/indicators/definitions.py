"""Definitions made in the UI, without code: indicators and their yearly versions, report forms
with their indicators, dated assignments and validation rules; and the targets page's reads
(targets of a unit and its children, their history, and the cascade check).

Same shape as ``services.py``: keyword-only arguments, ``actor`` first, access checked before
anything, one transaction, one audit line. Problems raise ``services.Rejected`` with
``(row, field, message)`` so that forms can name the bad field.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Max, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from dxnet.core import access, audit
from dxnet.network.models import Unit

from . import rollup, services
from .models import (
    Aggregation,
    Direction,
    FormAssignment,
    FormIndicator,
    Indicator,
    IndicatorVersion,
    ReportForm,
    Target,
    TargetEvent,
    ValidationRule,
)
from .periods import Period, PeriodError, PeriodType, span
from .services import Rejected
from .validation import version_problems

VERSION_FIELDS = ("name", "name_en", "description", "value_type", "aggregation", "direction", "unit_of_measure",
                  "min_value", "max_value", "decimals")


# --- who may define -------------------------------------------------------------------------


def can_define(actor: Any) -> bool:
    """Administrators (of any unit) define indicators; everybody signed in reads them."""
    if actor is None or not actor.is_authenticated:
        return False
    return bool(actor.is_superuser or access.units(actor, "change").exists())


def _check_define(actor: Any) -> None:
    if not can_define(actor):
        raise Http404


def can_change_form(actor: Any, form: ReportForm) -> bool:
    return access.can(actor, "change", form.owner, ReportForm)


# --- indicators -----------------------------------------------------------------------------


def indicator_define(*, actor: Any, code: str, period_type: str, group: str = "", valid_from_year: int,
                     **version: Any) -> Indicator:
    """Define a new indicator with its first definition, in force from ``valid_from_year``."""
    _check_define(actor)
    code = code.strip()
    problems = version_problems(version)
    if Indicator.objects.filter(code__iexact=code).exists():
        problems.insert(0, ("", "code", _("An indicator with the code “%(code)s” already exists.") % {"code": code}))
    if period_type not in PeriodType._value2member_map_:
        problems.append(("", "period_type", _("Choose a period type.")))
    if problems:
        raise Rejected(problems)
    return services.indicator_create(actor=actor, code=code, period_type=period_type, group=group.strip(),
                                     valid_from_year=valid_from_year, **version)


def indicator_redefine(*, actor: Any, indicator: Indicator, valid_from_year: int, **version: Any) -> IndicatorVersion:
    """A new definition from ``valid_from_year`` (or a correction of the one starting that year).
    Periods before that year keep being computed with the definition then in force."""
    _check_define(actor)
    problems = version_problems(version)
    if problems:
        raise Rejected(problems)
    return services.indicator_version_set(actor=actor, indicator=indicator, valid_from_year=valid_from_year,
                                          **version)


def indicator_list(*, query: str = "", group: str = "") -> QuerySet[Indicator]:
    qs = Indicator.objects.prefetch_related("versions").order_by("group", "code")
    if group:
        qs = qs.filter(group=group)
    if query:
        q = query.strip()
        qs = qs.filter(pk__in=IndicatorVersion.objects.filter(name__icontains=q).values("indicator_id")) | qs.filter(
            code__icontains=q) | qs.filter(
            pk__in=IndicatorVersion.objects.filter(name_en__icontains=q).values("indicator_id"))
    return qs.distinct()


def indicator_groups() -> list[str]:
    return list(Indicator.objects.exclude(group="").order_by("group").values_list("group", flat=True).distinct())


# --- report forms ---------------------------------------------------------------------------

FORM_FIELDS = ("name", "name_en", "description", "period_type", "due_days", "opens_days_before_end",
               "closes_days_after_due", "is_survey", "survey_period", "owner")


def _form_problems(data: dict[str, Any], form: ReportForm | None = None) -> list[tuple[str, str, str]]:
    problems: list[tuple[str, str, str]] = []
    ptype = data.get("period_type")
    if data.get("is_survey"):
        if not data.get("survey_period"):
            problems.append(("", "survey_period", _("A survey is held once: give the period it covers.")))
        elif ptype in PeriodType._value2member_map_:
            start = Period.containing(PeriodType(ptype), data["survey_period"]).start
            if start != data["survey_period"]:
                problems.append(("", "survey_period", _(
                    "Give the first day of a period of this type, e.g. %(day)s.")
                    % {"day": start.strftime("%d/%m/%Y")}))
    if form is not None and ptype and ptype != form.period_type and form.reports.exists():
        problems.append(("", "period_type", _(
            "Reports were already made with this form: its period type can no longer change. Create a new form.")))
    if form is not None and ptype and ptype != form.period_type:
        odd = [fi.indicator.code for fi in form.form_indicators.select_related("indicator")
               if fi.indicator.period_type != ptype]
        if odd:
            problems.append(("", "period_type", _(
                "These indicators are reported by another period type: %(codes)s.") % {"codes": ", ".join(odd)}))
    return problems


def form_create(*, actor: Any, code: str, owner: Unit, **fields: Any) -> ReportForm:
    """A new report form, owned (and later changed) by the administrators of ``owner``."""
    access.check(actor, "change", owner, ReportForm)
    code = code.strip()
    problems = _form_problems(fields)
    if ReportForm.objects.filter(code__iexact=code).exists():
        problems.insert(0, ("", "code", _("A report form with the code “%(code)s” already exists.") % {"code": code}))
    if problems:
        raise Rejected(problems)
    if not fields.get("is_survey"):
        fields["survey_period"] = None
    with transaction.atomic():
        form = ReportForm.objects.create(code=code, owner=owner, **fields)
        audit.record(actor=actor, action="form.create", obj=form, after=audit.snapshot(form), unit=owner)
    return form


def form_update(*, actor: Any, form: ReportForm, **fields: Any) -> ReportForm:
    """Change a form's names, window, survey flag or owner (the code never changes)."""
    access.check(actor, "change", form.owner, ReportForm)
    if "owner" in fields:
        access.check(actor, "change", fields["owner"], ReportForm)
    problems = _form_problems({**{f: getattr(form, f) for f in FORM_FIELDS}, **fields}, form)
    if problems:
        raise Rejected(problems)
    if not fields.get("is_survey", form.is_survey):
        fields["survey_period"] = None
    with transaction.atomic():
        before = audit.snapshot(form)
        for name, value in fields.items():
            setattr(form, name, value)
        form.save()
        audit.record(actor=actor, action="form.update", obj=form, before=before, after=audit.snapshot(form),
                     unit=form.owner)
    return form


def form_indicator_add(*, actor: Any, form: ReportForm, indicator: Indicator, section: str = "",
                       required: bool = True) -> FormIndicator:
    """Put an indicator on the form (at the end), or change its section and whether it is required."""
    access.check(actor, "change", form.owner, ReportForm)
    if indicator.period_type != form.period_type and not form.is_survey:
        raise Rejected([("", "indicator", _(
            "“%(code)s” is reported by %(ptype)s, this form by %(fptype)s.") % {
            "code": indicator.code, "ptype": _ptype_label(indicator.period_type),
            "fptype": _ptype_label(form.period_type)})])
    with transaction.atomic():
        fi = FormIndicator.objects.filter(form=form, indicator=indicator).first()
        before = audit.snapshot(fi, ["section", "required", "order"]) if fi else None
        if fi is None:
            last = form.form_indicators.aggregate(m=Max("order"))["m"]
            fi = FormIndicator.objects.create(form=form, indicator=indicator, section=section.strip(),
                                              required=required, order=0 if last is None else last + 1)
        else:
            fi.section, fi.required = section.strip(), required
            fi.save(update_fields=["section", "required"])
        audit.record(actor=actor, action="form.indicator.add", obj=form, before=before,
                     after={"indicator": indicator.code, **audit.snapshot(fi, ["section", "required", "order"])},
                     unit=form.owner)
    return fi


def form_indicator_remove(*, actor: Any, form_indicator: FormIndicator) -> None:
    """Take an indicator off the form. Values already reported stay stored; rules that use the
    indicator go with it."""
    form = form_indicator.form
    access.check(actor, "change", form.owner, ReportForm)
    with transaction.atomic():
        code = form_indicator.indicator.code
        rules = ValidationRule.objects.filter(form=form).filter(left=form_indicator.indicator_id) | \
            ValidationRule.objects.filter(form=form, right=form_indicator.indicator_id)
        n_rules = rules.count()
        rules.delete()
        form_indicator.delete()
        audit.record(actor=actor, action="form.indicator.remove", obj=form,
                     before={"indicator": code, "rules_removed": n_rules}, unit=form.owner)


def form_indicator_move(*, actor: Any, form_indicator: FormIndicator, offset: int) -> None:
    """Move an indicator up (``offset`` −1) or down (+1) on its form."""
    form = form_indicator.form
    access.check(actor, "change", form.owner, ReportForm)
    with transaction.atomic():
        items = list(FormIndicator.objects.select_for_update().filter(form=form).order_by("order", "id"))
        index = next(i for i, fi in enumerate(items) if fi.pk == form_indicator.pk)
        other = index + offset
        if not 0 <= other < len(items):
            return
        items[index], items[other] = items[other], items[index]
        for i, fi in enumerate(items):
            fi.order = i
        FormIndicator.objects.bulk_update(items, ["order"])
        audit.record(actor=actor, action="form.indicator.reorder", obj=form,
                     after={"order": [fi.indicator_id for fi in items]}, unit=form.owner)


def assignment_add(*, actor: Any, form: ReportForm, unit: Unit, unit_type: str = "", valid_from: dt.date,
                   valid_to: dt.date | None = None) -> FormAssignment:
    """From ``valid_from``, the units of ``unit_type`` in ``unit``'s subtree (or ``unit`` itself
    when no type is given) must report ``form``."""
    access.check(actor, "change", form.owner, ReportForm)
    access.check(actor, "change", unit, FormAssignment)
    if valid_to is not None and valid_to < valid_from:
        raise Rejected([("", "valid_to", _("The end date is before the start date."))])
    with transaction.atomic():
        assignment = FormAssignment.objects.create(form=form, unit=unit, unit_type=unit_type, valid_from=valid_from,
                                                   valid_to=valid_to)
        audit.record(actor=actor, action="form.assignment.add", obj=assignment, after=audit.snapshot(assignment),
                     unit=unit)
    return assignment


def assignment_end(*, actor: Any, assignment: FormAssignment, on: dt.date | None = None) -> FormAssignment:
    """The assignment stops after ``on`` (default today). It is never deleted, so the units
    expected for the periods before stay exactly those expected then."""
    access.check(actor, "change", assignment.form.owner, ReportForm)
    access.check(actor, "change", assignment.unit, FormAssignment)
    on = on or timezone.localdate()
    if on < assignment.valid_from:
        raise Rejected([("", "valid_to", _("The assignment started on %(day)s: it cannot end before.") % {
            "day": assignment.valid_from.strftime("%d/%m/%Y")})])
    if assignment.valid_to is not None and assignment.valid_to < on:
        raise Rejected([("", "valid_to", _("The assignment already ended on %(day)s.") % {
            "day": assignment.valid_to.strftime("%d/%m/%Y")})])
    with transaction.atomic():
        before = {"valid_to": assignment.valid_to}
        assignment.valid_to = on
        assignment.save(update_fields=["valid_to"])
        audit.record(actor=actor, action="form.assignment.end", obj=assignment, before=before,
                     after={"valid_to": on}, unit=assignment.unit)
    return assignment


def rule_add(*, actor: Any, form: ReportForm, left: Indicator, operator: str, right: Indicator,
             message: str) -> ValidationRule:
    """A rule checked when a report of the form is saved, e.g. dossiers online ≤ dossiers received."""
    access.check(actor, "change", form.owner, ReportForm)
    problems = []
    on_form = set(form.form_indicators.values_list("indicator_id", flat=True))
    if left.pk not in on_form:
        problems.append(("", "left", _("“%(code)s” is not on this form.") % {"code": left.code}))
    if right.pk not in on_form:
        problems.append(("", "right", _("“%(code)s” is not on this form.") % {"code": right.code}))
    if left.pk == right.pk:
        problems.append(("", "right", _("Compare two different indicators.")))
    if operator not in ValidationRule.Operator.values:
        problems.append(("", "operator", _("Choose a comparison.")))
    if not message.strip():
        problems.append(("", "message", _("Write the message the reporter will read when the rule fails.")))
    if problems:
        raise Rejected(problems)
    with transaction.atomic():
        rule = ValidationRule.objects.create(form=form, left=left, operator=operator, right=right,
                                             message=message.strip())
        audit.record(actor=actor, action="form.rule.add", obj=form, after={
            "rule": rule.pk, "left": left.code, "operator": operator, "right": right.code,
            "message": rule.message}, unit=form.owner)
    return rule


def rule_remove(*, actor: Any, rule: ValidationRule) -> None:
    form = rule.form
    access.check(actor, "change", form.owner, ReportForm)
    with transaction.atomic():
        before = {"rule": rule.pk, "left": rule.left.code, "operator": rule.operator, "right": rule.right.code,
                  "message": rule.message}
        rule.delete()
        audit.record(actor=actor, action="form.rule.remove", obj=form, before=before, unit=form.owner)


def _ptype_label(value: str) -> str:
    from .models import PERIOD_TYPE_CHOICES

    return str(dict(PERIOD_TYPE_CHOICES).get(value, value)).lower()


# --- targets --------------------------------------------------------------------------------


class CascadeRule:
    SUM = "sum"
    MEAN = "mean"


def cascade_rule(aggregation: str) -> str:
    """How children's targets make the parent's: added up for sums and counts (and "latest",
    which adds the units' latest values), averaged for averages, percentages, ratios and shares."""
    if aggregation in {Aggregation.SUM, Aggregation.COUNT_YES, Aggregation.LATEST}:
        return CascadeRule.SUM
    return CascadeRule.MEAN


def agreed_value(target: Target | None) -> float | None:
    """The value last agreed: the target's own when agreed; for a revised target, the value of its
    last agreement (the revision is pending); none for a proposal never agreed."""
    if target is None:
        return None
    if target.state == Target.State.AGREED:
        return target.value
    events = getattr(target, "history", None)
    if events is None:
        events = list(target.events.all())
    for e in reversed(events):
        if e.action == "agree":
            return e.value
    return None


@dataclass
class Cascade:
    rule: str
    direction: str
    parent_value: float | None
    combined: float | None  # sum or mean of the children's agreed targets
    counted: int
    missing: list[Unit]
    gap: float | None = None  # how far from covering (positive: a shortfall)

    @property
    def status(self) -> str:
        """no_parent, no_children, short, incomplete (covered by the agreed targets so far, but
        missing ones could still change that) or covered."""
        if self.parent_value is None:
            return "no_parent"
        if self.combined is None or self.gap is None:
            return "no_children"
        if self.gap > 1e-9:
            return "short"
        # For a sum where higher is better, the missing targets can only add: covered already.
        if self.missing and not (self.rule == CascadeRule.SUM and self.direction == Direction.HIGHER):
            return "incomplete"
        return "covered"


def cascade_check(*, parent_value: float | None, children: list[Unit], agreed: dict[int, float], aggregation: str,
                  direction: str) -> Cascade:
    """Do the children's agreed targets cover the parent's? Sums and counts: the children's sum
    must reach the parent's (higher is better) or stay within it (lower is better). Averages,
    percentages, ratios and shares: the mean of the children's targets, likewise. Children
    without an agreed target are listed; for a sum they count as nothing."""
    rule = cascade_rule(aggregation)
    values = [agreed[u.pk] for u in children if u.pk in agreed]
    missing = [u for u in children if u.pk not in agreed]
    combined: float | None
    if not values:
        combined = None
    elif rule == CascadeRule.SUM:
        combined = sum(values)
    else:
        combined = sum(values) / len(values)
    gap = None
    if parent_value is not None and combined is not None:
        gap = parent_value - combined if direction == Direction.HIGHER else combined - parent_value
    return Cascade(rule, direction, parent_value, combined, len(values), missing, gap)


@dataclass
class TargetRow:
    unit: Unit
    target: Target | None
    current: float | None = None
    is_self: bool = False
    can_assign: bool = False
    can_register: bool = False
    can_agree: bool = False
    agreed: float | None = None
    cascade: Cascade | None = None
    events: list[TargetEvent] = field(default_factory=list)


@dataclass
class TargetsPage:
    unit: Unit
    indicator: Indicator
    version: IndicatorVersion | None
    year: int
    period: Period
    own: TargetRow
    rows: list[TargetRow]
    child_types: list[tuple[str, int]]
    child_type: str
    cascade: Cascade


def can_view_targets(actor: Any, unit: Unit) -> bool:
    return access.can(actor, "view", unit, Target)


def targets_page(*, actor: Any, unit: Unit, indicator: Indicator, year: int,
                 child_type: str | None = None) -> TargetsPage:
    """The targets of ``unit`` and of its current children for ``indicator`` and ``year``, with
    history, the actions the actor may take on each, the current values and the cascade check.
    404 unless the actor may see the unit's targets."""
    if not can_view_targets(actor, unit):
        raise Http404
    period = Period.of(PeriodType.YEAR, year)
    version = indicator.version_for(year)
    aggregation = version.aggregation if version else Aggregation.SUM
    direction = version.direction if version else Direction.HIGHER
    on = _on(year)
    all_children = list(unit.children.current(on).order_by("name"))
    counts = Counter(u.unit_type for u in all_children)
    child_types = counts.most_common()
    if child_type is None:
        child_type = child_types[0][0] if child_types else ""
    children = [u for u in all_children if not child_type or u.unit_type == child_type]

    units = [unit, *children]
    grandchildren = list(Unit.objects.current(on).filter(parent__in=children).only("pk", "parent_id", "name",
                                                                                  "unit_type", "code"))
    gc_type = Counter(u.unit_type for u in grandchildren).most_common(1)
    gc_type_value = gc_type[0][0] if gc_type else ""
    grandchildren = [u for u in grandchildren if u.unit_type == gc_type_value]
    targets = _targets_by_unit(indicator, [u.pk for u in units] + [u.pk for u in grandchildren], period)
    current = _current_values(indicator, units, year)

    def row(u: Unit, is_self: bool) -> TargetRow:
        t = targets.get(u.pk)
        r = TargetRow(unit=u, target=t, current=current.get(u.pk), is_self=is_self,
                      events=list(t.history) if t else [])
        parent_scope = u.parent or u
        r.can_assign = access.can(actor, "assign", parent_scope, Target) and (u.parent is not None or
                                                                              actor.is_superuser)
        r.can_register = access.can(actor, "register", u, Target)
        r.can_agree = t is not None and t.state != Target.State.AGREED and access.can(actor, "agree", parent_scope,
                                                                                      Target)
        r.agreed = agreed_value(t)
        return r

    own = row(unit, True)
    rows = [row(u, False) for u in children]
    agreed = {r.unit.pk: r.agreed for r in rows if r.agreed is not None}
    cascade = cascade_check(parent_value=own.agreed if own.agreed is not None else (own.target.value if own.target
                                                                                      else None),
                            children=children, agreed=agreed, aggregation=aggregation, direction=direction)
    # Each child's own cascade over its children (one level down), when it has children.
    by_parent: dict[int, list[Unit]] = defaultdict(list)
    for g in grandchildren:
        by_parent[g.parent_id].append(g)
    for r in rows:
        kids = by_parent.get(r.unit.pk)
        if kids and r.target is not None:
            gc_agreed = {g.pk: v for g in kids if (v := agreed_value(targets.get(g.pk))) is not None}
            r.cascade = cascade_check(parent_value=r.agreed if r.agreed is not None else r.target.value,
                                      children=kids, agreed=gc_agreed, aggregation=aggregation, direction=direction)
    return TargetsPage(unit=unit, indicator=indicator, version=version, year=year, period=period, own=own, rows=rows,
                       child_types=child_types, child_type=child_type, cascade=cascade)


def _targets_by_unit(indicator: Indicator, unit_ids: list[int], period: Period) -> dict[int, Target]:
    out: dict[int, Target] = {}
    qs = Target.objects.filter(indicator=indicator, unit_id__in=unit_ids, period=period.start,
                               period_type=period.type.value)
    targets = list(qs)
    history: dict[int, list[TargetEvent]] = defaultdict(list)
    events = TargetEvent.objects.filter(target__in=[t.pk for t in targets]).select_related("actor")
    for e in events.order_by("at", "id"):
        history[e.target_id].append(e)
    for t in targets:
        t.history = history.get(t.pk, [])  # type: ignore[attr-defined]
        out[t.unit_id] = t
    return out


def _current_values(indicator: Indicator, units: list[Unit], year: int) -> dict[int, float | None]:
    """The year's figure of each unit so far, from the live aggregates (as ``rollup_total``, in
    one read for all the units)."""
    try:
        periods = span(Period.of(indicator.ptype, year, 1), Period.containing(indicator.ptype, dt.date(year, 12, 31)))
    except PeriodError:
        return {}
    sums = rollup.sums_for([indicator.pk], [u.pk for u in units], [p.start for p in periods])
    version = indicator.version_for(year)
    if version is None:
        return {}
    out: dict[int, float | None] = {}
    for u in units:
        by_period = {p.start: sums.get((indicator.pk, u.pk, p.start), rollup.Sums()) for p in periods}
        out[u.pk] = rollup.compute(version.aggregation, rollup.over_time(version.aggregation, by_period))
    return out


def _on(year: int) -> dt.date:
    """The day the children of a unit are read on: the year's last day for a past year, else today."""
    today = timezone.localdate()
    return min(dt.date(year, 12, 31), today) if year < today.year else today


def target_unit_for(*, page_unit: Unit, code: str, year: int) -> Unit:
    """The page's unit or one of its children in force that year, by code; 404 for anything else."""
    if code == page_unit.code:
        return page_unit
    child = page_unit.children.current(_on(year)).filter(code=code).first()
    if child is None:
        raise Http404
    return child


def target_assign(*, actor: Any, indicator: Indicator, unit: Unit, year: int, value: float, note: str = "",
                  agree: bool = False) -> Target:
    """The level above assigns ``unit`` its target for the year (and agrees it at once when
    ``agree``: an assignment that needs no negotiation)."""
    with transaction.atomic():
        target = services.target_set(actor=actor, indicator=indicator, unit=unit,
                                     period=Period.of(PeriodType.YEAR, year), value=value,
                                     origin=Target.Origin.ASSIGNED, note=note)
        if agree and target.state != Target.State.AGREED:
            target = services.target_agree(actor=actor, target=target, comment=note)
    return target


def target_register(*, actor: Any, indicator: Indicator, unit: Unit, year: int, value: float,
                    note: str = "") -> Target:
    """The unit registers its own target for the year; it stays proposed until the level above agrees."""
    return services.target_set(actor=actor, indicator=indicator, unit=unit, period=Period.of(PeriodType.YEAR, year),
                               value=value, origin=Target.Origin.REGISTERED, note=note)


def my_target_unit(*, actor: Any) -> Unit | None:
    """The highest unit whose targets the actor may see (where the targets page starts)."""
    tops = access.top_units(actor, "view", Target)
    return tops[0] if tops else None
