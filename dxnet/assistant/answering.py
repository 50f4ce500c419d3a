"""Answering a person's question from the documents they may read.

``respond(actor=..., question=...)`` is the one call pages, the API and the evaluation use: it
detects the question's language, retrieves passages through :func:`retrieval.search` (scoped to
the actor *before* ranking) and builds the offline extractive answer with :func:`rag.answer.answer`
— sentences quoted from the documents, each with its exact citation, or, when the documents do not
answer, a plain statement saying so and the closest passages.

When an OpenAI-compatible server is configured (``DXNET_LLM_BASE_URL``), :func:`stream_llm` turns
the same retrieved passages into a generated answer in the question's language, numbered like the
citations; any failure of the server ends in the extractive answer with a notice saying why.

Abstention uses the dense (cosine) similarity of the best retrieved passage, the one score whose
scale does not depend on the corpus or on the rank fusion: RRF scores only say which passage is
better, not whether any is good. The thresholds below are named so the evaluation can tune them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from rag.answer import LANGS, Answer, Citation, Hit, answer, detect_language

from . import retrieval

logger = logging.getLogger(__name__)

# --- thresholds (tuned on eval/assistant-dev.jsonl; see bench/RESULTS.md) ----------------------

# Below this cosine between the question and the closest passage the documents "do not answer".
# Measured on eval/assistant-dev.jsonl (114 questions, 12 unanswerable; hybrid retrieval, actor None):
#   0.79 / 0.79 → 8 of 12 unanswerable declined, 20 of 102 answerable wrongly declined;
#   0.80 / 0.75 (the first guess, coverage tested whenever any top passage shared the question's
#   language) → 4 declined, 23 wrongly declined.
MIN_COSINE = 0.79
# The same when the best passage is in another language than the question (a French question
# over Vietnamese text): multilingual-e5 gives a translation lower cosines than a paraphrase.
MIN_COSINE_CROSS = 0.79
# When the best passage is in the question's language, the question must share this share of its
# content words with the top passages of that language (or one syllable pair) — rag.answer's
# second test. Across languages terms cannot be compared: only the cosine decides.
MIN_COVERAGE = 0.6
# How many sentences an extractive answer quotes, from how many of the best passages.
MAX_SENTENCES = 3
TOP_CHUNKS = 5
# How many closest passages an abstention shows.
CLOSEST = 3
# How many passages the language model reads.
LLM_PASSAGES = 6

# Messages in the user's language when the language model fails (the extractive answer follows).
_LLM_FAILED = {
    "vi": "Mô hình ngôn ngữ không trả lời được ({why}). Dưới đây là câu trả lời trích từ văn bản.",
    "en": "The language model could not answer ({why}). Below is the answer extracted from the documents.",
    "fr": "Le modèle de langue n'a pas pu répondre ({why}). Voici la réponse extraite des documents.",
    "hi": "भाषा मॉडल उत्तर नहीं दे सका ({why})। नीचे दस्तावेज़ों से निकाला गया उत्तर है।",
}
# The reason shown to the asker is generic (the server's address and error body stay in the log).
_LLM_REASONS = {
    "server": {"vi": "lỗi máy chủ", "en": "server error", "fr": "erreur du serveur", "hi": "सर्वर त्रुटि"},
    "timeout": {"vi": "quá thời gian chờ", "en": "timed out", "fr": "délai dépassé", "hi": "समय सीमा समाप्त"},
    "invalid": {"vi": "câu trả lời không hợp lệ", "en": "invalid answer", "fr": "réponse invalide",
                "hi": "अमान्य उत्तर"},
}
_SOURCES = {"vi": "Nguồn", "en": "Sources", "fr": "Sources", "hi": "स्रोत"}


@dataclass
class Response:
    """The answer to one question: the extractive :class:`rag.answer.Answer`, the passages it was
    built from (best first, all visible to the asker) and the question's language."""

    answer: Answer
    retrieved: list[Any] = field(default_factory=list)  # retrieval.Retrieved
    lang: str = "vi"

    @property
    def abstained(self) -> bool:
        return self.answer.abstained

    def citations(self) -> list[dict[str, Any]]:
        """The cited sentences (or, when abstaining, the closest passages) as JSON-able dicts,
        numbered from 1 like the ``[n]`` markers."""
        by_slug: dict[str, Any] = {}
        for r in self.retrieved:
            by_slug.setdefault(r.passage.document.slug, r)
        out = []
        for n, c in enumerate(self.answer.citations, start=1):
            passage = _passage_of(self.retrieved, c)
            doc = passage.document if passage is not None else by_slug[c.doc_id].passage.document
            out.append(citation_dict(n, c, doc, passage))
        return out

    def as_text(self, *, sources: bool = True) -> str:
        """The extractive answer as plain text: the lead line, the sentences each followed by its
        ``[n]``, and (``sources``) a numbered list of the cited documents."""
        lines = [self.answer.lead]
        for n, c in enumerate(self.answer.citations, start=1):
            lines.append(f"{' '.join(c.text.split())} [{n}]")
        text = "\n".join(lines)
        return text + "\n\n" + sources_text(self.citations(), self.lang) if sources and self.answer.citations else text


