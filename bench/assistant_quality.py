"""Retrieval quality of the assistant on the development set: BM25 only, dense only and hybrid.

    DXNET_DEBUG=1 .venv/bin/python manage.py load_demo            # units (once)
    DXNET_DEBUG=1 .venv/bin/python manage.py load_demo_documents
    DXNET_DEBUG=1 .venv/bin/python manage.py assistant_reindex
    DXNET_DEBUG=1 .venv/bin/python bench/assistant_quality.py [--file eval/assistant-dev.jsonl] [--k 5]
        [--out bench/results/assistant_quality.md] [--json F] [--baseline eval/baseline.json]

Runs ``manage.py assistant_eval``'s evaluation (``retrieval.search`` + ``answering.respond`` as the
system) once per mode and prints a Markdown table: overall and per language Recall@k, MRR@10,
nDCG@10 and top-1, the accent-less questions' top-1, and abstention on the unanswerable questions
(false abstention on the answerable ones beside it). ``--baseline`` records the hybrid run as the
CI gate's baseline (``dxnet/assistant/tests/test_eval_gate.py``). Quality does not depend on the
database engine, so SQLite (the default database) is fine here.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MODES = ("bm25", "dense", "hybrid")
TARGETS = {"vi": 0.90, "en": 0.80, "fr": 0.80, "hi": 0.80}
ACCENTLESS_TOP1 = 0.95


def _fmt(value: Any) -> str:
    return "–" if value is None else f"{value:.2f}"


def table(reports: dict[str, dict[str, Any]], k: int) -> str:
    key = f"recall@{k}"
    head = ["mode", "scope", f"Recall@{k}", "MRR@10", "nDCG@10", "top-1", "n"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for mode, rep in reports.items():
        scopes = [("overall", rep["overall"])] + [(lang, rep["by_lang"][lang]) for lang in rep["by_lang"]]
        for name, m in scopes:
            target = f" (≥ {TARGETS[name]:.2f})" if name in TARGETS and mode == "hybrid" else ""
            lines.append(f"| {mode} | {name}{target} | {_fmt(m[key])} | {_fmt(m['mrr@10'])} | "
                         f"{_fmt(m['ndcg@10'])} | {_fmt(m['top1'])} | {m['answerable']} |")
    lines.append("")
    head2 = ["mode", f"accent-less top-1 (≥ {ACCENTLESS_TOP1:.2f})", f"accent-less Recall@{k}",
             f"cross-lingual Recall@{k}", f"by number Recall@{k}", "abstention (unanswerable)",
             "false abstention (answerable)"]
    lines += ["| " + " | ".join(head2) + " |", "|" + "---|" * len(head2)]
    for mode, rep in reports.items():
        tags = rep["by_tag"]
        acc = tags.get("accentless", {})
        lines.append(f"| {mode} | {_fmt(acc.get('top1'))} | {_fmt(acc.get(key))} | "
                     f"{_fmt(tags.get('crosslingual', {}).get(key))} | {_fmt(tags.get('docnum', {}).get(key))} | "
                     f"{_fmt(rep['overall']['abstention'])} | {_fmt(rep['overall']['false_abstention'])} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--file", default=str(ROOT / "eval" / "assistant-dev.jsonl"))
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--out", default="", help="write the Markdown table here too")
    parser.add_argument("--json", default="", help="write the three reports (with details) here")
    parser.add_argument("--baseline", default="", help="record the hybrid run as the CI baseline here")
    args = parser.parse_args()

    os.environ.setdefault("DXNET_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dxnet.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management.base import CommandError

    settings.DEBUG = False
    from dxnet.assistant.management.commands.assistant_eval import evaluate
    from dxnet.assistant.models import IndexState, Passage
    from rag.evaluation import load_questions

    questions = load_questions(args.file)
    reports: dict[str, dict[str, Any]] = {}
    for mode in MODES:
        try:
            reports[mode] = evaluate(questions, actor=None, k=args.k, mode=mode, details=bool(args.json))
        except CommandError as exc:
            sys.exit(str(exc))
        print(f"{mode}: {reports[mode]['seconds']} s", file=sys.stderr)
    state = IndexState.objects.first()
    answerable = sum(1 for q in questions if q.answerable)
    info = (f"{len(questions)} questions ({answerable} answerable, {len(questions) - answerable} unanswerable; "
            + ", ".join(f"{lang} {n['n']}" for lang, n in reports['hybrid']['by_lang'].items())
            + f"), {Passage.objects.values('document').distinct().count()} documents, "
            f"{Passage.objects.count()} passages (index build {state.build_id if state else '?'})")
    md = table(reports, args.k)
    print(info)
    print(md)
    if args.out:
        Path(args.out).write_text(f"{info}\n\n{md}", encoding="utf-8")
    if args.json:
        Path(args.json).write_text(json.dumps(reports, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.baseline:
        hybrid = reports["hybrid"]
        key = f"recall@{args.k}"
        baseline = {
            "mode": "hybrid", "k": args.k, "questions": len(questions),
            "date": dt.datetime.now(tz=dt.UTC).date().isoformat(),
            "command": "python manage.py assistant_eval --file eval/assistant-dev.jsonl --k "
                       f"{args.k} --mode hybrid (recorded by bench/assistant_quality.py --baseline)",
            "overall": {m: hybrid["overall"][m] for m in (key, "mrr@10", "ndcg@10", "top1", "abstention")},
            "by_lang": {lang: {m: v[m] for m in (key, "mrr@10", "ndcg@10", "top1")}
                        for lang, v in hybrid["by_lang"].items()},
        }
        Path(args.baseline).write_text(json.dumps(baseline, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
