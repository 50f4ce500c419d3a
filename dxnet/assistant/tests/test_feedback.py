"""Feedback on answers: one per person and answer, changeable, only on one's own answers, audited;
the CSV export for administrators only (everyone else: 404)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from django.contrib.auth import get_user_model
from django.urls import reverse

from dxnet.assistant import services
from dxnet.assistant.models import Conversation, Feedback, Message
from dxnet.core.models import AuditEntry

QUESTION = "Nghị quyết 57-NQ/TW đặt mục tiêu gì đến năm 2030?"
ANSWER = "Theo các văn bản:\nĐến năm 2030, Việt Nam thuộc nhóm 3 nước dẫn đầu Đông Nam Á [1]"
CITATION = {"n": 1, "passage": None, "document": 1, "slug": "nq-57-tw-2024", "title": "Nghị quyết 57",
            "number": "57-NQ/TW", "heading": "II › 2", "start": 10, "end": 60, "text": "Đến năm 2030…", "url": "/x"}


def exchange(user: Any) -> tuple[Message, Message]:
    from dxnet.assistant.tests.chatkit import make_document
    from dxnet.documents.models import Document

    # the cited document exists and is published to the whole country (the export checks it)
    doc = Document.objects.filter(slug=CITATION["slug"]).first() or make_document(
        CITATION["slug"], "Đến năm 2030…", title=CITATION["title"], number=CITATION["number"])
    conv = Conversation.objects.create(user=user, title=QUESTION)
    q = Message.objects.create(conversation=conv, role="user", text=QUESTION, lang="vi")
    a = Message.objects.create(conversation=conv, role="assistant", text=ANSWER, lang="vi", mode="extractive",
                               citations=[{**CITATION, "document": doc.pk}])
    return q, a


def test_feedback_is_stored_once_per_person_and_can_be_changed(db: Any, cast: Any) -> None:
    _q, a = exchange(cast.user("xa.eakar"))
    client = cast.client("xa.eakar")
    url = reverse("assistant:feedback", args=[a.pk])
    first = client.post(url, {"rating": "up", "reason": "correct"}, HTTP_HX_REQUEST="true")
    assert first.status_code == 200 and 'data-testid="feedback-thanks"' in first.content.decode()
    fb = Feedback.objects.get()
    assert (fb.user.username, fb.rating, fb.reason, fb.comment) == ("xa.eakar", "up", "correct", "")

    again = client.post(url, {"rating": "down", "reason": "incomplete", "comment": "Thiếu mục tiêu năm 2045."})
    assert again.status_code == 302
    fb = Feedback.objects.get()  # still one row
    assert (fb.rating, fb.reason, fb.comment) == ("down", "incomplete", "Thiếu mục tiêu năm 2045.")
    entries = list(AuditEntry.objects.filter(action="assistant.feedback").order_by("seq"))
    assert len(entries) == 2 and entries[1].before["rating"] == "up" and entries[1].after["rating"] == "down"


def test_feedback_only_on_ones_own_answers(db: Any, cast: Any) -> None:
    q, a = exchange(cast.user("xa.eakar"))
    url = reverse("assistant:feedback", args=[a.pk])
    assert cast.client("px.buonmathuot").post(url, {"rating": "up"}).status_code == 404
    assert cast.client("xa.eakar").post(reverse("assistant:feedback", args=[q.pk]), {"rating": "up"}).status_code == 404
    bad = cast.client("xa.eakar").post(url, {"rating": "meh"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 200 and "feedback-thanks" not in bad.content.decode()
    assert not Feedback.objects.exists()


def _rows(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())  # Excel reads the Vietnamese as UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_the_export_is_for_administrators_and_holds_the_feedback(db: Any, cast: Any) -> None:
    _q, a = exchange(cast.user("xa.eakar"))
    services.feedback_give(actor=cast.user("xa.eakar"), message=a, rating="down", reason="incomplete",
                           comment="Thiếu mục tiêu năm 2045.")
    url = reverse("assistant:feedback_export")
    for name in ("xa.eakar", "snv.daklak", "ubnd.daklak", "bo.khcn"):
        assert cast.client(name).get(url).status_code == 404, name
    response = cast.client("admin").get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    header, row = _rows(response.content)
    assert len(header) == len(services.CSV_COLUMNS) == 10
    assert row[1:5] == ["xa.eakar", "Xã Ea Kar", QUESTION, ANSWER]
    assert row[6:] == [str(Feedback.Rating.DOWN.label), str(Feedback.Reason.INCOMPLETE.label),
                       "Thiếu mục tiêu năm 2045.", "57-NQ/TW"]
    assert AuditEntry.objects.filter(action="assistant.feedback_export", actor__username="admin").exists()
    page = cast.client("admin").get(reverse("assistant:chat")).content.decode()
    assert 'data-testid="feedback-export"' in page


def test_a_provincial_administrator_exports_the_feedback_of_their_province(db: Any, cast: Any, unit: Any) -> None:
    from dxnet.network.models import Profile, RoleAssignment

    for name in ("xa.eakar", "px.hoankiem"):
        _q, a = exchange(cast.user(name))
        services.feedback_give(actor=cast.user(name), message=a, rating="up")
    admin66 = get_user_model().objects.create_user("admin.daklak", password="x")
    Profile.objects.create(user=admin66, unit=unit("66"))
    RoleAssignment.objects.create(user=admin66, unit=unit("66"), role="admin", starts_on=dt.date(2025, 7, 1))
    rows = _rows(services.feedback_export_csv(actor=admin66))[1:]
    assert [r[1] for r in rows] == ["xa.eakar"]


def test_the_export_hides_answers_citing_documents_the_exporter_may_not_read(db: Any, cast: Any, unit: Any) -> None:
    from dxnet.assistant.tests.chatkit import make_document
    from dxnet.network.models import RoleAssignment

    secret = "Bí mật cấp bộ: mã KHCN-2026-XYZ"
    ministry = make_document("ke-hoach-bo", f"Kế hoạch nội bộ.\n{secret}", audience="BKHCN", number="7/KH-BKHCN")
    asker = cast.user("xa.eakar")
    RoleAssignment.objects.create(user=asker, unit=unit("BKHCN"), role="reporter", starts_on=dt.date(2025, 1, 1))
    conv = Conversation.objects.create(user=asker, title=QUESTION)
    Message.objects.create(conversation=conv, role="user", text=QUESTION, lang="vi")
    a = Message.objects.create(conversation=conv, role="assistant", text=f"Theo các văn bản:\n{secret} [1]",
                               lang="vi", mode="extractive",
                               citations=[{**CITATION, "document": ministry.pk, "slug": ministry.slug,
                                           "number": ministry.number, "text": secret}])
    services.feedback_give(actor=asker, message=a, rating="up")
    snv = cast.user("snv.daklak")
    RoleAssignment.objects.create(user=snv, unit=unit("66"), role="admin", starts_on=dt.date(2025, 1, 1))
    from django.utils import translation

    with translation.override("en"):
        data = services.feedback_export_csv(actor=cast.user("snv.daklak")).decode("utf-8-sig")
    assert "xa.eakar" in data  # the row is there (feedback of their province)
    assert secret not in data and "KHCN-2026-XYZ" not in data and "7/KH-BKHCN" not in data
    assert "[hidden: outside your scope]" in data
    data = services.feedback_export_csv(actor=cast.user("admin")).decode("utf-8-sig")
    assert secret in data and "7/KH-BKHCN" in data
