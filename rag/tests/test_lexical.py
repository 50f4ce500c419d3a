"""Text analysis and the two-field BM25 index."""

from __future__ import annotations

import numpy as np

from rag.lexical import LexicalIndex
from rag.text import fold, folded_tokens, index_tokens, normalize, words

DOCS = {
    "a": "Nghị định 13/2023/NĐ-CP về bảo vệ dữ liệu cá nhân.",
    "b": "Nghị quyết số 57-NQ/TW về đột phá phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số.",
    "c": "Chương trình hành động ban hành kèm theo Nghị quyết số 03/NQ-CP ngày 09 tháng 01 năm 2025.",
    "d": "Quyết định 1690/QĐ-TTg phê duyệt Đề án kiện toàn tổ chức bộ máy về chuyển đổi số.",
    "e": "Ủy ban nhân dân tỉnh Đắk Lắk ban hành kế hoạch thực hiện Nghị định 73.",
    "f": "Le plan de la province de Dak Lak met en œuvre le décret 73 sur l'innovation.",
    "g": "प्रांतीय जन समिति ने डिक्री 73 के कार्यान्वयन की योजना जारी की।",
    "h": "Bảo vệ dữ liệu cá nhân là trách nhiệm của mọi cơ quan, tổ chức.",
}


def _index() -> LexicalIndex:
    return LexicalIndex.build(list(DOCS), list(DOCS.values()))


def test_accent_folding() -> None:
    assert fold("Bảo vệ dữ liệu") == "Bao ve du lieu"
    assert fold("ĐẮK LẮK đổi mới") == "DAK LAK doi moi"
    assert fold("décret œuvre") == "decret œuvre"
    # Devanagari vowel signs and viramas are not accents
    assert fold("डिक्री कार्यान्वयन") == "डिक्री कार्यान्वयन"
    # NFD input gives the same as NFC input
    assert normalize("Ba\u0309o ve\u0302\u0323") == normalize("Bảo vệ") == "bảo vệ"


def test_tokens_syllables_bigrams_and_document_numbers() -> None:
    toks = index_tokens("Nghị định 13/2023/NĐ-CP về bảo vệ dữ liệu")
    assert "13/2023/nđ-cp" in toks
    assert {"bảo", "vệ", "bảo_vệ", "dữ_liệu", "nghị_định"} <= set(toks)
    ftoks = folded_tokens("Nghị định 13/2023/NĐ-CP về bảo vệ dữ liệu")
    assert "13/2023/nd-cp" in ftoks and "bao_ve" in ftoks
    nums = [w.text for w in words("Theo 57-NQ/TW, 03/NQ-CP, 1690/QĐ-TTg và 61-CTr/TU ngày 22/12/2024") if w.docnum]
    assert nums == ["57-nq/tw", "03/nq-cp", "1690/qđ-ttg", "61-ctr/tu"]  # a date is not a number of document
    # Hindi words keep their combining marks; French elisions split
    hi = [w.text for w in words("डिक्री 73 के कार्यान्वयन")]
    assert hi == ["डिक्री", "73", "के", "कार्यान्वयन"]
    fr = [w.text for w in words("l'objectif du décret")]
    assert fr == ["l", "objectif", "du", "décret"]


def test_accentless_query_finds_accented_text() -> None:
    idx = _index()
    top = [cid for cid, _ in idx.search("bao ve du lieu ca nhan", k=2)]
    assert set(top) == {"a", "h"}
    assert idx.search("dak lak ke hoach", k=1)[0][0] == "e"


def test_document_number_is_findable_by_exact_number() -> None:
    idx = _index()
    assert idx.search("13/2023/NĐ-CP", k=1)[0][0] == "a"
    assert idx.search("13/2023/ND-CP", k=1)[0][0] == "a"  # typed without the stroke
    assert idx.search("57-NQ/TW", k=1)[0][0] == "b"
    assert idx.search("03/NQ-CP", k=1)[0][0] == "c"
    assert idx.search("1690/QD-TTg", k=1)[0][0] == "d"


def test_filter_is_applied_before_ranking() -> None:
    idx = _index()
    unfiltered = idx.search("bảo vệ dữ liệu cá nhân", k=3)
    assert unfiltered[0][0] in {"a", "h"}
    allowed = {"b", "c", "d", "e", "h"}
    for k in (1, 3, 8):
        got = idx.search("bảo vệ dữ liệu cá nhân 13/2023/NĐ-CP", k=k, allowed=allowed)
        assert got and all(cid in allowed for cid, _ in got)
        assert got[0][0] == "h"
    mask = np.array([cid != "a" for cid in DOCS])
    assert all(cid != "a" for cid, _ in idx.search("13/2023/NĐ-CP", k=8, allowed=mask))
    assert idx.search("13/2023/NĐ-CP", k=8, allowed=set()) == []
    assert idx.search("13/2023/NĐ-CP", k=8, allowed={"unknown"}) == []


def test_unknown_terms_and_empty_query() -> None:
    idx = _index()
    assert idx.search("zzzz qqqq", k=3) == []
    assert idx.search("", k=3) == []
    assert idx.search("डिक्री 73", k=1)[0][0] == "g"


def test_save_and_load(tmp_path) -> None:
    idx = _index()
    idx.save(tmp_path / "lex")
    again = LexicalIndex.load(tmp_path / "lex")
    for q in ("bao ve du lieu", "57-NQ/TW", "décret 73"):
        assert again.search(q, k=3) == idx.search(q, k=3)
    assert len(again) == len(DOCS)


def test_deterministic_ties() -> None:
    idx = LexicalIndex.build(["x", "y", "z"], ["dữ liệu", "dữ liệu", "khác"])
    assert [c for c, _ in idx.search("dữ liệu", k=2)] == ["x", "y"]
