"""Text extraction of every accepted format, built in the test, and every refusal's message."""

from __future__ import annotations

import pytest

from dxnet.documents.extraction import MAX_BYTES, ExtractionError, extract, tidy

from .builders import docx_bomb, docx_bytes, encrypted_pdf, pdf_bytes


@pytest.fixture(autouse=True)
def _english() -> object:
    # The messages are checked in English here (Vietnamese is the default language);
    # test_messages_are_translated checks the Vietnamese.
    from django.utils import translation

    with translation.override("en"):
        yield


def test_pdf_text_layer_is_extracted() -> None:
    e = extract("nq.pdf", pdf_bytes(["Nghi quyet 57-NQ/TW", "Résolution sur la transformation numérique"]))
    assert e.media_type == "application/pdf"
    assert "Nghi quyet 57-NQ/TW\nRésolution sur la transformation numérique" in e.text
    assert e.title_guess == "Nghi quyet 57-NQ/TW"


def test_docx_headings_become_markdown_and_tables_rows_with_their_header() -> None:
    content = docx_bytes(title="Hướng dẫn số 15", paragraphs=("Nội dung thứ nhất.",), subheading="Danh sách xã",
                         table=[["TT", "Xã", "Ghi chú"], ["1", "Ea Kar", "a | b"], ["2", "Ea Súp", ""]])
    e = extract("hd.docx", content)
    assert e.text == ("# Hướng dẫn số 15\n\nNội dung thứ nhất.\n\n## Danh sách xã\n\n"
                      "| TT | Xã | Ghi chú |\n|---|---|---|\n| 1 | Ea Kar | a \\| b |\n| 2 | Ea Súp |  |\n")
    assert e.title_guess == "Hướng dẫn số 15"


def test_html_drops_scripts_and_navigation_and_keeps_structure() -> None:
    html = ("<!doctype html><html><head><title>Hướng dẫn &amp; quy định</title><style>p{color:red}</style>"
            "<script>alert('x')</script></head><body><nav><a href='/'>Trang chủ</a></nav>"
            "<h1>Điều 1. Phạm vi</h1><p>Áp   dụng cho\n cấp xã &lt;thử&gt;.</p><h3>Khoản 2</h3>"
            "<ul><li>một</li><li>hai</li></ul>"
            "<table><tr><th>Chỉ tiêu</th><th>Năm</th></tr><tr><td>100%</td><td>2030</td></tr></table>"
            "<div>Cuối</div></body></html>").encode()
    e = extract("trang.html", html)
    assert e.text == ("# Điều 1. Phạm vi\n\nÁp dụng cho cấp xã <thử>.\n\n### Khoản 2\n\n- một\n- hai\n\n"
                      "| Chỉ tiêu | Năm |\n|---|---|\n| 100% | 2030 |\n\nCuối\n")
    assert "alert" not in e.text and "Trang chủ" not in e.text and "color" not in e.text
    assert e.title_guess == "Hướng dẫn & quy định"


def test_markdown_is_unchanged_except_the_tidying() -> None:
    md = "# Tiêu đề  \r\n\r\n| a | b |\r\n|---|---|\r\n| 1 | 2 |\t\r\n\r\n\r\n\r\n\r\nĐoạn   giữa  cách.\r\n"
    e = extract("a.md", md.encode())
    assert e.text == "# Tiêu đề\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n\nĐoạn   giữa  cách.\n"
    assert e.title_guess == "Tiêu đề" and e.media_type == "text/markdown"


def test_text_is_nfc_and_utf8_with_bom_and_utf16_with_bom() -> None:
    decomposed = "Nghi\u0323 quyê\u0301t"  # NFD: ị, ế
    assert extract("a.txt", decomposed.encode()).text == "Nghị quyết"
    assert extract("a.txt", "\ufeffXin chào\n".encode()).text == "Xin chào\n"
    assert extract("a.txt", "Xin chào\nĐắk Lắk\n".encode("utf-16")).text == "Xin chào\nĐắk Lắk\n"
    assert extract("a.txt", "\ufeffĐắk Lắk".encode("utf-16-be")).text == "Đắk Lắk"


