"""Load Viet Nam's administrative units, ministries and their lineage into the network.

Administrative units come from the ``vietnamadminunits`` package (MIT): its SQLite dataset holds
the 34 provinces and 3,321 communes in force since 1 July 2025 and the 63 provinces, 696
districts and 10,035 communes before; its converter mapping says which old commune went where.
Ministries come from ``data/ministries.py``.

The load is idempotent: rows are matched by ``code`` and only changed fields are written, so a
second run writes nothing, touches no ``updated_at`` and records no audit entry. Everything is
done with bulk queries (a few dozen statements for ~14,000 units) so that it runs in seconds on
SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from django.db import transaction
from django.utils import timezone

from dxnet.core import audit
from dxnet.core.text import fold

from .data.ministries import CURRENT_MINISTRIES, LEGACY_MINISTRIES, LEGACY_UNTIL, RESTRUCTURED_ON
from .models import SEGMENT, LineageEvent, Unit, UnitLineage, UnitType, subtree_bounds
from .services import path_for, search_text_for

ROOT_CODE = "VN"
LEGACY_PREFIX = "L"
NEW_STRUCTURE_ON = dt.date(2025, 7, 1)
OLD_STRUCTURE_UNTIL = dt.date(2025, 6, 30)
PROVINCE_NOTE = "Resolution 202/2025/QH15"
MINISTRY_NOTE = "Resolution 176/2025/QH15"

# Longest first, so that "Thành phố" is not read as something shorter.
PROVINCE_LEVELS = ("Thành phố", "Tỉnh")
DISTRICT_LEVELS = ("Thành phố", "Thị xã", "Quận", "Huyện")
COMMUNE_LEVELS = ("Thị trấn", "Đặc khu", "Phường", "Xã")
ENGLISH_LEVEL = {
    "Tỉnh": "Province", "Thành phố": "City", "Thị xã": "Town", "Quận": "District", "Huyện": "District",
    "Thị trấn": "Township", "Phường": "Ward", "Xã": "Commune", "Đặc khu": "Special Zone",
}

# Fields the loader owns; anything else on a unit (e.g. created_at) is left alone.
DATA_FIELDS = ("official_code", "name", "name_en", "short_name", "unit_type", "level_name",
               "valid_from", "valid_to", "latitude", "longitude")
DERIVED_FIELDS = ("parent_id", "search_text", "path", "depth")
LINK_FIELDS = ("event", "effective_on", "is_primary", "note")
# Keeps every IN (...) list under SQLite's and PostgreSQL's parameter limits.
CHUNK = 900


@dataclass
class UnitSpec:
    code: str
    parent: str | None
    values: dict[str, Any]


@dataclass
class LinkSpec:
    predecessor: str
    successor: str
    event: str
    effective_on: dt.date
    is_primary: bool = True
    note: str = ""


@dataclass
class Plan:
    """What the database should contain, level by level (parents before children)."""

    levels: list[list[UnitSpec]] = field(default_factory=lambda: [[], [], [], []])
    links: list[LinkSpec] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    # Oddities found in the source data, counted so that the command can report them.
    notes: Counter[str] = field(default_factory=Counter)

    def add(self, level: int, spec: UnitSpec, kind: str) -> None:
        self.levels[level].append(spec)
        self.counts[kind] += 1


@dataclass
class LoadResult:
    counts: Counter[str]
    notes: Counter[str]
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    moved_descendants: int = 0
    links_created: int = 0
    links_updated: int = 0
    links_unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.moved_descendants
                    or self.links_created or self.links_updated)

    def as_dict(self) -> dict[str, int]:
        return {
            "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
            "moved_descendants": self.moved_descendants, "links_created": self.links_created,
            "links_updated": self.links_updated, "links_unchanged": self.links_unchanged,
            **{f"count_{k}": v for k, v in sorted(self.counts.items())},
        }


# --- source data -------------------------------------------------------------------------------


def _admin_rows(table: str, fields: Sequence[str]) -> list[dict[str, Any]]:
    # Imported here: the package parses its JSON files on import, which ``manage.py`` commands
    # other than this one should not pay for.
    from vietnamadminunits.database import get_data

    # get_data selects DISTINCT rows, so rows repeated in the dataset come back once.
    return get_data(fields=list(fields), table=table)


def _converter() -> dict[str, Any]:
    # The package has no API for its mapping tables: read its data file where it is installed.
    text = resources.files("vietnamadminunits").joinpath("data", "converter_2025.json").read_text("utf-8")
    return json.loads(text)


# --- names -------------------------------------------------------------------------------------


def _clean(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def split_level(name: str, levels: Sequence[str], fallback: str) -> tuple[str, str]:
    """("Thị trấn", "Ái Tử") from "Thị Trấn Ái Tử": the dataset spells some prefixes with a capital."""
    name = _clean(name)
    folded = name.casefold()
    for level in levels:
        if folded.startswith(level.casefold() + " "):
            return level, name[len(level) + 1 :].strip()
    return fallback, name


def ascii_name(text: str) -> str:
    """"Đắk Lắk" → "Dak Lak", "Cư M'gar" → "Cu M'gar": accents folded, each word capitalised,
    the rest of the original casing kept (fold() alone would lower-case "M'Drắk")."""
    chars = []
    for ch in _clean(text):
        plain = " " if ch.isspace() else fold(ch)
        chars.append(plain.upper() if ch.isupper() else plain)
    return re.sub(r"(^|[\s\-(])([a-z])", lambda m: m.group(1) + m.group(2).upper(), "".join(chars))


def _names(raw_name: str, levels: Sequence[str], type_column: str | None, plan: Plan) -> dict[str, str]:
    """name, short_name, level_name, name_en for an administrative unit.

    The level comes from the name's prefix rather than the type column, because the column
    disagrees with the name in a few rows ("Phường Việt Hòa" typed Xã) and the name is what the
    resolutions publish; the mismatches are counted."""
    fallback = _clean(type_column) if _clean(type_column) in levels else levels[-1]
    level, bare = split_level(raw_name, levels, fallback)
    if type_column and _clean(type_column) != level:
        plan.notes["type column disagrees with the name"] += 1
    full = f"{level} {bare}"
    if full != _clean(raw_name):
        plan.notes["name prefix re-cased or added"] += 1
    numbered = bare[:1].isdigit()
    english_level = ENGLISH_LEVEL[level]
    english = ascii_name(bare)
    return {
        "name": full,
        # "Phường 1" / "Quận 3": the number alone is no name.
        "short_name": full if numbered else bare,
        "level_name": level,
        "name_en": f"{english_level} {english}" if numbered else f"{english} {english_level}",
    }


def _by_codes(*columns: str) -> Callable[[dict[str, Any]], tuple[str, ...]]:
    # Sorted so that units are created in code order, whatever order the dataset returns.
    return lambda row: tuple(row[c] or "" for c in columns)


def _coord(value: Any) -> float | None:
    return float(value) if value not in (None, "") else None


def _event(n_predecessors: int, old_name: str, new_name: str) -> str:
    if n_predecessors > 1:
        return LineageEvent.MERGED
    return LineageEvent.CONTINUED if old_name.casefold() == new_name.casefold() else LineageEvent.RENAMED


# --- plan --------------------------------------------------------------------------------------


def _ministry_level(name: str) -> str:
    return "Bộ" if name.startswith("Bộ ") else "Cơ quan ngang bộ"


def _plan_ministries(plan: Plan) -> None:
    for m in CURRENT_MINISTRIES:
        plan.add(1, UnitSpec(m["code"], ROOT_CODE, {
            "official_code": "", "name": m["name"], "name_en": m["name_en"], "short_name": m["short_name"],
            "unit_type": UnitType.MINISTRY, "level_name": _ministry_level(m["name"]),
            "valid_from": RESTRUCTURED_ON, "valid_to": None, "latitude": None, "longitude": None,
        }), "ministries")
    for m in LEGACY_MINISTRIES:
        plan.add(1, UnitSpec(m["code"], ROOT_CODE, {
            "official_code": "", "name": m["name"], "name_en": m["name_en"], "short_name": m["short_name"],
            "unit_type": UnitType.MINISTRY, "level_name": _ministry_level(m["name"]),
            "valid_from": None, "valid_to": LEGACY_UNTIL, "latitude": None, "longitude": None,
        }), "legacy_ministries")
        for successor, event, primary in m["successors"]:
            plan.links.append(LinkSpec(m["code"], successor, event, RESTRUCTURED_ON, primary, MINISTRY_NOTE))


def _plan_current(plan: Plan) -> tuple[dict[str, str], dict[tuple[str, str], str], dict[str, str]]:
    """The 2025 provinces and communes. Returns the keys the converter uses → unit codes, and
    the units' names by code (to tell a renaming from a continuation)."""
    rows = _admin_rows("admin_units", [
        "province", "provinceShort", "provinceCode", "provinceLat", "provinceLon", "provinceKey",
        "ward", "wardType", "wardCode", "wardLat", "wardLon", "wardKey",
    ])
    plan.notes["current rows read"] += len(rows)
    provinces: dict[str, str] = {}
    communes: dict[tuple[str, str], str] = {}
    names: dict[str, str] = {}
    for row in sorted(rows, key=_by_codes("provinceCode", "wardCode")):
        pcode = _clean(row["provinceCode"])
        if pcode not in names:
            values = _names(row["province"], PROVINCE_LEVELS, None, plan)
            plan.add(1, UnitSpec(pcode, ROOT_CODE, {
                **values, "official_code": pcode, "unit_type": UnitType.PROVINCE,
                "valid_from": NEW_STRUCTURE_ON, "valid_to": None,
                "latitude": _coord(row["provinceLat"]), "longitude": _coord(row["provinceLon"]),
            }), "provinces")
            names[pcode] = values["name"]
            provinces[row["provinceKey"]] = pcode
        wcode = _clean(row["wardCode"])
        if not wcode:
            plan.notes["current rows without a commune"] += 1
            continue
        if wcode in names:
            plan.notes["current commune codes repeated"] += 1
            continue
        values = _names(row["ward"], COMMUNE_LEVELS, row["wardType"], plan)
        plan.add(2, UnitSpec(wcode, pcode, {
            **values, "official_code": wcode, "unit_type": UnitType.COMMUNE,
            "valid_from": NEW_STRUCTURE_ON, "valid_to": None,
            "latitude": _coord(row["wardLat"]), "longitude": _coord(row["wardLon"]),
        }), "communes")
        names[wcode] = values["name"]
        key = (row["provinceKey"], row["wardKey"])
        if key in communes:
            plan.notes["current commune keys repeated in a province"] += 1
        communes.setdefault(key, wcode)
    return provinces, communes, names


