"""Files built in the tests: a real minimal PDF (with or without a text layer), DOCX, HTML."""

from __future__ import annotations

import io


def pdf_bytes(lines: list[str] | None) -> bytes:
    """A one-page PDF written by hand. ``lines`` become its text layer (Helvetica, WinAnsi);
    ``None`` gives a page with only a drawn rectangle, like a scan without OCR."""
    if lines is None:
        stream = b"0 0 1 rg 72 72 200 200 re f"
    else:
        def esc(s: str) -> bytes:
            return s.encode("cp1252").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
        stream = b"BT /F1 12 Tf 14 TL 72 770 Td " + b" ".join(b"(" + esc(ln) + b") '" for ln in lines) + b" ET"
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> "
        b"/Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return out


def encrypted_pdf(lines: list[str]) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes(lines))))
    writer.encrypt(user_password="mat-khau", owner_password="chu-so-huu", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def docx_bytes(*, title: str = "Hướng dẫn thử nghiệm", paragraphs: tuple[str, ...] = (),
               table: list[list[str]] | None = None, subheading: str = "") -> bytes:
    import docx

    d = docx.Document()
    d.add_heading(title, level=1)
    for p in paragraphs:
        d.add_paragraph(p)
    if subheading:
        d.add_heading(subheading, level=2)
    if table:
        t = d.add_table(rows=len(table), cols=len(table[0]))
        for i, row in enumerate(table):
            for j, value in enumerate(row):
                t.cell(i, j).text = value
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def docx_bomb(inflated_mb: int) -> bytes:
    """A DOCX whose word/document.xml inflates to ``inflated_mb`` MB of zeros (written in 1 MB
    chunks: the test never holds it whole)."""
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx_bytes(title="Bom", paragraphs=("x",)))) as good, \
            zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for info in good.infolist():
            if info.filename != "word/document.xml":
                z.writestr(info.filename, good.read(info.filename))
        with z.open("word/document.xml", "w") as f:
            chunk = b"0" * (1024 * 1024)
            for _ in range(inflated_mb):
                f.write(chunk)
    return buf.getvalue()
