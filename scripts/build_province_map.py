#!/usr/bin/env python3
"""Build the dashboards' province maps from the 63-province TopoJSON in ``data/maps``.

Writes two GeoJSON FeatureCollections under ``dxnet/static/dxnet/maps``:

* ``vn-provinces-34.geo.json`` — the 34 provinces in force since 1 July 2025, the topological
  dissolve of the 63 old provinces by the official old→new mapping of ``vietnamadminunits``;
* ``vn-provinces-63.geo.json`` — the 63 provinces before the merger (for pre-2025 data).

Each feature has the properties ``code`` (GSO province code, a string such as ``"66"``),
``name`` (``"Tỉnh Đắk Lắk"``) and ``short_name`` (``"Đắk Lắk"``).

How it works (standard library only):

1. decode the TopoJSON arcs (delta-encoded, quantized, with a transform);
2. match each of the 63 geometries to an old province of ``vietnamadminunits`` by its
   accent-folded name, after fixing the source's known misspellings (fails on any mismatch);
3. simplify every arc once (Douglas–Peucker) and round it to the output grid, so that two
   neighbours still share exactly the same border;
4. per output province, drop the arcs used by two of its own polygons (interior borders) and stitch
   the remaining arcs into closed rings, as topojson-client's ``merge`` does;
5. split rings where they touch themselves, tell outer rings from holes by their orientation, put
   each hole in the smallest outer ring that contains it, and write RFC 7946 winding
   (outer rings counter-clockwise, holes clockwise).

Usage: ``.venv/bin/python scripts/build_province_map.py [--tolerance DEGREES]``
"""

from __future__ import annotations

import argparse
import importlib.resources
import json
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "data" / "maps" / "vn-provinces-63.topo.json"
OUT_DIR = ROOT / "dxnet" / "static" / "dxnet" / "maps"
OBJECT = "diaphantinh"

PRECISION = 3  # decimals of the output coordinates (0.001° ≈ 110 m)
GRID = 10**PRECISION  # output coordinates are handled as integers in units of 1/GRID degree
DEFAULT_TOLERANCE = 0.001  # Douglas–Peucker tolerance in degrees (≈ 110 m, the output grid)
MAX_BYTES = 600_000

# Misspellings in the source's ``ten_tinh`` (keys after NFC normalisation). The source's
# "Bạc Liêu" is listed as a defect upstream; NFC normalisation makes it match.
NAME_FIXES = {
    "Cần Thơn": "Cần Thơ",
    "Quản Bình": "Quảng Bình",
    "Kien Giang": "Kiên Giang",
    "Bà Rịa -Vũng Tàu": "Bà Rịa - Vũng Tàu",
    "Đăk Lăk": "Đắk Lắk",
    "Đăk Nông": "Đắk Nông",
}
# Renamed since the source was drawn: Thừa Thiên Huế became the city of Huế on 1 January 2025.
RENAMED = {"Thừa Thiên Huế": "Huế"}
PREFIXES = ("Thành phố ", "Tỉnh ", "TP. ", "TP ")

ATTRIBUTION = (
    "Province boundaries: Open Development Mekong, “Địa phận tỉnh” (Department of Survey and Mapping data), "
    "CC BY-SA 4.0; TopoJSON by phamductu/vietnamese-provincial-icons (MIT); names and codes from "
    "vietnamadminunits (MIT). Simplified, and dissolved into the 34 provinces of 1 July 2025, by dxnet: "
    "a derived work under CC BY-SA 4.0."
)

Point = tuple[int, int]


class MapError(Exception):
    pass


# --- names ---------------------------------------------------------------------------------------


def short_name(name: str) -> str:
    name = unicodedata.normalize("NFC", name).strip()
    for prefix in PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :].strip()
    return name


def fold(name: str) -> str:
    """``"Tỉnh Đắk Lắk"`` → ``"daklak"``: no prefix, no accents, no spaces or punctuation."""
    name = short_name(name).replace("đ", "d").replace("Đ", "D")
    name = unicodedata.normalize("NFD", name)
    return "".join(c for c in name.lower() if c.isalnum() and not unicodedata.combining(c))


def fixed_name(raw: str) -> str:
    name = unicodedata.normalize("NFC", raw).strip()
    name = NAME_FIXES.get(name, name)
    return RENAMED.get(name, name)


