"""Programmes (a decree's action plan, a project, a movement), their phases and guidance, and
tasks that cascade down the hierarchy: a unit that receives a task turns it into its own
detailed plan for the units below (``Task.parent``).

A task's status is never stored: it is derived from its deadline, its progress and its
cancellation (``status.py``), so it cannot disagree with them. ``progress`` and
``completed_on`` are written only by the progress service, in the same transaction as the
update that moves them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dxnet.network.models import Unit


class Programme(models.Model):
    class Kind(models.TextChoices):
        PLAN = "plan", _("Action plan")
        PROJECT = "project", _("Project")
        MOVEMENT = "movement", _("Emulation movement")
        PROGRAMME = "programme", _("Programme")

    code = models.CharField(_("code"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=500)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.PLAN)
    owner = models.ForeignKey(Unit, verbose_name=_("issuing unit"), on_delete=models.PROTECT,
                              related_name="programmes")
    legal_number = models.CharField(_("document number"), max_length=80, blank=True)
    legal_date = models.DateField(_("document date"), null=True, blank=True)
    legal_issuer = models.CharField(_("issued by"), max_length=200, blank=True)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    # The task (of the level above) this programme details, when it is a unit's detailed plan.
    source_task = models.ForeignKey("Task", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="detailed_plans")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["-legal_date", "code"]

    def __str__(self) -> str:
        return self.title


class Phase(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="phases")
    name = models.CharField(_("name"), max_length=200)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    is_review = models.BooleanField(_("review milestone"), default=False,
                                    help_text=_("A preliminary or final review rather than a working phase."))

    class Meta:
        ordering = ["starts_on", "id"]

    def __str__(self) -> str:
        return self.name


class GuidanceFile(models.Model):
    """The guidance that must accompany every plan for the localities."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="guidance")
    title = models.CharField(_("title"), max_length=300)
    file = models.FileField(upload_to="guidance/%Y/")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.title


class Task(models.Model):
    class DeadlineKind(models.TextChoices):
        DATE = "date", _("Date")
        MONTH = "month", _("Month")
        QUARTER = "quarter", _("Quarter")
        HALF = "half", _("Half-year")
        YEAR = "year", _("Year")
        ONGOING = "ongoing", _("Ongoing")

    class Priority(models.IntegerChoices):
        LOW = 1, _("Low")
        NORMAL = 2, _("Normal")
        HIGH = 3, _("High")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="tasks")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    group = models.CharField(_("group"), max_length=300, blank=True)
    number = models.CharField(_("number"), max_length=20, blank=True)
    title = models.TextField(_("task"))
    lead_unit = models.ForeignKey(Unit, verbose_name=_("lead unit"), on_delete=models.PROTECT,
                                  related_name="led_tasks")
    coordinating_units = models.ManyToManyField(Unit, verbose_name=_("coordinating units"), blank=True,
                                                related_name="coordinated_tasks")
    expected_output = models.TextField(_("expected output"), blank=True)
    deadline_kind = models.CharField(_("deadline kind"), max_length=8, choices=DeadlineKind.choices,
                                     default=DeadlineKind.DATE)
    deadline_text = models.CharField(_("deadline as written"), max_length=80, blank=True)
    # The last day of the deadline's period (a month's last day for "6/2025"); None when ongoing.
    deadline = models.DateField(_("deadline"), null=True, blank=True, db_index=True)
    # For ongoing tasks: how often progress is reported (month, quarter, year).
    reporting_cycle = models.CharField(_("reporting cycle"), max_length=10, blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    weight = models.FloatField(_("weight"), default=1.0)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["programme", "id"]
        indexes = [
            models.Index(fields=["lead_unit", "deadline"], name="task_lead_deadline"),
            models.Index(fields=["deadline", "progress"], name="task_deadline_progress"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title[:80]}".strip()


class TaskUpdate(models.Model):
    """A progress update of a task by its lead (or a coordinating) unit, with evidence."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="updates")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    percent = models.PositiveSmallIntegerField(_("progress (%)"))
    text = models.TextField(_("what was done"), blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["task", "at"], name="taskupdate_task_at")]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.percent}%"


class Evidence(models.Model):
    update = models.ForeignKey(TaskUpdate, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to="evidence/%Y/%m/")
    name = models.CharField(max_length=255)

    def __str__(self) -> str:
        return self.name


class UrgingNotice(models.Model):
    """A formal urging notice (văn bản đôn đốc) a supervisor issues to late units."""

    class Subject(models.TextChoices):
        TASKS = "tasks", _("Late tasks")
        REPORTS = "reports", _("Late reports")
        RECOMMENDATIONS = "recommendations", _("Late answers to recommendations")

    issuer = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="urging_notices")
    number = models.CharField(_("number"), max_length=60)
    date = models.DateField(_("date"))
    subject = models.CharField(_("about"), max_length=16, choices=Subject.choices)
    text = models.TextField(_("text"))
    docx = models.FileField(upload_to="urging/%Y/", blank=True)
    tasks = models.ManyToManyField(Task, blank=True, related_name="urging_notices")
    # What a report urging is about (form and period), free of a hard link to the indicators app.
    reference = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.number} ({self.date})"


class UrgingRecipient(models.Model):
    notice = models.ForeignKey(UrgingNotice, on_delete=models.CASCADE, related_name="recipients")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="urgings_received")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notice", "unit"], name="urging_recipient_once")]

    def __str__(self) -> str:
        return f"{self.notice} → {self.unit}"


class ReminderSent(models.Model):
    """One reminder, sent once: the key makes a re-run of the reminder job send nothing twice."""

    key = models.CharField(max_length=200, unique=True)  # e.g. task:42:before:3:2025-06-27
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.key