def _passage_of(retrieved: Sequence[Any], c: Citation) -> Any:
    for r in retrieved:
        p = r.passage
        if p.document.slug == c.doc_id and p.start <= c.start and c.end <= p.end:
            return p
    return None


def document_url(slug: str, start: int, end: int, version: str = "") -> str:
    """The document page opened at the passage ``[start, end)`` of its text, highlighted.
    ``version`` (the start of the text's sha256) lets the page refuse to highlight offsets that
    belong to an earlier text of the document (its file was replaced since the answer)."""
    try:
        base = reverse("documents:detail", args=[slug])
    except NoReverseMatch:  # the documents app's page not mounted (yet): its agreed address
        base = f"/documents/{slug}/"
    return f"{base}?from={start}&to={end}" + (f"&v={version}" if version else "") + "#passage"


def citation_dict(n: int, c: Citation, document: Any, passage: Any = None) -> dict[str, Any]:
    return {
        "n": n,
        "passage": passage.pk if passage is not None else None,
        "document": document.pk,
        "slug": document.slug,
        "title": document.title,
        "number": document.number,
        "heading": c.heading,
        "start": c.start,
        "end": c.end,
        "text": c.text,
        "url": document_url(document.slug, c.start, c.end, (document.text_sha256 or "")[:12]),
    }


def sources_text(citations: Sequence[dict[str, Any]], lang: str) -> str:
    """A "Sources" block: one line per citation number (document number, title, heading)."""
    lines = [f"{_SOURCES.get(lang, _SOURCES['en'])}:"]
    for c in citations:
        name = " — ".join(x for x in (c["number"], c["title"]) if x)
        where = f" › {c['heading']}" if c["heading"] else ""
        lines.append(f"[{c['n']}] {name}{where}")
    return "\n".join(lines)


def _hits(retrieved: Sequence[Any]) -> list[Hit]:
    """Hits in retrieval order; the first carries the best cosine among them, which is what
    ``rag.answer`` compares to ``MIN_COSINE`` (a passage found by BM25 alone has no cosine)."""
    hits = [r.as_hit() for r in retrieved]
    if not hits:
        return hits
    cosines = [r.cosine for r in retrieved if r.cosine is not None]
    best = max(cosines) if cosines else 1.0  # lexical-only retrieval: the term test decides
    out = [Hit(hits[0].chunk, best)]
    out += [Hit(h.chunk, r.cosine if r.cosine is not None else 0.0) for h, r in zip(hits[1:], retrieved[1:],
                                                                                  strict=True)]
    return out


