"""Forms of the recommendation pages. They only parse: rules live in the services."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from dxnet.network.models import Unit, UnitType


def units_from_codes(text: str) -> tuple[list[Unit], list[str]]:
    """Units named by codes separated by commas, spaces or new lines; and the unknown codes."""
    codes = [c for c in re.split(r"[\s,;]+", text or "") if c]
    found = {u.code: u for u in Unit.objects.filter(code__in=codes)}
    return [found[c] for c in codes if c in found], [c for c in codes if c not in found]


def routing_units() -> Any:
    """The usual answerers: ministries, provinces and agencies in force."""
    return Unit.objects.current().filter(
        unit_type__in=[UnitType.MINISTRY, UnitType.PROVINCE, UnitType.AGENCY]).order_by("unit_type", "name")


def _bootstrap(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs["class"] = css


class RaiseForm(forms.Form):
    raised_by = forms.ModelChoiceField(queryset=Unit.objects.none(), label=_l("Raised by"))
    session = forms.ModelChoiceField(queryset=None, required=False, label=_l("Conference session"),
                                     empty_label=_l("— not in a session —"))
    title = forms.CharField(label=_l("Title"), max_length=300)
    text = forms.CharField(label=_l("Recommendation"), widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args: Any, units: Any, sessions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["raised_by"].queryset = units
        self.fields["session"].queryset = sessions
        self.fields["session"].label_from_instance = lambda s: f"{s.title} — {s.date:%d/%m/%Y}"
        _bootstrap(self)


class RouteForm(forms.Form):
    responsible = forms.ModelChoiceField(queryset=Unit.objects.none(), required=False,
                                         label=_l("Responsible unit"), empty_label=_l("— choose —"))
    responsible_code = forms.CharField(required=False, label=_l("or unit code"), max_length=32)
    deadline = forms.CharField(label=_l("Answer deadline"), max_length=40, required=False,
                               help_text=_l("15/4/2025, 4/2025, Quý II/2025 or 2025"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = routing_units()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        code = (data.get("responsible_code") or "").strip()
        if code:
            unit = Unit.objects.filter(code=code).first()
            if unit is None:
                self.add_error("responsible_code", _("No unit has the code “%(code)s”.") % {"code": code})
            data["responsible"] = unit
        return data


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_l("Answer"), widget=forms.Textarea(attrs={"rows": 5}))


class SessionForm(forms.Form):
    title = forms.CharField(label=_l("Title"), max_length=300)
    date = forms.DateField(label=_l("Date"), input_formats=["%d/%m/%Y", "%Y-%m-%d"],
                           widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"}))
    chair = forms.ModelChoiceField(queryset=Unit.objects.none(), label=_l("Chair unit"))
    all_ministries = forms.BooleanField(required=False, label=_l("All ministries"))
    all_provinces = forms.BooleanField(required=False, label=_l("All provinces"))
    other_codes = forms.CharField(required=False, label=_l("Other connection points (unit codes)"),
                                  widget=forms.Textarea(attrs={"rows": 3}),
                                  help_text=_l("Codes separated by commas or new lines, e.g. 66-SNV, 24133"))
    notes = forms.CharField(required=False, label=_l("Notes"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, chairs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chair"].queryset = chairs
        _bootstrap(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        points: list[Unit] = []
        if data.get("all_ministries"):
            points += list(Unit.objects.current().filter(unit_type=UnitType.MINISTRY).order_by("path"))
        if data.get("all_provinces"):
            points += list(Unit.objects.current().filter(unit_type=UnitType.PROVINCE).order_by("path"))
        others, unknown = units_from_codes(data.get("other_codes", ""))
        if unknown:
            self.add_error("other_codes", _("Unknown unit codes: %(codes)s") % {"codes": ", ".join(unknown)})
        points += others
        if not points and not self.errors:
            self.add_error(None, _("Choose the connection points: all ministries, all provinces or unit codes."))
        data["points"] = list(dict.fromkeys(points))
        return data
