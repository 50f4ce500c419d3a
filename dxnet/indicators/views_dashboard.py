"""Dashboards: for any unit the user may read — KPI cards, a chart over time, a table by child
unit (XLSX export) and the province map. Everything is read from the live aggregates on every
request (never cached), so a value submitted a moment ago is already in the figures.

The page works without JavaScript (controls are a GET form, the table sorts with links); htmx
swaps ``#dash-body`` (controls) or ``#dash-table`` (sorting) in place, and ``dashboard.js``
draws the chart and the map from the JSON the page carries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import numberformat, timezone
from django.utils.formats import get_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from dxnet.core import access
from dxnet.network import selectors as network
from dxnet.network.models import Unit, UnitType

from . import rollup, selectors
from .models import Aggregate, Direction, Indicator, IndicatorVersion, ReportForm
from .periods import Period, PeriodError, span
from .selectors import achievement
from .xlsx import xlsx_response

SPANS = (12, 24)
# How many periods back the period picker offers, by period type.
PICKER = {"month": 36, "quarter": 12, "half_year": 8, "year": 6}
SORTS = ("name", "value", "target", "achievement", "n")
MAP_URL = "dxnet/maps/vn-provinces-34.geo.json"


# --- figures ------------------------------------------------------------------------------------


def fmt(value: float | None, decimals: int = 1) -> str:
    """1.234,5 in Vietnamese, 1,234.5 in English; decimals only where there are any."""
    if value is None:
        return "—"
    # Django's Vietnamese formats set no NUMBER_GROUPING, so group by thousands explicitly.
    rounded = f"{round(value, decimals):.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{value:.0f}"
    if float(rounded) == 0:
        return "0"  # never "-0"
    places = len(rounded.partition(".")[2])
    return numberformat.format(float(rounded), get_format("DECIMAL_SEPARATOR"), places, grouping=3,
                               thousand_sep=get_format("THOUSAND_SEPARATOR"), force_grouping=True)


def fmt_pct(value: float | None) -> str:
    return "—" if value is None else f"{fmt(value, 1)} %"


def indicator_name(version: IndicatorVersion | None, indicator: Indicator) -> str:
    if version is None:
        return indicator.code
    if (get_language() or "").startswith("en") and version.name_en:
        return version.name_en
    return version.name


def targets_for(*, unit: Unit, wanted: list[tuple[Indicator, Period]]) -> dict[tuple[int, dt.date], float]:
    found = selectors.targets_for(units=[unit], wanted=wanted)
    return {(i, start): value for (i, _u, start), (value, _annual) in found.items()}


@dataclass
class Kpi:
    indicator: Indicator
    name: str
    version: IndicatorVersion | None
    period: Period | None = None
    value: float | None = None
    n: int = 0
    previous: Period | None = None
    previous_value: float | None = None
    target: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def decimals(self) -> int:
        return self.version.decimals if self.version else 1

    @property
    def direction(self) -> str:
        return self.version.direction if self.version else Direction.HIGHER

    @property
    def achievement(self) -> float | None:
        return achievement(self.value, self.target, self.direction)

    @property
    def bar(self) -> int:
        """Width of the achievement bar, in % of its track."""
        return max(0, min(100, round(self.achievement or 0)))

    @property
    def delta(self) -> float | None:
        if self.value is None or self.previous_value is None:
            return None
        return self.value - self.previous_value

    @property
    def trend(self) -> str:
        """up / down / flat / none: the arrow; ``good`` says how to colour it."""
        if self.delta is None:
            return "none"
        return "flat" if abs(self.delta) < 1e-9 else ("up" if self.delta > 0 else "down")

    @property
    def good(self) -> bool | None:
        if self.trend in {"none", "flat"}:
            return None
        return (self.trend == "up") == (self.direction == Direction.HIGHER)

    @property
    def delta_pct(self) -> float | None:
        if self.delta is None or not self.previous_value:
            return None
        return 100.0 * self.delta / abs(self.previous_value)

    # formatted for the template
    def value_text(self) -> str:
        return fmt(self.value, self.decimals)

    def target_text(self) -> str:
        return fmt(self.target, self.decimals)

    def achievement_text(self) -> str:
        return fmt_pct(self.achievement)

    def delta_text(self) -> str:
        if self.delta is None:
            return ""
        sign = "+" if self.delta > 0 else ""
        pct = f" ({sign}{fmt(self.delta_pct, 1)} %)" if self.delta_pct is not None else ""
        return f"{sign}{fmt(self.delta, self.decimals)}{pct}"


def dashboard_kpis(*, unit: Unit, indicators: list[Indicator]) -> list[Kpi]:
    """A card per indicator: the latest period with data, the period before it, their values
    and the target — in a fixed number of queries whatever the number of indicators."""
    latest = selectors.latest_with_data(unit=unit, indicator_ids=[i.pk for i in indicators])
    kpis: list[Kpi] = []
    wanted: list[tuple[Indicator, Period]] = []
    for ind in indicators:
        last = latest.get(ind.pk)
        period = Period.containing(ind.ptype, last) if last else None
        version = ind.version_for((period.start if period else timezone.localdate()).year)
        kpi = Kpi(ind, indicator_name(version, ind), version, period,
                  previous=period.previous() if period else None)
        kpis.append(kpi)
        if period and kpi.previous:
            wanted += [(ind, period), (ind, kpi.previous)]
    sums = rollup.sums_for([i.pk for i, _ in wanted], [unit.pk], sorted({p.start for _, p in wanted}))
    targets = targets_for(unit=unit, wanted=[(i, p) for i, p in wanted[::2]])
    for kpi in kpis:
        if kpi.period is None or kpi.previous is None:
            continue
        rule = kpi.version.aggregation if kpi.version else "sum"
        s = sums.get((kpi.indicator.pk, unit.pk, kpi.period.start), rollup.Sums())
        kpi.value, kpi.n = rollup.compute(rule, s), int(s.n)
        prev_version = kpi.indicator.version_for(kpi.previous.start.year)
        prev = sums.get((kpi.indicator.pk, unit.pk, kpi.previous.start), rollup.Sums())
        kpi.previous_value = rollup.compute(prev_version.aggregation if prev_version else rule, prev)
        kpi.target = targets.get((kpi.indicator.pk, kpi.period.start))
    return kpis


def form_indicators(form: ReportForm) -> list[Indicator]:
    return [fi.indicator for fi in form.form_indicators.select_related("indicator")
            .prefetch_related("indicator__versions").order_by("order", "id")]


def table_rows(*, indicator: Indicator, units: list[Unit], period: Period) -> list[dict[str, Any]]:
    """One row per unit for one period, from the bulk rollup."""
    version = indicator.version_for(period.start.year)
    direction = version.direction if version else Direction.HIGHER
    decimals = version.decimals if version else 1
    rows = []
    for cell in selectors.rollup_cells(indicator=indicator, units=units, periods=[period]):
        ach = achievement(cell.value, cell.target, direction)
        rows.append({"unit": cell.unit, "value": cell.value, "target": cell.target, "achievement": ach,
                     "n": cell.n, "value_text": fmt(cell.value, decimals),
                     "target_text": fmt(cell.target, decimals), "achievement_text": fmt_pct(ach)})
    return rows


def sort_rows(rows: list[dict[str, Any]], key: str, descending: bool) -> list[dict[str, Any]]:
    """Sorted by ``key``; rows without a figure always come last."""
    if key == "name":
        return sorted(rows, key=lambda r: r["unit"].name, reverse=descending)
    present = [r for r in rows if r[key] is not None]
    missing = [r for r in rows if r[key] is None]
    return sorted(present, key=lambda r: r[key], reverse=descending) + sorted(missing, key=lambda r: r["unit"].name)


# --- pages ------------------------------------------------------------------------------------------


@login_required
def dashboard_home(request: HttpRequest) -> HttpResponse:
    """/reporting/dashboard/: the dashboard of the user's own unit, or what to do to get one."""
    tops = access.top_units(request.user, "view", Aggregate)
    if tops:
        return redirect("dashboard", code=tops[0].code)
    return render(request, "indicators/dashboard_empty.html", {})


