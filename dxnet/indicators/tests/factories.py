"""Indicator fixtures for tests: one indicator per aggregation rule."""

from __future__ import annotations

from dxnet.indicators import services
from dxnet.indicators.models import Aggregation, Indicator, ValueType

RULES = {
    Aggregation.SUM: ValueType.NUMBER,
    Aggregation.AVERAGE: ValueType.NUMBER,
    Aggregation.RATIO_OF_SUMS: ValueType.RATIO,
    Aggregation.COUNT_YES: ValueType.YES_NO,
    Aggregation.SHARE_YES: ValueType.YES_NO,
    Aggregation.LATEST: ValueType.NUMBER,
}


def indicator(code: str, aggregation: str = Aggregation.SUM, value_type: str | None = None,
              period_type: str = "month", **kw: object) -> Indicator:
    return services.indicator_create(
        actor=None, code=code, period_type=period_type, name=f"Chỉ số {code}", name_en=f"Indicator {code}",
        value_type=value_type or RULES[Aggregation(aggregation)], aggregation=aggregation, **kw)