def load_units() -> tuple[list[dict], list[dict], dict[str, list[str]]]:
    from vietnamadminunits.database import query

    legacy = query("select distinct province, provinceCode, provinceKey from admin_units_legacy")
    current = query("select distinct province, provinceCode, provinceKey from admin_units")
    path = importlib.resources.files("vietnamadminunits") / "data" / "converter_2025.json"
    mapping = json.loads(path.read_text(encoding="utf-8"))["DICT_PROVINCE"]
    if len(legacy) != 63 or len(current) != 34 or len(mapping) != 34:
        raise MapError(f"vietnamadminunits: {len(legacy)} old, {len(current)} new provinces, {len(mapping)} mapped")
    return legacy, current, mapping


def match_geometries(geometries: list[dict], legacy: list[dict]) -> dict[str, int]:
    """Old province key → index of its geometry; fails unless the match is one-to-one."""
    by_fold: dict[str, dict] = {}
    for unit in legacy:
        key = fold(unit["province"])
        if key in by_fold:
            raise MapError(f"two old provinces fold to {key!r}")
        by_fold[key] = unit
    matched: dict[str, int] = {}
    problems = []
    for index, geometry in enumerate(geometries):
        raw = geometry["properties"]["ten_tinh"]
        unit = by_fold.get(fold(fixed_name(raw)))
        if unit is None:
            problems.append(f"geometry {index} {raw!r} matches no old province")
        elif unit["provinceKey"] in matched:
            other = geometries[matched[unit["provinceKey"]]]["properties"]["ten_tinh"]
            problems.append(f"geometry {index} {raw!r} and {other!r} both match {unit['province']}")
        else:
            matched[unit["provinceKey"]] = index
    missing = [u["province"] for u in legacy if u["provinceKey"] not in matched]
    if missing:
        problems.append(f"old provinces without a geometry: {', '.join(missing)}")
    if problems:
        raise MapError("matching the 63 geometries failed:\n  " + "\n  ".join(problems))
    return matched


# --- arcs ----------------------------------------------------------------------------------------


def decode_arcs(topology: dict) -> tuple[list[list[Point]], list[list[tuple[float, float]]]]:
    """Quantized integer positions (exact, for matching arc ends) and their lon/lat."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    quantized, lonlat = [], []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for position in arc:
            x += position[0]
            y += position[1]
            points.append((x, y))
        quantized.append(points)
        lonlat.append([(x * sx + tx, y * sy + ty) for x, y in points])
    return quantized, lonlat


def _segment_distance2(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length2))
    ex, ey = p[0] - a[0] - t * dx, p[1] - a[1] - t * dy
    return ex * ex + ey * ey


def _douglas_peucker(points: list, first: int, last: int, tolerance2: float, keep: list[bool], force: bool) -> None:
    """Marks in ``keep`` the points of ``points[first..last]`` to keep (iterative)."""
    stack = [(first, last, force)]
    while stack:
        i, j, forced = stack.pop()
        if j - i < 2:
            continue
        best, best_d = -1, -1.0
        for k in range(i + 1, j):
            d = _segment_distance2(points[k], points[i], points[j])
            if d > best_d:
                best, best_d = k, d
        if best_d > tolerance2 or (forced and best_d > 0):
            keep[best] = True
            stack.append((i, best, False))
            stack.append((best, j, False))


def simplify_arc(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas–Peucker that keeps the ends; a closed arc (an island) keeps at least four corners."""
    n = len(points)
    if n <= 2:
        return list(points)
    keep = [False] * n
    keep[0] = keep[-1] = True
    tolerance2 = tolerance * tolerance
    if points[0] == points[-1]:
        far = max(range(1, n - 1), key=lambda k: _segment_distance2(points[k], points[0], points[0]))
        keep[far] = True
        _douglas_peucker(points, 0, far, tolerance2, keep, True)
        _douglas_peucker(points, far, n - 1, tolerance2, keep, True)
    else:
        _douglas_peucker(points, 0, n - 1, tolerance2, keep, False)
    return [p for p, k in zip(points, keep, strict=True) if k]


def grid_arc(points: list[tuple[float, float]]) -> list[Point]:
    out: list[Point] = []
    for x, y in points:
        p = (round(x * GRID), round(y * GRID))
        if not out or out[-1] != p:
            out.append(p)
    if len(out) == 1:  # an arc shorter than the grid: keep both (equal) ends so it still joins
        out.append(out[0])
    return out


# --- rings ---------------------------------------------------------------------------------------


def ring_area2(ring: list[Point]) -> int:
    """Twice the signed area (positive = counter-clockwise); ``ring`` is closed."""
    return sum(ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1] for i in range(len(ring) - 1))


def polygons_of(geometry: dict) -> list[list[list[int]]]:
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["arcs"]
    raise MapError(f"unexpected geometry type {geometry['type']}")


