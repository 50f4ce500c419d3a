"""Live rollups: aggregates kept up to date on write, lineage-aware.

A counted value at unit U adds (1, value, numerator, denominator) to the ``Aggregate`` rows of
every unit it is *attributed* to: U's proper ancestors and, when U is no longer in force (a
pre-2025 commune, a merged ministry), its current successor and that successor's ancestors,
each unit once. Where a unit was split among several successors, its values go wholly to the
**primary** successor (the package's default new commune, for communes): a value cannot be
divided without knowing what it counts, and counting it twice would inflate the national
figure.

``apply`` turns value deltas into one ``INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n``
per batch (the same SQL on SQLite ≥ 3.24 and PostgreSQL), in a fixed row order so that
concurrent writers cannot deadlock. Readers add a unit's own value to its aggregate row.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction

from dxnet.network.models import Unit, UnitLineage

from .models import Aggregate, Aggregation, DataValue, Indicator

BATCH = 500


@dataclass
class Sums:
    n: float = 0
    total: float = 0
    num: float = 0
    den: float = 0

    def add(self, other: Sums) -> None:
        self.n += other.n
        self.total += other.total
        self.num += other.num
        self.den += other.den


def contribution(value: float | None, numerator: float | None, denominator: float | None) -> Sums:
    if value is None and numerator is None:
        return Sums()
    return Sums(1, value or 0.0, numerator or 0.0, denominator or 0.0)


def attribution(unit_ids: Iterable[int], on: dt.date | None = None) -> dict[int, tuple[int, ...]]:
    """For each unit, the units whose aggregates its values feed (see the module docstring)."""
    ids = set(unit_ids)
    units = {u.pk: u for u in Unit.objects.filter(pk__in=ids).only("pk", "path", "valid_to", "valid_from")}
    successors = _primary_successors({uid for uid, u in units.items() if not u.is_current(on)}, on)
    result: dict[int, tuple[int, ...]] = {}
    for uid, unit in units.items():
        targets = [a for a in unit.ancestor_ids if a != uid]
        for successor in successors.get(uid, ()):
            targets.extend(successor.ancestor_ids)
        seen: set[int] = set()
        result[uid] = tuple(t for t in targets if t != uid and not (t in seen or seen.add(t)))
    return result


def _primary_successors(unit_ids: set[int], on: dt.date | None) -> dict[int, list[Unit]]:
    """The units in force that continue each of ``unit_ids`` through primary lineage links,
    followed over as many steps as there were — one query per step for all units together."""
    out: dict[int, list[Unit]] = defaultdict(list)
    frontier: dict[int, set[int]] = {uid: {uid} for uid in unit_ids}  # origin → units reached, not yet current
    seen: dict[int, set[int]] = {uid: {uid} for uid in unit_ids}
    while frontier:
        reached = {u for us in frontier.values() for u in us}
        links: dict[int, list[Unit]] = defaultdict(list)
        for link in UnitLineage.objects.filter(predecessor_id__in=reached, is_primary=True).select_related("successor"):
            links[link.predecessor_id].append(link.successor)
        nxt: dict[int, set[int]] = {}
        for origin, current in frontier.items():
            for pred in current:
                for s in links.get(pred, ()):
                    if s.pk in seen[origin]:
                        continue
                    seen[origin].add(s.pk)
                    if s.is_current(on):
                        out[origin].append(s)
                    else:
                        nxt.setdefault(origin, set()).add(s.pk)
        frontier = nxt
    return out


def apply(deltas: Sequence[tuple[int, int, dt.date, Sums]]) -> int:
    """Add value deltas ``(indicator_id, unit_id, period, sums)`` to the aggregates of the units
    they are attributed to. Call inside the transaction that writes the values."""
    if not deltas:
        return 0
    attributed = attribution({unit_id for _, unit_id, _, _ in deltas})
    merged: dict[tuple[int, int, dt.date], Sums] = defaultdict(Sums)
    for indicator_id, unit_id, period, sums in deltas:
        for target in attributed.get(unit_id, ()):
            merged[(indicator_id, target, period)].add(sums)
    rows = sorted((k, v) for k, v in merged.items() if v.n or v.total or v.num or v.den)
    _upsert(rows)
    return len(rows)


def _upsert(rows: Sequence[tuple[tuple[int, int, dt.date], Sums]]) -> None:
    table = connection.ops.quote_name(Aggregate._meta.db_table)
    update = (f"ON CONFLICT (indicator_id, unit_id, period) DO UPDATE SET "
              f"n = {table}.n + excluded.n, total = {table}.total + excluded.total, "
              f"num = {table}.num + excluded.num, den = {table}.den + excluded.den")
    columns = "indicator_id, unit_id, period, n, total, num, den"
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One array per column keeps the statement small (see services._upsert_values).
            for start in range(0, len(rows), 5000):
                chunk = rows[start : start + 5000]
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::date[], "
                    f"%s::bigint[], %s::float8[], %s::float8[], %s::float8[]) {update}",
                    [[k[0] for k, _ in chunk], [k[1] for k, _ in chunk], [k[2] for k, _ in chunk],
                     [int(s.n) for _, s in chunk], [s.total for _, s in chunk], [s.num for _, s in chunk],
                     [s.den for _, s in chunk]],
                )
            return
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            placeholders = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
            params: list[object] = []
            for (indicator_id, unit_id, period), s in chunk:
                params += [indicator_id, unit_id, connection.ops.adapt_datefield_value(period), int(s.n), s.total,
                           s.num, s.den]
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {placeholders} {update}", params)


def rebuild(*, indicator: Indicator | None = None) -> int:
    """Recompute aggregates from the stored values: for repairs and after lineage changes that
    move already-reported values (never needed for ordinary writes)."""
    with transaction.atomic():
        aggregates = Aggregate.objects.all()
        values = DataValue.objects.filter(counted=True)
        if indicator is not None:
            aggregates = aggregates.filter(indicator=indicator)
            values = values.filter(indicator=indicator)
        aggregates.delete()
        deltas = [
            (i, u, p, contribution(v, n, d))
            for i, u, p, v, n, d in values.values_list("indicator_id", "unit_id", "period", "value", "numerator",
                                                        "denominator").iterator(chunk_size=5000)
        ]
        return apply(deltas)


# --- reading ----------------------------------------------------------------------------------


def sums_for(indicator_ids: Sequence[int], unit_ids: Sequence[int], periods: Sequence[dt.date]) -> dict[
    tuple[int, int, dt.date], Sums
]:
    """Own counted value + aggregate of everything below, per (indicator, unit, period)."""
    out: dict[tuple[int, int, dt.date], Sums] = defaultdict(Sums)
    if not indicator_ids or not unit_ids or not periods:
        return out
    filters = {"indicator_id__in": indicator_ids, "unit_id__in": unit_ids, "period__in": periods}
    for a in Aggregate.objects.filter(**filters).values_list("indicator_id", "unit_id", "period", "n", "total",
                                                             "num", "den"):
        out[(a[0], a[1], a[2])].add(Sums(a[3], a[4], a[5], a[6]))
    for v in DataValue.objects.filter(counted=True, **filters).values_list(
        "indicator_id", "unit_id", "period", "value", "numerator", "denominator"
    ):
        out[(v[0], v[1], v[2])].add(contribution(v[3], v[4], v[5]))
    return out


def compute(aggregation: str, sums: Sums) -> float | None:
    """The figure an aggregation rule makes of the sums, or None when nothing was reported."""
    if not sums.n:
        return None
    match aggregation:
        case Aggregation.SUM | Aggregation.COUNT_YES | Aggregation.LATEST:
            return sums.total
        case Aggregation.AVERAGE:
            return sums.total / sums.n
        case Aggregation.SHARE_YES:
            return 100.0 * sums.total / sums.n
        case Aggregation.RATIO_OF_SUMS:
            return 100.0 * sums.num / sums.den if sums.den else None
    raise ValueError(f"unknown aggregation {aggregation!r}")


def over_time(aggregation: str, by_period: dict[dt.date, Sums]) -> Sums:
    """Combine several periods: stocks (yes/no counts and shares, latest) take the latest period
    with data; flows (sums, averages, ratios) add up."""
    if aggregation in {Aggregation.COUNT_YES, Aggregation.SHARE_YES, Aggregation.LATEST}:
        for period in sorted(by_period, reverse=True):
            if by_period[period].n:
                return by_period[period]
        return Sums()
    total = Sums()
    for s in by_period.values():
        total.add(s)
    return total
