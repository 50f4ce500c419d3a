"""Reciprocal rank fusion (no Django).

``score(d) = Σ_lists weight / (k + rank(d))`` with ranks starting at 1 (Cormack et al., 2009;
k = 60 as in France's Albert). Lists are any ranked sequences of ids, or of ``(id, score)``
pairs (the score is ignored: only the rank counts). An id repeated inside one list counts once,
at its best rank.

Ties are broken deterministically: higher fused score, then the better (smaller) best rank in
any list, then the earlier list in which that best rank occurs, then the id itself.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any

__all__ = ["rrf"]


def _id(item: Any) -> Hashable:
    if isinstance(item, tuple | list) and item:
        return item[0]
    return item


def rrf(
    lists: Sequence[Iterable[Any]],
    *,
    k: int = 60,
    weights: Sequence[float] | None = None,
    limit: int | None = None,
) -> list[tuple[Hashable, float]]:
    """Fuse ranked lists; returns ``(id, fused score)`` best first."""
    if k < 0:
        raise ValueError("k must be >= 0")
    if weights is not None and len(weights) != len(lists):
        raise ValueError("one weight per list")
    score: dict[Hashable, float] = {}
    best: dict[Hashable, tuple[int, int]] = {}  # (best rank, list index of that rank)
    for li, ranked in enumerate(lists):
        w = 1.0 if weights is None else float(weights[li])
        seen: set[Hashable] = set()
        for rank, item in enumerate(ranked, start=1):
            d = _id(item)
            if d in seen:
                continue
            seen.add(d)
            score[d] = score.get(d, 0.0) + w / (k + rank)
            if d not in best or (rank, li) < best[d]:
                best[d] = (rank, li)
    # rounding: equal sums added in a different order must still tie
    fused = sorted(score, key=lambda d: (-round(score[d], 12), best[d][0], best[d][1], str(d)))
    if limit is not None:
        fused = fused[:limit]
    return [(d, score[d]) for d in fused]