def test_the_demo_corpus_is_only_tidied() -> None:
    from dxnet.documents.demo import DATA

    raw = (DATA / "corpus" / "nq-03-cp-2025.md").read_text(encoding="utf-8")
    text = extract("nq-03-cp-2025.md", raw.encode()).text
    assert text == tidy(raw) and "Số: 03/NQ-CP\n" in text and "Số: 03/NQ-CP  \n" in raw


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("rong.txt", b"", "is empty (0 bytes)"),
    ("hong.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog", "is not a readable PDF file"),
    ("khong-phai.pdf", b"<html>not a pdf</html>", "is not a readable PDF file"),
    ("scan.pdf", pdf_bytes(None), "scanned PDF: no text to extract, OCR is not supported"),
    ("hong.docx", b"PK\x03\x04 this is not a zip", "is not a readable DOCX file"),
    ("cu.doc", b"\xd0\xcf\x11\xe0 old word", "accepted types: PDF, DOCX, HTML, Markdown (.md) or plain text (.txt)"),
    ("anh.png", b"\x89PNG\r\n", "is not a type of document dxnet can read"),
    ("latin1.txt", "Đắk ".encode() + "décret".encode("latin-1"), "byte at offset 8"),
    ("trang.txt", b" \n\n \t\n", "No text could be extracted"),
    ("trang.html", b"<html><script>var a</script><nav>menu</nav></html>", "No text could be extracted"),
])
def test_refusals_say_why(name: str, content: bytes, expected: str) -> None:
    with pytest.raises(ExtractionError) as exc:
        extract(name, content)
    assert expected in exc.value.message and name in exc.value.message
    assert exc.value.errors[0][1] == "file"


def test_password_protected_pdf_is_refused() -> None:
    with pytest.raises(ExtractionError) as exc:
        extract("mat.pdf", encrypted_pdf(["bi mat"]))
    assert "password-protected PDF" in exc.value.message


def test_a_file_over_the_limit_is_refused_with_its_size() -> None:
    with pytest.raises(ExtractionError) as exc:
        extract("lon.txt", b"a" * (MAX_BYTES + 1024 * 1024))
    assert "21.0 MB" in exc.value.message and "at most 20 MB" in exc.value.message


def test_messages_are_translated() -> None:
    from django.utils import translation

    with translation.override("vi"), pytest.raises(ExtractionError) as exc:
        extract("rong.txt", b"")
    assert "rong.txt" in exc.value.message


def test_a_docx_bomb_is_refused_before_it_is_inflated() -> None:
    content = docx_bomb(300)
    assert len(content) < 2 * 1024 * 1024  # well under the 20 MB limit of the upload
    with pytest.raises(ExtractionError) as exc:
        extract("bom.docx", content)
    assert "bom.docx" in exc.value.message and "expands to too much data" in exc.value.message


def test_a_docx_inflating_past_the_total_cap_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from dxnet.documents import extraction

    content = docx_bytes(title="Hướng dẫn", paragraphs=("Nội dung.",) * 50)
    assert extract("hd.docx", content).text.startswith("# Hướng dẫn")
    monkeypatch.setattr(extraction, "MAX_UNZIPPED_BYTES", 1000)  # its members inflate to more
    with pytest.raises(ExtractionError) as exc:
        extract("hd.docx", content)
    assert "hd.docx" in exc.value.message and "expands to too much data" in exc.value.message


def test_running_out_of_memory_on_a_docx_is_a_clear_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    import docx

    def boom(*args: object, **kwargs: object) -> None:
        raise MemoryError

    content = docx_bytes(title="T", paragraphs=("x",))
    monkeypatch.setattr(docx, "Document", boom)
    with pytest.raises(ExtractionError) as exc:
        extract("hd.docx", content)
    assert "hd.docx" in exc.value.message and "expands to too much data" in exc.value.message


def test_a_pdf_over_the_page_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from dxnet.documents import extraction

    content = pdf_bytes(["Mot trang"])
    assert "Mot trang" in extract("a.pdf", content).text
    monkeypatch.setattr(extraction, "MAX_PDF_PAGES", 0)
    with pytest.raises(ExtractionError) as exc:
        extract("a.pdf", content)
    assert exc.value.message == "“a.pdf” has 1 pages; a document may have at most 0 pages."


@pytest.mark.parametrize("declared", ["utf-16", "UTF-16LE", "utf-16be", "utf16"])
def test_html_declaring_utf16_in_a_meta_is_read_as_utf8(declared: str) -> None:
    html = f"<html><head><meta charset={declared}></head><body><p>Đắk Lắk, Việt Nam</p></body></html>"
    assert extract("t.html", html.encode()).text == "Đắk Lắk, Việt Nam\n"
    quoted = f'<meta http-equiv="Content-Type" content="text/html; charset={declared}"><p>Xã Ea Kar</p>'
    assert extract("t.html", quoted.encode()).text == "Xã Ea Kar\n"
    # a byte-order mark still wins
    assert extract("t.html", html.encode("utf-16")).text == "Đắk Lắk, Việt Nam\n"
