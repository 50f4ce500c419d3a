"""Periods: month, quarter, half-year, year — in DHIS2 notation (``202501``, ``2025Q1``,
``2025S1``, ``2025``) at the edges, and as the period's first day in the database.

Pure Python: no Django, so importers and the benchmark use the same rules.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum


class PeriodType(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    HALF_YEAR = "half_year"
    YEAR = "year"


MONTHS_IN = {PeriodType.MONTH: 1, PeriodType.QUARTER: 3, PeriodType.HALF_YEAR: 6, PeriodType.YEAR: 12}
_DHIS2 = [
    (re.compile(r"^(\d{4})(0[1-9]|1[0-2])$"), PeriodType.MONTH),
    (re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"), PeriodType.MONTH),
    (re.compile(r"^(\d{4})Q([1-4])$"), PeriodType.QUARTER),
    (re.compile(r"^(\d{4})S([12])$"), PeriodType.HALF_YEAR),
    (re.compile(r"^(\d{4})$"), PeriodType.YEAR),
]


class PeriodError(ValueError):
    pass


@dataclass(frozen=True, order=True)
class Period:
    start: dt.date
    type: PeriodType

    @classmethod
    def parse(cls, text: str, expected: PeriodType | None = None) -> Period:
        """``202501`` / ``2025-01`` / ``2025Q1`` / ``2025S1`` / ``2025`` → Period."""
        text = str(text).strip().upper()
        for pattern, ptype in _DHIS2:
            m = pattern.match(text)
            if not m:
                continue
            year = int(m.group(1))
            index = int(m.group(2)) if ptype is not PeriodType.YEAR else 1
            period = cls.of(ptype, year, index)
            if expected is not None and period.type != expected:
                raise PeriodError(f"{text} is a {period.type.value} period, a {expected.value} period is expected")
            return period
        raise PeriodError(f"{text!r} is not a period (examples: 202501, 2025Q1, 2025S1, 2025)")

    @classmethod
    def of(cls, ptype: PeriodType, year: int, index: int = 1) -> Period:
        months = MONTHS_IN[ptype]
        if not 1 <= index <= 12 // months:
            raise PeriodError(f"no {ptype.value} number {index}")
        if not 1900 <= year <= 2200:
            raise PeriodError(f"year {year} is out of range")
        return cls(dt.date(year, (index - 1) * months + 1, 1), PeriodType(ptype))

    @classmethod
    def containing(cls, ptype: PeriodType, day: dt.date) -> Period:
        months = MONTHS_IN[ptype]
        return cls(dt.date(day.year, (day.month - 1) // months * months + 1, 1), PeriodType(ptype))

    @property
    def index(self) -> int:
        return (self.start.month - 1) // MONTHS_IN[self.type] + 1

    @property
    def end(self) -> dt.date:
        """The last day of the period."""
        return self.next().start - dt.timedelta(days=1)

    def next(self, n: int = 1) -> Period:
        months = self.start.year * 12 + self.start.month - 1 + n * MONTHS_IN[self.type]
        return Period(dt.date(months // 12, months % 12 + 1, 1), self.type)

    def previous(self, n: int = 1) -> Period:
        return self.next(-n)

    @property
    def dhis2(self) -> str:
        y = self.start.year
        match self.type:
            case PeriodType.MONTH:
                return f"{y}{self.start.month:02d}"
            case PeriodType.QUARTER:
                return f"{y}Q{self.index}"
            case PeriodType.HALF_YEAR:
                return f"{y}S{self.index}"
            case _:
                return f"{y}"

    def label(self) -> str:
        """Vietnamese administrative notation: 01/2025, Quý I/2025, 6 tháng đầu năm 2025, Năm 2025."""
        y = self.start.year
        match self.type:
            case PeriodType.MONTH:
                return f"{self.start.month:02d}/{y}"
            case PeriodType.QUARTER:
                return f"Quý {['I', 'II', 'III', 'IV'][self.index - 1]}/{y}"
            case PeriodType.HALF_YEAR:
                return f"6 tháng {'đầu' if self.index == 1 else 'cuối'} năm {y}"
            case _:
                return f"Năm {y}"

    def __str__(self) -> str:
        return self.dhis2


def span(first: Period, last: Period) -> list[Period]:
    """Every period from ``first`` to ``last`` inclusive (same type)."""
    if first.type != last.type:
        raise PeriodError("a range needs two periods of the same type")
    out, p = [], first
    while p <= last:
        out.append(p)
        p = p.next()
    return out
