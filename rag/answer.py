"""Offline extractive answers with exact citations, and language detection (no Django).

``answer(question, hits)`` takes the retrieved chunks (best first, with the retrieval score the
caller trusts — fused, lexical or dense) and returns the sentences that best answer the
question, quoted in the document's language, each with its citation: document, heading path
and the exact character offsets of the sentence in the document (``document[start:end] ==
citation.text``), plus a one-line lead-in in the question's language.

It abstains — says that the documents do not answer, in the question's language, and lists the
closest passages — when the best retrieval score is below ``min_score``, or when the question
and the top chunks are in the same language and share no content terms (no common syllable
pair and less than ``min_coverage`` of the question's content words). When the question is in
another language than the passages (an English question over Vietnamese text), term overlap
cannot be measured: the retrieval order decides which sentences are quoted.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from .chunking import PATH_SEP, Chunk
from .text import fold, normalize, words

__all__ = [
    "Answer",
    "Citation",
    "Hit",
    "LANGS",
    "answer",
    "content_terms",
    "detect_language",
    "phrase",
]

LANGS = ("vi", "en", "fr", "hi")

# --- language detection ----------------------------------------------------------------------

_VI_ONLY = set("ăđơưãõìòáíóúýỳĩũạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỵỷỹ")
_FR_ONLY = set("çœæëïîûÿ")
_DEVANAGARI = re.compile(r"[\u0900-\u097F]")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00C0-\u024F\u1E00-\u1EFF]")


def _words(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


STOPWORDS: dict[str, frozenset[str]] = {
    "en": _words(
        "a an the of to in on for and or is are was were be been by with what which who whom whose when where "
        "why how does do did has have had it its this that these those from at as about into than then there "
        "can could should would will shall may must not no any all each per under over between according "
        "me my we our you your they their i give tell show list please"
    ),
    "fr": _words(
        "le la les l un une des du de d au aux et ou est sont a ont été être par pour dans sur avec sans que qu "
        "qui quoi quel quelle quels quelles lequel laquelle comment combien quand où pourquoi ce cet cette ces "
        "son sa ses leur leurs il elle ils elles on en y ne pas plus se s n selon entre sous vers chez "
        "je me mon ma mes nous notre vous votre donner dites"
    ),
    # folded forms; "bao" (bao nhiêu / bảo vệ) and "ve" (về / vệ) are deliberately absent
    "vi": _words(
        "la cua va cac nhung co khong duoc cho trong voi theo nay do thi ma gi nao nhieu khi o tai tu den de "
        "mot nhu the hay hoac da se dang can phai ai sao vi neu boi cung rang nhi a u ha nhe cai viec "
        "hien nao bang nhat rat hon lam"
    ),
    "hi": _words(
        "का की के में है हैं था थे थी से को पर और या यह वह ये वे क्या कौन कब कहाँ कहां क्यों कैसे कितना कितने "
        "किस किसे किसने एक भी तो ही न नहीं लिए द्वारा तक हो होता होती होते कर करना करने किया गया गई गए "
        "इस उस इन उन जो कि अपने अपना बताइए बताएं"
    ),
}
_ALL_STOP = frozenset().union(*STOPWORDS.values())

_VI_SYLLABLE = re.compile(
    r"^(?:ngh|ng|gh|nh|ch|tr|th|ph|kh|gi|qu|[bcdghklmnpqrstvx])?[aeiouy]{1,3}(?:ch|ng|nh|[cmnpt])?$"
)


def detect_language(text: str) -> str:
    """``vi``, ``en``, ``fr`` or ``hi`` by script, diacritics, stopwords and syllable shape."""
    t = unicodedata.normalize("NFC", text)
    deva = len(_DEVANAGARI.findall(t))
    latin = len(_LATIN_LETTER.findall(t))
    if deva and deva >= latin:
        return "hi"
    low = t.lower()
    all_words = [w.text for w in words(low)]
    vi_words = sum(any(ch in _VI_ONLY for ch in w) for w in all_words)
    fr_only = sum(ch in _FR_ONLY for ch in low)
    fr_accents = sum(ch in "éèêàâùô" for ch in low)
    stop_en = sum(w in STOPWORDS["en"] for w in all_words)
    stop_fr = sum(w in STOPWORDS["fr"] for w in all_words)
    if vi_words and vi_words > stop_en + stop_fr + 2 * fr_only + (fr_accents if stop_fr else 0):
        return "vi"
    toks = [fold(w.text) for w in words(low) if not w.docnum and not w.text.isdigit()]
    if not toks:
        return "vi" if vi_words else "en"
    en = sum(w in STOPWORDS["en"] for w in toks)
    fr = sum(w in STOPWORDS["fr"] for w in toks) + 2 * fr_only + sum(ch in "éèêàâùô" for ch in low)
    vi_shape = sum(bool(_VI_SYLLABLE.match(w)) for w in toks) / len(toks)
    if vi_shape >= 0.8 and vi_shape * len(toks) > max(en, fr) + 1:
        return "vi"
    if fr > en:
        return "fr"
    if en > 0:
        return "en"
    return "vi" if vi_shape >= 0.8 or vi_words else "en"


# --- phrases ---------------------------------------------------------------------------------

_LANG_NAMES = {
    "vi": {"vi": "tiếng Việt", "en": "tiếng Anh", "fr": "tiếng Pháp", "hi": "tiếng Hindi"},
    "en": {"vi": "Vietnamese", "en": "English", "fr": "French", "hi": "Hindi"},
    "fr": {"vi": "vietnamien", "en": "anglais", "fr": "français", "hi": "hindi"},
    "hi": {"vi": "वियतनामी", "en": "अंग्रेज़ी", "fr": "फ़्रांसीसी", "hi": "हिंदी"},
}
_PHRASES = {
    "lead": {
        "vi": "Theo các văn bản:",
        "en": "According to the documents:",
        "fr": "D'après les documents :",
        "hi": "दस्तावेज़ों के अनुसार:",
    },
    "lead_quoted": {
        "vi": "Theo các văn bản (trích nguyên văn bằng {lang}):",
        "en": "According to the documents (quoted in {lang}):",
        "fr": "D'après les documents (cités en {lang}) :",
        "hi": "दस्तावेज़ों के अनुसार ({lang} में उद्धृत):",
    },
    "abstain": {
        "vi": "Các văn bản hiện có không trả lời câu hỏi này. Các đoạn gần nhất:",
        "en": "The documents do not answer this question. The closest passages:",
        "fr": "Les documents ne répondent pas à cette question. Les passages les plus proches :",
        "hi": "दस्तावेज़ इस प्रश्न का उत्तर नहीं देते। सबसे निकट के अंश:",
    },
    "nothing": {
        "vi": "Không tìm thấy văn bản nào liên quan.",
        "en": "No relevant document was found.",
        "fr": "Aucun document pertinent n'a été trouvé.",
        "hi": "कोई संबंधित दस्तावेज़ नहीं मिला।",
    },
}


def phrase(key: str, question_lang: str, **kw: str) -> str:
    table = _PHRASES[key]
    return table.get(question_lang, table["en"]).format(**kw)


# --- data ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hit:
    """A retrieved chunk and the retrieval score the caller wants thresholds applied to."""

    chunk: Chunk
    score: float


@dataclass(frozen=True, slots=True)
class Citation:
    doc_id: str
    chunk_id: str
    heading_path: tuple[str, ...]
    start: int  # offsets in the document's extracted text
    end: int
    text: str  # == document[start:end]
    lang: str

    @property
    def heading(self) -> str:
        return PATH_SEP.join(self.heading_path)


@dataclass
class Answer:
    question_lang: str
    lead: str
    sentences: list[Citation] = field(default_factory=list)
    abstained: bool = False
    closest: list[Citation] = field(default_factory=list)
    reason: str = ""

    @property
    def citations(self) -> list[Citation]:
        return self.closest if self.abstained else self.sentences

    def as_text(self) -> str:
        lines = [self.lead]
        for n, c in enumerate(self.citations, start=1):
            where = f"{c.doc_id}{PATH_SEP}{c.heading}" if c.heading else c.doc_id
            lines.append(f"[{n}] {' '.join(c.text.split())} ({where})")
        return "\n".join(lines)


# --- terms -----------------------------------------------------------------------------------


def _has_diacritics(text: str) -> bool:
    return fold(text) != unicodedata.normalize("NFC", text)


def content_terms(text: str, *, accented: bool = False, stem: bool = False) -> tuple[set[str], set[str]]:
    """(content words, syllable bigrams of two content words) of ``text``.

    Folded unless ``accented``; stopwords of the four languages are left out; a document number
    is one word (always folded, so ``1690/QĐ-TTg`` meets ``1690/QD-TTg``), not its parts. With
    ``stem`` (French, English) words are cut to their first five letters, a crude stemmer that
    lets ``objectif principal`` meet ``objectifs principaux``.
    """
    norm = normalize(text)
    uni: set[str] = set()
    bi: set[str] = set()
    prev = None
    for t in words(norm):
        if t.docnum:
            uni.add(fold(t.text))
            prev = None
            continue
        w = t.text if accented else fold(t.text)
        if stem and len(w) > 5 and not w.isdigit():
            w = w[:5]
        content = fold(t.text) not in _ALL_STOP and (len(t.text) > 1 or t.text.isdigit())
        if content:
            uni.add(w)
            if prev is not None and norm[prev[1] : t.start].isspace():
                bi.add(f"{prev[0]}_{w}")
            prev = (w, t.end)
        else:
            prev = None
    return uni, bi


# --- sentences -------------------------------------------------------------------------------

_SENT_END = re.compile(r"(?<=[.!?…])[\"”’)\]*]*\s+(?=\S)")
_EDGE_LEAD = re.compile(r"^[\s#>*_|\\\-–•+]+")
_EDGE_TAIL = re.compile(r"[\s*_|\\]+$")


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of the sentences of ``text``: lines, then sentence ends; Markdown marks at
    the edges trimmed (the span stays an exact slice)."""
    out: list[tuple[int, int]] = []
    pos = 0
    for line in text.splitlines(keepends=True):
        ls, le = pos, pos + len(line.rstrip("\r\n"))
        pos += len(line)
        cur = ls
        bounds = [m.end() for m in _SENT_END.finditer(text, ls, le)] + [le]
        for b in bounds:
            s, e = cur, b
            cur = b
            m = _EDGE_LEAD.match(text, s, e)
            if m:
                s = m.end()
            seg = text[s:e]
            m2 = _EDGE_TAIL.search(seg)
            if m2:
                e = s + m2.start()
            if e - s >= 12 and any(ch.isalpha() for ch in text[s:e]):
                out.append((s, e))
    return out


