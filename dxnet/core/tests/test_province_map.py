"""The dashboards' province maps match the administrative units (no database needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from vietnamadminunits.database import query

MAPS = Path(__file__).resolve().parents[2] / "static" / "dxnet" / "maps"


def province_codes(table: str) -> set[str]:
    return {row["provinceCode"] for row in query(f"select distinct provinceCode from {table}")}


@pytest.mark.parametrize(
    ("filename", "table", "count"),
    [("vn-provinces-34.geo.json", "admin_units", 34), ("vn-provinces-63.geo.json", "admin_units_legacy", 63)],
)
def test_province_map(filename: str, table: str, count: int) -> None:
    collection = json.loads((MAPS / filename).read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    assert "CC BY-SA 4.0" in collection["attribution"]
    features = collection["features"]
    codes = [feature["properties"]["code"] for feature in features]
    assert len(features) == count
    assert len(set(codes)) == count
    assert set(codes) == province_codes(table)
    for feature in features:
        properties, geometry = feature["properties"], feature["geometry"]
        assert properties["name"].endswith(properties["short_name"]), properties
        assert geometry["type"] in ("Polygon", "MultiPolygon"), properties
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        assert polygons, properties
        for polygon in polygons:
            assert polygon, properties
            for ring in polygon:
                assert len(ring) >= 4, properties
                assert ring[0] == ring[-1], properties
