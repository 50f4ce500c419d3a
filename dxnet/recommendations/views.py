"""Pages of recommendations and conference sessions. Thin: parse, call a selector or a service,
render. Out of scope is a 404 (selectors and services raise it)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dxnet.core import access
from dxnet.indicators.services import Rejected
from dxnet.network.models import UnitType

from . import selectors, services
from .forms import AnswerForm, RaiseForm, RouteForm, SessionForm
from .models import ConferenceSession, Recommendation

SCOPES = ("", "raised", "assigned", "overdue", "unrouted")


def _add_errors(form: Any, exc: Rejected) -> None:
    for _row, field, message in exc.errors:
        form.add_error(field if field in form.fields else None, message)


def _raise_units(actor: Any) -> Any:
    top = [u.pk for u in access.top_units(actor, "raise", Recommendation)]
    big = [UnitType.MINISTRY, UnitType.PROVINCE, UnitType.AGENCY]
    return access.units(actor, "raise", Recommendation).current().filter(
        Q(pk__in=top) | Q(unit_type__in=big)).order_by("depth", "name")


@login_required
def recommendation_list(request: HttpRequest) -> HttpResponse:
    scope = request.GET.get("scope", "")
    scope = scope if scope in SCOPES else ""
    session_id = request.GET.get("session") or None
    session = None
    if session_id:
        session = selectors.session_get(actor=request.user, pk=session_id)
    q = request.GET.get("q", "").strip()
    qs = selectors.recommendation_list(actor=request.user, scope=scope, session=session.pk if session else None, q=q)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    context = {"page": page, "scope": scope, "session": session, "q": q, "today": timezone.localdate(),
               "can_raise": access.units(request.user, "raise", Recommendation).exists(),
               "scopes": [("", _("All I can read")), ("raised", _("Raised by my units")),
                          ("assigned", _("Assigned to my units")), ("overdue", _("Overdue")),
                          ("unrouted", _("Not routed yet"))]}
    template = "recommendations/list.html#results" if request.htmx else "recommendations/list.html"
    return render(request, template, context)


@login_required
def recommendation_raise(request: HttpRequest) -> HttpResponse:
    units = _raise_units(request.user)
    if not units.exists():
        raise Http404
    sessions = selectors.sessions_visible(request.user).order_by("-date", "-pk")
    initial = {"session": request.GET.get("session")} if request.GET.get("session") else None
    form = RaiseForm(request.POST or None, units=units, sessions=sessions, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            rec = services.recommendation_raise(actor=request.user, raised_by=form.cleaned_data["raised_by"],
                                                title=form.cleaned_data["title"], text=form.cleaned_data["text"],
                                                session=form.cleaned_data["session"])
            messages.success(request, _("Recommendation raised. A supervisor will route it to the unit that must "
                                        "answer."))
            return redirect("recommendation_detail", pk=rec.pk)
        except Rejected as exc:
            _add_errors(form, exc)
    status = 422 if form.errors and not request.htmx else 200
    return render(request, "recommendations/raise.html", {"form": form}, status=status)


def recommendation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Anyone may open a public answered recommendation; everything else needs a reader role."""
    rec = selectors.recommendation_get(actor=request.user, pk=pk)
    return render(request, "recommendations/detail.html", _detail_context(request, rec))


def _detail_context(request: HttpRequest, rec: Recommendation, **forms: Any) -> dict[str, Any]:
    user = request.user
    today = timezone.localdate()
    can_route = user.is_authenticated and rec.answered_at is None and services.may_route(user, rec)
    can_answer = user.is_authenticated and services.may_answer(user, rec)
    initial = {"responsible": rec.responsible_id,
               "deadline": rec.deadline.strftime("%d/%m/%Y") if rec.deadline else ""}
    return {
        "rec": rec, "today": today,
        "overdue": rec.deadline is not None and rec.answered_at is None and rec.deadline < today,
        "can_route": can_route, "can_answer": can_answer,
        "can_publish": user.is_authenticated and rec.answered_at is not None and services.may_publish(user, rec),
        "route_form": forms.get("route_form") or (RouteForm(initial=initial) if can_route else None),
        "answer_form": forms.get("answer_form") or (AnswerForm(initial={"answer": rec.answer}) if can_answer else None),
    }


