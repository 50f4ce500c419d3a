"""The chat page: ask (with and without JavaScript), history per user, filters, and scoping —
another province's document never reaches the page or the stored messages; another person's
conversation is a 404."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from dxnet.assistant.models import Conversation, Message

from .chatkit import SECRET

ASK = reverse("assistant:ask")
COUNCIL_Q = "Hội đồng sáng kiến cấp tỉnh do ai thành lập?"
SECRET_Q = f"Kế hoạch nào mang mã thử nghiệm {SECRET}?"


def test_empty_chat_page_offers_examples(cast: Any) -> None:
    page = cast.client("xa.eakar").get(reverse("assistant:chat"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="empty"' in html and "Nghị quyết 57-NQ/TW đặt mục tiêu gì đến năm 2030?" in html
    assert 'data-testid="feedback-export"' not in html  # not an administrator
    assert cast.client(None).get(reverse("assistant:chat")).status_code == 302  # sign in first


def test_ask_without_javascript_stores_the_exchange_and_redirects(corpus: dict, cast: Any) -> None:
    client = cast.client("xa.eakar")
    response = client.post(ASK, {"question": COUNCIL_Q})
    assert response.status_code == 302
    conv = Conversation.objects.get(user=cast.user("xa.eakar"))
    assert conv.title == COUNCIL_Q
    q, a = conv.messages.all()
    assert (q.role, q.text, q.lang) == ("user", COUNCIL_Q, "vi")
    assert (a.role, a.mode, a.abstained, a.lang) == ("assistant", "extractive", False, "vi")
    assert any("Chủ tịch Ủy ban nhân dân tỉnh thành lập" in c["text"] for c in a.citations)
    assert response["Location"] == reverse("assistant:conversation", args=[conv.pk]) + f"#m{a.pk}"

    page = client.get(reverse("assistant:conversation", args=[conv.pk])).content.decode()
    assert COUNCIL_Q in page and 'data-testid="citation-link"' in page
    c = a.citations[0]
    assert f'href="{c["url"].replace("&", "&amp;")}"' in page and c["url"].startswith(
        f'/documents/{c["slug"]}/?from={c["start"]}&to={c["end"]}')


def test_htmx_ask_returns_the_answer_partial_and_keeps_the_conversation(corpus: dict, cast: Any) -> None:
    client = cast.client("xa.eakar")
    first = client.post(ASK, {"question": COUNCIL_Q}, HTTP_HX_REQUEST="true")
    assert first.status_code == 200
    conv = Conversation.objects.get(user=cast.user("xa.eakar"))
    assert first["HX-Push-Url"] == reverse("assistant:conversation", args=[conv.pk])
    html = first.content.decode()
    assert 'data-testid="answer"' in html and "<html" not in html
    assert f'id="conversation-id" value="{conv.pk}" hx-swap-oob="true"' in html

    second = client.post(ASK, {"question": "Ai là đối tượng áp dụng của nghị định?", "conversation": conv.pk},
                         HTTP_HX_REQUEST="true")
    assert second.status_code == 200 and "HX-Push-Url" not in second
    assert Conversation.objects.filter(user=cast.user("xa.eakar")).count() == 1
    assert conv.messages.count() == 4


def test_empty_question_is_refused_with_a_message(db: Any, cast: Any) -> None:
    client = cast.client("xa.eakar")
    page = client.post(ASK, {"question": "   "})
    assert page.status_code == 422 and 'data-testid="ask-errors"' in page.content.decode()
    partial = client.post(ASK, {"question": ""}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and partial["HX-Retarget"] == "#ask-errors"
    assert not Message.objects.exists()


def test_scoping_the_chat_page_and_stored_messages_never_hold_another_provinces_document(
        corpus: dict, cast: Any) -> None:
    outsider = cast.client("px.hoankiem")
    page = outsider.post(ASK, {"question": SECRET_Q}, HTTP_HX_REQUEST="true").content.decode()
    question_free = page.replace(SECRET_Q, "")  # the question itself is echoed back
    assert SECRET not in question_free and "kh-thu-nghiem-daklak" not in page and "Kế hoạch thử nghiệm" not in page
    answer = Message.objects.get(conversation__user=cast.user("px.hoankiem"), role="assistant")
    assert SECRET not in answer.text
    assert all(c["slug"] != "kh-thu-nghiem-daklak" and SECRET not in c["text"] for c in answer.citations)
    conv_page = outsider.get(reverse("assistant:conversation", args=[answer.conversation_id])).content.decode()
    assert SECRET not in conv_page.replace(SECRET_Q, "")

    insider = cast.client("xa.eakar")
    page = insider.post(ASK, {"question": SECRET_Q}, HTTP_HX_REQUEST="true").content.decode()
    assert SECRET in page.replace(SECRET_Q, "") and "/documents/kh-thu-nghiem-daklak/" in page
    answer = Message.objects.get(conversation__user=cast.user("xa.eakar"), role="assistant")
    assert any(c["slug"] == "kh-thu-nghiem-daklak" and SECRET in c["text"] for c in answer.citations)


def test_another_persons_conversation_is_not_found(corpus: dict, cast: Any) -> None:
    owner = cast.client("xa.eakar")
    owner.post(ASK, {"question": COUNCIL_Q})
    conv = Conversation.objects.get(user=cast.user("xa.eakar"))
    q, a = conv.messages.all()
    other = cast.client("px.buonmathuot")  # same province, still not their conversation
    assert other.get(reverse("assistant:conversation", args=[conv.pk])).status_code == 404
    assert other.post(ASK, {"question": "Và sau đó?", "conversation": conv.pk}).status_code == 404
    assert other.get(reverse("assistant:message", args=[q.pk])).status_code == 404
    assert other.get(reverse("assistant:stream", args=[q.pk])).status_code == 404
    assert other.post(reverse("assistant:feedback", args=[a.pk]), {"rating": "up"}).status_code == 404
    assert conv.messages.count() == 2
    assert COUNCIL_Q not in other.get(reverse("assistant:chat")).content.decode()  # not in their list either
    assert owner.get(reverse("assistant:conversation", args=[conv.pk])).status_code == 200


def test_filters_narrow_the_documents_searched(corpus: dict, cast: Any) -> None:
    client = cast.client("xa.eakar")
    client.post(ASK, {"question": "kinh phí thí điểm", "kind": ["decree"]})
    answer = Message.objects.get(role="assistant")
    assert answer.citations and {c["slug"] for c in answer.citations} == {"nd-sang-kien"}
    client.post(ASK, {"question": "kinh phí thí điểm", "issuer": "ubnd tinh dak lak"})
    answer = Message.objects.filter(role="assistant").order_by("-pk").first()
    assert answer.citations and {c["slug"] for c in answer.citations} == {"kh-thu-nghiem-daklak"}
    bad = client.post(ASK, {"question": "kinh phí", "signed_from": "2026-05-01", "signed_to": "2026-01-01"})
    assert bad.status_code == 422


def _withdraw(document: Any) -> None:
    """The documents service withdraws it; the worker's REMOVE job runs here."""
    from dxnet.assistant import indexing
    from dxnet.assistant.models import IndexJob
    from dxnet.documents import services as documents

    documents.document_withdraw(actor=None, document=document)
    for job in IndexJob.objects.filter(document=document, status=IndexJob.Status.QUEUED):
        assert indexing.run_job(job.pk).status == IndexJob.Status.DONE


