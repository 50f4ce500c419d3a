"""Diacritic restoration of accent-less Vietnamese queries from the index's vocabulary."""

from __future__ import annotations

from pathlib import Path

from rag.diacritics import Restorer
from rag.lexical import LexicalIndex
from rag.text import index_tokens

CORPUS = [
    "Bảo vệ dữ liệu cá nhân là trách nhiệm của mọi cơ quan.",
    "Dữ liệu quốc gia được kết nối, chia sẻ; bảo vệ dữ liệu cá nhân.",
    "Ban hành kế hoạch thực hiện Nghị định 13/2023/NĐ-CP.",
    "Bàn giao bản kế hoạch cho bạn đọc; ban chỉ đạo họp bàn.",
    "Du lịch số, du lịch thông minh, du khách.",
    "Quy định về dữ liệu.",
]


def _restorer(corpus: list[str] = CORPUS) -> Restorer:
    return Restorer.from_tokens(index_tokens(t) for t in corpus)


def test_restores_syllables_from_the_corpus() -> None:
    r = _restorer()
    assert r.restore("bao ve du lieu ca nhan") == "bảo vệ dữ liệu cá nhân"
    assert r.restore("Du lich so") == "du lịch số"  # lower-cased like every query


def test_a_pair_seen_in_the_corpus_beats_the_more_frequent_syllable() -> None:
    # "du" alone is most often "dữ" here (dữ liệu ×4), yet "du khach" is "du khách"
    r = _restorer()
    assert r.unigrams["du"][0][0] == "dữ"
    assert r.restore("du khach") == "du khách"
    assert r.restore("du lieu") == "dữ liệu"
    # "ban" has four forms; the pair decides
    assert r.restore("ban hanh ke hoach") == "ban hành kế hoạch"
    assert r.restore("ban giao") == "bàn giao"


def test_unknown_words_numbers_and_document_numbers_stay_as_typed() -> None:
    r = _restorer()
    assert r.restore("nghi dinh 13/2023/ND-CP: bao ve du lieu, xyz 2030") == \
        "nghị định 13/2023/nd-cp: bảo vệ dữ liệu, xyz 2030"
    assert r.restore("quy dinh ve") == "quy định về"  # "vệ" is more frequent, "định về" decides
    # syllables typed with diacritics are kept, and they decide their neighbours through the pairs
    assert r.restore("bản ke hoach") == "bản kế hoạch"
    assert r.restore("họp ban") == "họp bàn"


def test_pairs_do_not_span_punctuation() -> None:
    # "số, du" is not a pair: "du" after a comma is decided by itself ("du", the most frequent)
    r = Restorer.from_tokens(index_tokens(t) for t in ["dữ liệu", "số du", "du lịch", "du khách"])
    assert r.restore("so du") == "số du"
    assert r.restore("so, du") == "số, du"


def test_empty_restorer_changes_nothing() -> None:
    r = Restorer()
    assert not r
    assert r.restore("Bao Ve du lieu") == "bao ve du lieu"
    assert Restorer.from_json(None).restore("du lieu") == "du lieu"


def test_size_is_bounded_and_unambiguous_ascii_words_are_not_kept() -> None:
    r = Restorer.from_tokens([index_tokens(t) for t in CORPUS + ["data data data open data"]], max_bigrams=3)
    assert len(r.bigrams) == 3
    assert "data" not in r.unigrams  # only ever written "data": nothing to restore
    assert "nd" in r.unigrams or "nđ" not in str(r.unigrams)  # parts of document numbers may stay


def test_saved_and_loaded_with_the_bm25_index(tmp_path: Path) -> None:
    index = LexicalIndex.build([str(i) for i in range(len(CORPUS))], CORPUS)
    assert index.restore("bao ve du lieu") == "bảo vệ dữ liệu"
    index.save(tmp_path / "lex")
    loaded = LexicalIndex.load(tmp_path / "lex")
    assert loaded.restorer.unigrams == index.restorer.unigrams
    assert loaded.restorer.bigrams == index.restorer.bigrams
    assert loaded.restore("ban giao") == "bàn giao"
    # an index saved before restoration existed: no file, nothing restored
    (tmp_path / "lex" / "diacritics.json").unlink()
    assert LexicalIndex.load(tmp_path / "lex").restore("ban giao") == "ban giao"