def _choose_period(text: str, indicator: Indicator, default: Period) -> Period:
    try:
        return Period.parse(text, indicator.ptype) if text else default
    except PeriodError:
        return default


@login_required
def dashboard(request: HttpRequest, code: str) -> HttpResponse:
    unit = access.get_or_404(request.user, Unit, "view", code=code)
    access.check(request.user, "view", unit, Aggregate)
    params = request.GET
    forms = list(access.visible(request.user, ReportForm.objects.all()).order_by("name"))
    form = next((f for f in forms if f.code == params.get("form")), None)

    if form is not None:
        indicators = form_indicators(form)
    else:
        with_data = selectors.latest_with_data(unit=unit)
        indicators = list(Indicator.objects.filter(pk__in=with_data).prefetch_related("versions").order_by("code"))
    kpis = dashboard_kpis(unit=unit, indicators=indicators)

    indicator = next((k.indicator for k in kpis if k.indicator.code == params.get("indicator")), None)
    if indicator is None and params.get("indicator") and form is None:
        indicator = Indicator.objects.prefetch_related("versions").filter(code=params["indicator"]).first()
    if indicator is None:
        indicator = next((k.indicator for k in kpis if k.period), kpis[0].indicator if kpis else None)

    context: dict[str, Any] = {
        "unit": unit, "forms": forms, "form": form, "kpis": kpis, "indicator": indicator,
        "ancestors": [a for a in network.unit_ancestors(unit=unit) if access.can(request.user, "view", a, Aggregate)],
        "spans": SPANS,
    }
    if indicator is not None:
        context.update(_indicator_parts(request, unit, indicator, kpis))
        if params.get("format") == "xlsx":
            return _xlsx(unit, indicator, context)

    if request.htmx and request.htmx.target == "dash-table":
        return render(request, "indicators/dashboard.html#dash-table", context)
    if request.htmx and request.htmx.target == "dash-body":
        return render(request, "indicators/dashboard.html#dash-body", context)
    return render(request, "indicators/dashboard.html", context)


