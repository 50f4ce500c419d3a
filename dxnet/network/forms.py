from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dxnet.core import access

from .models import Profile, Role


class RoleAssignForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    starts_on = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                              help_text=_("Leave empty while the role lasts."))

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor

    def clean_username(self) -> Any:
        username = self.cleaned_data["username"].strip()
        # Only people of the actor's own subtrees can be given a role: nobody learns that an
        # account exists elsewhere.
        profile = (
            access.visible(self.actor, Profile.objects.select_related("user"))
            .filter(user__username__iexact=username)
            .first()
        )
        if profile is None:
            raise forms.ValidationError(_("No person with the user name “%(name)s” in the units you manage."),
                                        params={"name": username}, code="unknown")
        return profile.user

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("ends_on") and data.get("starts_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The end date is before the start date."))
        return data