# --- answer ----------------------------------------------------------------------------------


def _citation(chunk: Chunk, s: int, e: int, lang: str) -> Citation:
    return Citation(
        doc_id=chunk.doc_id,
        chunk_id=chunk.chunk_id,
        heading_path=chunk.heading_path,
        start=chunk.start + s,
        end=chunk.start + e,
        text=chunk.text[s:e],
        lang=lang,
    )


def answer(
    question: str,
    hits: Sequence[Hit],
    *,
    min_score: float = 0.0,
    min_coverage: float = 0.6,
    max_sentences: int = 3,
    top_chunks: int = 5,
    closest: int = 3,
    lang: str | None = None,
) -> Answer:
    """Extractive answer from ``hits`` (best first); see the module docstring."""
    qlang = lang or detect_language(question)
    hits = list(hits)[:top_chunks]
    if not hits:
        return Answer(qlang, phrase("nothing", qlang), abstained=True, reason="no passage")

    chunk_langs = [detect_language(h.chunk.text) for h in hits]

    def abstain(reason: str) -> Answer:
        near = [
            _citation(h.chunk, 0, len(h.chunk.text), lg) for h, lg in zip(hits[:closest], chunk_langs, strict=False)
        ]
        return Answer(qlang, phrase("abstain", qlang), abstained=True, closest=near, reason=reason)

    if hits[0].score < min_score:
        return abstain(f"best score {hits[0].score:.4g} below {min_score:.4g}")

    accented = _has_diacritics(question) and qlang == "vi"
    stem = qlang in ("en", "fr")
    q_uni, q_bi = content_terms(question, accented=accented, stem=stem)
    same_lang = [lg == qlang for lg in chunk_langs]

    # overlap with the top chunks that are in the question's language
    if any(same_lang):
        pool_uni: set[str] = set()
        pool_bi: set[str] = set()
        for h, same in zip(hits, same_lang, strict=True):
            if same:
                u, b = content_terms(h.chunk.index_text, accented=accented, stem=stem)
                pool_uni |= u
                pool_bi |= b
        coverage = len(q_uni & pool_uni) / len(q_uni) if q_uni else 0.0
        if not (q_bi & pool_bi) and coverage < min_coverage:
            return abstain(f"no shared content terms (coverage {coverage:.2f})")

    cands: list[tuple[int, int, set[str], Citation]] = []
    for rank, (h, lg) in enumerate(zip(hits, chunk_langs, strict=True)):
        for n, (s, e) in enumerate(sentences(h.chunk.text)):
            u, b = content_terms(h.chunk.text[s:e], accented=accented, stem=stem)
            matched = (q_uni & u) | (q_bi & b)
            if lg != qlang:  # across languages only document numbers are evidence
                matched = {t for t in matched if "/" in t or "-" in t}
            cands.append((rank, n, matched, _citation(h.chunk, s, e, lg)))
    # local IDF: a question term found in every candidate sentence says little
    df: dict[str, int] = {}
    for _, _, matched, _ in cands:
        for t in matched:
            df[t] = df.get(t, 0) + 1
    n_c = max(len(cands), 1)
    scored: list[tuple[float, int, int, Citation]] = []
    for rank, n, matched, cit in cands:
        score = 0.0
        for t in matched:
            w = math.log(1.0 + n_c / df[t])
            score += w * (4.0 if ("/" in t or "-" in t) else 1.0)
        if score > 0:
            score += 0.5 / (rank + 1) - 0.001 * len(cit.text.split())
        scored.append((score, rank, n, cit))

    def substantial(c: Citation) -> bool:
        return len(c.text.split()) >= 5

    ranked = sorted((x for x in scored if x[0] > 0), key=lambda x: (-x[0], x[1], x[2]))
    best = [x for x in ranked if substantial(x[3])][:max_sentences] or ranked[:max_sentences]
    if not best:
        # across languages (or no overlap at all): trust the retrieval order
        in_order = sorted(scored, key=lambda x: (x[1], x[2]))
        best = [x for x in in_order if substantial(x[3])][:max_sentences] or in_order[:max_sentences]
        if not best:
            return abstain("no sentence in the passages")
    chosen = [c for _, _, _, c in best]
    doc_langs = {c.lang for c in chosen}
    if doc_langs == {qlang}:
        lead = phrase("lead", qlang)
    else:
        names = ", ".join(_LANG_NAMES.get(qlang, _LANG_NAMES["en"])[lg] for lg in sorted(doc_langs))
        lead = phrase("lead_quoted", qlang, lang=names)
    return Answer(qlang, lead, sentences=chosen)
