"""The assistant over an OpenAI-compatible API, so that other tools (chat front-ends, scripts,
office add-ins) can use it: ``POST /api/v1/chat/completions`` and ``GET /api/v1/models``.

Authentication is a personal API token (``Authorization: Bearer dxn_…``), and the answer comes
from the documents the token's owner may read — exactly what the chat page shows them.

The request follows OpenAI's: ``{"model", "messages": [{"role", "content"}], "stream"?,
"temperature"?, "max_tokens"?}``; the last ``user`` message is the question (the earlier turns
are not used: every answer is grounded in the documents alone). ``model`` is accepted whatever it
says; the answer names ``dxnet-assistant``. The answer's ``content`` is the answer with numbered
``[n]`` citations followed by a "Sources" list, and the response carries a ``citations`` array
(dxnet's extension: ``n``, document ``slug``/``title``/``number``, ``heading``, ``start``/``end``
offsets in the document text, the quoted ``text`` and the ``url`` of the highlighted passage).
With ``"stream": true`` the answer comes as Server-Sent Events of ``chat.completion.chunk``
objects, the last one with ``finish_reason: "stop"`` and the ``citations``, then ``data: [DONE]``.

Errors keep dxnet's one error shape ``{"error": {"code", "message", "fields"}}`` (401 without a
valid token, 422 for a malformed body): like OpenAI's, it has ``error.message``, which is what
OpenAI clients show.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any, Literal

from django.http import HttpRequest, StreamingHttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError

from dxnet.api import TokenAuth

from . import answering, services

router = Router(tags=["Assistant"])

MODEL = "dxnet-assistant"
MAX_QUESTION = services.MAX_QUESTION


class ChatMessage(Schema):
    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | list[dict[str, Any]] | None = None


class ChatRequest(Schema):
    model: str = MODEL
    messages: list[ChatMessage]
    stream: bool = False
    temperature: float | None = None
    max_tokens: int | None = None


def _text(content: str | list[dict[str, Any]] | None) -> str:
    """A message's text; OpenAI's list-of-parts form keeps its text parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("type") == "text")


def _question(body: ChatRequest) -> str:
    for m in reversed(body.messages):
        if m.role == "user":
            q = " ".join(_text(m.content).split())
            if q:
                if len(q) > MAX_QUESTION:
                    raise HttpError(422, _("The question is too long (at most %(n)d characters).")
                                    % {"n": MAX_QUESTION})
                return q
    raise HttpError(422, _("Send at least one message with role \"user\": it is the question."))


def _usage(question: str, content: str) -> dict[str, int]:
    # Words, not model tokens: the extractive answer has no tokeniser; a fair order of magnitude.
    p, c = len(question.split()), len(content.split())
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}


def _answer(actor: Any, question: str, body: ChatRequest) -> tuple[answering.Response, str, list[dict[str, Any]]]:
    """(response, content, citations) — generated when a model is configured, else extracted."""
    from rag.llm import LLMError

    response = answering.respond(actor=actor, question=question)
    if services.use_llm(response):
        try:
            text = "".join(answering.stream_llm(response=response, question=question,
                                                temperature=body.temperature, max_tokens=body.max_tokens))
            cites = _cited(response, text)
            return response, _with_sources(text.strip(), cites, response.lang), cites
        except LLMError as exc:
            notice = answering.llm_failed_notice(response.lang, exc)
            cites = response.citations()
            return response, notice + "\n\n" + response.as_text(), cites
    return response, response.as_text(), response.citations()


def _cited(response: answering.Response, text: str) -> list[dict[str, Any]]:
    cited = answering.cited_numbers(text)
    cites = answering.llm_citations(response)
    return [c for c in cites if c["n"] in cited] or cites


def _with_sources(text: str, cites: list[dict[str, Any]], lang: str) -> str:
    return text + "\n\n" + answering.sources_text(cites, lang) if cites else text


@router.get("/v1/models", auth=[TokenAuth()], summary="The assistant as an OpenAI-compatible model")
def models(request: HttpRequest) -> dict[str, Any]:
    return {"object": "list", "data": [{"id": MODEL, "object": "model", "created": 1767225600, "owned_by": "dxnet"}]}


@router.post("/v1/chat/completions", auth=[TokenAuth()], summary="Ask the assistant (OpenAI-compatible)")
def chat_completions(request: HttpRequest, body: ChatRequest) -> Any:
    """Answer the last user message from the documents the token's owner may read."""
    question = _question(body)
    cid = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    if body.stream:
        resp = StreamingHttpResponse(_sse(request.user, question, body, cid, created), content_type="text/event-stream")
        resp["Cache-Control"] = "no-cache"
        resp["X-Accel-Buffering"] = "no"
        return resp
    response, content, cites = _answer(request.user, question, body)
    return {
        "id": cid,
        "object": "chat.completion",
        "created": created,
        "model": MODEL,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": _usage(question, content),
        "citations": cites,
        "abstained": response.abstained,
    }


def _event(obj: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(obj, ensure_ascii=False)}\n\n".encode()


def _sse(actor: Any, question: str, body: ChatRequest, cid: str, created: int) -> Iterator[bytes]:
    from rag.llm import LLMError

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
        return _event({"id": cid, "object": "chat.completion.chunk", "created": created, "model": MODEL,
                       "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra})

    yield chunk({"role": "assistant", "content": ""})
    response = answering.respond(actor=actor, question=question)
    cites: list[dict[str, Any]]
    if services.use_llm(response):
        pieces: list[str] = []
        try:
            for piece in answering.stream_llm(response=response, question=question,
                                              temperature=body.temperature, max_tokens=body.max_tokens):
                pieces.append(piece)
                yield chunk({"content": piece})
            cites = _cited(response, "".join(pieces))
            yield chunk({"content": "\n\n" + answering.sources_text(cites, response.lang)})
        except LLMError as exc:
            cites = response.citations()
            notice = answering.llm_failed_notice(response.lang, exc)
            yield chunk({"content": ("\n\n" if pieces else "") + notice + "\n\n" + response.as_text()})
    else:
        cites = response.citations()
        for line in response.as_text().splitlines(keepends=True):
            yield chunk({"content": line})
    yield chunk({}, "stop", citations=cites, abstained=response.abstained)
    yield b"data: [DONE]\n\n"
