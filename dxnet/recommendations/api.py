"""Recommendations over the JSON API. Lists are scoped like the pages; a recommendation or a
unit outside the caller's scope answers 404; bad input answers 422 naming the field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from dxnet.api import error_body
from dxnet.core import access
from dxnet.indicators.services import Rejected
from dxnet.network.models import Unit

from . import selectors, services
from .models import Recommendation

router = Router(tags=["recommendations"])


class UnitRef(Schema):
    code: str
    name: str


class RecommendationOut(Schema):
    id: int
    title: str
    text: str
    raised_by: UnitRef
    session: int | None
    responsible: UnitRef | None
    deadline: dt.date | None
    answer: str
    answered_at: dt.datetime | None
    is_public: bool
    overdue: bool
    created_at: dt.datetime


class RaiseIn(Schema):
    raised_by: str
    title: str
    text: str
    session: int | None = None


class AnswerIn(Schema):
    answer: str


class RouteIn(Schema):
    responsible: str
    deadline: str


def _out(rec: Recommendation, today: dt.date) -> dict[str, Any]:
    def ref(u: Unit | None) -> dict[str, str] | None:
        return {"code": u.code, "name": u.name} if u is not None else None

    return {"id": rec.pk, "title": rec.title, "text": rec.text, "raised_by": ref(rec.raised_by),
            "session": rec.session_id, "responsible": ref(rec.responsible), "deadline": rec.deadline,
            "answer": rec.answer, "answered_at": rec.answered_at, "is_public": rec.is_public,
            "overdue": rec.deadline is not None and rec.answered_at is None and rec.deadline < today,
            "created_at": rec.created_at}


def _rejected(exc: Rejected) -> Status:
    fields = [{"field": field, "message": message} for _row, field, message in exc.errors]
    return Status(422, error_body("rejected", _("Nothing was stored: %(n)d problem(s).") % {"n": len(fields)}, fields))


def _unit_or_422(code: str, field: str) -> Unit | Status:
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        return Status(422, error_body("rejected", _("Unknown unit."), [
            {"field": field, "message": _("No unit has the code “%(code)s”.") % {"code": code}}]))
    return unit


@router.get("/recommendations", response={200: list[RecommendationOut]})
def recommendation_list(request: HttpRequest, scope: str = "", session: int | None = None,
                        overdue: bool = False, limit: int = Query(100, le=1000), offset: int = 0) -> Any:
    """Recommendations the caller may read (``scope``: raised / assigned / overdue / unrouted)."""
    qs = selectors.recommendation_list(actor=request.user, scope="overdue" if overdue else scope, session=session)
    today = timezone.localdate()
    return [_out(r, today) for r in qs[offset:offset + limit]]


@router.post("/recommendations", response={201: RecommendationOut, 422: dict})
def recommendation_raise(request: HttpRequest, payload: RaiseIn) -> Any:
    """Raise a recommendation for a unit the caller works for (``raised_by``: its code)."""
    unit = _unit_or_422(payload.raised_by, "raised_by")
    if isinstance(unit, Status):
        return unit
    if not access.can(request.user, "raise", unit, Recommendation):
        # A unit out of scope is "unknown", as if it did not exist.
        return Status(422, error_body("rejected", _("Unknown unit."), [
            {"field": "raised_by", "message": _("No unit has the code “%(code)s”.") % {"code": payload.raised_by}}]))
    session = None
    if payload.session is not None:
        try:
            session = selectors.session_get(actor=request.user, pk=payload.session)
        except Http404:
            return Status(422, error_body("rejected", _("Unknown session."), [
                {"field": "session", "message": _("No session %(id)s.") % {"id": payload.session}}]))
    try:
        rec = services.recommendation_raise(actor=request.user, raised_by=unit, title=payload.title,
                                            text=payload.text, session=session)
    except Rejected as exc:
        return _rejected(exc)
    return Status(201, _out(rec, timezone.localdate()))


@router.post("/recommendations/{rec_id}/route", response={200: RecommendationOut, 422: dict})
def recommendation_route(request: HttpRequest, rec_id: int, payload: RouteIn) -> Any:
    """Assign the responsible unit (code) and the deadline (``15/4/2025``, ``Quý II/2025``…)."""
    rec = selectors.recommendation_get(actor=request.user, pk=rec_id)
    if not services.may_route(request.user, rec):
        raise Http404
    unit = _unit_or_422(payload.responsible, "responsible")
    if isinstance(unit, Status):
        return unit
    try:
        services.recommendation_route(actor=request.user, recommendation=rec, responsible=unit,
                                      deadline=payload.deadline)
    except Rejected as exc:
        return _rejected(exc)
    return Status(200, _out(rec, timezone.localdate()))


@router.post("/recommendations/{rec_id}/answer", response={200: RecommendationOut, 422: dict})
def recommendation_answer(request: HttpRequest, rec_id: int, payload: AnswerIn) -> Any:
    """Answer a recommendation assigned to a unit the caller works for."""
    rec = selectors.recommendation_get(actor=request.user, pk=rec_id)
    try:
        services.recommendation_answer(actor=request.user, recommendation=rec, answer=payload.answer)
    except Rejected as exc:
        return _rejected(exc)
    return Status(200, _out(rec, timezone.localdate()))