def respond(*, actor: Any, question: str, filters: retrieval.Filters | None = None, lang: str | None = None,
            k: int = 8, mode: str = "hybrid") -> Response:
    """Answer ``question`` for ``actor`` from the documents ``actor`` may read (actor None = the
    system: every published document). Never raises for an unanswerable question: it abstains."""
    question = question.strip()
    qlang = lang if lang in LANGS else detect_language(question)
    retrieved = list(retrieval.search(actor=actor, query=question, k=k, mode=mode, filters=filters)) if question else []
    # A French article among the top passages must not make a French question about a Vietnamese
    # decree fail the term test: only the best passage's language decides which test applies.
    same = bool(retrieved) and retrieved[0].passage.lang == qlang
    ans = answer(question, _hits(retrieved), min_score=MIN_COSINE if same else MIN_COSINE_CROSS,
                 min_coverage=MIN_COVERAGE if same else 0.0,
                 max_sentences=MAX_SENTENCES, top_chunks=TOP_CHUNKS, closest=CLOSEST, lang=qlang)
    return Response(answer=ans, retrieved=retrieved, lang=qlang)


# --- language model ---------------------------------------------------------------------------


def llm_configured() -> bool:
    return bool(settings.DXNET_LLM_BASE_URL)


def llm_passages(response: Response) -> list[dict[str, str]]:
    """What the language model reads, numbered [1]… in this order: the retrieved passages."""
    out = []
    for r in response.retrieved[:LLM_PASSAGES]:
        p = r.passage
        doc = p.document
        out.append({"doc_id": " — ".join(x for x in (doc.number, doc.title) if x), "heading": p.heading,
                    "text": p.display or p.text})
    return out


def llm_citations(response: Response) -> list[dict[str, Any]]:
    """Citations for a generated answer: passage [n] is the n-th passage the model read, cited whole."""
    out = []
    for n, r in enumerate(response.retrieved[:LLM_PASSAGES], start=1):
        p = r.passage
        c = Citation(doc_id=p.document.slug, chunk_id=str(p.pk), heading_path=tuple(filter(None, [p.heading])),
                     start=p.start, end=p.end, text=p.text, lang=p.lang)
        out.append(citation_dict(n, c, p.document, p))
    return out


_MARK = re.compile(r"\[(\d+)\]")


def cited_numbers(text: str) -> list[int]:
    """The ``[n]`` markers of a generated answer, in order of first appearance."""
    seen: list[int] = []
    for m in _MARK.finditer(text):
        n = int(m.group(1))
        if n not in seen:
            seen.append(n)
    return seen


def llm_failure_kind(error: Exception | str) -> str:
    """``"timeout"``, ``"invalid"`` (the server answered something unusable) or ``"server"``."""
    text = str(error).lower()
    if "within" in text or "timeout" in text or "timed out" in text:
        return "timeout"
    if any(w in text for w in ("empty answer", "malformed", "unexpected")):
        return "invalid"
    return "server"


def llm_failed_notice(lang: str, error: Exception | str) -> str:
    """What the asker reads when the language model failed: a generic reason in their language;
    the detail (server address, error body) goes to the log only."""
    logger.warning("language model failed: %s", error)
    reasons = _LLM_REASONS[llm_failure_kind(error)]
    return _LLM_FAILED.get(lang, _LLM_FAILED["en"]).format(why=reasons.get(lang, reasons["en"]))


def stream_llm(*, response: Response, question: str, temperature: float | None = None,
               max_tokens: int | None = None) -> Iterator[str]:
    """Stream the generated answer's text pieces; raises ``rag.llm.LLMError`` on any failure
    (the caller falls back to ``response``'s extractive answer). Grounded only in the passages
    of ``response`` (numbered as in :func:`llm_citations`)."""
    from rag.llm import generate

    passages = llm_passages(response)
    yield from generate(settings.DXNET_LLM_BASE_URL, settings.DXNET_LLM_MODEL or "default",
                        settings.DXNET_LLM_API_KEY or None, question, passages, response.lang,
                        timeout=settings.DXNET_LLM_TIMEOUT, temperature=temperature or 0.0,
                        max_tokens=max_tokens or 800)