def _indicator_parts(request: HttpRequest, unit: Unit, indicator: Indicator, kpis: list[Kpi]) -> dict[str, Any]:
    """Chart, table and map of the chosen indicator and period."""
    params = request.GET
    today_period = Period.containing(indicator.ptype, timezone.localdate())
    kpi = next((k for k in kpis if k.indicator.pk == indicator.pk), None)
    if kpi is None:
        last = selectors.latest_with_data(unit=unit, indicator_ids=[indicator.pk]).get(indicator.pk)
        latest = Period.containing(indicator.ptype, last) if last else today_period
    else:
        latest = kpi.period or today_period
    period = _choose_period(params.get("period", ""), indicator, latest)
    try:
        n_periods = int(params.get("span", SPANS[0]))
    except ValueError:
        n_periods = SPANS[0]
    n_periods = n_periods if n_periods in SPANS else SPANS[0]
    end = max(period, latest)
    periods = span(end.previous(n_periods - 1), end)
    version = indicator.version_for(period.start.year)
    decimals = version.decimals if version else 1
    direction = version.direction if version else Direction.HIGHER

    series = selectors.rollup_cells(indicator=indicator, units=[unit], periods=periods)
    chart = {
        "labels": [c.period.label() for c in series],
        "periods": [c.period.dhis2 for c in series],
        "values": [c.value for c in series],
        "targets": [c.target for c in series],
        "decimals": decimals,
        "unitOfMeasure": version.unit_of_measure if version else "",
        "names": {"value": _("Value"), "target": _("Target")},
        "selected": period.dhis2,
    }

    children = selectors.analytics_units(actor=request.user, unit=unit, by="children")
    rows = table_rows(indicator=indicator, units=children, period=period) if children else []
    total = table_rows(indicator=indicator, units=[unit], period=period)[0]
    # Largest figures first by default: a ranking, with the units that have not reported at the end.
    sort = params.get("sort", "value")
    sort = sort if sort in SORTS else "value"
    descending = params.get("dir", "desc" if sort != "name" else "asc") == "desc"
    rows = sort_rows(rows, sort, descending)

    map_data = None
    if unit.unit_type in {UnitType.NATIONAL, UnitType.PROVINCE}:
        if unit.unit_type == UnitType.NATIONAL:
            provinces = [r for r in rows if r["unit"].unit_type == UnitType.PROVINCE]
        else:
            provinces = [total]
        map_data = {
            "geojson": static(MAP_URL),
            "highlight": unit.code if unit.unit_type == UnitType.PROVINCE else None,
            "data": [{"name": r["unit"].official_code or r["unit"].code, "value": r["value"],
                      "unit": r["unit"].name, "text": r["value_text"], "n": r["n"],
                      "achievement": r["achievement_text"],
                      "url": reverse("dashboard", args=[r["unit"].code])}
                     for r in provinces],
            "labels": {"noData": _("No data"), "value": _("Value"), "achievement": _("Achievement"),
                       "n": _("Values"), "paracels": _("Hoàng Sa (Đà Nẵng)"),
                       "spratlys": _("Trường Sa (Khánh Hòa)")},
            "direction": direction,
            "decimals": decimals,
            "period": period.label(),
        }

    query = params.copy()
    for key in ("format", "sort", "dir"):
        query.pop(key, None)
    first_offered = min(today_period.previous(PICKER[indicator.period_type] - 1), period)
    return {
        "period": period, "periods": list(reversed(span(first_offered, max(today_period, period)))),
        "n_periods": n_periods, "version": version, "indicator_name": indicator_name(version, indicator),
        "chart": chart, "rows": rows, "total": total, "children": children, "sort": sort, "descending": descending,
        "map": map_data, "query": query.urlencode(),
        "columns": [{"key": key, "label": label, "link": _sort_query(query, key, sort, descending)}
                    for key, label in _columns()],
        "series_rows": [{"label": c.period.label(), "value": fmt(c.value, decimals), "target": fmt(c.target, decimals)}
                        for c in reversed(series)],
    }


