"""The text of an uploaded document, extracted once at upload.

PDF (its text layer, with pypdf), DOCX (python-docx: headings become Markdown ``#`` lines and
tables Markdown rows, so the chunker keeps a row with its header), HTML (the standard library's
parser: scripts, styles and navigation dropped, headings and tables as Markdown), Markdown and
plain text. Every text is tidied the same way — Unicode NFC, ``\\n`` line ends, no trailing spaces,
at most two blank lines in a row — and Markdown and plain text are changed in no other way: the
assistant's evaluation set quotes them. Any problem raises :class:`ExtractionError` with a
message for the person who uploaded the file (in their language), and nothing is stored.
"""

from __future__ import annotations

import io
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from django.utils.translation import gettext as _

from dxnet.indicators.services import Rejected

MAX_BYTES = 20 * 1024 * 1024
# A DOCX is a zip: its members are inflated in memory, so what they inflate to is bounded too.
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 200  # inflated / compressed, for members over RATIO_FROM bytes
RATIO_FROM = 1024 * 1024
MAX_PDF_PAGES = 2000

MEDIA_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".html": "text/html",
    ".htm": "text/html",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".txt": "text/plain",
}
ACCEPT = ",".join(MEDIA_TYPES)  # for <input type="file" accept=…>


@dataclass(frozen=True)
class Extracted:
    text: str
    media_type: str
    title_guess: str


class ExtractionError(Rejected):
    """The file gives no text. ``message`` says why, for the person who uploaded it."""

    def __init__(self, message: str) -> None:
        super().__init__([("", "file", message)])
        self.message = message

    def __str__(self) -> str:
        return self.message


def accepted_types() -> str:
    return _("PDF, DOCX, HTML, Markdown (.md) or plain text (.txt)")


