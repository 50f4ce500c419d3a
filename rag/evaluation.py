"""Retrieval evaluation: the question file, quote location, relevance and metrics (no Django).

A question file is JSON Lines, one object a line::

    {"id": "vi-001", "question": "...", "lang": "vi|en|fr|hi",
     "relevant": [{"doc": "<slug>", "quote": "<exact text of the document>"}],
     "tags": ["accentless", "docnum", "crosslingual", "unanswerable"]}

``relevant: []`` marks a question the documents do not answer (the assistant must decline).
``tags`` is optional.

A quote is located in a document's extracted text after whitespace normalisation (every run of
white space counts as one space, so a quote copied across a line break or a padded table cell
still matches); its span is returned in the ORIGINAL text's offsets. A quote found several times
counts at every place it occurs. A retrieved chunk ``(doc, start, end)`` is relevant when it
comes from the quote's document and its character span overlaps one of the quote's spans.

Metrics over a set of questions (``summarize``):

- ``recall@k``: share of answerable questions with at least one relevant chunk in the top k.
- ``mrr@10``: mean over answerable questions of 1 / rank of the first relevant chunk (0 if none
  in the top 10).
- ``ndcg@10``: binary gains (1 for a chunk relevant to any quote, else 0), discount
  ``1/log2(rank + 1)``; the ideal ranking puts ``min(#relevant entries, 10)`` relevant chunks
  first. A question usually has one to three quotes and one chunk per quote is the most a
  perfect ranker can be expected to put first, so the number of quotes — not the number of
  chunks that happen to overlap them — sets the ideal; a ranking that returns more relevant
  chunks than quotes is capped at 1.0.
- ``top1``: share of answerable questions whose first result is relevant.
- ``abstention``: share of unanswerable questions the assistant declined (None when the set has
  no unanswerable question or abstention was not measured).
- ``false_abstention``: share of answerable questions the assistant declined.
- ``n`` (questions), ``answerable``, ``unanswerable``.

Aggregation: overall, ``by_lang`` (vi, en, fr, hi) and ``by_tag``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "LANGS",
    "TAGS",
    "EvalFileError",
    "Outcome",
    "Question",
    "Relevant",
    "is_relevant",
    "load_questions",
    "locate",
    "locate_all",
    "ndcg",
    "normalize_ws",
    "rank_of_first",
    "summarize",
]

LANGS = ("vi", "en", "fr", "hi")
TAGS = ("accentless", "docnum", "crosslingual", "unanswerable")
_WS = re.compile(r"\s+")


class EvalFileError(ValueError):
    """A question file that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Relevant:
    doc: str
    quote: str


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    lang: str
    relevant: tuple[Relevant, ...]
    tags: tuple[str, ...] = ()
    line: int = 0

    @property
    def answerable(self) -> bool:
        return bool(self.relevant)


# --- loading ---------------------------------------------------------------------------------


def _fail(path: str, line: int, message: str) -> EvalFileError:
    return EvalFileError(f"{path}, line {line}: {message}")


