"""Evaluation: question files, quote location in original offsets, relevance, metrics, the dev set."""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

import pytest

from rag.evaluation import (
    EvalFileError,
    Outcome,
    Question,
    Relevant,
    is_relevant,
    load_questions,
    locate,
    locate_all,
    ndcg,
    normalize_ws,
    summarize,
)

ROOT = Path(__file__).resolve().parents[2]
DEV_SET = ROOT / "eval" / "assistant-dev.jsonl"
# The product's own copy of the demo corpus (never ../shared at run time).
CORPUS_DIR = ROOT / "dxnet" / "documents" / "data"


# --- loading -----------------------------------------------------------------------------------


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_load_reads_questions_and_tags(tmp_path):
    path = _write(tmp_path, [
        json.dumps({"id": "a", "question": "Q?", "lang": "vi", "relevant": [{"doc": "d", "quote": "x y"}],
                    "tags": ["accentless"]}),
        "",
        json.dumps({"id": "b", "question": "R?", "lang": "en", "relevant": []}),
    ])
    qs = load_questions(path)
    assert [q.id for q in qs] == ["a", "b"]
    assert qs[0].relevant == (Relevant("d", "x y"),) and qs[0].tags == ("accentless",) and qs[0].answerable
    assert qs[1].line == 3 and not qs[1].answerable and qs[1].tags == ()


@pytest.mark.parametrize(("line", "message"), [
    ("{not json", "line 2: not valid JSON"),
    ("[1, 2]", "line 2: each line must be a JSON object"),
    ('{"id": "b", "question": "", "lang": "vi", "relevant": []}', 'line 2: "question" must be a non-empty string'),
    ('{"id": "b", "question": "Q", "lang": "de", "relevant": []}', 'line 2: "lang" must be one of vi, en, fr, hi'),
    ('{"id": "b", "question": "Q", "lang": "vi"}', 'line 2: "relevant" must be a list'),
    ('{"id": "b", "question": "Q", "lang": "vi", "relevant": [{"doc": "d"}]}', "line 2: relevant[0] must be"),
    ('{"id": "a", "question": "Q", "lang": "vi", "relevant": []}', 'line 2: id "a" already used on line 1'),
    ('{"id": "b", "question": "Q", "lang": "vi", "relevant": [], "tags": "x"}', 'line 2: "tags" must be a list'),
])
def test_load_names_the_bad_line(tmp_path, line, message):
    path = _write(tmp_path, [json.dumps({"id": "a", "question": "Q", "lang": "vi", "relevant": []}), line])
    with pytest.raises(EvalFileError) as err:
        load_questions(path)
    assert message in str(err.value) and str(path) in str(err.value)


def test_load_missing_or_empty_file(tmp_path):
    with pytest.raises(EvalFileError, match="cannot read"):
        load_questions(tmp_path / "nope.jsonl")
    with pytest.raises(EvalFileError, match="no questions"):
        load_questions(_write(tmp_path, [""]))


# --- locating ----------------------------------------------------------------------------------


def test_locate_returns_original_offsets_across_line_breaks_and_padding():
    text = "Điều 1.\n\nNghị quyết này có   hiệu lực\n thi hành kể từ ngày ký.  | cell   | 99 |"
    span = locate(text, "Nghị quyết này có hiệu lực thi hành")
    assert span is not None
    start, end = span
    assert text[start:end] == "Nghị quyết này có   hiệu lực\n thi hành"
    assert normalize_ws(text[start:end]) == "Nghị quyết này có hiệu lực thi hành"
    cell = locate(text, "ký. | cell | 99")
    assert cell is not None and text[cell[0]:cell[1]] == "ký.  | cell   | 99"


def test_locate_all_finds_every_occurrence_and_none_when_absent():
    text = "abc 30% GDP. x\nabc  30%\tGDP."
    assert locate_all(text, "abc 30% GDP") == [(0, 11), (15, 27)]
    assert locate(text, "40% GDP") is None
    assert locate(text, "   ") is None


def test_locate_is_exact_on_case_and_accents():
    assert locate("Bảo vệ dữ liệu", "bao ve du lieu") is None
    assert locate("Bảo vệ dữ liệu", "bảo vệ") is None
    assert locate("Bảo vệ dữ liệu", "Bảo vệ") == (0, 6)


# --- relevance and metrics ------------------------------------------------------------------------


def test_is_relevant_needs_same_document_and_overlap():
    spans = {"doc-a": [(100, 150)]}
    assert is_relevant("doc-a", 90, 101, spans)
    assert is_relevant("doc-a", 149, 400, spans)
    assert is_relevant("doc-a", 110, 120, spans)
    assert not is_relevant("doc-a", 0, 100, spans)  # touching is not overlapping
    assert not is_relevant("doc-a", 150, 200, spans)
    assert not is_relevant("doc-b", 100, 150, spans)


def test_ndcg_binary_gains_ideal_from_number_of_quotes():
    assert ndcg([True], 1) == 1.0
    assert ndcg([False, True], 1) == pytest.approx(1 / math.log2(3))  # 0.6309
    # two quotes, one relevant result at rank 1: 1 / (1 + 1/log2 3)
    assert ndcg([True, False, False], 2) == pytest.approx(1 / (1 + 1 / math.log2(3)))
    # more relevant chunks than quotes is capped at 1
    assert ndcg([True, True, True], 1) == 1.0
    assert ndcg([False] * 10 + [True], 1) == 0.0  # rank 11 is outside @10
    assert ndcg([True], 0) == 0.0


