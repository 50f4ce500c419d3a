"""Vietnamese-aware text helpers shared by search, import matching and the assistant."""

from __future__ import annotations

import re

from rag.text import fold as rag_fold

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case, strip accents (đ → d) and collapse spaces: "Đắk Lắk" → "dak lak". The accents
    are removed by the assistant's own folding (Latin letters only: Hindi keeps its vowel signs),
    so search, import matching and retrieval fold alike."""
    return _SPACES.sub(" ", rag_fold(text)).strip().lower()
