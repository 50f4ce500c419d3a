"""Recommendations (kiến nghị) raised by units — also during a conference with many connection
points — routed to a responsible unit with a deadline, answered, and published."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dxnet.network.models import Unit


class ConferenceSession(models.Model):
    title = models.CharField(_("title"), max_length=300)
    date = models.DateField(_("date"))
    chair = models.ForeignKey(Unit, verbose_name=_("chair unit"), on_delete=models.PROTECT,
                              related_name="chaired_sessions")
    notes = models.TextField(_("notes"), blank=True)
    connection_points = models.ManyToManyField(Unit, through="Attendance", related_name="attended_sessions")

    class Meta:
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.title} ({self.date})"


class Attendance(models.Model):
    session = models.ForeignKey(ConferenceSession, on_delete=models.CASCADE, related_name="attendance")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    present = models.BooleanField(_("present"), default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "unit"], name="attendance_once")]

    def __str__(self) -> str:
        return f"{self.session_id}: {self.unit_id}"


class Recommendation(models.Model):
    raised_by = models.ForeignKey(Unit, verbose_name=_("raised by"), on_delete=models.PROTECT,
                                  related_name="recommendations_raised")
    session = models.ForeignKey(ConferenceSession, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="recommendations")
    title = models.CharField(_("title"), max_length=300)
    text = models.TextField(_("recommendation"))
    responsible = models.ForeignKey(Unit, verbose_name=_("responsible unit"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="recommendations_owned")
    deadline = models.DateField(_("answer due"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    is_public = models.BooleanField(_("public"), default=False,
                                    help_text=_("Publish the recommendation and its answer on the public portal."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["responsible", "deadline"], name="recommendation_due")]

    def __str__(self) -> str:
        return self.title
