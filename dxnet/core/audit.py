"""The audit log: every write through a service calls ``record`` inside its transaction."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from .models import AuditEntry, AuditHead


def snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The object's concrete field values as plain JSON (foreign keys as ids)."""
    names = list(fields) if fields is not None else [f.attname for f in obj._meta.concrete_fields]
    data = {}
    for name in names:
        field = obj._meta.get_field(name)
        data[name] = getattr(obj, getattr(field, "attname", name))
    return _jsonable(data)


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def _digest(entry: AuditEntry) -> str:
    payload = {
        "seq": entry.seq,
        "at": entry.at.astimezone(timezone.UTC).isoformat(),
        "actor": entry.actor_id,
        "actor_name": entry.actor_name,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "unit": entry.unit_id,
        "before": entry.before,
        "after": entry.after,
        "prev": entry.prev_hash,
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    unit: Any = None,
) -> AuditEntry:
    """Append one entry to the chain. Call inside the service's transaction so that the write
    and its audit line are stored together or not at all."""
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
        entry = AuditEntry(
            seq=head.seq + 1,
            at=timezone.now(),
            actor=user,
            actor_name=user.get_username() if user else "system",
            action=action,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            object_repr=str(obj)[:255],
            unit=unit,
            before=_jsonable(before) if before is not None else None,
            after=_jsonable(after) if after is not None else None,
            prev_hash=head.hash,
        )
        entry.hash = _digest(entry)
        entry.save()
        head.seq, head.hash = entry.seq, entry.hash
        head.save(update_fields=["seq", "hash"])
    return entry


@dataclass(frozen=True)
class Break:
    seq: int
    reason: str


def verify() -> Iterator[Break]:
    """Walk the chain in order and yield every broken link (the first one is what matters)."""
    expected_seq, expected_prev = 1, ""
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            yield Break(expected_seq, f"entries {expected_seq}–{entry.seq - 1} are missing")
        elif entry.prev_hash != expected_prev:
            yield Break(entry.seq, "its link to the previous entry does not match")
        if _digest(entry) != entry.hash:
            yield Break(entry.seq, "its content was altered after it was written")
        expected_seq, expected_prev = entry.seq + 1, entry.hash
    head = AuditHead.objects.filter(pk=1).first()
    last_seq = expected_seq - 1
    if head is not None and (head.seq != last_seq or head.hash != expected_prev):
        yield Break(last_seq + 1, f"the chain ends at entry {last_seq} but entry {head.seq} was written")
