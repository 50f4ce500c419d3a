"""Indicator fixtures for tests: one indicator per aggregation rule."""

from __future__ import annotations

import datetime as dt

from dxnet.indicators import services
from dxnet.indicators.models import (
    Aggregation,
    FormAssignment,
    FormIndicator,
    Indicator,
    ReportForm,
    ValidationRule,
    ValueType,
)
from dxnet.network.models import Unit

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


def commune_form() -> ReportForm:
    """A monthly form of the communes of Đắk Lắk: dossiers received and handled online (sums, with
    a rule between them) and members using the national platforms (numerator / denominator)."""
    received = indicator("HS-NHAN", Aggregation.SUM, ValueType.NUMBER, unit_of_measure="hồ sơ")
    online = indicator("HS-TRUCTUYEN", Aggregation.SUM, ValueType.NUMBER, unit_of_measure="hồ sơ")
    platforms = indicator("NENTANG", Aggregation.RATIO_OF_SUMS, ValueType.RATIO)
    form = ReportForm.objects.create(code="BC-XA", name="Báo cáo tháng cấp xã", period_type="month", due_days=5,
                                     owner=Unit.objects.get(code="66"))
    for i, ind in enumerate([received, online, platforms]):
        FormIndicator.objects.create(form=form, indicator=ind, order=i, section="Dịch vụ công")
    FormAssignment.objects.create(form=form, unit=Unit.objects.get(code="66"), unit_type="commune",
                                  valid_from=dt.date(2025, 7, 1))
    ValidationRule.objects.create(form=form, left=online, operator="<=", right=received,
                                  message="Số hồ sơ trực tuyến không được lớn hơn số hồ sơ tiếp nhận")
    return form
