from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from dxnet.core import audit
from dxnet.core.models import AuditEntry, AuditHead
from dxnet.network import services


def _write_three(cast: Any, unit: Any) -> list[AuditEntry]:
    admin = cast.user("admin")
    commune = unit("24373")
    services.unit_update(actor=admin, unit=commune, name_en="Ea Kar Commune (renamed once)")
    services.unit_update(actor=admin, unit=commune, name_en="Ea Kar Commune")
    services.unit_update(actor=admin, unit=commune, short_name="Ea Kar (xã)")
    return list(AuditEntry.objects.order_by("-seq")[:3])[::-1]


def _verify() -> str:
    out = StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_a_service_write_records_who_what_before_and_after(cast: Any, unit: Any) -> None:
    first, second, third = _write_three(cast, unit)
    assert first.action == "unit.update" and first.actor_name == "admin"
    assert first.before["name_en"] != first.after["name_en"] == "Ea Kar Commune (renamed once)"
    assert first.unit_id == unit("24373").pk
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    assert "intact" in _verify()


@pytest.mark.django_db
def test_a_write_that_changes_nothing_records_nothing(cast: Any, unit: Any) -> None:
    before = AuditEntry.objects.count()
    services.unit_update(actor=cast.user("admin"), unit=unit("24373"), name=unit("24373").name)
    assert AuditEntry.objects.count() == before


@pytest.mark.django_db
def test_altered_entry_is_caught_at_its_seq(cast: Any, unit: Any) -> None:
    _, second, _ = _write_three(cast, unit)
    AuditEntry.objects.filter(pk=second.pk).update(after={"name_en": "forged"})
    with pytest.raises(CommandError, match=f"entry {second.seq}: its content was altered"):
        _verify()


@pytest.mark.django_db
def test_deleted_entry_is_caught(cast: Any, unit: Any) -> None:
    _, second, _ = _write_three(cast, unit)
    AuditEntry.objects.filter(pk=second.pk).delete()
    with pytest.raises(CommandError, match=f"entry {second.seq}"):
        _verify()


@pytest.mark.django_db
def test_deleting_the_newest_entry_is_caught(cast: Any, unit: Any) -> None:
    *_, third = _write_three(cast, unit)
    AuditEntry.objects.filter(pk=third.pk).delete()
    with pytest.raises(CommandError, match="chain ends at entry"):
        _verify()


@pytest.mark.django_db
def test_rewritten_link_is_caught(cast: Any, unit: Any) -> None:
    first, second, _ = _write_three(cast, unit)
    # Forge the second entry consistently with itself, but not with its predecessor.
    forged = AuditEntry.objects.get(pk=second.pk)
    forged.prev_hash = "0" * 64
    forged.hash = audit._digest(forged)
    forged.save()
    breaks = list(audit.verify())
    assert breaks[0].seq == second.seq and "link" in breaks[0].reason


@pytest.mark.django_db
def test_the_write_and_its_audit_line_fail_together(cast: Any, unit: Any, monkeypatch: Any) -> None:
    commune = unit("24373")
    head_before = AuditHead.objects.get(pk=1).seq

    def boom(**kwargs: Any) -> None:
        raise RuntimeError("audit storage down")

    monkeypatch.setattr(audit, "record", boom)
    with pytest.raises(RuntimeError):
        services.unit_update(actor=cast.user("admin"), unit=commune, name_en="Should not stay")
    commune.refresh_from_db()
    assert commune.name_en != "Should not stay"
    assert AuditHead.objects.get(pk=1).seq == head_before
