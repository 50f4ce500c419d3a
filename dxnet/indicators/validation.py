"""Checking one value against its indicator's definition. Messages name the field and speak the
user's language; callers add the row or cell."""

from __future__ import annotations

import math
import re
import statistics
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from .models import Aggregation, Direction, IndicatorVersion, ValueType

YES = {"1", "yes", "y", "true", "có", "co", "x", "đạt", "dat"}
NO = {"0", "no", "n", "false", "không", "khong", "chưa", "chua"}


@dataclass
class Parsed:
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.value is None and self.numerator is None and self.denominator is None


def parse_number(raw: object) -> float | None:
    """A number as officials type it: ``1234``, ``1.234`` or ``1 234`` (thousands), ``12,5`` (decimal),
    ``1,234.5`` (English). A single dot followed by exactly three digits is read as thousands."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValueError
    if isinstance(raw, int | float):
        if math.isnan(raw) or math.isinf(raw):
            raise ValueError
        return float(raw)
    text = str(raw).strip().replace("\u00a0", "").replace(" ", "").rstrip("%")
    if text == "":
        return None
    if "," in text and "." in text:  # 1.234,5 (Vietnamese) or 1,234.5 (English)
        text = text.replace(".", "").replace(",", ".") if text.rfind(",") > text.rfind(".") else text.replace(",", "")
    elif "," in text:
        text = text.replace(",", ".")
    elif text.count(".") > 1 or re.fullmatch(r"-?[1-9]\d{0,2}\.\d{3}", text):
        # Vietnamese thousands: 1.200 is one thousand two hundred (1.5 and 12.50 stay decimals).
        text = text.replace(".", "")
    number = float(text)
    if math.isnan(number) or math.isinf(number):
        raise ValueError
    return number


def parse(version: IndicatorVersion, value: object = None, numerator: object = None,
          denominator: object = None) -> Parsed:
    """Parse and check a value (or numerator/denominator) for ``version``."""
    out = Parsed()
    if version.value_type == ValueType.RATIO:
        try:
            out.numerator = parse_number(numerator)
        except ValueError:
            out.errors.append(_("numerator “%(raw)s” is not a number") % {"raw": numerator})
        try:
            out.denominator = parse_number(denominator)
        except ValueError:
            out.errors.append(_("denominator “%(raw)s” is not a number") % {"raw": denominator})
        if out.errors or (out.numerator is None and out.denominator is None):
            return out
        if out.numerator is None or out.denominator is None:
            out.errors.append(_("give both the numerator and the denominator"))
        elif out.denominator <= 0:
            out.errors.append(_("the denominator must be greater than 0"))
        elif out.numerator < 0:
            out.errors.append(_("the numerator cannot be negative"))
        elif out.numerator > out.denominator:
            out.errors.append(_("the numerator (%(n)s) is greater than the denominator (%(d)s)")
                              % {"n": _fmt(out.numerator), "d": _fmt(out.denominator)})
        else:
            out.value = 100.0 * out.numerator / out.denominator
        return out
    if version.value_type == ValueType.YES_NO:
        if value is None or str(value).strip() == "":
            return out
        text = str(value).strip().lower()
        if isinstance(value, bool):
            out.value = 1.0 if value else 0.0
        elif text in YES:
            out.value = 1.0
        elif text in NO:
            out.value = 0.0
        else:
            out.errors.append(_("“%(raw)s” is not yes or no (use 1/0, có/không)") % {"raw": value})
        return out
    try:
        out.value = parse_number(value)
    except ValueError:
        out.errors.append(_("“%(raw)s” is not a number") % {"raw": value})
        return out
    if out.value is None:
        return out
    low, high = version.min_value, version.max_value
    if version.value_type == ValueType.PERCENTAGE:
        low = 0.0 if low is None else low
        high = 100.0 if high is None else high
    if low is not None and out.value < low:
        out.errors.append(_("%(v)s is below the minimum %(m)s") % {"v": _fmt(out.value), "m": _fmt(low)})
    if high is not None and out.value > high:
        out.errors.append(_("%(v)s is above the maximum %(m)s") % {"v": _fmt(out.value), "m": _fmt(high)})
    return out


def is_outlier(value: float, history: list[float]) -> bool:
    """Far from the unit's own history (more than 3 standard deviations from its mean, with at
    least 6 earlier values): flagged for a comment, never refused."""
    if len(history) < 6:
        return False
    mean = statistics.fmean(history)
    spread = statistics.pstdev(history)
    if spread == 0:
        return value != mean and abs(value - mean) > max(1.0, abs(mean) * 0.5)
    return abs(value - mean) > 3 * spread


def _fmt(x: float) -> str:
    return f"{x:g}"


# Which aggregation rules make sense for which kind of value. A sum of percentages or a count
# of "yes" over numbers is meaningless, so the definition is refused, naming the field.
AGGREGATIONS_FOR: dict[str, tuple[str, ...]] = {
    ValueType.NUMBER: (Aggregation.SUM, Aggregation.AVERAGE, Aggregation.LATEST),
    ValueType.PERCENTAGE: (Aggregation.AVERAGE, Aggregation.LATEST),
    ValueType.RATIO: (Aggregation.RATIO_OF_SUMS, Aggregation.AVERAGE),
    ValueType.YES_NO: (Aggregation.COUNT_YES, Aggregation.SHARE_YES),
}


def version_problems(data: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Problems of one definition, each naming its field."""
    problems: list[tuple[str, str, str]] = []
    value_type, aggregation = data.get("value_type"), data.get("aggregation")
    allowed = AGGREGATIONS_FOR.get(str(value_type), ())
    if value_type and aggregation and aggregation not in allowed:
        problems.append(("", "aggregation", _(
            "“%(aggregation)s” does not fit values of type “%(type)s”: choose one of %(allowed)s.") % {
            "aggregation": Aggregation(aggregation).label, "type": ValueType(value_type).label,
            "allowed": ", ".join(f"“{Aggregation(a).label}”" for a in allowed)}))
    low, high = data.get("min_value"), data.get("max_value")
    if low is not None and high is not None and low > high:
        problems.append(("", "max_value", _("The maximum is below the minimum.")))
    if data.get("direction") and data["direction"] not in Direction.values:
        problems.append(("", "direction", _("Choose a direction.")))
    return problems
