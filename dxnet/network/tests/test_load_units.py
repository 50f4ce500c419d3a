"""``manage.py load_units``: the conftest has already run it with ``--legacy`` on the test database."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import Count, Max, Q
from vietnamadminunits.database import get_data

from dxnet.core.models import AuditEntry
from dxnet.network import loaders, services
from dxnet.network.loaders import Plan, ascii_name, build_plan, load_units, split_level
from dxnet.network.models import SEGMENT, Unit, UnitLineage
from dxnet.network.selectors import unit_successors

NEW = dt.date(2025, 7, 1)
OLD = dt.date(2025, 6, 30)
BEFORE_MINISTRY_MERGER = dt.date(2025, 2, 28)


@pytest.fixture(scope="module")
def plan() -> Plan:
    # Reading the package's dataset takes about a second: once per module is enough.
    return build_plan(legacy=True)


def _current(unit_type: str) -> int:
    return Unit.objects.current(NEW).filter(unit_type=unit_type).count()


def _legacy(unit_type: str) -> int:
    return Unit.objects.current(OLD).filter(unit_type=unit_type, valid_to=OLD).count()


def _distinct(field: str, table: str) -> int:
    return len({row[field] for row in get_data(fields=field, table=table) if row[field]})


@pytest.mark.django_db
def test_counts_match_the_source() -> None:
    assert Unit.objects.filter(code="VN", parent__isnull=True, unit_type="national").count() == 1
    assert _current("province") == 34 == _distinct("provinceCode", "admin_units")
    assert _current("commune") == 3321 == _distinct("wardCode", "admin_units")
    assert _current("ministry") == 17
    assert Unit.objects.current(BEFORE_MINISTRY_MERGER).filter(unit_type="ministry").count() == 7
    assert _legacy("province") == 63
    assert _legacy("district") == 696
    assert _legacy("commune") == _distinct("wardCode", "admin_units_legacy") == 10035


@pytest.mark.django_db
def test_paths_and_depths_follow_parents() -> None:
    rows = {pk: (parent, path, depth) for pk, parent, path, depth
            in Unit.objects.values_list("pk", "parent_id", "path", "depth")}
    for pk, (parent, path, depth) in rows.items():
        parent_path, parent_depth = (rows[parent][1], rows[parent][2]) if parent else ("", -1)
        assert path == parent_path + str(pk).zfill(SEGMENT)
        assert depth == parent_depth + 1
    root = Unit.objects.get(code="VN")
    assert Unit.objects.subtree_of(root).count() == len(rows)
    nha_trang = Unit.objects.get(code="L568")  # Thành phố Nha Trang, Tỉnh Khánh Hòa, before 2025
    assert [u.code for u in Unit.objects.filter(pk__in=nha_trang.ancestor_ids)] == ["VN", "L56", "L568"]


@pytest.mark.django_db
def test_names() -> None:
    dak_lak = Unit.objects.get(code="66")
    assert (dak_lak.name, dak_lak.short_name, dak_lak.level_name, dak_lak.name_en, dak_lak.official_code) == (
        "Tỉnh Đắk Lắk", "Đắk Lắk", "Tỉnh", "Dak Lak Province", "66")
    assert Unit.objects.get(code="01").name_en == "Ha Noi City"
    assert Unit.objects.get(code="00097").name_en == "Hong Ha Ward"
    assert Unit.objects.filter(level_name="Đặc khu", name_en="Con Dao Special Zone").count() == 1
    old_ward = Unit.objects.get(code="L22015")
    assert (old_ward.name, old_ward.short_name, old_ward.name_en) == ("Phường 1", "Phường 1", "Ward 1")
    # The dataset writes "Thị Trấn Ái Tử" and "Thành Phố Bắc Kạn".
    assert Unit.objects.get(code="L19624").name == "Thị trấn Ái Tử"
    assert Unit.objects.get(code="L058").name == "Thành phố Bắc Kạn"
    # The type column says Xã; the name (and its predecessors) say Phường.
    assert Unit.objects.get(code="10543").level_name == "Phường"
    science = Unit.objects.get(code="BKHCN")
    assert (science.name, science.short_name, science.name_en, science.valid_from) == (
        "Bộ Khoa học và Công nghệ", "Bộ KH&CN", "Ministry of Science and Technology", dt.date(2025, 3, 1))
    assert Unit.objects.filter(search_text__contains="dak lak", unit_type="province").count() == 2


def test_name_helpers() -> None:
    assert ascii_name("Đắk Lắk") == "Dak Lak"
    assert ascii_name("Cư M'gar") == "Cu M'gar"
    assert ascii_name("bà rịa - vũng tàu") == "Ba Ria - Vung Tau"
    assert split_level("Thị Trấn Ái Tử", ("Thị trấn", "Xã"), "Xã") == ("Thị trấn", "Ái Tử")
    assert split_level("Phường 1", ("Phường",), "Phường") == ("Phường", "1")


@pytest.mark.django_db
def test_second_run_changes_nothing() -> None:
    before = (Unit.objects.count(), UnitLineage.objects.count(), AuditEntry.objects.count(),
              Unit.objects.aggregate(m=Max("updated_at"))["m"])
    call_command("load_units", "--legacy", verbosity=0)
    after = (Unit.objects.count(), UnitLineage.objects.count(), AuditEntry.objects.count(),
             Unit.objects.aggregate(m=Max("updated_at"))["m"])
    assert after == before
    assert AuditEntry.objects.filter(action="units.load").exists()


@pytest.mark.django_db
def test_loading_without_legacy_keeps_the_legacy_units(plan: Plan) -> None:
    result = load_units(legacy=False)
    assert not result.changed
    assert _legacy("commune") == 10035


@pytest.mark.django_db
def test_a_changed_unit_is_repaired_with_the_units_people_added_under_it(plan: Plan) -> None:
    ward = Unit.objects.get(code="00097")
    team = services.unit_create(actor=None, code="T-HONGHA", name="Tổ công nghệ số", unit_type="team",
                                parent=ward)
    services.unit_move(actor=None, unit=ward, parent=Unit.objects.get(code="79"))
    Unit.objects.filter(pk=ward.pk).update(name="Phường Sai")
    audits = AuditEntry.objects.count()

    result = load_units(plan=plan)

    assert (result.created, result.updated, result.moved_descendants, result.links_created) == (0, 1, 1, 0)
    ward.refresh_from_db()
    team.refresh_from_db()
    assert ward.name == "Phường Hồng Hà"
    assert ward.parent.code == "01"
    assert ward.path == ward.parent.path + str(ward.pk).zfill(SEGMENT)
    assert (team.path, team.depth) == (ward.path + str(team.pk).zfill(SEGMENT), ward.depth + 1)
    entry = AuditEntry.objects.order_by("-seq").first()
    assert AuditEntry.objects.count() == audits + 1
    assert (entry.action, entry.after["updated"]) == ("units.load", 1)
    assert not load_units(plan=plan).changed


@pytest.mark.django_db
def test_a_legacy_commune_resolves_to_its_successor() -> None:
    old = Unit.objects.get(code="L22015")  # Phường 1, Thành phố Tuy Hòa, Tỉnh Phú Yên
    assert old.parent.parent.name == "Tỉnh Phú Yên"
    [successor] = unit_successors(unit=old, on=NEW)
    assert (successor.code, successor.name, successor.parent.code) == ("22015", "Phường Tuy Hòa", "66")


@pytest.mark.django_db
def test_every_mapped_legacy_commune_and_district_has_a_successor() -> None:
    orphans = Unit.objects.filter(valid_to=OLD, unit_type__in=["commune", "district", "province"],
                                  successor_links__isnull=True)
    assert not orphans.exists()
    assert not Unit.objects.current(NEW).filter(unit_type="commune", predecessor_links__isnull=True).exists()


@pytest.mark.django_db
def test_a_split_commune_has_exactly_one_primary_successor() -> None:
    split = Unit.objects.get(code="L22024")  # Phường 9, Tuy Hòa: divided between two new wards
    links = list(split.successor_links.all())
    assert len(links) >= 2 and {link.event for link in links} == {"split"}
    assert sum(link.is_primary for link in links) == 1
    assert len(unit_successors(unit=split, on=NEW, primary_only=True)) == 1
    several = (Unit.objects.annotate(n=Count("successor_links"),
                                     p=Count("successor_links", filter=Q(successor_links__is_primary=True)))
               .filter(n__gt=1).exclude(p=1))
    assert not several.exists()


@pytest.mark.django_db
def test_ministry_lineage() -> None:
    [successor] = unit_successors(unit=Unit.objects.get(code="BTTTT"), on=NEW)
    assert successor.name == "Bộ Khoa học và Công nghệ"
    labour = Unit.objects.get(code="BLDTBXH")
    assert {u.code for u in unit_successors(unit=labour, on=NEW)} == {"BNV", "BGDDT", "BYT"}
    assert [u.code for u in unit_successors(unit=labour, on=NEW, primary_only=True)] == ["BNV"]
    merged = Unit.objects.get(code="BNNMT").predecessor_links.values_list("predecessor__code", flat=True)
    assert set(merged) == {"BTNMT", "BNNPTNT"}


@pytest.mark.django_db
def test_new_dak_lak_has_two_province_predecessors() -> None:
    dak_lak = Unit.objects.get(code="66")
    links = dak_lak.predecessor_links.filter(predecessor__unit_type="province").select_related("predecessor")
    assert sorted((link.predecessor.name, link.event) for link in links) == [
        ("Tỉnh Phú Yên", "merged"), ("Tỉnh Đắk Lắk", "merged")]
    # Districts have no successor of their own level: they continue in the new province.
    old_districts = Unit.objects.filter(parent__code__in=["L66", "L54"], unit_type="district")
    assert set(dak_lak.predecessor_links.filter(predecessor__unit_type="district")
               .values_list("predecessor_id", flat=True)) == set(old_districts.values_list("pk", flat=True))
    assert old_districts.count() == 24  # 15 in Đắk Lắk, 9 in Phú Yên
    ha_noi = Unit.objects.get(code="01").predecessor_links.get(predecessor__unit_type="province")
    assert (ha_noi.predecessor.code, ha_noi.event) == ("L01", "continued")


@pytest.mark.django_db
def test_island_districts_continue_as_special_zones() -> None:
    con_dao = Unit.objects.get(code="L755")
    assert [u.name for u in unit_successors(unit=con_dao, on=NEW, primary_only=True)] == ["Đặc khu Côn Đảo"]
    assert {u.code for u in unit_successors(unit=con_dao, on=NEW)} == {
        "79", Unit.objects.get(name="Đặc khu Côn Đảo").code}


def test_a_damaged_mapping_is_reported_not_fatal(monkeypatch: pytest.MonkeyPatch) -> None:
    conv = loaders._converter()
    # An old ward dropped from the mapping, a key that matches nothing, a split without a default.
    ward_keys = conv["DICT_PROVINCE_WARD_NO_DIVIDED"]["tinhdaklak"]
    dropped = ward_keys["phuongtuyhoa"].pop(0)
    ward_keys["xakhongco"] = ["tinhphuyen_khongco_xakhongco"]
    split_key, targets = next(iter(conv["DICT_PROVINCE_WARD_DIVIDED"]["tinhdaklak"].items()))
    for target in targets:
        target["isDefaultNewWard"] = False
    monkeypatch.setattr(loaders, "_converter", lambda: conv)

    plan = build_plan(legacy=True)

    assert dropped.startswith("tinhphuyen_")
    assert plan.counts["legacy_communes_not_in_mapping"] == 1
    assert plan.counts["legacy_communes_without_successor"] == 0
    assert plan.notes["mapping new commune keys not found"] == 1
    assert plan.notes["mapping old commune keys not found"] == 1
    assert plan.notes["predecessors without exactly one primary successor"] == 1
    primaries = Counter(link.predecessor for link in plan.links if link.is_primary)
    assert all(primaries[link.predecessor] == 1 for link in plan.links)
