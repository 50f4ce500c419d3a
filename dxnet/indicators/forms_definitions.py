"""Forms of the definition pages: they parse what was typed and name the bad field; the rules
themselves live in ``definitions.py`` (their ``Rejected`` problems come back onto the fields)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dxnet.core import access
from dxnet.network.models import UnitType

from . import definitions, validation
from .models import (
    PERIOD_TYPE_CHOICES,
    Aggregation,
    Direction,
    Indicator,
    ReportForm,
    ValidationRule,
    ValueType,
)
from .services import Rejected

DATE = {"type": "date"}


def put_errors(form: forms.Form, exc: Rejected) -> None:
    """Put a service's problems on the fields they name (or above the form)."""
    for _row, name, message in exc.errors:
        form.add_error(name if name in form.fields else None, message)


def _year_choices() -> list[tuple[int, int]]:
    this = timezone.localdate().year
    return [(y, y) for y in range(this + 2, 2014, -1)]


class VersionFields(forms.Form):
    """The fields of one yearly definition."""

    name = forms.CharField(label=_("Name (Vietnamese)"), max_length=300)
    name_en = forms.CharField(label=_("Name (English)"), max_length=300, required=False)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}),
                                  help_text=_("What is counted, from which source, and how."))
    value_type = forms.ChoiceField(label=_("Value type"), choices=ValueType.choices)
    aggregation = forms.ChoiceField(
        label=_("Aggregation"), choices=Aggregation.choices,
        help_text=_("How the values of the units below make the figure of a unit above. Numbers: sum, average or "
                    "latest; percentages: average or latest; numerator/denominator: ratio of sums or average; "
                    "yes/no: count or share of units with “yes”."))
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices, initial=Direction.HIGHER)
    unit_of_measure = forms.CharField(label=_("Unit of measure"), max_length=40, required=False,
                                      help_text=_("e.g. %, dossiers, people, units"))
    min_value = forms.FloatField(label=_("Minimum"), required=False)
    max_value = forms.FloatField(label=_("Maximum"), required=False)
    decimals = forms.IntegerField(label=_("Decimals shown"), min_value=0, max_value=6, initial=1)

    def version_data(self) -> dict[str, Any]:
        return {k: self.cleaned_data[k] for k in definitions.VERSION_FIELDS}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # Same rules as the service, so that every problem shows at once.
        for _row, name, message in definitions.version_problems(data):
            if name in self.fields and name not in self.errors:
                self.add_error(name, message)
        return data


class IndicatorCreateForm(VersionFields):
    code = forms.CharField(label=_("Code"), max_length=40,
                           help_text=_("Short and stable, used in imports and the API, e.g. DVC_TRUCTUYEN."))
    period_type = forms.ChoiceField(label=_("Period type"), choices=PERIOD_TYPE_CHOICES)
    group = forms.CharField(label=_("Group (indicator set)"), max_length=120, required=False,
                            help_text=_("e.g. Decision 1690, Resolution 03, Reading culture"))
    valid_from_year = forms.TypedChoiceField(label=_("Valid from year"), coerce=int, choices=_year_choices)

    field_order = ["code", "name", "name_en", "description", "group", "value_type", "aggregation", "period_type",
                   "direction", "unit_of_measure", "min_value", "max_value", "decimals", "valid_from_year"]

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if not code or any(c.isspace() for c in code):
            raise forms.ValidationError(_("Use letters, digits, “_” or “-”, without spaces."))
        return code


class IndicatorVersionForm(VersionFields):
    valid_from_year = forms.TypedChoiceField(label=_("In force from year"), coerce=int, choices=_year_choices)

    field_order = ["valid_from_year", "name", "name_en", "description", "value_type", "aggregation", "direction",
                   "unit_of_measure", "min_value", "max_value", "decimals"]


class UnitCodeField(forms.CharField):
    """A unit typed by its code, resolved among the units the actor may ``action``."""

    def __init__(self, *args: Any, action: str = "change", model: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 32)
        super().__init__(*args, **kwargs)
        self.action, self.model, self.actor = action, model, None

    def clean(self, value: Any) -> Any:
        code = super().clean(value)
        if not code:
            return None
        unit = access.units(self.actor, self.action, self.model).filter(code=code.strip()).first()
        if unit is None:
            raise forms.ValidationError(_("No unit with the code “%(code)s” among the units you manage."),
                                        params={"code": code}, code="unknown_unit")
        return unit


