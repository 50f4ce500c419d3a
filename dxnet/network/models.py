"""The network: units in an arbitrary-depth hierarchy, their lineage, people and roles.

The hierarchy is a materialized path (see README, "Hierarchy storage"): every unit stores the
ids of its ancestors and itself, 7 digits each, so that a subtree is one index range scan
``path >= P AND path < P+1`` on both SQLite and PostgreSQL, whatever their collation, and the
ancestors of a unit are read from its own row without a query.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

SEGMENT = 7  # digits per level: ids up to 9,999,999


def subtree_bounds(path: str) -> tuple[str, str]:
    """[low, high) of the paths in the subtree rooted at ``path`` (digits only, so the next
    number of the same width is the first path after the subtree under any collation)."""
    high = str(int(path) + 1).zfill(len(path))
    return path, high


class UnitType(models.TextChoices):
    NATIONAL = "national", _("National")
    MINISTRY = "ministry", _("Ministry or ministry-level agency")
    PROVINCE = "province", _("Province or centrally-run city")
    DISTRICT = "district", _("District (before 1 July 2025)")
    COMMUNE = "commune", _("Commune, ward or special zone")
    AGENCY = "agency", _("Agency or department")
    TEAM = "team", _("Community digital-technology team")


class UnitQuerySet(models.QuerySet["Unit"]):
    def current(self, on: dt.date | None = None) -> UnitQuerySet:
        on = on or timezone.localdate()
        return self.filter(
            models.Q(valid_from__isnull=True) | models.Q(valid_from__lte=on),
            models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=on),
        )

    def legacy(self, on: dt.date | None = None) -> UnitQuerySet:
        on = on or timezone.localdate()
        return self.filter(valid_to__lt=on)

    def subtree_of(self, unit: Unit, *, include_self: bool = True) -> UnitQuerySet:
        low, high = subtree_bounds(unit.path)
        qs = self.filter(path__gte=low, path__lt=high)
        return qs if include_self else qs.exclude(pk=unit.pk)


class Unit(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    official_code = models.CharField(
        _("official code"), max_length=32, blank=True, db_index=True,
        help_text=_("Code in the national list of administrative units, where there is one."),
    )
    name = models.CharField(_("name"), max_length=255)
    name_en = models.CharField(_("English name"), max_length=255, blank=True)
    short_name = models.CharField(_("short name"), max_length=120, blank=True)
    unit_type = models.CharField(_("type"), max_length=16, choices=UnitType.choices, db_index=True)
    level_name = models.CharField(
        _("level name"), max_length=40, blank=True, help_text=_("Tỉnh, Thành phố, Xã, Phường, Đặc khu…")
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    # Lower-cased, accent-folded names and codes: the index of accent-insensitive search.
    search_text = models.CharField(max_length=600, editable=False, default="", db_index=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]
        indexes = [models.Index(fields=["unit_type", "path"], name="unit_type_path")]

    def __str__(self) -> str:
        return self.name

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this unit (inclusive), read from the path."""
        return [int(self.path[i : i + SEGMENT]) for i in range(0, len(self.path), SEGMENT)]

    def is_current(self, on: dt.date | None = None) -> bool:
        on = on or timezone.localdate()
        return (self.valid_from is None or self.valid_from <= on) and (self.valid_to is None or self.valid_to >= on)

    def contains(self, other: Unit) -> bool:
        return other.path.startswith(self.path)

    def display_name(self, language: str | None = None) -> str:
        if language and language.startswith("en") and self.name_en:
            return self.name_en
        return self.name


class LineageEvent(models.TextChoices):
    MERGED = "merged", _("merged into")
    SPLIT = "split", _("split into")
    RENAMED = "renamed", _("renamed to")
    CONTINUED = "continued", _("continues as")  # same unit, new structure (e.g. Hà Nội on 1 July 2025)


class UnitLineage(models.Model):
    """One predecessor → successor link. A merger is several links to one successor; a split is
    several links from one predecessor, exactly one of them ``is_primary`` (where the
    predecessor's own records go when they cannot be divided)."""

    predecessor = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="successor_links")
    successor = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="predecessor_links")
    event = models.CharField(_("event"), max_length=16, choices=LineageEvent.choices)
    effective_on = models.DateField(_("effective on"))
    is_primary = models.BooleanField(_("primary successor"), default=True)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("lineage link")
        verbose_name_plural = _("lineage links")
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="lineage_unique_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor}"


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="members")
    position = models.CharField(_("position"), max_length=160, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()


class Role(models.TextChoices):
    REPORTER = "reporter", _("Reporter")
    SUPERVISOR = "supervisor", _("Supervisor")
    LEADER = "leader", _("Leader")
    COUNCIL_MEMBER = "council_member", _("Council member")
    OBSERVER = "observer", _("Observer")
    FOCAL_POINT = "focal_point", _("Focal point")
    ADMIN = "admin", _("Administrator")


class RoleAssignmentQuerySet(models.QuerySet["RoleAssignment"]):
    def active(self, on: dt.date | None = None) -> RoleAssignmentQuerySet:
        on = on or timezone.localdate()
        return self.filter(starts_on__lte=on).filter(models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=on))


class RoleAssignment(models.Model):
    """A role held on a unit; it applies to the unit's whole subtree between its dates."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        indexes = [models.Index(fields=["user", "starts_on"], name="role_user_start")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=models.F("starts_on")),
                name="role_dates_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.unit}"
