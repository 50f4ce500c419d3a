from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .auth import lockout_remaining


class LockoutAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Wrong user name or password. Both are case-sensitive."),
    }

    def clean(self) -> dict[str, Any]:
        remaining = lockout_remaining(self.cleaned_data.get("username") or "")
        if remaining:
            minutes = max(1, int(remaining.total_seconds() // 60) + 1)
            raise forms.ValidationError(
                ngettext(
                    "Too many failed sign-ins: this account is locked for %(minutes)d more minute.",
                    "Too many failed sign-ins: this account is locked for %(minutes)d more minutes.",
                    minutes,
                )
                % {"minutes": minutes},
                code="locked",
            )
        return super().clean()


class TokenCreateForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100, help_text=_("What will use it, e.g. “DHIS2 sync”."))
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=3650, required=False,
                              help_text=_("Leave empty for a token that does not expire."))
