"""A real local OpenAI-compatible HTTP server standing in for the language model (tests only).

The path's first segment chooses the behaviour: ``/ok/v1`` streams ``answer`` as server-sent
events, ``/error`` answers HTTP 500, ``/slow`` sleeps ``sleep`` seconds first, ``/json`` answers
one JSON object, ``/garbage`` sends an unparsable event, ``/stall`` sends one piece then stalls.
Subclass it to change the class attributes; each subclass keeps its own ``requests``.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar


class FakeLLM(BaseHTTPRequestHandler):
    requests: ClassVar[list[dict[str, Any]]] = []
    answer: ClassVar[list[str]] = ["Answer ", "citing ", "[1]."]
    sleep: ClassVar[float] = 1.5
    keepalive: ClassVar[bool] = False  # SSE comment lines between events, as real servers send
    finish_event: ClassVar[bool] = False  # a last event with finish_reason "stop"

    def log_message(self, *args: object) -> None:  # keep the test output clean
        pass

    def do_POST(self) -> None:  # noqa: N802
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (timeouts)
            self._post()

    def _post(self) -> None:
        cls = type(self)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        cls.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        mode = self.path.split("/")[1]
        if mode == "error":
            self.send_response(500)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"error": {"message": "model crashed"}}')
            return
        if mode == "slow":
            time.sleep(cls.sleep)
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
            time.sleep(cls.sleep)
            return
        for piece in cls.answer:
            self._event({"choices": [{"index": 0, "delta": {"content": piece}}]})
        if cls.finish_event:
            self._event({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        self.wfile.write(b"data: [DONE]\n\n")

    def _event(self, obj: dict[str, Any]) -> None:
        if type(self).keepalive:
            self.wfile.write(b": keep-alive\n\n")
        self.wfile.write(f"data: {json.dumps(obj, ensure_ascii=False)}\n\n".encode())
        self.wfile.flush()

    def _json(self, obj: dict[str, Any]) -> None:
        data = json.dumps(obj).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@contextlib.contextmanager
def serve(handler: type[FakeLLM]) -> Iterator[str]:
    """Run ``handler`` on a free port of 127.0.0.1; yields the base URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
