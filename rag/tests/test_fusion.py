"""Reciprocal rank fusion."""

from __future__ import annotations

import pytest

from rag.fusion import rrf


def test_rrf_order_on_hand_made_lists() -> None:
    lexical = ["a", "b", "c", "d"]
    dense = ["c", "a", "e"]
    fused = rrf([lexical, dense])
    ids = [d for d, _ in fused]
    # a: 1/61 + 1/62; c: 1/63 + 1/61; b: 1/62; e: 1/63; d: 1/64
    assert ids == ["a", "c", "b", "e", "d"]
    assert fused[0][1] == pytest.approx(1 / 61 + 1 / 62)


def test_rrf_ties_are_deterministic() -> None:
    # x and y have the same ranks swapped: equal scores; the best rank first occurs in list 0 for x
    fused = rrf([["x", "y"], ["y", "x"]])
    assert [d for d, _ in fused] == ["x", "y"]
    fused = rrf([["y", "x"], ["x", "y"]])
    assert [d for d, _ in fused] == ["y", "x"]
    # same score, same best rank, same list: the id decides
    assert [d for d, _ in rrf([["q"], ["p"]])] == ["q", "p"]
    assert [d for d, _ in rrf([["b"], [], ["a"]])] == ["b", "a"]


def test_rrf_accepts_scored_pairs_weights_limit_and_duplicates() -> None:
    fused = rrf([[("a", 9.0), ("b", 3.0)], [("b", 0.9)]], limit=1)
    assert [d for d, _ in fused] == ["b"]
    weighted = rrf([["a", "b"], ["b", "a"]], weights=[2.0, 1.0])
    assert weighted[0][0] == "a"
    dup = rrf([["a", "a", "b"]])
    assert dup[0] == ("a", pytest.approx(1 / 61)) and dup[1] == ("b", pytest.approx(1 / 63))
    assert rrf([]) == [] and rrf([[], []]) == []
    assert rrf([["a"]], k=0)[0][1] == 1.0
