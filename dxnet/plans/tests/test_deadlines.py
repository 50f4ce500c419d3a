"""Every deadline form a plan writes, and clear errors for the rest."""

from __future__ import annotations

import datetime as dt

import pytest

from dxnet.plans.deadlines import DeadlineError, parse_deadline

D = dt.date


@pytest.mark.parametrize(("text", "kind", "due", "cycle"), [
    ("15/4/2025", "date", D(2025, 4, 15), ""),
    ("15/04/2025", "date", D(2025, 4, 15), ""),
    ("2025-04-15", "date", D(2025, 4, 15), ""),
    ("Trước ngày 15/4/2025", "date", D(2025, 4, 15), ""),
    ("ngày 15 tháng 4 năm 2025", "date", D(2025, 4, 15), ""),
    ("6/2025", "month", D(2025, 6, 30), ""),
    ("06/2025", "month", D(2025, 6, 30), ""),
    ("2/2024", "month", D(2024, 2, 29), ""),
    ("tháng 6/2025", "month", D(2025, 6, 30), ""),
    ("Tháng 10/2025", "month", D(2025, 10, 31), ""),
    ("tháng 6 năm 2025", "month", D(2025, 6, 30), ""),
    ("Quý II/2025", "quarter", D(2025, 6, 30), ""),
    ("quý 2 năm 2025", "quarter", D(2025, 6, 30), ""),
    ("Quy IV/2025", "quarter", D(2025, 12, 31), ""),
    ("Q3/2025", "quarter", D(2025, 9, 30), ""),
    ("Q1 2026", "quarter", D(2026, 3, 31), ""),
    ("6 tháng đầu năm 2025", "half", D(2025, 6, 30), ""),
    ("6 tháng cuối năm 2025", "half", D(2025, 12, 31), ""),
    ("2025", "year", D(2025, 12, 31), ""),
    ("năm 2025", "year", D(2025, 12, 31), ""),
    ("2025 - 2026", "year", D(2026, 12, 31), ""),
    ("Thường xuyên", "ongoing", None, "quarter"),
    ("thuong xuyen", "ongoing", None, "quarter"),
    ("Nhiệm vụ thường xuyên", "ongoing", None, "quarter"),
    ("Thường xuyên, hằng năm", "ongoing", None, "year"),
    ("Thường xuyên, hằng quý", "ongoing", None, "quarter"),
    ("Thường xuyên, hằng tháng", "ongoing", None, "month"),
    ("Hằng năm", "ongoing", None, "year"),
    ("hàng năm", "ongoing", None, "year"),
    ("2025 và những năm tiếp theo", "ongoing", None, "year"),
])
def test_every_form(text: str, kind: str, due: dt.date | None, cycle: str) -> None:
    d = parse_deadline(text)
    assert (d.kind, d.due, d.cycle, d.text) == (kind, due, cycle, text)


@pytest.mark.parametrize("text", ["sớm", "31/2/2025", "13/2025", "Quý V/2025", "2026 - 2025", "tuần sau", "1850"])
def test_unknown_text_is_a_clear_error(text: str) -> None:
    with pytest.raises(DeadlineError) as exc:
        parse_deadline(text)
    assert f"“{text}”" in str(exc.value) and "Quý II/2025" in str(exc.value)


def test_empty_is_an_error() -> None:
    with pytest.raises(DeadlineError):
        parse_deadline("  ")


def test_every_deadline_of_resolution_03_annex_reads() -> None:
    from pathlib import Path

    annex = Path(__file__).resolve().parents[1] / "data" / "nq-03-cp-2025-annex2-tasks.md"
    cells = [line.split("|")[6].strip() for line in annex.read_text().splitlines()
             if line.startswith("|") and line.count("|") >= 7]
    cells = [c for c in cells if c and c not in {"Thời gian hoàn thành", "---"}]
    assert len(cells) > 120
    for c in cells:
        parse_deadline(c)
