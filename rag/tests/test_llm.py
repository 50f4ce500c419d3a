"""LLM mode against a real local OpenAI-compatible HTTP server (SSE streaming)."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rag.llm import LLMError, build_messages, generate

PASSAGES = [
    ("nd-13-2023 › Chương II › Điều 9", "2. Quyền đồng ý: chủ thể dữ liệu được đồng ý hoặc không đồng ý."),
    ("seed-fr", "L'un des objectifs principaux du plan est de diffuser le décret 73."),
]


class _Handler(BaseHTTPRequestHandler):
    requests: list[dict] = []

    def log_message(self, *args: object) -> None:  # keep the test output clean
        pass

    def do_POST(self) -> None:  # noqa: N802
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (timeouts)
            self._post()

    def _post(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Handler.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        mode = self.path.split("/")[1]
        if mode == "error":
            self.send_response(500)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"error": {"message": "model crashed"}}')
            return
        if mode == "slow":
            time.sleep(1.5)
        if mode == "json":
            self._json({"choices": [{"message": {"role": "assistant", "content": "Whole answer [1]."}}]})
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        if mode == "garbage":
            self.wfile.write(b"data: {not json\n\n")
            return
        if mode == "stall":
            self._event({"choices": [{"delta": {"content": "Début"}}]})
            time.sleep(1.5)
            return
        for piece in ["Le chủ thể ", "dữ liệu a le droit ", "de consentir [1]."]:
            self._event({"choices": [{"index": 0, "delta": {"content": piece}}]})
        self._event({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        self.wfile.write(b"data: [DONE]\n\n")

    def _event(self, obj: dict) -> None:
        self.wfile.write(b": keep-alive\n\n")
        self.wfile.write(f"data: {json.dumps(obj, ensure_ascii=False)}\n\n".encode())
        self.wfile.flush()

    def _json(self, obj: dict) -> None:
        data = json.dumps(obj).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


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
