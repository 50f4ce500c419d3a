from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    """Uploaded files go to a directory of the test's own (checked to stay empty on refusals)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def corpus(db: Any) -> dict[str, Any]:
    """The demo corpus, loaded as ``manage.py load_demo_documents`` does."""
    from dxnet.documents.demo import load_demo_documents
    from dxnet.documents.models import Document

    load_demo_documents()
    return {d.slug: d for d in Document.objects.all()}
