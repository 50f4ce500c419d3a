"""The document page's text: escaped, line by line, Markdown headings shown as headings, and a
passage (``text[start:end]``, the offsets the assistant cites) wrapped in ``<mark>``.

Each line is one element, so a passage that crosses lines is marked piece by piece (the first
piece carries ``id="passage"``, which the page scrolls to); every character of the text is
shown, so what is marked is exactly the cited span."""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_HEADING = re.compile(r"^(#{1,6})\s")
_TABLE_SEP = re.compile(r"^\|?\s*:?-{3,}")


def passage_bounds(text: str, start: object, end: object) -> tuple[int, int] | None:
    """Validated ``(start, end)`` from query parameters, or None when they do not name a span."""
    try:
        s, e = int(str(start)), int(str(end))
    except (TypeError, ValueError):
        return None
    s, e = max(0, s), min(len(text), e)
    return (s, e) if s < e else None


def render_text(text: str, passage: tuple[int, int] | None = None) -> SafeString:
    out: list[str] = []
    pos = 0
    first_mark = True
    for line in text.split("\n"):
        line_start, line_end = pos, pos + len(line)
        pos = line_end + 1
        m = _HEADING.match(line)
        if m:
            cls = f"dx-doc-line dx-doc-h dx-doc-h{len(m.group(1))}"
        elif line.startswith("|"):
            cls = "dx-doc-line dx-doc-table" + (" dx-doc-table-sep" if _TABLE_SEP.match(line) else "")
        elif not line.strip():
            cls = "dx-doc-line dx-doc-blank"
        else:
            cls = "dx-doc-line"
        body: str
        s = max(passage[0], line_start) - line_start if passage else 0
        e = min(passage[1], line_end) - line_start if passage else 0
        if e > s:
            ident = ' id="passage" tabindex="-1"' if first_mark else ""
            first_mark = False
            body = (f"{escape(line[:s])}<mark{ident} class=\"dx-passage\">{escape(line[s:e])}</mark>"
                    f"{escape(line[e:])}")
        else:
            body = str(escape(line))
        out.append(f'<div class="{cls}">{body or "&#8203;"}</div>')
    return mark_safe("".join(out))  # noqa: S308 — every piece of text is escaped above
