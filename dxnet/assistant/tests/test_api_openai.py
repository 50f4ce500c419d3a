"""The OpenAI-compatible endpoint: token auth, OpenAI's response shapes (plain and streamed), the
citations extension, and the same scoping as the pages."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from dxnet.core.auth import token_create

from .chatkit import SECRET, FakeLLM

URL = "/api/v1/chat/completions"
COUNCIL_Q = "Hội đồng sáng kiến cấp tỉnh do ai thành lập?"
SECRET_Q = f"Kế hoạch nào mang mã thử nghiệm {SECRET}?"


def _client(cast: Any, username: str) -> Client:
    _token, key = token_create(actor=cast.user(username), name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def _post(client: Client, body: dict[str, Any]) -> Any:
    return client.post(URL, json.dumps(body), content_type="application/json")


def _events(response: Any) -> list[Any]:
    assert response.streaming and response["Content-Type"].startswith("text/event-stream")
    raw = b"".join(response.streaming_content).decode()
    out = []
    for block in raw.split("\n\n"):
        if block.startswith("data: "):
            payload = block[6:]
            out.append(payload if payload == "[DONE]" else json.loads(payload))
    return out


def test_without_a_token_it_is_401(db: Any, cast: Any) -> None:
    body = {"model": "x", "messages": [{"role": "user", "content": COUNCIL_Q}]}
    response = _post(Client(), body)
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthenticated"
    assert _post(Client(HTTP_AUTHORIZATION="Bearer dxn_wrong"), body).status_code == 401
    assert Client().get("/api/v1/models").status_code == 401


def test_models_lists_the_assistant(db: Any, cast: Any) -> None:
    data = _client(cast, "xa.eakar").get("/api/v1/models").json()
    assert [m["id"] for m in data["data"]] == ["dxnet-assistant"] and data["object"] == "list"


def test_a_completion_has_openais_shape_with_numbered_citations(corpus: dict, cast: Any) -> None:
    body = {"model": "gpt-4o", "messages": [{"role": "system", "content": "Be brief."},
                                            {"role": "user", "content": "Xin chào"},
                                            {"role": "assistant", "content": "Chào bạn."},
                                            {"role": "user", "content": COUNCIL_Q}]}
    response = _post(_client(cast, "xa.eakar"), body)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["object"] == "chat.completion" and data["model"] == "dxnet-assistant"
    assert data["id"].startswith("chatcmpl-")
    (choice,) = data["choices"]
    assert choice["index"] == 0 and choice["finish_reason"] == "stop" and choice["message"]["role"] == "assistant"
    content = choice["message"]["content"]
    assert "[1]" in content and "\n\nNguồn:\n[1] 99/2026/NĐ-CP — Nghị định về sáng kiến" in content
    assert set(data["usage"]) == {"prompt_tokens", "completion_tokens", "total_tokens"}
    cites = data["citations"]
    assert cites and any("Chủ tịch Ủy ban nhân dân tỉnh thành lập" in c["text"] for c in cites)
    doc = corpus["decree"]
    for c in cites:
        assert doc.text[c["start"]:c["end"]] == c["text"]
        v = f"&v={doc.text_sha256[:12]}" if doc.text_sha256 else ""
        assert c["url"] == f"/documents/{doc.slug}/?from={c['start']}&to={c['end']}{v}#passage"


def test_streaming_sends_chunks_then_done(corpus: dict, cast: Any) -> None:
    body = {"model": "dxnet-assistant", "stream": True, "messages": [{"role": "user", "content": COUNCIL_Q}]}
    events = _events(_post(_client(cast, "xa.eakar"), body))
    assert events[-1] == "[DONE]"
    chunks = events[:-1]
    assert all(e["object"] == "chat.completion.chunk" and e["model"] == "dxnet-assistant" for e in chunks)
    assert len({e["id"] for e in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop" and chunks[-1]["citations"]
    text = "".join(e["choices"][0]["delta"].get("content", "") for e in chunks)
    assert "Chủ tịch Ủy ban nhân dân tỉnh thành lập" in text and "Nguồn:" in text


def test_scoping_the_endpoint_never_returns_another_provinces_document(corpus: dict, cast: Any) -> None:
    body = {"model": "dxnet-assistant", "messages": [{"role": "user", "content": SECRET_Q}]}
    outsider = _post(_client(cast, "px.hoankiem"), body).json()
    raw = json.dumps(outsider, ensure_ascii=False)
    assert SECRET not in raw and "kh-thu-nghiem-daklak" not in raw
    streamed = _events(_post(_client(cast, "px.hoankiem"), {**body, "stream": True}))
    raw = json.dumps(streamed, ensure_ascii=False)
    assert SECRET not in raw and "kh-thu-nghiem-daklak" not in raw

    insider = _post(_client(cast, "xa.eakar"), body).json()
    assert SECRET in insider["choices"][0]["message"]["content"]
    assert any(c["slug"] == "kh-thu-nghiem-daklak" for c in insider["citations"])


def test_no_user_message_is_422(db: Any, cast: Any) -> None:
    response = _post(_client(cast, "xa.eakar"), {"model": "x", "messages": [{"role": "system", "content": "hi"}]})
    assert response.status_code == 422 and "user" in response.json()["error"]["message"]
    assert _post(_client(cast, "xa.eakar"), {"model": "x"}).status_code == 422


def test_with_a_language_model_the_generated_answer_and_its_fallback(corpus: dict, cast: Any, llm: Any) -> None:
    llm("ok")
    body = {"model": "dxnet-assistant", "messages": [{"role": "user", "content": COUNCIL_Q}]}
    data = _post(_client(cast, "xa.eakar"), body).json()
    content = data["choices"][0]["message"]["content"]
    assert content.startswith("".join(FakeLLM.answer).strip()) and "\n\nNguồn:\n[1]" in content
    assert [c["n"] for c in data["citations"]] == [1]
    events = _events(_post(_client(cast, "xa.eakar"), {**body, "stream": True}))
    pieces = [e["choices"][0]["delta"].get("content") for e in events[:-1]]
    assert pieces[1:4] == FakeLLM.answer

    llm("error")
    data = _post(_client(cast, "xa.eakar"), body).json()
    content = data["choices"][0]["message"]["content"]
    assert content.startswith("Mô hình ngôn ngữ không trả lời được (lỗi máy chủ)")
    assert "HTTP 500" not in content and "/error/v1" not in content  # the detail is logged, not shown
    assert any("Chủ tịch Ủy ban nhân dân tỉnh thành lập" in c["text"] for c in data["citations"])