def _plan_legacy(
    plan: Plan, provinces: dict[str, str], communes: dict[tuple[str, str], str], names: dict[str, str],
) -> None:
    rows = _admin_rows("admin_units_legacy", [
        "province", "provinceShort", "provinceCode", "provinceLat", "provinceLon", "provinceKey",
        "district", "districtType", "districtCode", "districtLat", "districtLon", "districtKey",
        "ward", "wardType", "wardCode", "wardLat", "wardLon", "wardKey",
    ])
    plan.notes["legacy rows read"] += len(rows)
    conv = _converter()
    new_province_of = {old: new for new, olds in conv["DICT_PROVINCE"].items() for old in olds}

    old_provinces: dict[str, str] = {}  # provinceKey → code
    old_districts: dict[str, str] = {}  # "prov_dist_" → code
    old_communes: dict[str, str] = {}  # "prov_dist_ward" → code
    old_names: dict[str, str] = {}
    seen: set[str] = set()
    for row in sorted(rows, key=_by_codes("provinceCode", "districtCode", "wardCode")):
        pcode = LEGACY_PREFIX + _clean(row["provinceCode"])
        if pcode not in seen:
            seen.add(pcode)
            values = _names(row["province"], PROVINCE_LEVELS, None, plan)
            plan.add(1, UnitSpec(pcode, ROOT_CODE, {
                **values, "official_code": _clean(row["provinceCode"]), "unit_type": UnitType.PROVINCE,
                "valid_from": None, "valid_to": OLD_STRUCTURE_UNTIL,
                "latitude": _coord(row["provinceLat"]), "longitude": _coord(row["provinceLon"]),
            }), "legacy_provinces")
            old_provinces[row["provinceKey"]] = pcode
            old_names[pcode] = values["name"]
        dcode = LEGACY_PREFIX + _clean(row["districtCode"])
        if dcode not in seen:
            seen.add(dcode)
            values = _names(row["district"], DISTRICT_LEVELS, row["districtType"], plan)
            plan.add(2, UnitSpec(dcode, pcode, {
                **values, "official_code": _clean(row["districtCode"]), "unit_type": UnitType.DISTRICT,
                "valid_from": None, "valid_to": OLD_STRUCTURE_UNTIL,
                "latitude": _coord(row["districtLat"]), "longitude": _coord(row["districtLon"]),
            }), "legacy_districts")
            old_districts[f"{row['provinceKey']}_{row['districtKey']}_"] = dcode
            old_names[dcode] = values["name"]
        wcode = _clean(row["wardCode"])
        if not wcode:
            # Island districts (Bạch Long Vĩ, Cồn Cỏ, Hoàng Sa, Lý Sơn, Côn Đảo) had no communes:
            # the row stands for the district itself, which the mapping sends to a special zone.
            plan.notes["legacy districts without communes"] += 1
            continue
        wcode = LEGACY_PREFIX + wcode
        if wcode in seen:
            plan.notes["legacy commune codes repeated"] += 1
            continue
        seen.add(wcode)
        values = _names(row["ward"], COMMUNE_LEVELS, row["wardType"], plan)
        plan.add(3, UnitSpec(wcode, dcode, {
            **values, "official_code": _clean(row["wardCode"]), "unit_type": UnitType.COMMUNE,
            "valid_from": None, "valid_to": OLD_STRUCTURE_UNTIL,
            "latitude": _coord(row["wardLat"]), "longitude": _coord(row["wardLon"]),
        }), "legacy_communes")
        old_communes[f"{row['provinceKey']}_{row['districtKey']}_{row['wardKey']}"] = wcode
        old_names[wcode] = values["name"]

    _plan_legacy_links(plan, conv, new_province_of, provinces, communes, names,
                       old_provinces, old_districts, old_communes, old_names)


