"""The chat page tells the officer when the documents are not indexed yet (or are being indexed),
instead of letting "the documents do not answer" pass for the truth."""

from __future__ import annotations

from typing import Any

import pytest

from dxnet.assistant.models import IndexJob, IndexState

pytestmark = pytest.mark.django_db


def test_no_index_says_the_assistant_cannot_answer_yet(cast: Any) -> None:
    IndexState.objects.all().delete()
    page = cast.client("xa.eakar").get("/assistant/").content.decode()
    assert 'data-testid="index-notice"' in page
    assert "alert-warning" in page and "hx-trigger" not in page.split('data-testid="index-notice"')[0][-300:]


def test_indexing_under_way_shows_progress_and_polls(cast: Any) -> None:
    IndexState.objects.all().delete()
    IndexJob.objects.create(action=IndexJob.Action.REBUILD, status=IndexJob.Status.RUNNING, done=30, total=120)
    client = cast.client("xa.eakar")
    page = client.get("/assistant/").content.decode()
    assert "30 / 120" in page and 'hx-get="/assistant/index-notice/"' in page
    notice = client.get("/assistant/index-notice/").content.decode()
    assert "30 / 120" in notice and "every 3s" in notice


def test_ready_index_shows_no_warning(cast: Any) -> None:
    IndexState.objects.all().delete()
    IndexState.objects.create(generation=3, passages=10, documents=2, build_id="x")
    page = cast.client("xa.eakar").get("/assistant/").content.decode()
    assert "alert-warning" not in page and "every 3s" not in page
