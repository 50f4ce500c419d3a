"""Text analysis for retrieval: normalisation, accent folding, tokenisation (no Django).

Vietnamese is written in syllables separated by spaces, so the unit is the syllable; pairs of
adjacent syllables (bigrams, ``bảo_vệ``) stand in for words. Document numbers such as
``13/2023/NĐ-CP``, ``57-NQ/TW`` or ``1690/QĐ-TTg`` are kept whole (and also give their parts).
Folding removes the diacritics of Latin letters only (``đ`` → ``d``): Devanagari vowel signs and
viramas are combining marks too, and must stay.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = [
    "Token",
    "analyze",
    "fold",
    "folded_tokens",
    "index_tokens",
    "iter_unigrams",
    "normalize",
    "words",
]


def normalize(text: str) -> str:
    """Unicode NFC and lower case (NFC again: lower-casing can decompose)."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).lower())


def _is_latin(ch: str) -> bool:
    o = ord(ch)
    return o < 0x250 or 0x1E00 <= o <= 0x1EFF


_FOLD_SPECIAL = {"đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O"}


def fold(text: str) -> str:
    """Remove the diacritics of Latin letters (``Đắk Lắk`` → ``Dak Lak``); other scripts untouched.

    The result has the same number of characters as the NFC input whenever the input is NFC
    Latin text, but callers must not rely on offsets into folded text.
    """
    out: list[str] = []
    for ch in unicodedata.normalize("NFC", text):
        if ch in _FOLD_SPECIAL:
            out.append(_FOLD_SPECIAL[ch])
        elif ord(ch) < 0x80 or not _is_latin(ch):
            out.append(ch)
        else:
            out.append("".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c)))
    return "".join(out)


# --- word characters -------------------------------------------------------------------------
# Python's \w does not match combining marks (Devanagari matras, viramas, decomposed accents),
# so the word class is letters + numbers + every combining mark of the Basic Multilingual Plane.


def _mark_ranges() -> str:
    ranges: list[tuple[int, int]] = []
    for cp in range(0x300, 0x10000):
        if unicodedata.category(chr(cp)).startswith("M"):
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1] = (ranges[-1][0], cp)
            else:
                ranges.append((cp, cp))
    return "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)


_MARKS = _mark_ranges()
_WORDCH = rf"[^\W_]|[{_MARKS}\u200c\u200d]"
_LETTER = r"[^\W\d_]"

# A document number: digits, then a separator, then letter groups joined by - or /; the part
# after the first number may hold a year (13/2023/NĐ-CP). At least one letter is required, so
# dates (22/12/2024) are not numbers of documents.
DOCNUM_RE = re.compile(
    rf"(?<![\w/-])\d+(?:/\d+)*[/-](?:{_LETTER}|[{_MARKS}])(?:{_WORDCH})*(?:[/-](?:{_WORDCH})+)*",
)
WORD_RE = re.compile(rf"(?:{_WORDCH})+")


@dataclass(frozen=True, slots=True)
class Token:
    text: str  # normalised (NFC, lower case), not folded
    start: int  # offsets in the analysed text
    end: int
    docnum: bool = False


def words(text: str) -> list[Token]:
    """Words (syllables) and document numbers of ``text`` (already normalised or not), in order.

    A document number appears as one token with ``docnum=True``; its parts are not repeated
    here (see :func:`index_tokens`).
    """
    norm = normalize(text)
    toks: list[Token] = []
    taken_until = 0
    spans = [(m.start(), m.end()) for m in DOCNUM_RE.finditer(norm)]
    si = 0
    for m in WORD_RE.finditer(norm):
        if m.start() < taken_until:
            continue
        while si < len(spans) and spans[si][1] <= m.start():
            si += 1
        if si < len(spans) and spans[si][0] <= m.start() < spans[si][1]:
            s, e = spans[si]
            toks.append(Token(norm[s:e].strip("-/"), s, e, True))
            taken_until = e
            si += 1
            continue
        toks.append(Token(m.group(), m.start(), m.end()))
    return toks


def _tokens(text: str, folded: bool) -> list[str]:
    norm = normalize(text)
    toks = words(norm)
    out: list[str] = []
    prev: Token | None = None
    for t in toks:
        w = fold(t.text) if folded else t.text
        if t.docnum:
            out.append(w)
            out.extend(fold(p) if folded else p for p in WORD_RE.findall(t.text))
            prev = None
            continue
        out.append(w)
        # a bigram only when the two syllables are separated by spaces alone (not punctuation)
        if prev is not None and norm[prev.end : t.start].isspace():
            pw = fold(prev.text) if folded else prev.text
            out.append(f"{pw}_{w}")
        prev = t
    return out


def index_tokens(text: str) -> list[str]:
    """Accented field: syllables, syllable bigrams, document numbers (whole and parts)."""
    return _tokens(text, folded=False)


def folded_tokens(text: str) -> list[str]:
    """Accent-folded field: the same tokens with Latin diacritics removed."""
    return _tokens(text, folded=True)


def analyze(text: str) -> tuple[list[str], list[str]]:
    return index_tokens(text), folded_tokens(text)


def iter_unigrams(text: str, *, folded: bool = True) -> Iterator[str]:
    """Plain words (no bigrams), document numbers whole: for overlap measures."""
    for t in words(text):
        yield fold(t.text) if folded else t.text