def extract(filename: str, content: bytes) -> Extracted:
    """The tidied text of ``content`` (a file called ``filename``); raises ExtractionError."""
    name = os.path.basename(filename or "")
    ext = os.path.splitext(name)[1].lower()
    if ext not in MEDIA_TYPES:
        raise ExtractionError(_("“%(name)s” is not a type of document dxnet can read; accepted types: %(types)s.")
                              % {"name": name, "types": accepted_types()})
    if not content:
        raise ExtractionError(_("“%(name)s” is empty (0 bytes).") % {"name": name})
    if len(content) > MAX_BYTES:
        raise ExtractionError(_("“%(name)s” is %(size).1f MB; a document may be at most %(max)d MB.")
                              % {"name": name, "size": len(content) / 1024 / 1024, "max": MAX_BYTES // 1024 // 1024})
    media_type = MEDIA_TYPES[ext]
    if ext == ".pdf":
        text, title = _pdf(name, content)
    elif ext == ".docx":
        text, title = _docx(name, content)
    elif ext in {".html", ".htm"}:
        text, title = _html(name, content)
    else:
        text = tidy(decode_text(name, content))
        title = _first_line(text, markdown=ext != ".txt")
    if not text.strip():
        raise ExtractionError(_("No text could be extracted from “%(name)s”.") % {"name": name})
    title = " ".join(tidy(title).split())[:500]
    return Extracted(text=text, media_type=media_type, title_guess=title or _first_line(text, markdown=True))


# --- tidying ---------------------------------------------------------------------------------

_TRAILING = re.compile(r"[ \t]+$", re.MULTILINE)
_BLANKS = re.compile(r"\n{4,}")


def tidy(text: str) -> str:
    """NFC, ``\\n`` line ends, no spaces or tabs at line ends, at most two blank lines in a row."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _TRAILING.sub("", text)
    return _BLANKS.sub("\n\n\n", text)


def _first_line(text: str, *, markdown: bool) -> str:
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    if markdown:
        for ln in lines:
            if ln.startswith("#"):
                return ln.lstrip("#").strip().strip("*").strip()
    return lines[0].lstrip("#").strip()[:300] if lines else ""


# --- plain text and Markdown -------------------------------------------------------------------


def decode_text(name: str, content: bytes) -> str:
    """UTF-8 (with or without a byte-order mark) or UTF-16 with its byte-order mark."""
    try:
        if content.startswith(b"\xef\xbb\xbf"):
            return content[3:].decode("utf-8")
        if content.startswith((b"\xff\xfe", b"\xfe\xff")):
            return content.decode("utf-16")
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ExtractionError(
            _("“%(name)s” is not UTF-8 or UTF-16 text: the byte at offset %(offset)d cannot be read. "
              "Save it as UTF-8 and upload it again.") % {"name": name, "offset": exc.start}) from None
    if "\x00" in text:
        raise ExtractionError(
            _("“%(name)s” is not UTF-8 or UTF-16 text: the byte at offset %(offset)d cannot be read. "
              "Save it as UTF-8 and upload it again.") % {"name": name, "offset": content.index(b"\x00")})
    return text


# --- PDF -----------------------------------------------------------------------------------


def _pdf(name: str, content: bytes) -> tuple[str, str]:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    broken = _("“%(name)s” is not a readable PDF file (it may be damaged).") % {"name": name}
    if not content.lstrip()[:5].startswith(b"%PDF"):
        raise ExtractionError(broken)
    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except Exception:  # noqa: BLE001 — any failure to open means: protected
                opened = 0
            if not opened:
                raise ExtractionError(_("“%(name)s” is a password-protected PDF: remove the protection and upload "
                                        "it again.") % {"name": name})
        if len(reader.pages) > MAX_PDF_PAGES:
            raise ExtractionError(_("“%(name)s” has %(pages)d pages; a document may have at most %(max)d pages.")
                                  % {"name": name, "pages": len(reader.pages), "max": MAX_PDF_PAGES})
        pages = [page.extract_text() or "" for page in reader.pages]
        meta = reader.metadata
        title = str(meta.title or "") if meta is not None else ""
    except ExtractionError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError, RecursionError,
            zipfile.BadZipFile):
        raise ExtractionError(broken) from None
    except MemoryError:
        raise ExtractionError(_too_big(name)) from None
    text = tidy("\n\n".join(p.strip("\n") for p in pages)).strip("\n")
    if not text.strip():
        raise ExtractionError(_("“%(name)s” is a scanned PDF: no text to extract, OCR is not supported. Upload "
                                "the original DOCX or a PDF with a text layer.") % {"name": name})
    return text + "\n", title


# --- DOCX ----------------------------------------------------------------------------------

_HEADING_STYLE = re.compile(r"^(?:heading|titre|überschrift)\s*(\d)$", re.IGNORECASE)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def table_rows(rows: list[list[str]]) -> list[str]:
    """Markdown rows; a separator after the first (header) row, as the chunker expects."""
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        return []
    width = max(len(r) for r in rows)
    out: list[str] = []
    for i, r in enumerate(rows):
        cells = [_cell(c) for c in r] + [""] * (width - len(r))
        out.append("| " + " | ".join(cells) + " |")
        if i == 0:
            out.append("|" + "---|" * width)
    return out


def _too_big(name: str) -> str:
    return _("“%(name)s” expands to too much data to be read (it may be a compressed “bomb”).") % {"name": name}


def _check_zip(name: str, content: bytes, damaged: str) -> None:
    """Refuse a zip whose members would inflate to more than MAX_UNZIPPED_BYTES in all, or one
    (over RATIO_FROM bytes) inflated more than MAX_RATIO times: read from the zip's directory,
    nothing is inflated."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            members = z.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise ExtractionError(damaged) from None
    total = sum(m.file_size for m in members)
    if total > MAX_UNZIPPED_BYTES or any(
            m.file_size > RATIO_FROM and m.file_size > MAX_RATIO * max(1, m.compress_size) for m in members):
        raise ExtractionError(_too_big(name))


def _docx(name: str, content: bytes) -> tuple[str, str]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table

    damaged = _("“%(name)s” is not a readable DOCX file (it may be damaged, or be an old .doc "
                "file: save it as .docx).") % {"name": name}
    _check_zip(name, content, damaged)
    try:
        document = docx.Document(io.BytesIO(content))
        blocks: list[str] = []
        heading = ""
        for item in document.iter_inner_content():
            if isinstance(item, Table):
                rows = []
                for row in item.rows:
                    cells: list[str] = []
                    prev: Any = None
                    for cell in row.cells:
                        # a merged cell is returned once per grid column it spans
                        if prev is not None and cell._tc is prev:
                            continue
                        prev = cell._tc
                        cells.append(cell.text)
                    rows.append(cells)
                lines = table_rows(rows)
                if lines:
                    blocks.append("\n".join(lines))
                continue
            text = item.text.strip()
            if not text:
                continue
            style = (item.style.name if item.style is not None else "") or ""
            m = _HEADING_STYLE.match(style.strip())
            if m or style.strip().lower() == "title":
                level = int(m.group(1)) if m else 1
                blocks.append("#" * max(1, min(level, 6)) + " " + " ".join(text.split()))
                heading = heading or " ".join(text.split())
            elif style.lower().startswith("list"):
                blocks.append("- " + text)
            else:
                blocks.append(text)
        title = document.core_properties.title or heading
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, AttributeError, TypeError, OSError):
        raise ExtractionError(damaged) from None
    except MemoryError:
        raise ExtractionError(_too_big(name)) from None
    except Exception as exc:  # lxml's XMLSyntaxError and friends: a damaged package all the same
        if type(exc).__module__.startswith(("lxml", "docx")):
            raise ExtractionError(damaged) from None
        raise
    return tidy("\n\n".join(blocks)) + "\n", title


# --- HTML ----------------------------------------------------------------------------------

_SKIP = {"script", "style", "nav", "noscript", "template", "svg", "head", "iframe", "object", "button",
         "select"}
_BLOCK = {"p", "div", "section", "article", "main", "header", "footer", "aside", "ul", "ol", "dl", "dt", "dd",
          "blockquote", "pre", "figure", "figcaption", "hr", "address", "body", "details", "summary", "caption"}
_VOID = {"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "embed", "source", "track", "wbr"}


class _HTMLText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.title = ""
        self.in_title = False
        self.h1 = ""
        self.heading: int | None = None
        self.tables: list[dict[str, Any]] = []  # stack: {"rows": [...], "row": [...] | None, "cell": [...] | None}
        self.pre = 0

    # where text goes: the current table cell, or the output
    def _emit(self, s: str) -> None:
        if self.tables and self.tables[-1]["cell"] is not None:
            self.tables[-1]["cell"].append(s)
        elif self.tables:
            return  # text between cells
        else:
            self.out.append(s)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
            return
        if tag in _SKIP:
            if tag not in _VOID:
                self.skip += 1
            return
        if self.skip:
            return
        if tag == "table":
            self.tables.append({"rows": [], "row": None, "cell": None})
        elif tag == "tr" and self.tables:
            self.tables[-1]["row"] = []
        elif tag in {"td", "th"} and self.tables:
            t = self.tables[-1]
            if t["row"] is None:
                t["row"] = []
            t["cell"] = []
        elif re.fullmatch(r"h[1-6]", tag):
            self.heading = int(tag[1])
            self._emit("\n\n" + "#" * self.heading + " ")
        elif tag == "li":
            self._emit("\n- ")
        elif tag == "br":
            self._emit("\n")
        elif tag in _BLOCK:
            if tag == "pre":
                self.pre += 1
            self._emit("\n\n" if tag == "p" else "\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID or tag in {"br", "hr"}:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
            return
        if tag in _SKIP:
            if tag not in _VOID:
                self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if tag in {"td", "th"} and self.tables:
            t = self.tables[-1]
            if t["cell"] is not None and t["row"] is not None:
                t["row"].append(" ".join("".join(t["cell"]).split()))
            t["cell"] = None
        elif tag == "tr" and self.tables:
            t = self.tables[-1]
            if t["row"] is not None:
                t["rows"].append(t["row"])
            t["row"] = None
        elif tag == "table" and self.tables:
            t = self.tables.pop()
            if t["row"]:
                t["rows"].append(t["row"])
            lines = table_rows(t["rows"])
            block = "\n\n" + "\n".join(lines) + "\n\n" if lines else ""
            if self.tables and self.tables[-1]["cell"] is not None:
                # a table inside a cell: flattened into the cell
                self.tables[-1]["cell"].append(" ".join(" ".join(r) for r in t["rows"]))
            else:
                self._emit(block)
        elif re.fullmatch(r"h[1-6]", tag):
            self.heading = None
            self._emit("\n\n")
        elif tag in _BLOCK:
            if tag == "pre":
                self.pre = max(0, self.pre - 1)
            self._emit("\n\n" if tag == "p" else "\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
            return
        if self.skip:
            return
        if self.heading == 1 and not self.h1:
            self.h1 = " ".join(data.split())
        if self.pre:
            self._emit(data)
        else:
            # whitespace collapses as a browser does; the newlines of block elements are added above
            self._emit(re.sub(r"\s+", " ", data))


_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)


def _html(name: str, content: bytes) -> tuple[str, str]:
    m = _CHARSET.search(content[:4096])
    charset = m.group(1).decode("ascii").lower() if m else ""
    if re.fullmatch(r"utf-?16(-?[lb]e)?", charset):
        # as browsers do: a page that can declare its charset in ASCII is not UTF-16 (a BOM still wins)
        charset = "utf-8"
    if charset and charset not in {"utf-8", "utf8"} and not content.startswith((b"\xef\xbb\xbf", b"\xff\xfe",
                                                                                   b"\xfe\xff")):
        try:
            raw = content.decode(charset)
        except (LookupError, UnicodeDecodeError) as exc:
            offset = getattr(exc, "start", 0)
            raise ExtractionError(
                _("“%(name)s” is not UTF-8 or UTF-16 text: the byte at offset %(offset)d cannot be read. "
                  "Save it as UTF-8 and upload it again.") % {"name": name, "offset": offset}) from None
    else:
        raw = decode_text(name, content)
    parser = _HTMLText()
    parser.feed(raw)
    parser.close()
    text = "".join(parser.out)
    lines = [ln.strip() if not ln.startswith("    ") else ln.rstrip() for ln in text.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    return tidy(text) + "\n", (parser.title.strip() or parser.h1)