def _q(qid: str, lang: str, n_rel: int, tags: tuple[str, ...] = ()) -> Question:
    return Question(id=qid, question="?", lang=lang, relevant=tuple(Relevant("d", f"q{i}") for i in range(n_rel)),
                    tags=tags)


def test_summarize_hand_computed():
    outcomes = [
        # answerable, relevant at rank 1
        Outcome(_q("v1", "vi", 1, ("accentless",)), [True, False, False], abstained=False),
        # answerable, first relevant at rank 3
        Outcome(_q("v2", "vi", 2), [False, False, True, False, False, False], abstained=True),
        # answerable, relevant only at rank 6 (outside @5, inside @10)
        Outcome(_q("e1", "en", 1, ("crosslingual",)), [False] * 5 + [True], abstained=False),
        # unanswerable, declined / not declined
        Outcome(_q("e2", "en", 0, ("unanswerable",)), [False, False], abstained=True),
        Outcome(_q("v3", "vi", 0, ("unanswerable",)), [False], abstained=False),
    ]
    report = summarize(outcomes, k=5)
    overall = report["overall"]
    assert overall["recall@5"] == pytest.approx(round(2 / 3, 4))
    assert overall["mrr@10"] == pytest.approx(round((1 + 1 / 3 + 1 / 6) / 3, 4))  # 0.5
    ndcg_v2 = (1 / math.log2(4)) / (1 + 1 / math.log2(3))
    ndcg_e1 = 1 / math.log2(7)
    assert overall["ndcg@10"] == pytest.approx(round((1 + ndcg_v2 + ndcg_e1) / 3, 4))
    assert overall["top1"] == pytest.approx(round(1 / 3, 4))
    assert overall["abstention"] == 0.5
    assert overall["false_abstention"] == pytest.approx(round(1 / 3, 4))
    assert (overall["n"], overall["answerable"], overall["unanswerable"]) == (5, 3, 2)

    vi = report["by_lang"]["vi"]
    assert vi["recall@5"] == 1.0 and vi["mrr@10"] == pytest.approx(round((1 + 1 / 3) / 2, 4))
    assert vi["abstention"] == 0.0 and vi["n"] == 3
    en = report["by_lang"]["en"]
    assert en["recall@5"] == 0.0 and en["top1"] == 0.0 and en["abstention"] == 1.0
    assert set(report["by_lang"]) == {"vi", "en"}
    assert report["by_tag"]["accentless"]["top1"] == 1.0
    assert report["by_tag"]["unanswerable"]["recall@5"] is None
    assert report["by_tag"]["unanswerable"]["abstention"] == 0.5


def test_summarize_key_follows_k_and_abstention_unmeasured_is_none():
    report = summarize([Outcome(_q("a", "fr", 1), [False, True])], k=1)
    assert report["overall"]["recall@1"] == 0.0 and "recall@5" not in report["overall"]
    assert report["overall"]["abstention"] is None and report["overall"]["false_abstention"] is None


# --- the development set ----------------------------------------------------------------------------


def _corpus_file(slug: str) -> Path | None:
    for ext in (".md", ".txt"):
        found = sorted(CORPUS_DIR.rglob(slug + ext))
        if found:
            return found[0]
    return None


def test_dev_set_counts():
    qs = load_questions(DEV_SET)
    by_lang = Counter(q.lang for q in qs)
    assert len(qs) >= 80
    assert all(by_lang[lang] >= 20 for lang in ("vi", "en", "fr", "hi")), by_lang
    tags = Counter(t for q in qs for t in q.tags)
    assert sum(1 for q in qs if not q.answerable) >= 8
    assert all(("unanswerable" in q.tags) == (not q.answerable) for q in qs)
    assert tags["accentless"] >= 8 and tags["docnum"] >= 8 and tags["crosslingual"] >= 20, tags
    for q in qs:
        assert q.id.startswith(q.lang + "-"), q.id
        for rel in q.relevant:
            assert 30 <= len(normalize_ws(rel.quote)) <= 200, (q.id, rel.quote)


def test_dev_set_accentless_questions_have_no_vietnamese_diacritics():
    for q in load_questions(DEV_SET):
        if "accentless" in q.tags:
            assert q.question.isascii(), q.id


def test_every_dev_quote_is_in_the_products_copy_of_its_document():
    missing_docs: set[str] = set()
    missing: list[str] = []
    for q in load_questions(DEV_SET):
        for rel in q.relevant:
            path = _corpus_file(rel.doc)
            if path is None:
                missing_docs.add(rel.doc)
                continue
            if locate(path.read_text(encoding="utf-8"), rel.quote) is None:
                missing.append(f"{q.id} ({rel.doc}): {rel.quote[:60]}")
    assert not missing_docs, f"not in {CORPUS_DIR}: {sorted(missing_docs)}"
    assert not missing, "quotes not found:\n" + "\n".join(missing)
