# ruff: noqa: E501 - the decree excerpt keeps its real long lines
"""Chunking: structure, exact offsets, tables."""

from __future__ import annotations

from pathlib import Path

from rag.chunking import chunk

DECREE = """CHÍNH PHỦ
-------

Số: 13/2023/NĐ-CP

NGHỊ ĐỊNH
BẢO VỆ DỮ LIỆU CÁ NHÂN

Căn cứ Luật Tổ chức Chính phủ ngày 19 tháng 6 năm 2015;

Chương I
NHỮNG QUY ĐỊNH CHUNG

Điều 1. Phạm vi điều chỉnh

Nghị định này quy định về bảo vệ dữ liệu cá nhân và trách nhiệm bảo vệ dữ liệu cá nhân của cơ quan, tổ chức, cá nhân có liên quan.

Điều 2. Giải thích từ ngữ

Trong Nghị định này, các từ ngữ dưới đây được hiểu như sau:

1. Dữ liệu cá nhân là thông tin dưới dạng ký hiệu, chữ viết, chữ số, hình ảnh, âm thanh hoặc dạng tương tự trên môi trường điện tử gắn liền với một con người cụ thể.

2. Thông tin giúp xác định một con người cụ thể là thông tin hình thành từ hoạt động của cá nhân mà khi kết hợp với các dữ liệu, thông tin lưu trữ khác có thể xác định một con người cụ thể.

3. Dữ liệu cá nhân cơ bản bao gồm:
a) Họ, chữ đệm và tên khai sinh, tên gọi khác (nếu có);
b) Ngày, tháng, năm sinh; ngày, tháng, năm chết hoặc mất tích;
c) Giới tính;
đ) Quốc tịch;

Chương II
HOẠT ĐỘNG BẢO VỆ DỮ LIỆU CÁ NHÂN

Mục 1
QUYỀN VÀ NGHĨA VỤ CỦA CHỦ THỂ DỮ LIỆU

Điều 9. Quyền của chủ thể dữ liệu

1. Quyền được biết: chủ thể dữ liệu được biết về hoạt động xử lý dữ liệu cá nhân của mình, trừ trường hợp luật có quy định khác.

2. Quyền đồng ý: chủ thể dữ liệu được đồng ý hoặc không đồng ý cho phép xử lý dữ liệu cá nhân của mình.

Điều 10. Nghĩa vụ của chủ thể dữ liệu

Tự bảo vệ dữ liệu cá nhân của mình; yêu cầu các tổ chức, cá nhân khác có liên quan bảo vệ dữ liệu cá nhân của mình.
"""


def _check_offsets(text: str, chunks) -> None:
    for c in chunks:
        assert text[c.start : c.end] == c.text
        assert c.text == c.text.strip()
    # in document order and never overlapping
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert a.end <= b.start
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))


def test_decree_layout_paths_and_offsets() -> None:
    chunks = chunk(DECREE, doc_id="nd-13-2023")
    _check_offsets(DECREE, chunks)
    paths = [c.heading for c in chunks]
    assert "Chương I › Điều 1" in paths
    assert "Chương I › Điều 2" in paths
    assert "Chương II › Mục 1 › Điều 9" in paths
    assert "Chương II › Mục 1 › Điều 10" in paths
    # a Điều that fits stays whole, with its Khoản and Điểm
    dieu2 = next(c for c in chunks if c.heading == "Chương I › Điều 2")
    assert dieu2.text.startswith("Điều 2. Giải thích từ ngữ")
    assert "a) Họ, chữ đệm" in dieu2.text and "đ) Quốc tịch;" in dieu2.text
    # the chunk of Điều 1 starts at its own heading, not inside the preceding Chương title
    dieu1 = next(c for c in chunks if c.heading == "Chương I › Điều 1")
    assert "Điều 1. Phạm vi điều chỉnh" in dieu1.text
    assert "Điều 2" not in dieu1.text
    # chunk boundaries fall on the headings
    dieu9 = next(c for c in chunks if c.heading.endswith("Điều 9"))
    assert dieu9.end <= DECREE.index("Điều 10.")
    assert all(c.doc_id == "nd-13-2023" for c in chunks)


def test_long_dieu_splits_at_khoan_and_keeps_diem() -> None:
    chunks = chunk(DECREE, doc_id="d", max_chars=400)
    _check_offsets(DECREE, chunks)
    dieu2 = [c for c in chunks if c.heading == "Chương I › Điều 2"]
    assert len(dieu2) >= 2
    for c in dieu2[1:]:
        assert c.text[:2] in {"1.", "2.", "3."}  # every later part starts at a Khoản
    khoan3 = next(c for c in dieu2 if "3. Dữ liệu cá nhân cơ bản" in c.text)
    assert "a) Họ" in khoan3.text and "đ) Quốc tịch" in khoan3.text  # Điểm stay with their Khoản


