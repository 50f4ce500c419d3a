"""Answer deadlines as people type them: ``15/4/2025``, ``2025-04-15``, ``4/2025`` (end of the
month), ``Quý II/2025`` or ``Q2/2025`` (end of the quarter), ``2025`` (end of the year).

One grammar for tasks and recommendations: ``parse_deadline`` delegates to
``dxnet.plans.deadlines`` (written in parallel with this app) and refuses its "ongoing" form — an
answer is due on a day. The local parser below is the fallback used while that module does not
import.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata

from django.utils.translation import gettext as _


class DeadlineError(ValueError):
    pass


ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFD", text.strip().lower())
    return "".join(c for c in text if unicodedata.category(c) != "Mn").replace("đ", "d")


def _end_of_month(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def parse_deadline(text: str) -> dt.date:
    """The last day the typed deadline allows; ``DeadlineError`` with a message in the user's
    language when the text is none of the accepted forms."""
    try:
        from dxnet.plans import deadlines as plans_deadlines
    except ImportError:
        return _parse_locally(text)
    try:
        deadline = plans_deadlines.parse_deadline(text)
    except plans_deadlines.DeadlineError as exc:
        raise DeadlineError(str(exc)) from None
    if deadline.due is None:
        raise DeadlineError(_("An answer needs a date: “%(text)s” has none. Write a date (15/4/2025), a month "
                              "(4/2025), a quarter (Quý II/2025) or a year (2025).") % {"text": text.strip()})
    return deadline.due


def _parse_locally(text: str) -> dt.date:
    raw = (text or "").strip()
    t = _fold(raw)
    try:
        if m := re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", t):
            return dt.date(int(m[3]), int(m[2]), int(m[1]))
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", t):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m := re.fullmatch(r"(?:thang\s*)?(\d{1,2})[/.-](\d{4})", t):
            return _end_of_month(int(m[2]), int(m[1]))
        if m := re.fullmatch(r"(?:quy|q)\s*(iv|iii|ii|i|[1-4])\s*[/.\- ]\s*(?:nam\s*)?(\d{4})", t):
            q = ROMAN.get(m[1]) or int(m[1])
            return _end_of_month(int(m[2]), 3 * q)
        if m := re.fullmatch(r"(?:nam\s*)?(\d{4})", t):
            return dt.date(int(m[1]), 12, 31)
    except ValueError:
        raise DeadlineError(_("“%(text)s” is not a real date.") % {"text": raw}) from None
    raise DeadlineError(
        _("“%(text)s” is not a deadline: write a date (15/4/2025), a month (4/2025), a quarter (Quý II/2025) "
          "or a year (2025).") % {"text": raw})
