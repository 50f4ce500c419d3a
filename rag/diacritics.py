"""Diacritic restoration of accent-less queries from the index's own vocabulary (no Django).

An official who types ``bao ve du lieu ca nhan`` means ``bảo vệ dữ liệu cá nhân``. BM25's folded
field already matches such a query, but its accented field and the encoder (trained on text with
diacritics) do not. :class:`Restorer` puts the diacritics back from what the indexed corpus says:

* *unigrams*: for each folded syllable, the accented forms the corpus uses and how often
  (``ban`` → ``ban``, ``bản``, ``bàn``, ``bạn`` …);
* *bigrams*: how often each pair of adjacent syllables occurs (``bảo_vệ``), the pairs the
  accented BM25 field already indexes.

The restored query is the sequence of forms with the highest score (Viterbi over the candidate
forms of each syllable): a bigram seen in the corpus weighs far more than a frequent unigram, so
``du lieu`` becomes ``dữ liệu`` even where ``du`` alone is most often ``du``. A syllable the corpus
never writes with diacritics, a number or a document number is left as typed.

Size: only syllables whose folded form is ambiguous or accented are kept, and at most
``MAX_BIGRAMS`` pairs (the most frequent), so the tables stay small at 100,000 chunks.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from .text import fold, normalize, words

__all__ = ["MAX_BIGRAMS", "Restorer"]

MAX_BIGRAMS = 300_000
MAX_FORMS = 4  # candidate accented forms kept per folded syllable
BIGRAM_WEIGHT = 4.0  # log-count weight of a pair against a single syllable's


class Restorer:
    """Most likely accented form of a folded query, from corpus counts."""

    def __init__(self, unigrams: Mapping[str, list[tuple[str, int]]] | None = None,
                 bigrams: Mapping[str, int] | None = None) -> None:
        # folded syllable -> [(accented form, count)], most frequent first
        self.unigrams: dict[str, list[tuple[str, int]]] = {k: [tuple(x) for x in v]  # type: ignore[misc]
                                                           for k, v in (unigrams or {}).items()}
        # "form_form" (accented, as the BM25 field spells a pair) -> count
        self.bigrams: dict[str, int] = dict(bigrams or {})

    def __bool__(self) -> bool:
        return bool(self.unigrams)

    # --- building --------------------------------------------------------------------------

    @classmethod
    def from_tokens(cls, corpus: Iterable[Iterable[str]], *, max_bigrams: int = MAX_BIGRAMS) -> Restorer:
        """From the token lists of the accented BM25 field (``rag.text.index_tokens``): syllables
        and ``a_b`` pairs; document numbers (with ``/`` or ``-``) are ignored."""
        uni: Counter[str] = Counter()
        bi: Counter[str] = Counter()
        for toks in corpus:
            for t in toks:
                if not t or "/" in t or "-" in t or t.isdigit():
                    continue
                if "_" in t:
                    bi[t] += 1
                else:
                    uni[t] += 1
        groups: dict[str, list[tuple[str, int]]] = {}
        for form, n in uni.items():
            groups.setdefault(fold(form), []).append((form, n))
        unigrams = {}
        for folded, forms in groups.items():
            if len(forms) == 1 and forms[0][0] == folded:
                continue  # only ever written as typed: nothing to restore
            forms.sort(key=lambda x: (-x[1], x[0]))
            unigrams[folded] = forms[:MAX_FORMS]
        kept = {}
        for pair, n in bi.items():
            a, _, b = pair.partition("_")
            if fold(a) in unigrams or fold(b) in unigrams:
                kept[pair] = n
        if len(kept) > max_bigrams:
            kept = dict(sorted(kept.items(), key=lambda x: (-x[1], x[0]))[:max_bigrams])
        return cls(unigrams, kept)

    # --- restoring -------------------------------------------------------------------------

    def restore(self, query: str) -> str:
        """``query`` (normalised: NFC, lower case) with the diacritics of its syllables restored.

        Only syllables typed without diacritics are changed; the rest of the text (spaces,
        punctuation, numbers, document numbers) is kept as it is.
        """
        norm = normalize(query)
        if not self.unigrams:
            return norm
        toks = words(norm)
        # runs of syllables separated by spaces only (a pair never spans punctuation)
        runs: list[list[int]] = []
        for i, t in enumerate(toks):
            if t.docnum:
                runs.append([])
                continue
            if runs and runs[-1] and norm[toks[runs[-1][-1]].end : t.start].isspace():
                runs[-1].append(i)
            else:
                runs.append([i])
        choice: dict[int, str] = {}
        for run in runs:
            if run:
                for i, form in zip(run, self._viterbi([toks[i].text for i in run]), strict=True):
                    if form != toks[i].text:
                        choice[i] = form
        out: list[str] = []
        pos = 0
        for i, t in enumerate(toks):
            if i in choice:
                out.append(norm[pos : t.start])
                out.append(choice[i])
                pos = t.end
        out.append(norm[pos:])
        return "".join(out)

    def _viterbi(self, syllables: list[str]) -> list[str]:
        # a syllable typed with diacritics, or one the table does not hold, is kept as typed but
        # still gives its pairs' evidence to its neighbours
        cands = [(self.unigrams.get(s) if fold(s) == s else None) or [(s, 0)] for s in syllables]
        # best[j] = (score, back pointer) for candidate j of the current syllable
        best = [(math.log1p(n), -1) for _, n in cands[0]]
        backs: list[list[int]] = []
        for i in range(1, len(cands)):
            cur: list[tuple[float, int]] = []
            for form, n in cands[i]:
                score, back = max(
                    (best[j][0] + BIGRAM_WEIGHT * math.log1p(self.bigrams.get(f"{prev}_{form}", 0)), j)
                    for j, (prev, _) in enumerate(cands[i - 1])
                )
                cur.append((score + math.log1p(n), back))
            backs.append([b for _, b in cur])
            best = cur
        j = max(range(len(best)), key=lambda x: best[x][0])
        path = [j]
        for bp in reversed(backs):
            j = bp[j]
            path.append(j)
        path.reverse()
        return [cands[i][j][0] for i, j in enumerate(path)]

    # --- persistence -----------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {"version": 1, "unigrams": self.unigrams, "bigrams": self.bigrams}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Restorer:
        if not data:
            return cls()
        return cls(data.get("unigrams") or {}, data.get("bigrams") or {})
