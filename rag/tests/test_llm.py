"""LLM mode against a real local OpenAI-compatible HTTP server (SSE streaming)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest

from rag.llm import LLMError, build_messages, generate

from .fake_llm import FakeLLM, serve

PASSAGES = [
    ("nd-13-2023 › Chương II › Điều 9", "2. Quyền đồng ý: chủ thể dữ liệu được đồng ý hoặc không đồng ý."),
    ("seed-fr", "L'un des objectifs principaux du plan est de diffuser le décret 73."),
]


class _Handler(FakeLLM):
    requests: ClassVar[list[dict[str, Any]]] = []
    answer: ClassVar[list[str]] = ["Le chủ thể ", "dữ liệu a le droit ", "de consentir [1]."]
    keepalive = True
    finish_event = True


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serve(_Handler) as url:
        yield url


def test_streaming_answer(server: str) -> None:
    _Handler.requests.clear()
    pieces = list(generate(f"{server}/ok/v1", "tiny", "sk-test", "Quels droits ?", PASSAGES, "fr", timeout=5))
    assert pieces == ["Le chủ thể ", "dữ liệu a le droit ", "de consentir [1]."]
    req = _Handler.requests[-1]
    assert req["path"] == "/ok/v1/chat/completions"
    assert req["auth"] == "Bearer sk-test"
    body = req["body"]
    assert body["model"] == "tiny" and body["stream"] is True
    system, user = body["messages"][0]["content"], body["messages"][1]["content"]
    assert "Answer in French" in system and "[n]" in system
    assert "Les documents ne répondent pas à cette question." in system
    assert "[1] (nd-13-2023 › Chương II › Điều 9)\n2. Quyền đồng ý" in user
    assert "[2] (seed-fr)" in user and user.endswith("Question: Quels droits ?")


def test_non_streaming_server_is_accepted(server: str) -> None:
    assert list(generate(f"{server}/json/v1", "m", None, "q", PASSAGES, "en", timeout=5)) == ["Whole answer [1]."]


def test_server_error_raises_llm_error(server: str) -> None:
    with pytest.raises(LLMError, match=r"HTTP 500.*model crashed"):
        list(generate(f"{server}/error/v1", "m", None, "q", PASSAGES, "en", timeout=5))


def test_timeout_raises_llm_error(server: str) -> None:
    start = time.monotonic()
    with pytest.raises(LLMError, match="within 0.3 s|timeout"):
        list(generate(f"{server}/slow/v1", "m", None, "q", PASSAGES, "en", timeout=0.3))
    assert time.monotonic() - start < 1.4


def test_stalled_stream_raises_llm_error(server: str) -> None:
    got: list[str] = []
    with pytest.raises(LLMError):
        for piece in generate(f"{server}/stall/v1", "m", None, "q", PASSAGES, "en", timeout=0.3):
            got.append(piece)
    assert got == ["Début"]  # what arrived before the stall was yielded


def test_bad_response_and_unreachable_server(server: str) -> None:
    with pytest.raises(LLMError, match="malformed"):
        list(generate(f"{server}/garbage/v1", "m", None, "q", PASSAGES, "en", timeout=5))
    with pytest.raises(LLMError, match="cannot reach"):
        list(generate("http://127.0.0.1:9/v1", "m", None, "q", PASSAGES, "en", timeout=2))
    with pytest.raises(LLMError):
        list(generate("", "m", None, "q", PASSAGES, "en"))


def test_prompt_languages() -> None:
    for lang, name in (("vi", "Vietnamese"), ("en", "English"), ("hi", "Hindi")):
        msgs = build_messages("q", ["plain passage"], lang)
        assert f"Answer in {name}" in msgs[0]["content"]
        assert "[1]\nplain passage" in msgs[1]["content"]
