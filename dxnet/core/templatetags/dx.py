from __future__ import annotations

from typing import Any

from django import forms, template
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def widget(field: forms.BoundField) -> SafeString:
    """Render a form field's widget with Bootstrap's classes and its error state."""
    w = field.field.widget
    if isinstance(w, (forms.CheckboxInput, forms.RadioSelect, forms.CheckboxSelectMultiple)):
        css = "form-check-input"
    elif isinstance(w, (forms.Select, forms.SelectMultiple)):
        css = "form-select"
    else:
        css = "form-control"
    attrs: dict[str, Any] = {"class": f"{w.attrs.get('class', '')} {css}".strip()}
    if field.errors:
        attrs["class"] += " is-invalid"
        attrs["aria-invalid"] = "true"
    if field.help_text:
        attrs["aria-describedby"] = f"{field.auto_id}-help"
    return field.as_widget(attrs=attrs)
