"""LLM mode against a real local OpenAI-compatible server (``chatkit.FakeLLM``): a streamed
answer stored with its citations; a server error and a timeout end in a clear message and the
extractive answer."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from dxnet.assistant.models import Message

from .chatkit import FakeLLM

ASK = reverse("assistant:ask")
COUNCIL_Q = "Hội đồng sáng kiến cấp tỉnh do ai thành lập?"


def _stream(client: Any, html: str) -> str:
    """What assistant.js does: read data-stream-url, then fetch the stored answer."""
    start = html.index('data-stream-url="') + len('data-stream-url="')
    url = html[start:html.index('"', start)].replace("&amp;", "&")
    response = client.get(url)
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/plain")
    return b"".join(response.streaming_content).decode()


def test_a_streamed_answer_is_stored_with_its_citations(corpus: dict, cast: Any, llm: Any) -> None:
    requests = llm("ok")
    client = cast.client("xa.eakar")
    placeholder = client.post(ASK, {"question": COUNCIL_Q}, HTTP_HX_REQUEST="true")
    html = placeholder.content.decode()
    assert 'data-testid="pending"' in html
    assert not Message.objects.filter(role="assistant").exists()  # stored when the stream ends

    streamed = _stream(client, html)
    assert streamed == "".join(FakeLLM.answer)
    answer = Message.objects.get(role="assistant")
    assert (answer.mode, answer.abstained, answer.notice) == (Message.Mode.LLM, False, "")
    assert answer.text == "".join(FakeLLM.answer).strip()
    assert [c["n"] for c in answer.citations] == [1]  # only what the answer cites
    doc = corpus["decree"]
    c = answer.citations[0]
    assert doc.text[c["start"]:c["end"]] == c["text"] and c["slug"] == doc.slug

    # grounded: the model read the retrieved passages, numbered, and the question
    (req,) = requests
    assert req["auth"] == "Bearer sk-test" and req["body"]["model"] == "fake-model" and req["body"]["stream"]
    prompt = req["body"]["messages"][1]["content"]
    assert "[1]" in prompt and c["text"] in prompt and COUNCIL_Q in prompt

    q = Message.objects.get(role="user")
    final = client.get(reverse("assistant:message", args=[q.pk])).content.decode()
    assert 'data-mode="llm"' in final and f'href="#m{answer.pk}-c1"' in final and 'data-testid="citation-link"' in final
    assert client.get(reverse("assistant:stream", args=[q.pk])).status_code == 404  # answered already


def test_without_javascript_the_generated_answer_is_stored_at_once(corpus: dict, cast: Any, llm: Any) -> None:
    llm("ok")
    cast.client("xa.eakar").post(ASK, {"question": COUNCIL_Q})
    answer = Message.objects.get(role="assistant")
    assert answer.mode == Message.Mode.LLM and answer.citations


def test_a_server_error_falls_back_to_the_extractive_answer(corpus: dict, cast: Any, llm: Any,
                                                             caplog: Any) -> None:
    llm("error")
    client = cast.client("xa.eakar")
    streamed = _stream(client, client.post(ASK, {"question": COUNCIL_Q}, HTTP_HX_REQUEST="true").content.decode())
    answer = Message.objects.get(role="assistant")
    assert answer.mode == Message.Mode.FALLBACK and "(lỗi máy chủ)" in answer.notice
    assert "HTTP 500" not in answer.notice and "/error/v1" not in answer.notice  # no internal detail
    assert any("HTTP 500" in r.getMessage() and r.levelname == "WARNING" for r in caplog.records)  # but logged
    assert answer.notice.startswith("Mô hình ngôn ngữ không trả lời được")  # in the question's language
    assert answer.notice in streamed
    assert any("Chủ tịch Ủy ban nhân dân tỉnh thành lập" in c["text"] for c in answer.citations)
    assert answer.text.startswith("Theo các văn bản")
    final = client.get(reverse("assistant:message", args=[Message.objects.get(role="user").pk])).content.decode()
    assert 'data-testid="notice"' in final and 'data-mode="fallback"' in final


def test_a_timeout_falls_back_to_the_extractive_answer(corpus: dict, cast: Any, llm: Any) -> None:
    llm("slow", timeout=0.3)  # the server sleeps FakeLLM.sleep seconds before answering
    cast.client("xa.eakar").post(ASK, {"question": COUNCIL_Q})
    answer = Message.objects.get(role="assistant")
    assert answer.mode == Message.Mode.FALLBACK and "(quá thời gian chờ)" in answer.notice
    assert "0.3 s" not in answer.notice and "127.0.0.1" not in answer.notice
    assert answer.citations and not answer.abstained


def test_an_unanswerable_question_does_not_reach_the_model(corpus: dict, cast: Any, llm: Any) -> None:
    requests = llm("ok")
    cast.client("xa.eakar").post(ASK, {"question": "Giá vé máy bay từ Hà Nội đi Paris là bao nhiêu?"})
    answer = Message.objects.get(role="assistant")
    assert answer.abstained and answer.mode == Message.Mode.EXTRACTIVE and answer.citations
    assert requests == []


def test_the_stream_refuses_invalid_filters_instead_of_answering_unfiltered(corpus: dict, cast: Any,
                                                                             llm: Any) -> None:
    requests = llm("ok")
    client = cast.client("xa.eakar")
    client.post(ASK, {"question": COUNCIL_Q}, HTTP_HX_REQUEST="true")
    q = Message.objects.get(role="user")
    url = reverse("assistant:stream", args=[q.pk])
    for bad in ({"signed_from": "31/02/2026"}, {"signed_from": "2026-05-01", "signed_to": "2026-01-01"},
                {"kind": "not-a-kind"}):
        response = client.get(url, bad)
        assert response.status_code == 422 and not response.streaming, bad
        assert 'data-testid="ask-errors"' in response.content.decode()
    assert requests == [] and not Message.objects.filter(role="assistant").exists()  # nothing answered
    response = client.get(url, {"signed_from": "2020-01-01"})  # a valid filter is answered
    assert response.status_code == 200 and b"".join(response.streaming_content)
    assert Message.objects.filter(role="assistant").exists()
