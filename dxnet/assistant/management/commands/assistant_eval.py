"""``manage.py assistant_eval --file F.jsonl --k 5 [--mode hybrid|bm25|dense] [--user NAME] [--details]``

Runs a question file (see :mod:`rag.evaluation`) against the loaded and indexed documents and
prints ONE JSON object::

    {"overall": {...}, "by_lang": {"vi": {...}, ...}, "by_tag": {...}, "mode": "hybrid", "k": 5,
     "questions": N, "user": null}

Each entry holds ``recall@<k>``, ``mrr@10``, ``ndcg@10``, ``top1``, ``abstention`` (unanswerable
questions declined), ``false_abstention`` (answerable questions declined) and the counts.
Retrieval goes through :func:`dxnet.assistant.retrieval.search` (top ``max(k, 10)``), abstention
through :func:`dxnet.assistant.answering.respond` — the calls the chat page makes — as the given
user (scoping applies) or as the system (every published document).
"""

from __future__ import annotations

import json
import time
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from dxnet.assistant import answering, retrieval
from dxnet.assistant.models import Passage
from dxnet.documents.models import Document
from rag.evaluation import EvalFileError, Outcome, Question, is_relevant, load_questions, locate_all, summarize
from rag.hybrid import MODES

NOT_READY = "run manage.py load_demo_documents and manage.py assistant_reindex"


def quote_spans(questions: list[Question]) -> dict[str, dict[str, list[tuple[int, int]]]]:
    """``{question id: {slug: [spans]}}``: every quote located in its loaded document's text.
    Raises CommandError naming the documents that are not loaded or not indexed, or the quotes
    their text does not contain."""
    slugs = sorted({r.doc for q in questions for r in q.relevant})
    texts = dict(Document.objects.filter(slug__in=slugs).values_list("slug", "text"))
    missing = [s for s in slugs if s not in texts]
    if missing:
        raise CommandError(f"documents not loaded: {', '.join(missing)} — {NOT_READY}")
    indexed = set(Passage.objects.filter(document__slug__in=slugs).values_list("document__slug", flat=True))
    unindexed = [s for s in slugs if s not in indexed]
    if unindexed:
        raise CommandError(f"documents not indexed: {', '.join(unindexed)} — {NOT_READY}")
    out: dict[str, dict[str, list[tuple[int, int]]]] = {}
    lost: list[str] = []
    for q in questions:
        spans: dict[str, list[tuple[int, int]]] = {}
        for rel in q.relevant:
            found = locate_all(texts[rel.doc], rel.quote)
            if not found:
                lost.append(f"{q.id} (line {q.line}, {rel.doc}): {rel.quote[:70]}")
            spans.setdefault(rel.doc, []).extend(found)
        out[q.id] = spans
    if lost:
        raise CommandError("quotes not found in the loaded text of their document:\n" + "\n".join(lost))
    return out


def evaluate(questions: list[Question], *, actor: Any, k: int, mode: str,
             details: bool = False) -> dict[str, Any]:
    """Run every question; the summary (and per-question details) as a JSON-able dict."""
    spans = quote_spans(questions)
    depth = max(k, 10)
    outcomes: list[Outcome] = []
    rows: list[dict[str, Any]] = []
    started = time.perf_counter()
    for q in questions:
        results = retrieval.search(actor=actor, query=q.question, k=depth, mode=mode)  # type: ignore[arg-type]
        flags = [is_relevant(r.passage.document.slug, r.passage.start, r.passage.end, spans[q.id]) for r in results]
        response = answering.respond(actor=actor, question=q.question, mode=mode)
        outcome = Outcome(question=q, flags=flags, abstained=response.abstained)
        outcomes.append(outcome)
        if details:
            rows.append({
                "id": q.id, "lang": q.lang, "tags": list(q.tags), "question": q.question,
                "first_relevant": outcome.first_relevant, "abstained": response.abstained,
                "expected": sorted(spans[q.id]),
                "results": [{"doc": r.passage.document.slug, "start": r.passage.start, "end": r.passage.end,
                             "heading": r.passage.heading, "relevant": f, "bm25_rank": r.bm25_rank,
                             "dense_rank": r.dense_rank,
                             "cosine": None if r.cosine is None else round(r.cosine, 4)}
                            for r, f in zip(results[:k], flags[:k], strict=True)],
            })
    report: dict[str, Any] = summarize(outcomes, k=k)
    report.update(mode=mode, k=k, questions=len(questions), seconds=round(time.perf_counter() - started, 1))
    if details:
        report["details"] = rows
    return report


class Command(BaseCommand):
    help = "Evaluate retrieval (recall@k, MRR, nDCG, top-1) and abstention on a JSONL question file."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--file", required=True, help="JSONL question file, e.g. eval/assistant-dev.jsonl")
        parser.add_argument("--k", type=int, default=5, help="cut-off for recall (default 5)")
        parser.add_argument("--mode", choices=list(MODES), default="hybrid")
        parser.add_argument("--user", default="", help="ask as this user (scoping applies); default: the system")
        parser.add_argument("--details", action="store_true", help="add every question's results")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["k"] < 1:
            raise CommandError("--k must be at least 1")
        try:
            questions = load_questions(options["file"])
        except EvalFileError as exc:
            raise CommandError(str(exc)) from exc
        actor = None
        if options["user"]:
            try:
                actor = get_user_model().objects.get(username=options["user"])
            except get_user_model().DoesNotExist as exc:
                raise CommandError(f"no user named {options['user']!r}") from exc
        report = evaluate(questions, actor=actor, k=options["k"], mode=options["mode"], details=options["details"])
        report["user"] = options["user"] or None
        self.stdout.write(json.dumps(report, ensure_ascii=False, indent=1 if options["details"] else None))