def _columns() -> list[tuple[str, str]]:
    return [("name", _("Unit")), ("value", _("Value")), ("target", _("Target")), ("achievement", _("Achievement")),
            ("n", _("Values"))]


def _sort_query(query: Any, key: str, sort: str, descending: bool) -> str:
    q = query.copy()
    q["sort"] = key
    # Clicking the sorted column again flips it; figures sort largest first on the first click.
    if key == sort:
        q["dir"] = "asc" if descending else "desc"
    else:
        q["dir"] = "asc" if key == "name" else "desc"
    return q.urlencode()


def _xlsx(unit: Unit, indicator: Indicator, context: dict[str, Any]) -> HttpResponse:
    period: Period = context["period"]
    headers = [_("Unit"), _("Code"), _("Reporting period"), _("Value"), _("Target"), _("Achievement (%)"),
               _("Number of values")]
    body = [[r["unit"].name, r["unit"].code, period.label(), r["value"], r["target"],
             None if r["achievement"] is None else round(r["achievement"], 1), r["n"]] for r in context["rows"]]
    t = context["total"]
    body.append([_("Total: %(unit)s") % {"unit": unit.name}, unit.code, period.label(), t["value"], t["target"],
                 None if t["achievement"] is None else round(t["achievement"], 1), t["n"]])
    title = f"{context['indicator_name']} — {unit.name} — {period.label()}"
    return xlsx_response(f"{indicator.code}-{unit.code}-{period.dhis2}", headers, body, title=title,
                         sheet_title=indicator.code)
