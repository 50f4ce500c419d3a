"""Recommendations and conference sessions through the pages and the API: raise → route →
answer → publish, who reads what, the public page, overdue at the day's boundaries in
Asia/Ho_Chi_Minh, attendance, and scoping of every route."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.utils import timezone

from dxnet.core.models import AuditEntry
from dxnet.network.models import Unit
from dxnet.recommendations import demo, selectors, services
from dxnet.recommendations.deadlines import DeadlineError, parse_deadline
from dxnet.recommendations.models import Attendance, ConferenceSession, Recommendation

UTC = dt.UTC


def audit_actions(obj: Any) -> list[str]:
    return list(AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
                .order_by("seq").values_list("action", flat=True))


def raise_daklak(title: str = "Hướng dẫn đặt hàng dịch vụ công trực tuyến", **kw: Any) -> Recommendation:
    return services.recommendation_raise(actor=None, raised_by=Unit.objects.get(code="66"), title=title,
                                         text="Đề nghị Bộ hướng dẫn.", **kw)


def answered_daklak(public: bool = False) -> Recommendation:
    rec = raise_daklak()
    services.recommendation_route(actor=None, recommendation=rec, responsible=Unit.objects.get(code="BKHCN"),
                                  deadline="15/4/2025")
    services.recommendation_answer(actor=None, recommendation=rec, answer="Trước ngày 15/4.")
    if public:
        services.recommendation_publish(actor=None, recommendation=rec)
    return rec


# --- the flow -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_raise_route_answer_publish_through_the_pages(cast: Any) -> None:
    snv, bo = cast.client("snv.daklak"), cast.client("bo.khcn")
    daklak = Unit.objects.get(code="66")
    form = snv.get("/recommendations/new/")
    assert form.status_code == 200 and 'data-testid="raise-form"' in form.content.decode()
    response = snv.post("/recommendations/new/", {"raised_by": daklak.pk, "title": "Hướng dẫn đặt hàng DVC",
                                                  "text": "Đề nghị Bộ hướng dẫn quy trình đặt hàng."})
    assert response.status_code == 302
    rec = Recommendation.objects.get(title="Hướng dẫn đặt hàng DVC")
    assert rec.raised_by == daklak and rec.created_by == cast.user("snv.daklak") and rec.responsible is None

    # A province supervisor routes its own province's recommendation to the ministry.
    bkhcn = Unit.objects.get(code="BKHCN")
    response = snv.post(f"/recommendations/{rec.pk}/route/", {"responsible": bkhcn.pk, "deadline": "15/4/2025"})
    assert response.status_code == 302
    rec.refresh_from_db()
    assert rec.responsible == bkhcn and rec.deadline == dt.date(2025, 4, 15)

    # The ministry answers it, then publishes it.
    response = bo.post(f"/recommendations/{rec.pk}/answer/",
                       {"answer": "Cục Chuyển đổi số quốc gia ban hành trước 15/4."})
    assert response.status_code == 302
    rec.refresh_from_db()
    assert rec.answer.startswith("Cục Chuyển đổi số") and rec.answered_at is not None
    assert rec.answered_by == cast.user("bo.khcn")
    assert bo.post(f"/recommendations/{rec.pk}/publish/", {"public": "1"}).status_code == 302
    rec.refresh_from_db()
    assert rec.is_public
    partial = bo.get("/recommendations/?scope=assigned", headers={"HX-Request": "true"})
    assert partial.status_code == 200 and "<html" not in partial.content.decode()
    assert rec.title in partial.content.decode()
    assert audit_actions(rec) == ["recommendation.raise", "recommendation.route", "recommendation.answer",
                                  "recommendation.publish"]
    entry = AuditEntry.objects.get(object_id=str(rec.pk), action="recommendation.route",
                                   object_type="recommendations.recommendation")
    assert entry.actor == cast.user("snv.daklak") and entry.before == {"responsible_id": None, "deadline": None}
    assert entry.after == {"responsible_id": bkhcn.pk, "deadline": "2025-04-15"}


@pytest.mark.django_db
def test_bad_input_names_the_field_and_stores_nothing(cast: Any) -> None:
    snv = cast.client("snv.daklak")
    daklak = Unit.objects.get(code="66")
    response = snv.post("/recommendations/new/", {"raised_by": daklak.pk, "title": "", "text": ""})
    assert response.status_code == 422 and not Recommendation.objects.filter(raised_by=daklak).exists()
    rec = raise_daklak()
    response = snv.post(f"/recommendations/{rec.pk}/route/", {"responsible": Unit.objects.get(code="BKHCN").pk,
                                                              "deadline": "31/2/2025"})
    assert response.status_code == 422
    body = response.content.decode()
    assert 'data-testid="error-deadline"' in body and "31/2/2025" in body
    response = snv.post(f"/recommendations/{rec.pk}/route/", {"responsible_code": "NOPE", "deadline": "Quý II/2025"})
    assert response.status_code == 422 and "NOPE" in response.content.decode()
    rec.refresh_from_db()
    assert rec.responsible is None and rec.deadline is None
    assert audit_actions(rec) == ["recommendation.raise"]


@pytest.mark.parametrize("parse", [parse_deadline], ids=["plans-grammar"])
def test_deadline_forms(parse: Any) -> None:
    assert parse("15/4/2025") == dt.date(2025, 4, 15)
    assert parse("2025-04-15") == dt.date(2025, 4, 15)
    assert parse("6/2025") == dt.date(2025, 6, 30)
    assert parse("Quý II/2025") == dt.date(2025, 6, 30)
    assert parse("quy iv/2025") == dt.date(2025, 12, 31)
    assert parse("Q1/2026") == dt.date(2026, 3, 31)
    assert parse("2025") == dt.date(2025, 12, 31)
    for bad in ("Thường xuyên", "15 April", "", "30/2/2025"):
        with pytest.raises(DeadlineError):
            parse(bad)


@pytest.mark.django_db
def test_only_the_right_people_route_and_answer(cast: Any) -> None:
    rec = raise_daklak()
    bkhcn = Unit.objects.get(code="BKHCN")
    # A commune reporter below the raising province may neither route nor answer.
    ward = cast.client("px.buonmathuot")
    response = ward.post(f"/recommendations/{rec.pk}/route/", {"responsible": bkhcn.pk, "deadline": "2025"})
    assert response.status_code == 404
    services.recommendation_route(actor=None, recommendation=rec, responsible=bkhcn, deadline="2025")
    # The raising province's supervisor cannot answer for the ministry.
    assert cast.client("snv.daklak").post(f"/recommendations/{rec.pk}/answer/", {"answer": "x"}).status_code == 404
    # The ministry's officer cannot re-route a province's recommendation raised outside a session.
    assert cast.client("bo.khcn").post(f"/recommendations/{rec.pk}/route/",
                                       {"responsible": bkhcn.pk, "deadline": "2026"}).status_code == 404
    rec.refresh_from_db()
    assert rec.answered_at is None and rec.deadline == dt.date(2025, 12, 31)


# --- who reads what -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_answer_is_published_to_the_raising_subtree(cast: Any) -> None:
    rec = raise_daklak()
    services.recommendation_route(actor=None, recommendation=rec, responsible=Unit.objects.get(code="BKHCN"),
                                  deadline="15/4/2025")
    url = f"/recommendations/{rec.pk}/"
    # Before the answer: the raising unit's readers and the responsible unit's staff.
    assert cast.client("snv.daklak").get(url).status_code == 200
    assert cast.client("mttq.daklak").get(url).status_code == 200
    assert cast.client("bo.khcn").get(url).status_code == 200
    assert cast.client("px.buonmathuot").get(url).status_code == 404
    services.recommendation_answer(actor=None, recommendation=rec, answer="Hướng dẫn ban hành trước 15/4.")
    # After: every reader inside Đắk Lắk, not another province's commune.
    response = cast.client("px.buonmathuot").get(url)
    assert response.status_code == 200 and "Hướng dẫn ban hành trước 15/4." in response.content.decode()
    assert cast.client("xa.eakar").get(url).status_code == 200
    assert cast.client("px.hoankiem").get(url).status_code == 404
    assert cast.client(None).get(url).status_code == 404
    listed = cast.client("px.buonmathuot").get("/recommendations/")
    assert rec.title in listed.content.decode()
    assert rec.title not in cast.client("px.hoankiem").get("/recommendations/").content.decode()


@pytest.mark.django_db
def test_public_page_shows_only_public_answered_ones_to_anyone(cast: Any) -> None:
    public = answered_daklak(public=True)
    private = raise_daklak("Kiến nghị chưa công khai")
    services.recommendation_route(actor=None, recommendation=private, responsible=Unit.objects.get(code="BKHCN"),
                                  deadline="2025")
    services.recommendation_answer(actor=None, recommendation=private, answer="Trả lời nội bộ.")
    unanswered = raise_daklak("Kiến nghị chưa trả lời")
    anonymous = cast.client(None)
    page = anonymous.get("/recommendations/public/")
    body = page.content.decode()
    assert page.status_code == 200
    assert public.title in body and "Trước ngày 15/4." in body
    assert private.title not in body and unanswered.title not in body
    assert anonymous.get(f"/recommendations/{public.pk}/").status_code == 200
    assert anonymous.get(f"/recommendations/{private.pk}/").status_code == 404
    # Publishing an unanswered recommendation is refused.
    with pytest.raises(services.Rejected):
        services.recommendation_publish(actor=None, recommendation=unanswered)
    # Another province's reporter reads the public one too, not the private one.
    hk = cast.client("px.hoankiem")
    assert hk.get(f"/recommendations/{public.pk}/").status_code == 200
    assert hk.get(f"/recommendations/{private.pk}/").status_code == 404


# --- overdue --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_overdue_at_the_day_boundary_in_ho_chi_minh_city(cast: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    rec = raise_daklak()
    bkhcn = Unit.objects.get(code="BKHCN")
    services.recommendation_route(actor=None, recommendation=rec, responsible=bkhcn, deadline="15/4/2025")
    assert rec not in selectors.overdue_recommendations(today=dt.date(2025, 4, 15))
    assert rec in selectors.overdue_recommendations(today=dt.date(2025, 4, 16))
    # 16:59 UTC on the 15th is 23:59 in Hà Nội: still due today; 17:00 UTC is already the 16th.
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2025, 4, 15, 16, 59, tzinfo=UTC))
    assert rec not in selectors.overdue_recommendations()
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2025, 4, 15, 17, 0, tzinfo=UTC))
    assert rec in selectors.overdue_recommendations()
    assert rec in selectors.overdue_recommendations(within=bkhcn)
    assert rec not in selectors.overdue_recommendations(within=Unit.objects.get(code="BTC"))
    monkeypatch.undo()  # the cast's roles start later than April 2025
    page = cast.client("snv.daklak").get("/recommendations/?scope=overdue")
    assert rec.title in page.content.decode()
    services.recommendation_answer(actor=None, recommendation=rec, answer="Đã trả lời.")
    assert rec not in selectors.overdue_recommendations(today=dt.date(2025, 5, 1))


# --- sessions -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_session_create_and_attendance(cast: Any) -> None:
    bo = cast.client("bo.khcn")
    bkhcn = Unit.objects.get(code="BKHCN")
    assert bo.get("/recommendations/sessions/new/").status_code == 200
    response = bo.post("/recommendations/sessions/new/", {"title": "Giao ban quý I/2025", "date": "11/03/2025",
                                                          "chair": bkhcn.pk, "all_ministries": "on",
                                                          "all_provinces": "on", "other_codes": "66-SNV, NOPE"})
    assert response.status_code == 422 and "NOPE" in response.content.decode()
    assert not ConferenceSession.objects.filter(title="Giao ban quý I/2025").exists()
    response = bo.post("/recommendations/sessions/new/", {"title": "Giao ban quý I/2025", "date": "11/03/2025",
                                                          "chair": bkhcn.pk, "all_ministries": "on",
                                                          "all_provinces": "on", "other_codes": "66-SNV\n24133"})
    assert response.status_code == 302
    session = ConferenceSession.objects.get(title="Giao ban quý I/2025")
    assert session.date == dt.date(2025, 3, 11) and session.attendance.count() == 17 + 34 + 2
    assert session.attendance.filter(present=False).count() == 0

    present = list(session.attendance.exclude(unit__code__in=["11", "BQP"]).values_list("unit_id", flat=True))
    response = bo.post(f"/recommendations/sessions/{session.pk}/", {"present": present})
    assert response.status_code == 302
    assert set(session.attendance.filter(present=False).values_list("unit__code", flat=True)) == {"11", "BQP"}
    assert audit_actions(session) == ["session.create", "session.attendance"]
    page = bo.get(f"/recommendations/sessions/{session.pk}/")
    count = re.search(r'data-testid="attendance-count">([^<]*)<', page.content.decode())
    assert count is not None and re.findall(r"\d+", count.group(1)) == ["51", "53"]

    # A province on the grid reads the session but cannot change its attendance.
    snv = cast.client("snv.daklak")
    assert snv.get(f"/recommendations/sessions/{session.pk}/").status_code == 200
    assert snv.post(f"/recommendations/sessions/{session.pk}/", {"present": []}).status_code == 404
    assert session.attendance.filter(present=True).count() == 51
    # Raising in the session: Đắk Lắk is a connection point; a unit that is not cannot.
    rec = services.recommendation_raise(actor=cast.user("xa.eakar"), raised_by=Unit.objects.get(code="24373"),
                                        title="Kiến nghị tại hội nghị", text="…", session=session)
    assert rec.session == session
    only_ministries = services.session_create(actor=None, title="Chỉ các bộ", date=dt.date(2025, 3, 1), chair=bkhcn,
                                              points=Unit.objects.filter(unit_type="ministry"))
    with pytest.raises(services.Rejected) as exc:
        raise_daklak(session=only_ministries)
    assert exc.value.errors[0][1] == "session"
    assert cast.client("px.hoankiem").get(f"/recommendations/sessions/{only_ministries.pk}/").status_code == 404


@pytest.mark.django_db
def test_session_chair_routes_what_was_raised_there(cast: Any) -> None:
    bkhcn = Unit.objects.get(code="BKHCN")
    session = services.session_create(actor=None, title="Giao ban", date=dt.date(2025, 3, 11), chair=bkhcn,
                                      points=Unit.objects.filter(code__in=["66", "01"]))
    rec = raise_daklak(session=session)
    bo = cast.client("bo.khcn")
    assert bo.get(f"/recommendations/{rec.pk}/").status_code == 200
    response = bo.post(f"/recommendations/{rec.pk}/route/", {"responsible": bkhcn.pk, "deadline": "Quý II/2025"})
    assert response.status_code == 302
    rec.refresh_from_db()
    assert rec.responsible == bkhcn and rec.deadline == dt.date(2025, 6, 30)
    page = bo.get(f"/recommendations/sessions/{session.pk}/")
    assert rec.title in page.content.decode()
    # The Hà Nội ward reads the session (Hà Nội is a point) but not Đắk Lắk's recommendation.
    hk = cast.client("px.hoankiem").get(f"/recommendations/sessions/{session.pk}/")
    assert hk.status_code == 200 and rec.title not in hk.content.decode()


# --- scoping of every page and route --------------------------------------------------------------


@pytest.mark.django_db
def test_every_page_and_route_is_scoped(cast: Any) -> None:
    rec = answered_daklak()
    bkhcn = Unit.objects.get(code="BKHCN")
    session = services.session_create(actor=None, title="Giao ban", date=dt.date(2025, 3, 11), chair=bkhcn,
                                      points=Unit.objects.filter(code__in=["66"]))
    outsider = cast.client("px.hoankiem")
    assert outsider.get(f"/recommendations/{rec.pk}/").status_code == 404
    response = outsider.post(f"/recommendations/{rec.pk}/route/", {"responsible": bkhcn.pk, "deadline": "2025"})
    assert response.status_code == 404
    assert outsider.post(f"/recommendations/{rec.pk}/answer/", {"answer": "x"}).status_code == 404
    assert outsider.post(f"/recommendations/{rec.pk}/publish/", {"public": "1"}).status_code == 404
    assert outsider.get(f"/recommendations/sessions/{session.pk}/").status_code == 404
    assert outsider.get(f"/recommendations/?session={session.pk}").status_code == 404
    assert outsider.get("/recommendations/sessions/new/").status_code == 404
    assert session.title not in outsider.get("/recommendations/sessions/").content.decode()
    # A commune reporter cannot raise for its province.
    response = outsider.post("/recommendations/new/", {"raised_by": Unit.objects.get(code="66").pk,
                                                       "title": "x", "text": "y"})
    assert response.status_code == 422 and Recommendation.objects.filter(title="x").count() == 0
    # Signed-out visitors are sent to sign in for the staff pages.
    anonymous = cast.client(None)
    for url in ("/recommendations/", "/recommendations/new/", "/recommendations/sessions/",
                f"/recommendations/sessions/{session.pk}/"):
        assert anonymous.get(url).status_code == 302
    rec.refresh_from_db()
    assert not rec.is_public and rec.answer == "Trước ngày 15/4."


@pytest.mark.django_db
def test_api_is_scoped(cast: Any) -> None:
    rec = raise_daklak()
    bkhcn = Unit.objects.get(code="BKHCN")
    services.recommendation_route(actor=None, recommendation=rec, responsible=bkhcn, deadline="15/4/2025")
    hk, snv, bo = cast.client("px.hoankiem"), cast.client("snv.daklak"), cast.client("bo.khcn")
    assert [r["id"] for r in snv.get("/api/recommendations").json()] == [rec.pk]
    assert hk.get("/api/recommendations").json() == []
    assert [r["id"] for r in bo.get("/api/recommendations?scope=assigned").json()] == [rec.pk]
    overdue = snv.get("/api/recommendations?overdue=true").json()
    assert overdue[0]["overdue"] is (dt.date(2025, 4, 15) < timezone.localdate())

    post = lambda c, url, body: c.post(url, json.dumps(body), content_type="application/json")  # noqa: E731
    response = post(hk, "/api/recommendations", {"raised_by": "66", "title": "x", "text": "y"})
    assert response.status_code == 422 and response.json()["error"]["fields"][0]["field"] == "raised_by"
    response = post(hk, "/api/recommendations", {"raised_by": "00070", "title": "", "text": "y"})
    assert response.status_code == 422 and response.json()["error"]["fields"][0]["field"] == "title"
    response = post(hk, "/api/recommendations", {"raised_by": "00070", "title": "Wi-Fi công cộng", "text": "Đề nghị."})
    assert response.status_code == 201
    assert Recommendation.objects.get(pk=response.json()["id"]).raised_by.code == "00070"

    assert post(hk, f"/api/recommendations/{rec.pk}/answer", {"answer": "x"}).status_code == 404
    assert post(snv, f"/api/recommendations/{rec.pk}/answer", {"answer": "x"}).status_code == 404
    response = post(bo, f"/api/recommendations/{rec.pk}/answer", {"answer": ""})
    assert response.status_code == 422 and response.json()["error"]["fields"][0]["field"] == "answer"
    response = post(bo, f"/api/recommendations/{rec.pk}/answer", {"answer": "Trước 15/4."})
    assert response.status_code == 200 and response.json()["answer"] == "Trước 15/4."
    rec.refresh_from_db()
    assert rec.answered_by == cast.user("bo.khcn")
    response = post(snv, f"/api/recommendations/{rec.pk}/route", {"responsible": "BTC", "deadline": "2026"})
    assert response.status_code == 422  # already answered
    assert cast.client(None).get("/api/recommendations").status_code == 401


@pytest.mark.django_db
def test_demo_is_idempotent(cast: Any) -> None:
    session = demo.load()
    again = demo.load()
    assert again.pk == session.pk
    assert Attendance.objects.filter(session=session).count() == 67
    assert session.recommendations.count() == 10
    assert session.attendance.filter(unit__unit_type="ministry").count() == 17
    assert session.attendance.filter(unit__unit_type="province").count() == 34
    overdue = selectors.overdue_recommendations()
    assert {r.raised_by.code for r in overdue} == {"01", "15", "96"}
    daklak = session.recommendations.get(raised_by__code="66")
    assert daklak.is_public and daklak.answered_at is not None and daklak.responsible.code == "BKHCN"
    assert cast.client(None).get("/recommendations/public/").content.decode().count("<article") == 4
