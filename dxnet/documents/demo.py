"""The demo corpus: the Vietnamese policy texts, the seed articles (French, Hindi) published to
the whole country, and one test document published to Đắk Lắk only (see data/ATTRIBUTION.md).
Loaded through ``document_create`` like any upload; idempotent by slug."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from dxnet.network.models import Unit

from .models import Document
from .services import document_create

DATA = Path(__file__).resolve().parent / "data"


def corpus_entries() -> list[dict[str, Any]]:
    return json.loads((DATA / "corpus.json").read_text(encoding="utf-8"))


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def load_demo_documents() -> tuple[list[Document], list[str]]:
    """Publish every corpus document not yet loaded; returns (created, slugs already there)."""
    created: list[Document] = []
    skipped: list[str] = []
    units = {u.code: u for u in Unit.objects.filter(code__in={c for e in corpus_entries()
                                                               for c in (e["owner"], e["audience"])})}
    for e in corpus_entries():
        if Document.objects.filter(slug=e["slug"]).exists():
            skipped.append(e["slug"])
            continue
        path = DATA / e["file"]
        created.append(document_create(
            actor=None, owner=units[e["owner"]], audience=units[e["audience"]], filename=path.name,
            content=path.read_bytes(), title=e["title"], number=e.get("number", ""), kind=e["kind"],
            issuer=e.get("issuer", ""), signed_on=_date(e.get("signed_on")), effective_on=_date(e.get("effective_on")),
            language=e["language"], summary=e.get("summary", ""), source_url=e.get("source_url", ""),
            slug=e["slug"], is_test=bool(e.get("is_test")),
        ))
    return created, skipped