def boundary_arcs(polygons: list[list[list[int]]]) -> list[int]:
    """The arcs of a group of polygons used once: an arc used by two of them is an interior border."""
    uses: dict[int, list[int]] = defaultdict(list)
    for polygon in polygons:
        for ring in polygon:
            for ref in ring:
                uses[ref if ref >= 0 else ~ref].append(ref)
    refs = []
    for index, used in uses.items():
        if len(used) == 1:
            refs.append(used[0])
        elif len(used) > 2 or (used[0] >= 0) == (used[1] >= 0):
            raise MapError(f"arc {index} is used {used} within one group: broken topology")
    return refs


def stitch(refs: list[int], quantized: list[list[Point]]) -> list[list[int]]:
    """Chains arc references into closed rings by their (exact, quantized) end points."""

    def ends(ref: int) -> tuple[Point, Point]:
        arc = quantized[ref if ref >= 0 else ~ref]
        return (arc[0], arc[-1]) if ref >= 0 else (arc[-1], arc[0])

    rings: list[list[int]] = []
    by_start: dict[Point, list[int]] = defaultdict(list)
    for ref in refs:
        start, end = ends(ref)
        if start == end:
            rings.append([ref])
        else:
            by_start[start].append(ref)
    for start in list(by_start):
        while by_start[start]:
            ring = [by_start[start].pop()]
            point = ends(ring[0])[1]
            while point != start:
                if not by_start.get(point):
                    raise MapError(f"cannot close a ring at quantized point {point}")
                ref = by_start[point].pop()
                ring.append(ref)
                point = ends(ref)[1]
            rings.append(ring)
    return rings