def _plan_legacy_links(
    plan: Plan, conv: dict[str, Any], new_province_of: dict[str, str],
    provinces: dict[str, str], communes: dict[tuple[str, str], str], names: dict[str, str],
    old_provinces: dict[str, str], old_districts: dict[str, str], old_communes: dict[str, str],
    old_names: dict[str, str],
) -> None:
    links: list[LinkSpec] = []

    for new_key, old_keys in conv["DICT_PROVINCE"].items():
        new_code = provinces.get(new_key)
        olds = [old_provinces[k] for k in old_keys if k in old_provinces]
        plan.notes["mapping province keys not found"] += (new_code is None) + len(old_keys) - len(olds)
        if new_code is None:
            continue
        for old in olds:
            links.append(LinkSpec(old, new_code, _event(len(olds), old_names[old], names[new_code]),
                                  NEW_STRUCTURE_ON, True, PROVINCE_NOTE))

    # Resolve both mapping tables to (old code, new code) pairs first: whether a new commune
    # "continues" an old one depends on all its predecessors, whole or in part.
    whole: list[tuple[str, str]] = []
    parts: list[tuple[str, str, bool]] = []
    mentioned: set[str] = set()  # old units the mapping names, whether or not their target resolves

    def old_code_of(key: str) -> str | None:
        code = old_communes.get(key) or old_districts.get(key)
        if code is None:
            plan.notes["mapping old commune keys not found"] += 1
        else:
            mentioned.add(code)
        return code

    for new_pkey, wards in conv["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_wkey, old_keys in wards.items():
            new_code = communes.get((new_pkey, new_wkey))
            if new_code is None:
                plan.notes["mapping new commune keys not found"] += 1
            for old_key in old_keys:
                old_code = old_code_of(old_key)
                if old_code is not None and new_code is not None:
                    whole.append((old_code, new_code))
    for new_pkey, olds in conv["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, targets in olds.items():
            old_code = old_code_of(old_key)
            for target in targets:
                new_code = communes.get((new_pkey, target["newWardKey"]))
                if new_code is None:
                    plan.notes["mapping new commune keys not found"] += 1
                elif old_code is not None:
                    parts.append((old_code, new_code, bool(target.get("isDefaultNewWard"))))

    n_predecessors: Counter[str] = Counter(new for _, new in whole)
    n_predecessors.update(new for _, new, _ in parts)
    for old, new in whole:
        event = _event(n_predecessors[new], old_names[old], names[new])
        links.append(LinkSpec(old, new, event, NEW_STRUCTURE_ON))
    for old, new, primary in parts:
        links.append(LinkSpec(old, new, LineageEvent.SPLIT, NEW_STRUCTURE_ON, primary))

    # Districts were abolished: their data goes to the province their own province became part of.
    # The island districts also continue as special zones; that link is the primary one, since a
    # special zone is the same territory and administration, the province only contains it.
    district_codes = set(old_districts.values())
    continues_as_zone = {link.predecessor for link in links if link.predecessor in district_codes}
    for key, dcode in old_districts.items():
        new_code = provinces.get(new_province_of.get(key.split("_", 1)[0], ""))
        if new_code is None:
            plan.notes["districts without a new province"] += 1
            continue
        links.append(LinkSpec(dcode, new_code, LineageEvent.MERGED, NEW_STRUCTURE_ON,
                              dcode not in continues_as_zone, PROVINCE_NOTE))

    plan.links.extend(_one_primary_each(links, plan))

    linked = {link.predecessor for link in plan.links}
    plan.counts["legacy_communes_without_successor"] = sum(
        1 for code in old_communes.values() if code in mentioned and code not in linked)
    plan.counts["legacy_communes_not_in_mapping"] = sum(
        1 for code in old_communes.values() if code not in mentioned)


def _one_primary_each(links: list[LinkSpec], plan: Plan) -> list[LinkSpec]:
    """Drop repeated pairs and leave exactly one primary successor per predecessor, as the
    lineage model requires of a split (the mapping marks one default per divided commune, but
    nothing in its format enforces that)."""
    unique: dict[tuple[str, str], LinkSpec] = {}
    for link in links:
        pair = (link.predecessor, link.successor)
        if pair in unique:
            plan.notes["mapping pairs repeated"] += 1
            unique[pair].is_primary = unique[pair].is_primary or link.is_primary
            continue
        unique[pair] = link
    by_predecessor: dict[str, list[LinkSpec]] = defaultdict(list)
    for link in unique.values():
        by_predecessor[link.predecessor].append(link)
    for group in by_predecessor.values():
        primaries = [link for link in group if link.is_primary]
        if len(primaries) != 1:
            plan.notes["predecessors without exactly one primary successor"] += 1
            keep = (primaries or group)[0]
            for link in group:
                link.is_primary = link is keep
    return list(unique.values())


def build_plan(*, legacy: bool) -> Plan:
    plan = Plan()
    plan.add(0, UnitSpec(ROOT_CODE, None, {
        "official_code": "", "name": "Việt Nam", "name_en": "Viet Nam", "short_name": "Việt Nam",
        "unit_type": UnitType.NATIONAL, "level_name": "", "valid_from": None, "valid_to": None,
        "latitude": None, "longitude": None,
    }), "national")
    _plan_ministries(plan)
    provinces, communes, names = _plan_current(plan)
    if legacy:
        _plan_legacy(plan, provinces, communes, names)
    codes = Counter(spec.code for level in plan.levels for spec in level)
    repeated = [code for code, n in codes.items() if n > 1]
    if repeated:
        # Two sources claiming one code would make the load create a row twice and fail.
        raise ValueError(f"unit codes planned twice: {repeated[:5]}")
    return plan


# --- apply -------------------------------------------------------------------------------------


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _existing_units(codes: Sequence[str]) -> dict[str, Unit]:
    found: dict[str, Unit] = {}
    for chunk in _chunks(codes):
        found.update((u.code, u) for u in Unit.objects.filter(code__in=chunk).order_by())
    return found


def _existing_links(predecessor_ids: Sequence[int]) -> dict[tuple[int, int], UnitLineage]:
    found: dict[tuple[int, int], UnitLineage] = {}
    for chunk in _chunks(predecessor_ids):
        for link in UnitLineage.objects.filter(predecessor_id__in=chunk).order_by():
            found[(link.predecessor_id, link.successor_id)] = link
    return found


def _apply_units(plan: Plan, result: LoadResult) -> dict[str, Unit]:
    all_codes = [spec.code for level in plan.levels for spec in level]
    existing = _existing_units(all_codes)
    units: dict[str, Unit] = {}
    created: list[Unit] = []
    changed: list[Unit] = []
    changed_fields: set[str] = set()
    moved: dict[str, str] = {}  # old path → new path, for descendants the loader does not own
    now = timezone.now()

    for level in plan.levels:
        new_here: list[tuple[Unit, Unit | None]] = []
        for spec in level:
            parent = units[spec.parent] if spec.parent else None
            depth = parent.depth + 1 if parent else 0
            unit = existing.get(spec.code)
            if unit is None:
                unit = Unit(code=spec.code, parent=parent, depth=depth, **spec.values)
                unit.search_text = search_text_for(unit)
                new_here.append((unit, parent))
            else:
                diff = [name for name, value in spec.values.items() if getattr(unit, name) != value]
                for name in diff:
                    setattr(unit, name, spec.values[name])
                target = {
                    "parent_id": parent.pk if parent else None,
                    "search_text": search_text_for(unit),
                    "path": path_for(unit, parent),
                    "depth": depth,
                }
                for name, value in target.items():
                    if getattr(unit, name) != value:
                        if name == "path" and unit.path:
                            moved[unit.path] = value
                        setattr(unit, name, value)
                        diff.append(name)
                if diff:
                    unit.updated_at = now
                    changed.append(unit)
                    changed_fields.update(diff)
            units[spec.code] = unit
        # Children in the next level need their parents' ids and paths.
        Unit.objects.bulk_create([u for u, _ in new_here])
        for unit, parent in new_here:
            unit.path = path_for(unit, parent)
        created.extend(u for u, _ in new_here)

    if created:
        Unit.objects.bulk_update(created, ["path"], batch_size=2000)
    if changed:
        Unit.objects.bulk_update(changed, sorted(changed_fields) + ["updated_at"], batch_size=500)
    result.created, result.updated = len(created), len(changed)
    result.unchanged = len(units) - len(created) - len(changed)
    result.moved_descendants = _move_descendants(moved, {u.pk for u in units.values()})
    return units


def _move_descendants(moved: dict[str, str], owned: set[int]) -> int:
    """Rewrite the paths of units created by people (teams, agencies) under a unit that the
    loader moved, deepest move first, so that their subtree stays where it was."""
    if not moved:
        return 0
    tops = [p for p in moved if not any(p != q and p.startswith(q) for q in moved)]
    rows: list[Unit] = []
    for old in tops:
        low, high = subtree_bounds(old)
        rows.extend(u for u in Unit.objects.filter(path__gt=low, path__lt=high).only("pk", "path", "depth")
                    if u.pk not in owned)
    for unit in rows:
        for end in range(len(unit.path) - SEGMENT, 0, -SEGMENT):
            new_prefix = moved.get(unit.path[:end])
            if new_prefix is not None:
                unit.path = new_prefix + unit.path[end:]
                unit.depth = len(unit.path) // SEGMENT - 1
                break
    Unit.objects.bulk_update(rows, ["path", "depth"], batch_size=500)
    return len(rows)


def _apply_links(plan: Plan, units: dict[str, Unit], result: LoadResult) -> None:
    ids = {code: unit.pk for code, unit in units.items()}
    missing = [link for link in plan.links if link.predecessor not in ids or link.successor not in ids]
    if missing:
        # Only possible if data/ministries.py names a successor it does not define.
        raise ValueError(f"lineage names unknown units: {missing[:3]}")
    existing = _existing_links(sorted({ids[link.predecessor] for link in plan.links}))
    to_create: list[UnitLineage] = []
    to_update: list[UnitLineage] = []
    for spec in plan.links:
        values = {"event": str(spec.event), "effective_on": spec.effective_on,
                  "is_primary": spec.is_primary, "note": spec.note}
        link = existing.get((ids[spec.predecessor], ids[spec.successor]))
        if link is None:
            to_create.append(UnitLineage(predecessor_id=ids[spec.predecessor],
                                         successor_id=ids[spec.successor], **values))
        elif any(getattr(link, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(link, name, value)
            to_update.append(link)
    UnitLineage.objects.bulk_create(to_create, batch_size=2000)
    if to_update:
        UnitLineage.objects.bulk_update(to_update, list(LINK_FIELDS), batch_size=500)
    result.links_created, result.links_updated = len(to_create), len(to_update)
    result.links_unchanged = len(plan.links) - len(to_create) - len(to_update)


def load_units(*, legacy: bool = False, plan: Plan | None = None) -> LoadResult:
    """Bring the database in line with the source data, in one transaction, with one audit
    entry if anything changed."""
    plan = plan or build_plan(legacy=legacy)
    result = LoadResult(counts=plan.counts, notes=plan.notes)
    with transaction.atomic():
        units = _apply_units(plan, result)
        _apply_links(plan, units, result)
        if result.changed:
            root = units[ROOT_CODE]
            audit.record(actor=None, action="units.load", obj=root, after=result.as_dict(), unit=root)
    return result
