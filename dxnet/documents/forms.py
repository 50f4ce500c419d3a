"""The upload and edit form of a document: it parses what was typed and names the bad field; the
services extract, check again and store."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from dxnet.core import access
from dxnet.network.models import Unit
from dxnet.network.selectors import acting_units

from .extraction import ACCEPT, MAX_BYTES
from .models import Document, DocumentKind, DocumentLanguage

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
MAX_OPTIONS = 400


def publishing_units(user: Any) -> list[Unit]:
    """The units in whose name, and to whose officials, ``user`` may publish."""
    return acting_units(actor=user, action="create", model=Document, limit=MAX_OPTIONS)


class DocumentForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"), allow_empty_file=True,  # an empty file gets the extraction's message
        help_text=gettext_lazy("PDF (with a text layer), DOCX, HTML, Markdown or plain text, at most 20 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}))
    title = forms.CharField(label=gettext_lazy("Title"), max_length=500, required=False,
                            help_text=gettext_lazy("Left empty: the first heading of the file."))
    number = forms.CharField(label=pgettext_lazy("document number", "Number"), max_length=60, required=False,
                             help_text=gettext_lazy("As printed, e.g. 03/NQ-CP or 57-NQ/TW."))
    kind = forms.ChoiceField(label=gettext_lazy("Type"), choices=DocumentKind.choices, initial=DocumentKind.GUIDANCE)
    issuer = forms.CharField(label=gettext_lazy("Issuing body"), max_length=255, required=False,
                             help_text=gettext_lazy("e.g. Sở Nội vụ tỉnh Đắk Lắk"))
    signed_on = forms.DateField(label=gettext_lazy("Signed on"), required=False, widget=DATE,
                                input_formats=DATE_FORMATS)
    effective_on = forms.DateField(label=gettext_lazy("Effective from"), required=False, widget=DATE,
                                   input_formats=DATE_FORMATS)
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=DocumentLanguage.choices,
                                 initial=DocumentLanguage.VI)
    owner = forms.CharField(label=gettext_lazy("Publishing unit"), widget=forms.Select,
                            help_text=gettext_lazy("Its supervisors and leaders manage the document."))
    audience = forms.CharField(label=gettext_lazy("Audience"), widget=forms.Select,
                               help_text=gettext_lazy("The officials of this unit and of every unit under it may read "
                                               "the document and ask the assistant about it."))
    summary = forms.CharField(label=gettext_lazy("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    source_url = forms.URLField(label=gettext_lazy("Source (web address)"), required=False, max_length=500,
                                assume_scheme="https")

    def __init__(self, *args: Any, user: Any, document: Document | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.document = document
        units = publishing_units(user)
        choices = [("", "—")] + [(u.code, f"{'· ' * max(u.depth - 1, 0)}{u.name} ({u.code})") for u in units]
        if document is not None:
            # The publishing unit does not change once published (its managers and audit hang on it).
            del self.fields["owner"]
            self.fields["file"].required = False
            self.fields["file"].help_text = gettext_lazy("Only to replace the file: its text is extracted again.")
            if document.audience.code not in {c for c, _label in choices}:
                choices.append((document.audience.code, f"{document.audience.name} ({document.audience.code})"))
        else:
            self.fields["owner"].widget.choices = choices
        self.fields["audience"].widget.choices = choices

    def _unit(self, name: str, message: str) -> Unit:
        code = (self.cleaned_data.get(name) or "").strip()
        unit = Unit.objects.filter(code=code).first()
        if unit is None or not access.can(self.user, "create", unit, Document):
            raise forms.ValidationError(message)
        return unit

    def clean_owner(self) -> Unit:
        return self._unit("owner", _("Publishing unit: you cannot publish in the name of this unit."))

    def clean_audience(self) -> Unit:
        if self.document is not None and self.cleaned_data.get("audience") == self.document.audience.code:
            return self.document.audience
        return self._unit("audience", _("Audience: you can publish only to units within your own (your province, "
                                        "ministry or unit)."))

    def clean_file(self) -> Any:
        f = self.cleaned_data.get("file")
        if f and f.size > MAX_BYTES:
            raise forms.ValidationError(_("File: “%(name)s” is %(size).1f MB; a document may be at most %(max)d MB.")
                                        % {"name": f.name, "size": f.size / 1024 / 1024,
                                           "max": MAX_BYTES // 1024 // 1024})
        return f

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        signed, effective = data.get("signed_on"), data.get("effective_on")
        if signed and effective and effective < signed:
            self.add_error("effective_on", _("Effective from: the document cannot take effect (%(eff)s) before it is "
                                             "signed (%(signed)s).")
                           % {"eff": f"{effective:%d/%m/%Y}", "signed": f"{signed:%d/%m/%Y}"})
        return data

    def metadata(self) -> dict[str, Any]:
        names = ("title", "number", "kind", "issuer", "signed_on", "effective_on", "language", "summary",
                 "source_url", "audience")
        return {n: self.cleaned_data[n] for n in names}
