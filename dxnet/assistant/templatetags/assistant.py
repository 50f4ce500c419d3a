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


_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>])")
_EMPHASIS = re.compile(r"(\*\*|__)")


@register.filter
def plain(text: str) -> str:
    """A quoted passage as a reader sees it: Markdown's emphasis marks and escapes dropped, table
    cells separated by " · " (the citation's offsets still point at the exact text)."""
    out = _EMPHASIS.sub("", _ESCAPED.sub(r"\1", text or ""))
    lines = []
    for line in out.splitlines():
        s = line.strip()
        if s.startswith("|") and s.endswith("|") and len(s) > 1:
            cells = [c.strip() for c in s.strip("|").split("|")]
            if all(set(c) <= set("-: ") for c in cells):
                continue  # the header separator row
            s = " · ".join(c for c in cells if c)
        lines.append(s.lstrip("#> ").strip() if s.startswith(("#", ">")) else s)
    return "\n".join(lines)
