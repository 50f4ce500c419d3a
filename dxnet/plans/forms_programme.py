"""Forms of the programme pages: a programme, a phase, a guidance file. They parse what was typed
and name the bad field; the services store (and check again)."""

from __future__ import annotations

import os
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dxnet.core import access
from dxnet.network.models import Unit
from dxnet.network.selectors import acting_units

from .models import Programme

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
# First segments of /plans/… that are pages, not programmes.
RESERVED_CODES = {"new", "import", "urging", "task", "overdue", "my", "evidence", "guidance"}
# The issuing-unit select lists communes too unless that makes it too long (a superuser's country).
MAX_OPTIONS = 400

GUIDANCE_MAX_BYTES = 20 * 1024 * 1024
# Extension → the first bytes the file must start with (DOCX, XLSX and ODT are ZIP packages).
GUIDANCE_TYPES = {".pdf": (b"%PDF",), ".docx": (b"PK\x03\x04",), ".xlsx": (b"PK\x03\x04",),
                  ".odt": (b"PK\x03\x04",), ".txt": ()}


def issuing_units(user: Any) -> list[Unit]:
    """The units in whose name ``user`` may issue a programme (where it may "change" programmes)."""
    return acting_units(actor=user, action="change", model=Programme, limit=MAX_OPTIONS)


class ProgrammeForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Code"), max_length=60,
                           help_text=gettext_lazy("Short and unique, used in the address of the plan, e.g. KH-73-DL."))
    title = forms.CharField(label=gettext_lazy("Title"), max_length=500)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Programme.Kind.choices, initial=Programme.Kind.PLAN)
    # A select of the units in scope; any unit where the user may "change" programmes is accepted.
    owner = forms.CharField(label=gettext_lazy("Issuing unit"), widget=forms.Select)
    legal_number = forms.CharField(label=gettext_lazy("Document number"), max_length=80, required=False,
                                   help_text=gettext_lazy("e.g. 12/KH-UBND"))
    legal_date = forms.DateField(label=gettext_lazy("Document date"), required=False, widget=DATE,
                                 input_formats=DATE_FORMATS)
    legal_issuer = forms.CharField(label=gettext_lazy("Issued by"), max_length=200, required=False,
                                   help_text=gettext_lazy("e.g. Provincial People's Committee"))
    starts_on = forms.DateField(label=gettext_lazy("Starts on"), required=False, widget=DATE,
                                input_formats=DATE_FORMATS)
    ends_on = forms.DateField(label=gettext_lazy("Ends on"), required=False, widget=DATE, input_formats=DATE_FORMATS)
    description = forms.CharField(label=gettext_lazy("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, user: Any, programme: Programme | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.programme = programme
        if programme is not None:
            # The issuing unit of an issued programme does not change (its tasks and audit hang on it).
            del self.fields["owner"]
        else:
            self.fields["owner"].widget.choices = [("", "—")] + [
                (u.code, f"{'· ' * max(u.depth - 1, 0)}{u.name}") for u in issuing_units(user)]

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if "/" in code or code.lower() in RESERVED_CODES:
            raise forms.ValidationError(_("Code: “%(code)s” cannot be used; avoid “/” and the words new, import, "
                                          "urging, task, overdue, my, evidence, guidance.") % {"code": code})
        return code

    def clean_owner(self) -> Unit:
        code = self.cleaned_data["owner"]
        unit = Unit.objects.filter(code=code).first()
        if unit is None or not access.can(self.user, "change", unit, Programme):
            raise forms.ValidationError(_("Issuing unit: you cannot issue a programme in the name of this unit."))
        return unit

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("Ends on: the programme cannot end (%(end)s) before it starts (%(start)s).")
                           % {"end": f"{ends:%d/%m/%Y}", "start": f"{starts:%d/%m/%Y}"})
        return data

    def fields_data(self) -> dict[str, Any]:
        names = ("title", "kind", "legal_number", "legal_date", "legal_issuer", "starts_on", "ends_on", "description")
        return {n: self.cleaned_data[n] for n in names}


class PhaseForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Phase"), max_length=200)
    starts_on = forms.DateField(label=gettext_lazy("Starts on"), widget=DATE, input_formats=DATE_FORMATS)
    ends_on = forms.DateField(label=gettext_lazy("Ends on"), widget=DATE, input_formats=DATE_FORMATS)
    is_review = forms.BooleanField(label=gettext_lazy("Review milestone"), required=False)

    def __init__(self, *args: Any, programme: Programme, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.programme = programme

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        starts, ends, p = data.get("starts_on"), data.get("ends_on"), self.programme
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("Ends on: the phase cannot end (%(end)s) before it starts (%(start)s).")
                           % {"end": f"{ends:%d/%m/%Y}", "start": f"{starts:%d/%m/%Y}"})
            return data
        if starts and p.starts_on and starts < p.starts_on:
            self.add_error("starts_on", _("Starts on: the phase cannot start before the programme (%(date)s).")
                           % {"date": f"{p.starts_on:%d/%m/%Y}"})
        if ends and p.ends_on and ends > p.ends_on:
            self.add_error("ends_on", _("Ends on: the phase cannot end after the programme (%(date)s).")
                           % {"date": f"{p.ends_on:%d/%m/%Y}"})
        return data


class GuidanceForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title of the guidance"), max_length=300)
    file = forms.FileField(label=gettext_lazy("File"), allow_empty_file=True,  # an empty file gets our message
                           help_text=gettext_lazy("PDF, DOCX, XLSX, ODT or TXT, at most 20 MB."))

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        ext = os.path.splitext(f.name)[1].lower()
        if ext not in GUIDANCE_TYPES:
            raise forms.ValidationError(
                _("File: “%(name)s” is not a PDF, DOCX, XLSX, ODT or TXT document.") % {"name": f.name})
        if f.size > GUIDANCE_MAX_BYTES:
            raise forms.ValidationError(
                _("File: “%(name)s” is %(size).1f MB; a guidance file may be at most 20 MB.")
                % {"name": f.name, "size": f.size / 1024 / 1024})
        if f.size == 0:
            raise forms.ValidationError(_("File: “%(name)s” is empty.") % {"name": f.name})
        magics = GUIDANCE_TYPES[ext]
        if magics:
            head = f.read(8)
            f.seek(0)
            if not any(head.startswith(m) for m in magics):
                raise forms.ValidationError(
                    _("File: “%(name)s” is not really a %(type)s document.") % {"name": f.name,
                                                                              "type": ext[1:].upper()})
        return f
