"""Template helpers of the chat page."""

from __future__ import annotations

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_MARK = re.compile(r"\[(\d+)\]")


@register.filter
def cite_links(text: str, prefix: str) -> SafeString:
    """Escape ``text`` and turn its ``[n]`` markers into links to the citation ``#<prefix>-c<n>``;
    line breaks kept."""
    html = _MARK.sub(lambda m: f'<a class="dx-cite" href="#m{escape(prefix)}-c{m.group(1)}">[{m.group(1)}]</a>',
                     str(escape(text)))
    return mark_safe(html.replace("\n", "<br>"))  # noqa: S308 — built from escaped text only


@register.filter
def lead_line(text: str) -> str:
    """The first line of a stored extractive answer: its lead in the question's language."""
    return (text or "").split("\n", 1)[0]