def test_markdown_headings_and_bold_dieu() -> None:
    text = "# NGHỊ QUYẾT\n## Ban hành chương trình\n\nMở đầu.\n\n**Điều 1.** Ban hành kèm theo.\n\n**Điều 2.** Hiệu lực.\n\n## II. NHIỆM VỤ\n\n### 1. Nâng cao nhận thức\n\na) Việc một.\n\nb) Việc hai.\n"
    chunks = chunk(text, doc_id="x")
    _check_offsets(text, chunks)
    paths = [c.heading for c in chunks]
    assert "NGHỊ QUYẾT › Ban hành chương trình › Điều 1" in paths
    assert "NGHỊ QUYẾT › Ban hành chương trình › Điều 2" in paths
    assert "NGHỊ QUYẾT › II. NHIỆM VỤ › 1. Nâng cao nhận thức" in paths
    # "CHƯƠNG TRÌNH" is not a Chương
    assert chunk("# CHƯƠNG TRÌNH HÀNH ĐỘNG\n\nNội dung.\n", doc_id="y")[0].heading == "CHƯƠNG TRÌNH HÀNH ĐỘNG"


def test_table_rows_keep_their_header() -> None:
    header = "| TT | Chỉ tiêu | Đơn vị | Kết quả |\n|---|---|---|---|\n"
    rows = "".join(
        f"| {i} | Chỉ tiêu số {i} về chuyển đổi số quốc gia và dữ liệu | % | ≥ {i} |\n" for i in range(1, 41)
    )
    text = "# PHỤ LỤC I\n\nDanh mục chỉ tiêu.\n\n" + header + rows + "\nGhi chú cuối.\n"
    chunks = chunk(text, doc_id="annex", max_chars=500, table_rows=0)
    _check_offsets(text, chunks)
    table_chunks = [c for c in chunks if "| Chỉ tiêu số" in c.text]
    assert len(table_chunks) >= 3
    seen = []
    for c in table_chunks:
        assert c.display.startswith("| TT | Chỉ tiêu | Đơn vị | Kết quả |\n|---|---|---|---|")
        for line in c.text.splitlines():
            if line.startswith("| ") and "Chỉ tiêu số" in line:
                seen.append(line)
                assert line.endswith("|")  # rows are never cut
    assert len(seen) == 40 and len(set(seen)) == 40
    # later parts: the exact slice holds the rows only, the display repeats the header
    assert not table_chunks[1].text.startswith("| TT")
    assert table_chunks[1].display.endswith(table_chunks[1].text)


def test_one_table_row_per_chunk_by_default() -> None:
    header = "| TT | Nhiệm vụ | Cơ quan chủ trì |\n|---|---|---|\n"
    rows = [f"| {i} | Nhiệm vụ số {i} | Bộ số {i} |" for i in range(1, 6)]
    text = "Danh mục nhiệm vụ.\n\n" + header + "\n".join(rows) + "\n\nGhi chú cuối.\n"
    chunks = chunk(text, doc_id="annex")  # the whole table would fit in one chunk of 1200
    _check_offsets(text, chunks)
    table_chunks = [c for c in chunks if "Nhiệm vụ số" in c.text]
    assert [c.display.splitlines()[-1] for c in table_chunks] == rows  # one row each, in order
    assert table_chunks[0].text == header + rows[0]  # the first is contiguous with the header
    for c, row in zip(table_chunks[1:], rows[1:], strict=True):
        assert c.text == row and c.display == header + row  # the others repeat it
    assert chunks[0].text == "Danh mục nhiệm vụ." and chunks[-1].text == "Ghi chú cuối."
    # packed: the table is one chunk again
    assert sum("Nhiệm vụ số" in c.text for c in chunk(text, doc_id="annex", table_rows=0)) == 1


def test_plain_paragraphs_and_long_text() -> None:
    para = " ".join(["Le plan vise à promouvoir la transformation numérique des communes."] * 40)
    text = "Introduction courte.\n\n" + para + "\n\nConclusion.\n"
    chunks = chunk(text, doc_id="fr", max_chars=600)
    _check_offsets(text, chunks)
    assert all(len(c.text) <= 660 for c in chunks)
    assert chunks[0].heading_path == ()
    assert chunk("", doc_id="empty") == []
    assert chunk("   \n\n  ", doc_id="blank") == []


# Real documents the repository ships (Resolution 03's Annex II: a long Markdown table).
REPO_DOCS = [Path(__file__).resolve().parents[2] / "dxnet" / "plans" / "data" / "nq-03-cp-2025-annex2-tasks.md"]


def test_real_document_offsets_are_exact() -> None:
    files = REPO_DOCS
    assert all(f.exists() for f in files)
    for f in files:
        text = f.read_text(encoding="utf-8")
        chunks = chunk(text, doc_id=f.stem)
        assert chunks
        _check_offsets(text, chunks)