def load_questions(path: str | Path) -> list[Question]:
    """Read a JSONL question file; raise ``EvalFileError`` naming the line of the first problem."""
    name = str(path)
    try:
        raw = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise EvalFileError(f"{name}: cannot read the file ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise EvalFileError(f"{name}: not UTF-8 text") from exc
    questions: list[Question] = []
    seen: dict[str, int] = {}
    for number, text in enumerate(raw.splitlines(), start=1):
        if not text.strip():
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _fail(name, number, f"not valid JSON ({exc.msg} at column {exc.colno})") from exc
        if not isinstance(obj, dict):
            raise _fail(name, number, "each line must be a JSON object")
        for key in ("id", "question", "lang"):
            if not isinstance(obj.get(key), str) or not obj[key].strip():
                raise _fail(name, number, f'"{key}" must be a non-empty string')
        qid = obj["id"].strip()
        if qid in seen:
            raise _fail(name, number, f'id "{qid}" already used on line {seen[qid]}')
        seen[qid] = number
        if obj["lang"] not in LANGS:
            raise _fail(name, number, f'"lang" must be one of {", ".join(LANGS)}, not "{obj["lang"]}"')
        rel = obj.get("relevant")
        if not isinstance(rel, list):
            raise _fail(name, number, '"relevant" must be a list (empty when the documents do not answer)')
        relevant: list[Relevant] = []
        for i, entry in enumerate(rel):
            if (
                not isinstance(entry, dict)
                or not isinstance(entry.get("doc"), str)
                or not isinstance(entry.get("quote"), str)
                or not entry["doc"].strip()
                or not normalize_ws(entry["quote"])
            ):
                raise _fail(name, number, f'relevant[{i}] must be {{"doc": "<slug>", "quote": "<text>"}}')
            relevant.append(Relevant(doc=entry["doc"].strip(), quote=entry["quote"]))
        tags = obj.get("tags", [])
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise _fail(name, number, '"tags" must be a list of strings')
        questions.append(
            Question(id=qid, question=obj["question"], lang=obj["lang"], relevant=tuple(relevant),
                     tags=tuple(tags), line=number)
        )
    if not questions:
        raise EvalFileError(f"{name}: no questions")
    return questions


# --- locating quotes -------------------------------------------------------------------------


def normalize_ws(text: str) -> str:
    """Every run of white space as one space, trimmed."""
    return _WS.sub(" ", text).strip()


@dataclass
class _Normalized:
    text: str
    origin: list[int]  # origin[i] = offset in the original text of normalised character i


def _normalized(text: str) -> _Normalized:
    out: list[str] = []
    origin: list[int] = []
    pending_space = False
    for i, ch in enumerate(text):
        if ch.isspace():
            pending_space = bool(out)
            continue
        if pending_space:
            out.append(" ")
            origin.append(i - 1)
            pending_space = False
        out.append(ch)
        origin.append(i)
    return _Normalized("".join(out), origin)


_CACHE: dict[int, tuple[str, _Normalized]] = {}


def _normalized_cached(text: str) -> _Normalized:
    key = id(text)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is text:
        return hit[1]
    norm = _normalized(text)
    if len(_CACHE) > 64:
        _CACHE.clear()
    _CACHE[key] = (text, norm)
    return norm


def locate_all(text: str, quote: str) -> list[tuple[int, int]]:
    """Every ``(start, end)`` of ``quote`` in ``text`` (original offsets), matching after whitespace
    normalisation; ``text[start:end]`` begins and ends with the quote's first and last characters."""
    needle = normalize_ws(quote)
    if not needle:
        return []
    norm = _normalized_cached(text)
    spans: list[tuple[int, int]] = []
    pos = norm.text.find(needle)
    while pos >= 0:
        start = norm.origin[pos]
        end = norm.origin[pos + len(needle) - 1] + 1
        spans.append((start, end))
        pos = norm.text.find(needle, pos + 1)
    return spans


def locate(text: str, quote: str) -> tuple[int, int] | None:
    """The first span of ``quote`` in ``text`` (original offsets), or None."""
    spans = locate_all(text, quote)
    return spans[0] if spans else None


# --- relevance and ranking metrics -----------------------------------------------------------


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def is_relevant(doc: str, start: int, end: int, spans: Mapping[str, Sequence[tuple[int, int]]]) -> bool:
    """A chunk is relevant when it comes from a document of ``spans`` and overlaps one of its spans."""
    doc_spans = spans.get(doc)
    if not doc_spans:
        return False
    return any(_overlaps(start, end, s, e) for s, e in doc_spans)


def rank_of_first(flags: Sequence[bool]) -> int | None:
    """1-based rank of the first True, or None."""
    for i, flag in enumerate(flags, start=1):
        if flag:
            return i
    return None


def ndcg(flags: Sequence[bool], n_relevant: int, k: int = 10) -> float:
    """Binary-gain nDCG@k; the ideal puts ``min(n_relevant, k)`` relevant results first (capped at 1)."""
    ideal_n = min(n_relevant, k)
    if ideal_n <= 0:
        return 0.0
    dcg = sum(1.0 / math.log2(rank + 1) for rank, flag in enumerate(flags[:k], start=1) if flag)
    idcg = sum(1.0 / math.log2(rank + 1) for rank in range(1, ideal_n + 1))
    return min(1.0, dcg / idcg)


@dataclass
class Outcome:
    """What the system did for one question: relevance flags of its ranked results (best first),
    and whether the assistant declined (None when not measured)."""

    question: Question
    flags: list[bool] = field(default_factory=list)
    abstained: bool | None = None

    @property
    def first_relevant(self) -> int | None:
        return rank_of_first(self.flags)


def _mean(values: Iterable[float]) -> float | None:
    vals = list(values)
    return round(sum(vals) / len(vals), 4) if vals else None


def _metrics(outcomes: Sequence[Outcome], k: int) -> dict[str, float | int | None]:
    answerable = [o for o in outcomes if o.question.answerable]
    unanswerable = [o for o in outcomes if not o.question.answerable]
    first = [o.first_relevant for o in answerable]
    declined = [o.abstained for o in unanswerable if o.abstained is not None]
    falsely = [o.abstained for o in answerable if o.abstained is not None]
    return {
        f"recall@{k}": _mean(1.0 if r is not None and r <= k else 0.0 for r in first),
        "mrr@10": _mean(1.0 / r if r is not None and r <= 10 else 0.0 for r in first),
        "ndcg@10": _mean(ndcg(o.flags, len(o.question.relevant), 10) for o in answerable),
        "top1": _mean(1.0 if r == 1 else 0.0 for r in first),
        "abstention": _mean(1.0 if d else 0.0 for d in declined),
        "false_abstention": _mean(1.0 if d else 0.0 for d in falsely),
        "n": len(outcomes),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
    }


def summarize(outcomes: Sequence[Outcome], k: int = 5) -> dict[str, object]:
    """``{"overall": {...}, "by_lang": {lang: {...}}, "by_tag": {tag: {...}}}``."""
    by_lang = {lang: _metrics([o for o in outcomes if o.question.lang == lang], k) for lang in LANGS
               if any(o.question.lang == lang for o in outcomes)}
    tags = sorted({t for o in outcomes for t in o.question.tags})
    by_tag = {tag: _metrics([o for o in outcomes if tag in o.question.tags], k) for tag in tags}
    return {"overall": _metrics(outcomes, k), "by_lang": by_lang, "by_tag": by_tag}

