"""Indicators, report forms, reports, values, live aggregates and targets.

Values are stored once, at the unit that reported them (``DataValue``). For every value that
counts, ``Aggregate`` holds additive partial sums (count, sum of values, sum of numerators, sum
of denominators) per (ancestor unit, indicator, period), kept up to date in the same
transaction as the write (``rollup.apply``). Every aggregation rule is computed from those four
sums, so a national figure is one indexed row read, and never stale.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dxnet.network.models import Unit

from .periods import Period, PeriodType


class ValueType(models.TextChoices):
    NUMBER = "number", _("Number")
    PERCENTAGE = "percentage", _("Percentage")
    RATIO = "ratio", _("Numerator / denominator")
    YES_NO = "yes_no", _("Yes / no")


class Aggregation(models.TextChoices):
    SUM = "sum", _("Sum")
    AVERAGE = "average", _("Average")
    RATIO_OF_SUMS = "ratio_of_sums", _("Ratio of sums")
    COUNT_YES = "count_yes", _("Count of “yes”")
    SHARE_YES = "share_yes", _("Share of units with “yes”")
    LATEST = "latest", _("Latest value")


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


PERIOD_TYPE_CHOICES = [
    (PeriodType.MONTH.value, _("Month")),
    (PeriodType.QUARTER.value, _("Quarter")),
    (PeriodType.HALF_YEAR.value, _("Half-year")),
    (PeriodType.YEAR.value, _("Year")),
]


class Indicator(models.Model):
    """What is measured. Its definition lives in versions valid by year (the DTI index changes
    yearly); code and period type never change."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    period_type = models.CharField(_("period type"), max_length=10, choices=PERIOD_TYPE_CHOICES)
    group = models.CharField(_("group"), max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["code"]

    def __str__(self) -> str:
        version = self.version_for(timezone.localdate().year)
        return f"{self.code} — {version.name}" if version else self.code

    def version_for(self, year: int) -> IndicatorVersion | None:
        """The definition in force in ``year`` (the latest that started on or before it)."""
        versions = getattr(self, "_versions", None)
        if versions is None:
            versions = self._versions = list(self.versions.order_by("valid_from_year"))
        found = None
        for v in versions:
            if v.valid_from_year <= year:
                found = v
        return found or (versions[0] if versions else None)

    @property
    def ptype(self) -> PeriodType:
        return PeriodType(self.period_type)


class IndicatorVersion(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="versions")
    valid_from_year = models.PositiveSmallIntegerField(_("valid from year"))
    name = models.CharField(_("name"), max_length=300)
    name_en = models.CharField(_("English name"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    value_type = models.CharField(_("value type"), max_length=12, choices=ValueType.choices)
    aggregation = models.CharField(_("aggregation up the tree"), max_length=16, choices=Aggregation.choices)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices, default=Direction.HIGHER)
    unit_of_measure = models.CharField(_("unit of measure"), max_length=40, blank=True)
    min_value = models.FloatField(_("minimum"), null=True, blank=True)
    max_value = models.FloatField(_("maximum"), null=True, blank=True)
    decimals = models.PositiveSmallIntegerField(_("decimals shown"), default=1)

    class Meta:
        verbose_name = _("indicator version")
        verbose_name_plural = _("indicator versions")
        constraints = [models.UniqueConstraint(fields=["indicator", "valid_from_year"], name="indicator_version_year")]
        ordering = ["indicator", "valid_from_year"]

    def __str__(self) -> str:
        return f"{self.indicator.code} ({self.valid_from_year}–): {self.name}"


class ReportForm(models.Model):
    """A set of indicators some units must report every period (or once: a survey)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=300)
    name_en = models.CharField(_("English name"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    period_type = models.CharField(_("period type"), max_length=10, choices=PERIOD_TYPE_CHOICES)
    due_days = models.PositiveSmallIntegerField(_("due (days after the period ends)"), default=5)
    opens_days_before_end = models.PositiveSmallIntegerField(_("opens (days before the period ends)"), default=5)
    closes_days_after_due = models.PositiveSmallIntegerField(
        _("closes (days after the due date)"), null=True, blank=True,
        help_text=_("Empty: late reports are accepted at any time."))
    is_survey = models.BooleanField(_("one-off survey"), default=False)
    survey_period = models.DateField(_("survey period (first day)"), null=True, blank=True)
    owner = models.ForeignKey(Unit, verbose_name=_("owner unit"), on_delete=models.PROTECT, related_name="+")
    indicators = models.ManyToManyField(Indicator, through="FormIndicator", related_name="forms")

    class Meta:
        verbose_name = _("report form")
        verbose_name_plural = _("report forms")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def ptype(self) -> PeriodType:
        return PeriodType(self.period_type)

    def due_date(self, period: Period) -> dt.date:
        return period.end + dt.timedelta(days=self.due_days)

    def opens_on(self, period: Period) -> dt.date:
        return period.end - dt.timedelta(days=self.opens_days_before_end)

    def closes_on(self, period: Period) -> dt.date | None:
        if self.closes_days_after_due is None:
            return None
        return self.due_date(period) + dt.timedelta(days=self.closes_days_after_due)


class FormIndicator(models.Model):
    form = models.ForeignKey(ReportForm, on_delete=models.CASCADE, related_name="form_indicators")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    section = models.CharField(_("section"), max_length=120, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["form", "indicator"], name="form_indicator_once")]

    def __str__(self) -> str:
        return f"{self.form.code}/{self.indicator.code}"


class FormAssignment(models.Model):
    """Which units must report a form, between two dates: the units of ``unit_type`` in the
    subtree of ``unit`` (or ``unit`` itself when no type is given). Dated, so that the units
    expected for a past period are exactly those expected then."""

    form = models.ForeignKey(ReportForm, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey(Unit, verbose_name=_("unit or subtree"), on_delete=models.PROTECT, related_name="+")
    unit_type = models.CharField(_("type of units in the subtree"), max_length=16, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("form assignment")
        verbose_name_plural = _("form assignments")

    def __str__(self) -> str:
        return f"{self.form.code} → {self.unit_type or self.unit.code}@{self.unit.code}"


class Report(models.Model):
    """One unit's report of one form for one period."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for correction")
        APPROVED = "approved", _("Approved")

    form = models.ForeignKey(ReportForm, on_delete=models.PROTECT, related_name="reports")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="reports")
    period = models.DateField(_("period"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    first_submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [models.UniqueConstraint(fields=["form", "unit", "period"], name="report_once")]
        indexes = [models.Index(fields=["form", "period", "status"], name="report_form_period")]

    def __str__(self) -> str:
        return f"{self.form.code} {self.unit.code} {self.period_obj}"

    @property
    def period_obj(self) -> Period:
        return Period(self.period, self.form.ptype)

    @property
    def is_locked(self) -> bool:
        return self.status in {self.Status.SUBMITTED, self.Status.APPROVED}


class ReportEvent(models.Model):
    class Action(models.TextChoices):
        SUBMIT = "submit", _("submitted")
        RETURN = "return", _("returned")
        APPROVE = "approve", _("approved")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    comment = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.report} {self.action}"


class DataValue(models.Model):
    """A value one unit reported for one indicator and period. ``counted`` values are in the
    aggregates: values of a draft or returned report are stored but not counted."""

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    period = models.DateField()
    value = models.FloatField(null=True, blank=True)
    numerator = models.FloatField(null=True, blank=True)
    denominator = models.FloatField(null=True, blank=True)
    comment = models.TextField(blank=True)
    counted = models.BooleanField(default=True)
    report = models.ForeignKey(Report, null=True, blank=True, on_delete=models.SET_NULL, related_name="values")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("value")
        verbose_name_plural = _("values")
        constraints = [models.UniqueConstraint(fields=["indicator", "unit", "period"], name="value_once")]
        indexes = [models.Index(fields=["unit", "indicator", "period"], name="value_unit")]

    def __str__(self) -> str:
        return f"{self.indicator_id}/{self.unit_id}/{self.period}: {self.value}"


class Aggregate(models.Model):
    """Partial sums of the counted values of the units below ``unit`` (not its own value),
    lineage included. Maintained by ``rollup.apply``; never written anywhere else."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    period = models.DateField()
    n = models.BigIntegerField(default=0)
    total = models.FloatField(default=0)
    num = models.FloatField(default=0)
    den = models.FloatField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["indicator", "unit", "period"], name="aggregate_once")]
        indexes = [models.Index(fields=["unit", "indicator", "period"], name="aggregate_unit")]

    def __str__(self) -> str:
        return f"Σ {self.indicator_id}/{self.unit_id}/{self.period}"


class Target(models.Model):
    """A target for one indicator, unit and period (a year, or a sub-period)."""

    class Origin(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned by the level above")
        REGISTERED = "registered", _("Registered by the unit")

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        AGREED = "agreed", _("Agreed")
        REVISED = "revised", _("Revised")

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="targets")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="targets")
    period = models.DateField(_("period (first day)"))
    period_type = models.CharField(_("period type"), max_length=10, choices=PERIOD_TYPE_CHOICES)
    value = models.FloatField(_("target value"))
    origin = models.CharField(_("origin"), max_length=12, choices=Origin.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PROPOSED)
    note = models.TextField(_("note"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "unit", "period", "period_type"], name="target_once")
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.unit.code} {self.period_obj}: {self.value}"

    @property
    def period_obj(self) -> Period:
        return Period(self.period, PeriodType(self.period_type))


class TargetEvent(models.Model):
    """The history of a target: every proposal, agreement and revision with its value."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20)
    value = models.FloatField()
    state = models.CharField(max_length=10)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    comment = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.target_id} {self.action} {self.value}"


class ValidationRule(models.Model):
    """A rule between two indicators of a form, checked on save: e.g. dossiers handled online
    ≤ all dossiers received."""

    class Operator(models.TextChoices):
        LE = "<=", "≤"
        LT = "<", "<"
        EQ = "==", "="
        GE = ">=", "≥"
        GT = ">", ">"

    form = models.ForeignKey(ReportForm, on_delete=models.CASCADE, related_name="rules")
    left = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+")
    operator = models.CharField(max_length=2, choices=Operator.choices)
    right = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+")
    message = models.CharField(_("message"), max_length=300)

    def __str__(self) -> str:
        return f"{self.left.code} {self.operator} {self.right.code}"

    def holds(self, left: float, right: float) -> bool:
        return {
            "<=": left <= right, "<": left < right, "==": abs(left - right) < 1e-9,
            ">=": left >= right, ">": left > right,
        }[self.operator]


class TransferJob(models.Model):
    """An import or export run on the worker, with its progress and, for an import, every bad row."""

    class Kind(models.TextChoices):
        IMPORT_EXCEL = "import_excel", _("Excel import")
        IMPORT_CSV = "import_csv", _("CSV import")
        IMPORT_DHIS2 = "import_dhis2", _("DHIS2 import")
        EXPORT = "export", _("Export")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Rejected")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", help_text="scope of the job")
    form = models.ForeignKey(ReportForm, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(upload_to="transfer/%Y/%m/", blank=True)
    filename = models.CharField(max_length=255, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else (100 if self.status == self.Status.DONE else 0)


class Synthesis(models.Model):
    """A period synthesis report of a subtree (tổng hợp báo cáo), generated on the worker."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="syntheses")
    form = models.ForeignKey(ReportForm, on_delete=models.PROTECT, related_name="syntheses")
    period = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    notes = models.TextField(_("notes"), blank=True)
    docx = models.FileField(upload_to="synthesis/%Y/", blank=True)
    xlsx = models.FileField(upload_to="synthesis/%Y/", blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.form.code} {self.unit.code} {self.period}"