@login_required
@require_POST
def recommendation_route(request: HttpRequest, pk: int) -> HttpResponse:
    rec = selectors.recommendation_get(actor=request.user, pk=pk)
    if not services.may_route(request.user, rec):
        raise Http404
    form = RouteForm(request.POST)
    if form.is_valid():
        try:
            services.recommendation_route(actor=request.user, recommendation=rec,
                                          responsible=form.cleaned_data["responsible"],
                                          deadline=form.cleaned_data["deadline"])
            messages.success(request, _("Routed to %(unit)s, answer due %(date)s.")
                             % {"unit": rec.responsible.name, "date": rec.deadline.strftime("%d/%m/%Y")})
            return redirect("recommendation_detail", pk=rec.pk)
        except Rejected as exc:
            _add_errors(form, exc)
    rec.refresh_from_db()
    return render(request, "recommendations/detail.html", _detail_context(request, rec, route_form=form),
                  status=200 if request.htmx else 422)


@login_required
@require_POST
def recommendation_answer(request: HttpRequest, pk: int) -> HttpResponse:
    rec = selectors.recommendation_get(actor=request.user, pk=pk)
    if not services.may_answer(request.user, rec):
        raise Http404
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.recommendation_answer(actor=request.user, recommendation=rec, answer=form.cleaned_data["answer"])
            messages.success(request, _("Answer saved. The raising unit and its whole subtree can read it."))
            return redirect("recommendation_detail", pk=rec.pk)
        except Rejected as exc:
            _add_errors(form, exc)
    return render(request, "recommendations/detail.html", _detail_context(request, rec, answer_form=form),
                  status=200 if request.htmx else 422)


@login_required
@require_POST
def recommendation_publish(request: HttpRequest, pk: int) -> HttpResponse:
    rec = selectors.recommendation_get(actor=request.user, pk=pk)
    public = request.POST.get("public", "1") == "1"
    try:
        services.recommendation_publish(actor=request.user, recommendation=rec, public=public)
        messages.success(request, _("Published on the public portal.") if public
                         else _("Withdrawn from the public portal."))
    except Rejected as exc:
        messages.error(request, exc.errors[0][2])
    return redirect("recommendation_detail", pk=rec.pk)


def public_list(request: HttpRequest) -> HttpResponse:
    """The public portal's answers: public, answered recommendations, for anyone."""
    q = request.GET.get("q", "").strip()
    page = Paginator(selectors.public_recommendations(q), 20).get_page(request.GET.get("page"))
    return render(request, "recommendations/public.html", {"page": page, "q": q})


# --- sessions -----------------------------------------------------------------------------------


def _chairs(actor: Any) -> Any:
    big = [UnitType.NATIONAL, UnitType.MINISTRY, UnitType.PROVINCE, UnitType.AGENCY]
    return access.units(actor, "change", ConferenceSession).current().filter(
        unit_type__in=big).order_by("depth", "name")


@login_required
def session_list(request: HttpRequest) -> HttpResponse:
    sessions = selectors.session_list(actor=request.user)
    page = Paginator(sessions, 20).get_page(request.GET.get("page"))
    return render(request, "recommendations/sessions.html",
                  {"page": page, "can_create": _chairs(request.user).exists()})


@login_required
def session_create(request: HttpRequest) -> HttpResponse:
    chairs = _chairs(request.user)
    if not chairs.exists():
        raise Http404
    form = SessionForm(request.POST or None, chairs=chairs)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.session_create(actor=request.user, title=data["title"], date=data["date"],
                                              chair=data["chair"], points=data["points"], notes=data["notes"])
            messages.success(request, _("Session created with %(n)d connection points, all marked present: "
                                        "untick the absent ones.") % {"n": len(data["points"])})
            return redirect("session_detail", pk=session.pk)
        except Rejected as exc:
            _add_errors(form, exc)
    return render(request, "recommendations/session_form.html", {"form": form},
                  status=422 if form.errors else 200)


@login_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(actor=request.user, pk=pk)
    can_change = access.can(request.user, "change", session.chair, ConferenceSession)
    if request.method == "POST":
        if not can_change:
            raise Http404
        try:
            services.session_attendance_set(actor=request.user, session=session,
                                            present=[p for p in request.POST.getlist("present") if p.isdigit()])
            messages.success(request, _("Attendance saved."))
        except Rejected as exc:
            messages.error(request, exc.errors[0][2])
        return redirect("session_detail", pk=session.pk)
    attendance = selectors.session_attendance(session)
    recs = selectors.recommendation_list(actor=request.user, session=session.pk)
    return render(request, "recommendations/session.html", {
        "session": session, "attendance": attendance, "can_change": can_change,
        "n_present": sum(1 for a in attendance if a.present), "recs": recs, "today": timezone.localdate(),
        "can_raise": access.units(request.user, "raise", Recommendation).exists(),
    })


