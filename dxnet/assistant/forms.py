"""Forms of the chat page: the question (with its optional filters) and the feedback on an answer."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dxnet.documents.models import DocumentKind

from .models import Feedback
from .services import MAX_QUESTION


def _date_field(label: Any) -> forms.DateField:
    # the browser's date picker sends ISO; typed dates are Vietnamese dd/mm/yyyy
    return forms.DateField(label=label, required=False, input_formats=["%Y-%m-%d", "%d/%m/%Y"],
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class AskForm(forms.Form):
    question = forms.CharField(label=_("Your question"), max_length=MAX_QUESTION,
                               widget=forms.Textarea(attrs={"rows": 2}))
    kind = forms.MultipleChoiceField(label=_("Document type"), choices=DocumentKind.choices, required=False)
    issuer = forms.CharField(label=_("Issuing body"), max_length=255, required=False)
    signed_from = _date_field(_("Signed from"))
    signed_to = _date_field(_("Signed until"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        lo, hi = data.get("signed_from"), data.get("signed_to")
        if lo and hi and lo > hi:
            self.add_error("signed_to", _("The end date is before the start date."))
        return data

    def filters(self) -> Any:
        """The retrieval filters, or None when none is set."""
        from .retrieval import Filters

        d = self.cleaned_data
        if not (d.get("kind") or d.get("issuer") or d.get("signed_from") or d.get("signed_to")):
            return None
        return Filters(kinds=tuple(d.get("kind") or ()), issuer=(d.get("issuer") or "").strip(),
                       signed_from=d.get("signed_from"), signed_to=d.get("signed_to"))

    def has_filters(self) -> bool:
        return bool(self.is_bound and self.is_valid() and self.filters() is not None)


class FeedbackForm(forms.Form):
    rating = forms.ChoiceField(choices=Feedback.Rating.choices)
    reason = forms.ChoiceField(label=_("Reason"), choices=[("", "—"), *Feedback.Reason.choices], required=False)
    comment = forms.CharField(label=_("Comment (optional)"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