def ring_points(ring: list[int], gridded: list[list[Point]]) -> list[Point]:
    points: list[Point] = []
    for ref in ring:
        arc = gridded[ref] if ref >= 0 else gridded[~ref][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def simple_loops(points: list[Point]) -> list[list[Point]]:
    """Splits a closed walk where it touches itself; drops spikes and loops of no area."""
    loops = []
    stack: list[Point] = []
    position: dict[Point, int] = {}
    for p in points:
        if p in position:
            i = position[p]
            loop = [*stack[i:], p]
            for q in stack[i + 1 :]:
                del position[q]
            del stack[i + 1 :]
            if len(loop) >= 4 and ring_area2(loop) != 0:
                loops.append(loop)
        else:
            position[p] = len(stack)
            stack.append(p)
    return loops


def contains(ring: list[Point], x: float, y: float) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def inside_ring(hole: list[Point], outer: list[Point]) -> bool:
    """Whether a hole lies in an outer ring (majority of its edge midpoints: rings may touch)."""
    edges = list(zip(hole, hole[1:], strict=False))
    step = max(1, len(edges) // 9)
    votes = [contains(outer, (a[0] + b[0]) / 2, (a[1] + b[1]) / 2) for a, b in edges[::step]]
    return sum(votes) * 2 > len(votes)


def assemble(rings: list[list[int]], quantized: list[list[Point]], gridded: list[list[Point]], stats: Counter):
    """Rings of arc references → list of polygons (outer ring first) in grid units, RFC 7946 winding.

    In the source an outer ring runs clockwise and a hole counter-clockwise.
    """
    outers: list[list[Point]] = []
    holes: list[list[Point]] = []
    for ring in rings:
        loops = simple_loops(ring_points(ring, gridded))
        ring_outers = [loop[::-1] for loop in loops if ring_area2(loop) < 0]
        ring_holes = [loop[::-1] for loop in loops if ring_area2(loop) > 0]
        if not ring_outers and ring_area2(ring_points(ring, quantized)) < 0:
            # An island smaller than the output grid: keep it as one grid cell where it is.
            xs = [p[0] for p in ring_points(ring, gridded)]
            ys = [p[1] for p in ring_points(ring, gridded)]
            x, y = min(xs), min(ys)
            ring_outers = [[(x, y), (x + 1, y), (x + 1, y + 1), (x, y + 1), (x, y)]]
            ring_holes = []
            stats["islands kept as one grid cell"] += 1
        outers += ring_outers
        holes += ring_holes
    outers.sort(key=ring_area2, reverse=True)
    polygons: list[list[list[Point]]] = [[outer] for outer in outers]
    for hole in holes:
        candidates = [i for i, outer in enumerate(outers) if inside_ring(hole, outer)]
        if not candidates:
            stats["holes outside any outer ring dropped"] += 1
            continue
        polygons[min(candidates, key=lambda i: ring_area2(outers[i]))].append(hole)
        stats["holes"] += 1
    stats["polygons"] += len(polygons)
    return polygons


def geometry_json(polygons: list[list[list[Point]]]) -> dict:
    coordinates = [[[[x / GRID, y / GRID] for x, y in ring] for ring in polygon] for polygon in polygons]
    if len(coordinates) == 1:
        return {"type": "Polygon", "coordinates": coordinates[0]}
    return {"type": "MultiPolygon", "coordinates": coordinates}


def write_collection(path: Path, features: list[dict]) -> int:
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features]
    head = json.dumps({"type": "FeatureCollection", "attribution": ATTRIBUTION}, ensure_ascii=False)[:-1]
    text = head + ', "features": [\n' + ",\n".join(lines) + "\n]}\n"
    path.write_text(text, encoding="utf-8")
    return len(text.encode("utf-8"))


# --- main ----------------------------------------------------------------------------------------


def build(tolerance: float) -> int:
    topology = json.loads(SOURCE.read_text(encoding="utf-8"))
    geometries = topology["objects"][OBJECT]["geometries"]
    if len(geometries) != 63:
        raise MapError(f"{SOURCE.name}: {len(geometries)} geometries, expected 63")
    legacy, current, mapping = load_units()
    matched = match_geometries(geometries, legacy)
    legacy_by_key = {u["provinceKey"]: u for u in legacy}
    current_by_key = {u["provinceKey"]: u for u in current}
    mapped_old = Counter(old for olds in mapping.values() for old in olds)
    if set(mapping) != set(current_by_key) or set(mapped_old) != set(legacy_by_key) or max(mapped_old.values()) > 1:
        raise MapError("converter_2025.json DICT_PROVINCE is not a partition of the 63 old provinces into the 34")

    quantized, lonlat = decode_arcs(topology)
    gridded = [grid_arc(simplify_arc(arc, tolerance)) for arc in lonlat]
    points_in = sum(map(len, quantized))
    points_out = sum(map(len, gridded))

    def feature(unit: dict, olds: list[str], stats: Counter) -> dict:
        polygons = [p for old in olds for p in polygons_of(geometries[matched[old]])]
        rings = stitch(boundary_arcs(polygons), quantized)
        return {
            "type": "Feature",
            "properties": {
                "code": unit["provinceCode"],
                "name": unit["province"],
                "short_name": short_name(unit["province"]),
            },
            "geometry": geometry_json(assemble(rings, quantized, gridded, stats)),
        }

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    stats63, stats34 = Counter(), Counter()
    features63 = [feature(u, [u["provinceKey"]], stats63) for u in sorted(legacy, key=lambda u: u["provinceCode"])]
    features34 = [
        feature(u, mapping[u["provinceKey"]], stats34) for u in sorted(current, key=lambda u: u["provinceCode"])
    ]
    size63 = write_collection(OUT_DIR / "vn-provinces-63.geo.json", features63)
    size34 = write_collection(OUT_DIR / "vn-provinces-34.geo.json", features34)

    print(f"source: {SOURCE.relative_to(ROOT)}: 63 geometries, {len(quantized)} arcs, {points_in} points")
    print(f"arcs simplified (Douglas–Peucker {tolerance}°) and rounded to {PRECISION} decimals: {points_out} points")
    for name, features, size, stats in (
        ("vn-provinces-63.geo.json", features63, size63, stats63),
        ("vn-provinces-34.geo.json", features34, size34, stats34),
    ):
        details = ", ".join(f"{k}: {v}" for k, v in sorted(stats.items()))
        print(f"{name}: {len(features)} features, {size / 1000:.0f} kB ({details})")
    print("new province ← old provinces merged:")
    for unit in sorted(current, key=lambda u: u["provinceCode"]):
        olds = sorted(mapping[unit["provinceKey"]], key=lambda k: legacy_by_key[k]["provinceCode"])
        names = ", ".join(
            f"{legacy_by_key[k]['provinceCode']} {short_name(legacy_by_key[k]['province'])}" for k in olds
        )
        print(f"  {unit['provinceCode']} {short_name(unit['province']):<14} {len(olds)}  ({names})")
    too_big = [name for name, size in (("63", size63), ("34", size34)) if size > MAX_BYTES]
    if too_big:
        print(f"WARNING: over {MAX_BYTES // 1000} kB: {', '.join(too_big)}; raise --tolerance", file=sys.stderr)
        return 1
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE, help="Douglas–Peucker tolerance, degrees")
    args = parser.parse_args()
    try:
        return build(args.tolerance)
    except MapError as error:
        print(f"build_province_map: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
