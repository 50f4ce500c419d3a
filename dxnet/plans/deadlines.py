"""Deadlines as Vietnamese plans write them, parsed into (kind, last day, reporting cycle).

A plan's annex says "15/4/2025", "6/2025", "Tháng 10/2025", "Quý II/2025", "2025",
"2025 - 2026" or "Thường xuyên". A task is due on the **last day of the period** it names
(a month's last day for "6/2025", 30 June for "Quý II/2025", 31 December for "2025"), the
reading a supervisor applies when deciding whether a unit is late. *Thường xuyên* (ongoing)
has no deadline but a reporting cycle: "hằng năm" → yearly, "hằng quý" → quarterly,
"hằng tháng" → monthly, and quarterly when the text does not say (the cadence of the
ministry's management conference). "2025 và những năm tiếp theo" is ongoing, yearly.

Pure: no database (Django only for the translated message). Unknown text raises ``DeadlineError`` with a message that
quotes it and lists the accepted forms.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from dxnet.core.text import fold

DATE, MONTH, QUARTER, HALF, YEAR, ONGOING = "date", "month", "quarter", "half", "year", "ongoing"
CYCLES = ("month", "quarter", "year")
DEFAULT_CYCLE = "quarter"

ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
MIN_YEAR, MAX_YEAR = 2000, 2100  # a digital-transformation plan has no deadline before 2000

ACCEPTED = ("15/4/2025, 2025-04-15, 6/2025, tháng 6/2025, Quý II/2025, Q2/2025, 6 tháng đầu năm 2025, 2025, "
            "năm 2025, Thường xuyên")


class DeadlineError(ValueError):
    """The text is not a deadline form we know; the message names it and the accepted forms."""


@dataclass(frozen=True)
class Deadline:
    kind: str  # date, month, quarter, half, year, ongoing
    due: dt.date | None  # the last day of the period; None when ongoing
    cycle: str = ""  # for ongoing tasks: month, quarter or year
    text: str = ""  # as written

    @property
    def is_ongoing(self) -> bool:
        return self.kind == ONGOING


def _last_of_month(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _year(text: str) -> int:
    year = int(text)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(year)
    return year


_PREFIX = re.compile(r"^(?:(?:cham nhat|truoc|trong|den|hoan thanh|thoi han|han)\b[ :]*)+")
_CYCLE_WORDS = [("thang", "month"), ("quy", "quarter"), ("nam", "year")]
# "hàng năm" (a common spelling of "hằng năm") folds to the same text.
_ONGOING = re.compile(r"^(?:nhiem vu )?(?:thuong xuyen|lien tuc|hang (?:nam|quy|thang)|dinh ky"
                      r"|(?:\d{4} va )?(?:nhung |cac )?nam tiep theo)")


def parse_deadline(text: str) -> Deadline:
    """Parse one deadline as written. Raises ``DeadlineError`` for anything else."""
    raw = (text or "").strip()
    if not raw:
        raise DeadlineError(_("The deadline is empty. Write one of: %(forms)s.") % {"forms": ACCEPTED})
    t = fold(raw).rstrip(".;,")
    t = _PREFIX.sub("", t).strip()
    t = re.sub(r"^ngay ", "", t)
    try:
        result = _parse(t, raw)
    except ValueError:  # impossible dates (31/2/2025), years out of range
        result = None
    if result is None:
        raise DeadlineError(_("“%(text)s” is not a deadline we can read. Write one of: %(forms)s.")
                            % {"text": raw, "forms": ACCEPTED})
    return result


def _cycle_of(t: str) -> str:
    for word, cycle in _CYCLE_WORDS:
        if re.search(rf"\b(?:hang|moi|dinh ky) {word}\b", t):
            return cycle
    if "nam tiep theo" in t:
        return "year"
    return DEFAULT_CYCLE


def _parse(t: str, raw: str) -> Deadline | None:
    if _ONGOING.match(t):
        return Deadline(ONGOING, None, _cycle_of(t), raw)
    # ISO date 2025-04-15
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", t):
        return Deadline(DATE, dt.date(_year(m[1]), int(m[2]), int(m[3])), "", raw)
    # 15/4/2025, 15-04-2025, 15.4.2025, "15 tháng 4 năm 2025"
    if m := re.fullmatch(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})", t) or \
            re.fullmatch(r"(\d{1,2}) thang (\d{1,2}) nam (\d{4})", t):
        return Deadline(DATE, dt.date(_year(m[3]), int(m[2]), int(m[1])), "", raw)
    # 6/2025, 06/2025, tháng 6/2025, T6/2025, tháng 6 năm 2025
    if m := re.fullmatch(r"(?:thang |t)?(\d{1,2})\s*[/.-]\s*(\d{4})", t) or \
            re.fullmatch(r"thang (\d{1,2}),? (?:nam )?(\d{4})", t):
        month = int(m[1])
        if not 1 <= month <= 12:
            return None
        return Deadline(MONTH, _last_of_month(_year(m[2]), month), "", raw)
    # Quý II/2025, quý 2 năm 2025, Q2/2025, Q2 2025, 2025Q2
    if m := re.fullmatch(r"(?:quy|q)\s*(?P<q>iv|iii|ii|i|[1-4])\s*(?:[/.-]|,? nam|\s)\s*(?P<y>\d{4})", t) or \
            re.fullmatch(r"(?P<y>\d{4})\s*-?\s*q(?P<q>[1-4])", t):
        quarter = ROMAN.get(m["q"]) or int(m["q"])
        return Deadline(QUARTER, _last_of_month(_year(m["y"]), quarter * 3), "", raw)
    # 6 tháng đầu năm 2025 / 6 tháng cuối năm 2025, H1/2025
    if m := re.fullmatch(r"6 thang (dau|cuoi) (?:nam )?(\d{4})", t) or \
            re.fullmatch(r"h([12])\s*[/ -]\s*(\d{4})", t):
        first = m[1] in ("dau", "1")
        return Deadline(HALF, _last_of_month(_year(m[2]), 6 if first else 12), "", raw)
    # 2025, năm 2025, 2025 - 2026 (due at the end of the last year)
    if m := re.fullmatch(r"(?:nam |ca nam )?(\d{4})(?:\s*[-–]\s*(\d{4}))?", t) or \
            re.fullmatch(r"(?:giai doan |nam )?(\d{4})\s*(?:-|–|den)\s*(?:nam )?(\d{4})", t):
        start = _year(m[1])
        end = _year(m[2]) if m[2] else start
        if end < start:
            return None
        return Deadline(YEAR, dt.date(end, 12, 31), "", raw)
    return None
