"""Grounded generation through an OpenAI-compatible server (urllib only, no Django).

``generate(...)`` streams ``POST {base_url}/chat/completions`` (Server-Sent Events) and yields
the text pieces as they arrive. The prompt numbers the retrieved passages and asks for an answer
from them only, in the question's language, with ``[n]`` citations, saying so when they do not
answer. Every failure — connection refused, HTTP error, timeout (of any single read *or* of the
whole answer), malformed or empty response — raises :class:`LLMError` with a readable message,
so that the caller can fall back to the extractive answer.

``generate`` is a generator: nothing is sent before the first ``next()``, and an error can
surface after some pieces were already yielded (the caller decides whether to keep them).
"""

from __future__ import annotations

import contextlib
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from typing import Any

__all__ = ["LLMError", "build_messages", "generate"]

_LANG_NAMES = {"vi": "Vietnamese", "en": "English", "fr": "French", "hi": "Hindi"}
_NO_ANSWER = {
    "vi": "Các văn bản không trả lời câu hỏi này.",
    "en": "The documents do not answer this question.",
    "fr": "Les documents ne répondent pas à cette question.",
    "hi": "दस्तावेज़ इस प्रश्न का उत्तर नहीं देते।",
}


class LLMError(RuntimeError):
    """The language-model server could not give an answer."""


def _passage_text(p: Any) -> tuple[str, str]:
    """(source label, text) of a passage: a str, a (label, text) pair, a mapping or an object
    with ``text`` (and optionally ``doc_id``/``heading``, e.g. a Chunk or Citation)."""
    if isinstance(p, str):
        return "", p
    if isinstance(p, tuple) and len(p) == 2:
        return str(p[0]), str(p[1])
    get = p.get if isinstance(p, dict) else (lambda k, d=None: getattr(p, k, d))
    text = get("display", None) or get("text", "")
    doc = get("doc_id", "") or get("title", "") or ""
    heading = get("heading", "") or ""
    label = " › ".join(x for x in (str(doc), str(heading)) if x)
    return label, str(text)


def build_messages(question: str, passages: Sequence[Any], lang: str) -> list[dict[str, str]]:
    language = _LANG_NAMES.get(lang, "the language of the question")
    no_answer = _NO_ANSWER.get(lang, _NO_ANSWER["en"])
    system = (
        "You answer questions of public officials using ONLY the numbered passages given by the user, "
        "which come from official documents. Rules:\n"
        f"1. Answer in {language}, whatever the language of the passages.\n"
        "2. Use only facts stated in the passages; never add outside knowledge.\n"
        "3. After each statement cite its passage(s) as [n], e.g. [1] or [2][3].\n"
        f'4. If the passages do not answer the question, say exactly: "{no_answer}" and nothing else.\n'
        "5. Be concise: a few sentences or a short list."
    )
    blocks = []
    for n, p in enumerate(passages, start=1):
        label, text = _passage_text(p)
        head = f"[{n}] ({label})" if label else f"[{n}]"
        blocks.append(f"{head}\n{text.strip()}")
    user = "Passages:\n\n" + "\n\n".join(blocks) + f"\n\nQuestion: {question.strip()}"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def _endpoint(base_url: str) -> str:
    url = base_url.rstrip("/")
    if url.endswith("/chat/completions"):
        return url
    return url + "/chat/completions"


def generate(
    base_url: str,
    model: str,
    api_key: str | None,
    question: str,
    passages: Sequence[Any],
    lang: str,
    timeout: float = 60.0,
    *,
    max_tokens: int | None = 800,
    temperature: float = 0.0,
) -> Iterator[str]:
    """Stream the grounded answer; raises :class:`LLMError` on any failure (see module doc)."""
    if not base_url:
        raise LLMError("no LLM server configured")
    body: dict[str, Any] = {
        "model": model,
        "messages": build_messages(question, passages, lang),
        "stream": True,
        "temperature": temperature,
    }
    if max_tokens:
        body["max_tokens"] = max_tokens
    headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    url = _endpoint(base_url)
    req = urllib.request.Request(url, data=json.dumps(body).encode("utf-8"), headers=headers, method="POST")
    deadline = time.monotonic() + timeout
    try:
        resp = urllib.request.urlopen(req, timeout=timeout)
    except urllib.error.HTTPError as e:
        detail = ""
        with contextlib.suppress(Exception):  # the status is what matters
            detail = e.read(300).decode("utf-8", "replace").strip()
        raise LLMError(f"LLM server {url} answered HTTP {e.code}{': ' + detail if detail else ''}") from e
    except TimeoutError as e:
        raise LLMError(f"LLM server {url} did not answer within {timeout:g} s") from e
    except urllib.error.URLError as e:
        if isinstance(e.reason, TimeoutError):
            raise LLMError(f"LLM server {url} did not answer within {timeout:g} s") from e
        raise LLMError(f"cannot reach LLM server {url}: {e.reason}") from e
    except (OSError, ValueError) as e:
        raise LLMError(f"cannot reach LLM server {url}: {e}") from e

    produced = False
    with resp:
        ctype = resp.headers.get("Content-Type", "")
        try:
            if "text/event-stream" not in ctype:
                # a server that ignores "stream": one JSON completion
                data = _json(resp.read().decode("utf-8", "replace"), url)
                text = _message_content(data, url)
                if not text:
                    raise LLMError(f"LLM server {url} returned an empty answer")
                yield text
                return
            for raw in resp:
                if time.monotonic() > deadline:
                    raise LLMError(f"LLM server {url} did not finish within {timeout:g} s")
                line = raw.decode("utf-8", "replace").strip()
                if not line or line.startswith(":") or not line.startswith("data:"):
                    continue
                payload = line[5:].strip()
                if payload == "[DONE]":
                    break
                data = _json(payload, url)
                if "error" in data:
                    raise LLMError(f"LLM server {url} reported an error: {_error_text(data['error'])}")
                piece = _delta_content(data, url)
                if piece:
                    produced = True
                    yield piece
        except TimeoutError as e:
            raise LLMError(f"LLM server {url} stopped answering (timeout {timeout:g} s)") from e
        except (OSError, urllib.error.URLError) as e:
            raise LLMError(f"connection to LLM server {url} failed: {e}") from e
    if not produced:
        raise LLMError(f"LLM server {url} returned an empty answer")


def _json(payload: str, url: str) -> dict[str, Any]:
    try:
        data = json.loads(payload)
    except json.JSONDecodeError as e:
        raise LLMError(f"LLM server {url} sent a malformed response: {payload[:120]!r}") from e
    if not isinstance(data, dict):
        raise LLMError(f"LLM server {url} sent an unexpected response: {payload[:120]!r}")
    return data


def _error_text(err: Any) -> str:
    if isinstance(err, dict):
        return str(err.get("message") or err)
    return str(err)


def _delta_content(data: dict[str, Any], url: str) -> str:
    try:
        choices = data["choices"]
        if not choices:
            return ""  # e.g. a final usage-only chunk
        delta = choices[0].get("delta") or {}
        return delta.get("content") or ""
    except (KeyError, TypeError, AttributeError) as e:
        raise LLMError(f"LLM server {url} sent an unexpected chunk: {str(data)[:120]}") from e


def _message_content(data: dict[str, Any], url: str) -> str:
    if "error" in data:
        raise LLMError(f"LLM server {url} reported an error: {_error_text(data['error'])}")
    try:
        return data["choices"][0]["message"]["content"] or ""
    except (KeyError, IndexError, TypeError) as e:
        raise LLMError(f"LLM server {url} sent an unexpected response: {str(data)[:120]}") from e
