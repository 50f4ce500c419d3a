"""Answer deadlines as people type them: ``15/4/2025``, ``2025-04-15``, ``4/2025`` (end of the
month), ``Quý II/2025`` or ``Q2/2025`` (end of the quarter), ``2025`` (end of the year).

One grammar for tasks and recommendations: ``parse_deadline`` delegates to
``dxnet.plans.deadlines`` and refuses its "ongoing" form — an answer is due on a day.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from dxnet.plans import deadlines as plans_deadlines


class DeadlineError(ValueError):
    pass


def parse_deadline(text: str) -> dt.date:
    """The last day the typed deadline allows; ``DeadlineError`` with a message in the user's
    language when the text is none of the accepted forms."""
    try:
        deadline = plans_deadlines.parse_deadline(text)
    except plans_deadlines.DeadlineError as exc:
        raise DeadlineError(str(exc)) from None
    if deadline.due is None:
        raise DeadlineError(_("An answer needs a date: “%(text)s” has none. Write a date (15/4/2025), a month "
                              "(4/2025), a quarter (Quý II/2025) or a year (2025).") % {"text": text.strip()})
    return deadline.due