def test_a_withdrawn_document_disappears_from_old_answers(corpus: dict, cast: Any) -> None:
    client = cast.client("xa.eakar")
    client.post(ASK, {"question": SECRET_Q})
    answer = Message.objects.get(role="assistant")
    question = Message.objects.get(role="user")
    url = reverse("assistant:conversation", args=[answer.conversation_id])
    before = client.get(url).content.decode().replace(SECRET_Q, "")
    assert SECRET in before and 'data-testid="access-note"' not in before
    _withdraw(corpus["daklak"])
    for page in (client.get(url), client.get(reverse("assistant:message", args=[question.pk]))):
        html = page.content.decode().replace(SECRET_Q, "")
        assert page.status_code == 200
        assert SECRET not in html and "kh-thu-nghiem-daklak" not in html
        assert 'data-testid="access-note"' in html  # "A document this answer cited was withdrawn…"
    answer.refresh_from_db()
    assert any(SECRET in c["text"] for c in answer.citations)  # the stored message is left as it was


def test_a_generated_answer_citing_a_withdrawn_document_loses_its_text(corpus: dict, cast: Any) -> None:
    from dxnet.assistant import answering

    user = cast.user("xa.eakar")
    conv = Conversation.objects.create(user=user, title=SECRET_Q)
    q = Message.objects.create(conversation=conv, role="user", text=SECRET_Q, lang="vi")
    daklak, decree = corpus["daklak"], corpus["decree"]
    cite = {"n": 1, "passage": None, "document": daklak.pk, "slug": daklak.slug, "title": daklak.title,
            "number": daklak.number, "heading": "", "start": 0, "end": 10, "text": f"mã {SECRET}",
            "url": answering.document_url(daklak.slug, 0, 10)}
    other = {**cite, "n": 2, "document": decree.pk, "slug": decree.slug, "title": decree.title,
             "number": decree.number, "text": "Hội đồng sáng kiến cấp tỉnh"}
    Message.objects.create(conversation=conv, role="assistant", mode="llm", lang="vi",
                           text=f"Kế hoạch mang mã {SECRET} [1], theo nghị định [2].", citations=[cite, other])
    client = cast.client("xa.eakar")
    html = client.get(reverse("assistant:message", args=[q.pk])).content.decode()
    assert SECRET in html and 'data-testid="access-note"' not in html
    _withdraw(daklak)
    html = client.get(reverse("assistant:message", args=[q.pk])).content.decode()
    assert SECRET not in html and 'data-testid="answer-text"' not in html
    assert 'data-testid="access-note"' in html
    assert "Hội đồng sáng kiến cấp tỉnh" in html  # the citation still readable is kept