class ReportFormForm(forms.ModelForm):
    owner = UnitCodeField(label=_("Owner unit (code)"), model=ReportForm,
                          help_text=_("The unit whose administrators manage this form, e.g. VN, 66."))

    class Meta:
        model = ReportForm
        fields = ["code", "name", "name_en", "description", "period_type", "due_days", "opens_days_before_end",
                  "closes_days_after_due", "is_survey", "survey_period"]
        widgets = {"survey_period": forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
                   "description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"survey_period": _("For a survey: the first day of the period it covers.")}

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["owner"].actor = actor
        if self.instance.pk:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _("The code of a form never changes.")
            self.initial.setdefault("owner", self.instance.owner.code)
        self.order_fields(["code", "name", "name_en", "description", "owner", "period_type", "due_days",
                           "opens_days_before_end", "closes_days_after_due", "is_survey", "survey_period"])

    def validate_unique(self) -> None:
        pass  # the service names a duplicate code in the user's words

    def form_data(self) -> dict[str, Any]:
        data = {k: self.cleaned_data[k] for k in definitions.FORM_FIELDS}
        return data


class FormIndicatorForm(forms.Form):
    indicator = forms.ModelChoiceField(label=_("Indicator"), queryset=Indicator.objects.none())
    section = forms.CharField(label=_("Section"), max_length=120, required=False,
                              help_text=_("Indicators of the same section are shown together, "
                                          "e.g. “I. Online public services”."))
    required = forms.BooleanField(label=_("Required"), required=False, initial=True)

    def __init__(self, *args: Any, form: ReportForm, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qs = Indicator.objects.prefetch_related("versions").order_by("group", "code")
        if not form.is_survey:
            qs = qs.filter(period_type=form.period_type)
        self.fields["indicator"].queryset = qs


class AssignmentForm(forms.Form):
    unit = UnitCodeField(label=_("Unit (code)"), help_text=_("e.g. 66 for Đắk Lắk, VN for the whole country."))
    unit_type = forms.ChoiceField(label=_("Which units"), required=False)
    valid_from = forms.DateField(label=_("From"), widget=forms.DateInput(attrs=DATE))
    valid_to = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs=DATE),
                               help_text=_("Leave empty while the assignment lasts."))

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from .models import FormAssignment

        self.fields["unit"].model = FormAssignment
        self.fields["unit"].actor = actor
        # Built per request, in the user's language.
        self.fields["unit_type"].choices = [("", _("This unit only"))] + [
            (v, _("Every unit of type: %(type)s") % {"type": label}) for v, label in UnitType.choices]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("valid_to") and data.get("valid_from") and data["valid_to"] < data["valid_from"]:
            self.add_error("valid_to", _("The end date is before the start date."))
        return data


class AssignmentEndForm(forms.Form):
    on = forms.DateField(label=_("Last day"), widget=forms.DateInput(attrs=DATE))


class RuleForm(forms.Form):
    left = forms.ModelChoiceField(label=_("Indicator"), queryset=Indicator.objects.none())
    operator = forms.ChoiceField(label=_("Comparison"), choices=ValidationRule.Operator.choices)
    right = forms.ModelChoiceField(label=_("Other indicator"), queryset=Indicator.objects.none())
    message = forms.CharField(label=_("Message when the rule fails"), max_length=300,
                              help_text=_("e.g. Dossiers handled online cannot exceed the dossiers received."))

    def __init__(self, *args: Any, form: ReportForm, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qs = Indicator.objects.filter(pk__in=form.form_indicators.values("indicator_id")).prefetch_related(
            "versions").order_by("code")
        self.fields["left"].queryset = qs
        self.fields["right"].queryset = qs

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("left") is not None and data.get("left") == data.get("right"):
            self.add_error("right", _("Compare two different indicators."))
        return data


class TargetValueForm(forms.Form):
    """A target value as officials type it (``1.234``, ``12,5``)."""

    unit = forms.CharField(max_length=32, widget=forms.HiddenInput)
    value = forms.CharField(label=_("Target value"), max_length=40)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
    agree = forms.BooleanField(label=_("Agree it now"), required=False)

    def clean_value(self) -> float:
        raw = self.cleaned_data["value"]
        try:
            number = validation.parse_number(raw)
        except ValueError:
            number = None
        if number is None:
            raise forms.ValidationError(_("“%(raw)s” is not a number."), params={"raw": raw}, code="nan")
        return number


def period_from_text(text: str, ptype: str) -> Any:
    """A period typed in DHIS2 notation (202501, 2025Q1, 2025S1, 2025); None if not one."""
    from .periods import Period, PeriodError, PeriodType

    try:
        return Period.parse(text, PeriodType(ptype))
    except (PeriodError, ValueError):
        return None
