"""Reading documents, always through the access module: the list and its accent-insensitive
search, one document by its short name (404 outside the reader's scope), snippets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from dxnet.core import access
from rag.text import fold

from .models import Document

_EDGE_PUNCT = ".,;:!?\"'()[]{}“”‘’«»…"


def query_words(q: str) -> list[str]:
    """The folded, lower-cased terms of a query: its words (punctuation at their ends dropped;
    57-NQ/TW stays whole) and its "quoted phrases"."""
    out: list[str] = []
    folded = fold(q or "").lower().replace("“", '"').replace("”", '"')
    for i, part in enumerate(folded.split('"')):
        terms = [" ".join(part.split())] if i % 2 else part.split()
        for w in terms:
            w = w.strip(_EDGE_PUNCT)
            if w and w not in out:
                out.append(w)
    return out


def word_pattern(word: str) -> str:
    """A whole folded word (so "to" does not match "toan"); the same syntax on SQLite (Python's
    re) and PostgreSQL (POSIX): a boundary is any character that is not an ASCII letter or digit,
    which folded Vietnamese and French words are made of."""
    return rf"(^|[^a-z0-9]){re.escape(word)}([^a-z0-9]|$)"


def document_list(*, actor: Any, q: str = "", kind: str = "", language: str = "", issuer: str = "",
                  year: int | None = None, include_withdrawn: bool = False) -> QuerySet[Document]:
    """The documents ``actor`` may read; with ``include_withdrawn``, also the withdrawn ones of
    the units whose documents the actor manages. Every folded word of ``q`` must occur in the
    document's title, number, issuer or text, with or without accents."""
    qs = access.visible(actor, Document.objects.published())
    if include_withdrawn:
        withdrawn = access.visible(actor, Document.objects.filter(status=Document.Status.WITHDRAWN), "change")
        qs = Document.objects.filter(Q(pk__in=qs.values("pk")) | Q(pk__in=withdrawn.values("pk")))
    for w in query_words(q):
        # contains first: the cheap test any database does well; the pattern then keeps whole words
        qs = qs.filter(search_text__contains=w).filter(search_text__regex=word_pattern(w))
    if kind:
        qs = qs.filter(kind=kind)
    if language:
        qs = qs.filter(language=language)
    if issuer:
        qs = qs.filter(issuer=issuer)
    if year and 1 <= year <= 9999:  # a date's year; others would make the lookup's bounds fail
        qs = qs.filter(signed_on__year=year)
    # NULL dates last on both databases (PostgreSQL puts them first in a descending order).
    return qs.select_related("owner", "audience").order_by(F("signed_on").desc(nulls_last=True), "title", "pk")


def access_document_by_slug(*, actor: Any, slug: str, for_change: bool = False) -> Document:
    """One document by its short name: readers see it while it is published; its managers also
    when withdrawn. 404 outside scope, never 403."""
    doc = (access.visible(actor, Document.objects.published()).select_related("owner", "audience")
           .filter(slug=slug).first())
    if doc is None:
        return access.get_or_404(actor, Document.objects.select_related("owner", "audience"), "change", slug=slug)
    if for_change:
        access.check(actor, "change", doc.owner, Document)
    return doc


def can_change(actor: Any, document: Document) -> bool:
    return access.can(actor, "change", document.owner, Document)


# --- snippets ----------------------------------------------------------------------------------


def _folded_same_length(text: str) -> str:
    """``fold(text).lower()`` with one character per character of ``text`` (offsets stay valid)."""
    f = fold(text).lower()
    if len(f) == len(text):
        return f
    out = []
    for ch in text:
        x = fold(ch).lower()
        out.append(x if len(x) == 1 else ch)
    return "".join(out)


@dataclass(frozen=True)
class Snippet:
    html: SafeString
    start: int  # offset of the first match in the document's text (-1: none)


def document_snippet(document: Document, q: str) -> Snippet:
    """The snippet of a listed document; its folded text is read from ``search_text`` (which ends
    with it) when the lengths agree, so the list does not fold long texts again."""
    tail = document.search_text[-len(document.text):] if document.text else ""
    return snippet(document.text, q, folded=tail if len(tail) == len(document.text) else None)


def snippet(text: str, q: str, *, width: int = 200, folded: str | None = None) -> Snippet:
    """About ``width`` characters of ``text`` around the first match of a word of ``q``, escaped,
    with every query word in it wrapped in ``<mark>``. ``folded``: ``text`` already folded and
    lower-cased, character for character."""
    words = query_words(q)
    folded = folded if folded is not None and len(folded) == len(text) else _folded_same_length(text)
    patterns = [re.compile(word_pattern(w)) for w in words]
    first = -1
    for p in patterns:
        m = p.search(folded)
        if m is not None:
            pos = m.start() + len(m.group(1))
            if first < 0 or pos < first:
                first = pos
    if first < 0:
        start = 0
    else:
        start = max(0, first - width // 3)
        space = text.rfind(" ", max(0, start - 20), start)
        start = space + 1 if space >= 0 and start > 0 else start
    end = min(len(text), start + width)
    space = text.find(" ", end, end + 20)
    end = space if space >= 0 else end
    window, fwindow = text[start:end], folded[start:end]
    spans: list[tuple[int, int]] = []
    for w in words:
        for m in re.finditer(rf"(?<![a-z0-9]){re.escape(w)}(?![a-z0-9])", fwindow):
            spans.append((m.start(), m.end()))
    spans.sort()
    merged: list[list[int]] = []
    for s, e in spans:
        if merged and (s <= merged[-1][1] or not fwindow[merged[-1][1]:s].strip()):  # one mark per phrase
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    parts: list[str] = ["…" if start > 0 else ""]
    pos = 0
    for s, e in merged:
        parts.append(_flat(window[pos:s]))
        parts.append(f"<mark>{_flat(window[s:e])}</mark>")
        pos = e
    parts.append(_flat(window[pos:]))
    parts.append("…" if end < len(text) else "")
    return Snippet(mark_safe("".join(parts)), first)  # noqa: S308 — every piece is escaped above


def _flat(s: str) -> str:
    """Escaped, with Markdown's marks and line breaks flattened for a one-paragraph snippet."""
    s = re.sub(r"(?m)^#{1,6}\s+", "", s).replace("**", "").replace("|", " ")
    return str(escape(re.sub(r"\s+", " ", s)))
