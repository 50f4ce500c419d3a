"""Documents: the texts officials must apply (resolutions, decrees, plans, guidance, articles).

A document is published by an *owner* unit, whose staff manage it, to an *audience* unit: the
officials of every unit in the audience's subtree may read it (the whole country when the
audience is the national root). ``text`` is the text extracted from the uploaded file once,
at upload; passages and citations give character offsets into it, so it never changes without
the passages being rebuilt. Dissemination with read acknowledgement will add a table of
(document, unit, sent) and one of (document, reader, acknowledged at) next to this one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dxnet.network.models import Unit


class DocumentKind(models.TextChoices):
    LAW = "law", _("Law")
    RESOLUTION = "resolution", _("Resolution")
    DECREE = "decree", _("Decree")
    DECISION = "decision", _("Decision")
    DIRECTIVE = "directive", _("Directive")
    CIRCULAR = "circular", _("Circular")
    PROGRAMME = "programme", pgettext_lazy("document type", "Programme")
    PLAN = "plan", _("Plan")
    OFFICIAL_LETTER = "official_letter", _("Official letter")
    GUIDANCE = "guidance", _("Guidance")
    REPORT = "report", _("Report")
    ARTICLE = "article", _("Article")
    OTHER = "other", _("Other")


class DocumentLanguage(models.TextChoices):
    VI = "vi", "Tiếng Việt"
    EN = "en", "English"
    FR = "fr", "Français"
    HI = "hi", "हिन्दी"


class DocumentQuerySet(models.QuerySet["Document"]):
    def published(self) -> DocumentQuerySet:
        return self.filter(status=Document.Status.PUBLISHED)


class Document(models.Model):
    class Status(models.TextChoices):
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    slug = models.SlugField(_("short name"), max_length=120, unique=True)
    title = models.CharField(_("title"), max_length=500)
    number = models.CharField(_("number"), max_length=60, blank=True, db_index=True,
                              help_text=_("As printed, e.g. 03/NQ-CP or 57-NQ/TW."))
    kind = models.CharField(_("type"), max_length=20, choices=DocumentKind.choices, default=DocumentKind.OTHER)
    issuer = models.CharField(_("issuing body"), max_length=255, blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    effective_on = models.DateField(_("effective from"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=2, choices=DocumentLanguage.choices,
                                default=DocumentLanguage.VI)
    summary = models.TextField(_("summary"), blank=True)
    source_url = models.URLField(_("source"), max_length=500, blank=True)
    owner = models.ForeignKey(Unit, verbose_name=_("publishing unit"), on_delete=models.PROTECT, related_name="+")
    audience = models.ForeignKey(
        Unit, verbose_name=_("audience"), on_delete=models.PROTECT, related_name="+",
        help_text=_("The officials of this unit and of every unit under it may read the document."),
    )
    file = models.FileField(upload_to="documents/%Y/%m/", blank=True)
    filename = models.CharField(max_length=255, blank=True)
    media_type = models.CharField(max_length=100, blank=True)
    text = models.TextField(editable=False, default="")
    text_sha256 = models.CharField(max_length=64, editable=False, default="")
    # Lower-cased, accent-folded title, number, issuer and text: accent-insensitive search.
    search_text = models.TextField(editable=False, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PUBLISHED, db_index=True)
    is_test = models.BooleanField(default=False, help_text="demo document used to check scoping")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-signed_on", "title"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return f"{self.number} — {self.title}" if self.number else self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("documents:detail", args=[self.slug])
