"""The notifications pages: the list (mark as read with htmx), the unread-count badge the
navigation bar polls every minute, and each person's e-mail preferences per kind."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from . import selectors, services
from .models import Kind, Preference

PAGE_SIZE = 30


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    unread = request.GET.get("unread") == "1"
    qs = selectors.notification_list(actor=request.user, unread=unread)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {
        "page": page, "unread": unread, "unread_count": selectors.unread_count(actor=request.user)})


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    n = services.notification_read(actor=request.user, notification_id=pk)
    if request.htmx:
        response = render(request, "notifications/list.html#item", {"n": n})
        response["HX-Trigger"] = "dx-notifications-changed"  # the badge refreshes at once
        return response
    return redirect("notification_list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    n = services.notification_read_all(actor=request.user)
    messages.success(request, ngettext("%(n)d notification marked as read.",
                                       "%(n)d notifications marked as read.", n) % {"n": n})
    return redirect("notification_list")


@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notification's link, marking it read on the way."""
    n = services.notification_read(actor=request.user, notification_id=pk)
    if n.url and url_has_allowed_host_and_scheme(n.url, allowed_hosts={request.get_host()}):
        return redirect(n.url)
    return redirect("notification_list")


@login_required
def notification_badge(request: HttpRequest) -> HttpResponse:
    """The unread count in the navigation bar (an htmx partial that polls itself every 60 s)."""
    return render(request, "notifications/partials/badge.html", {"count": selectors.unread_count(actor=request.user)})


@login_required
def notification_preferences(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        modes = {kind: request.POST.get(f"mode-{kind}", "") for kind in Kind.values}
        bad = [Kind(k).label for k, m in modes.items() if m not in Preference.Mode.values]
        if bad:
            messages.error(request, _("Choose immediately, daily digest or off for: %(kinds)s.")
                           % {"kinds": ", ".join(str(b) for b in bad)})
        else:
            services.preferences_set(actor=request.user, modes=modes)
            messages.success(request, _("Your notification preferences were saved."))
            return redirect("notification_preferences")
    current = services.preferences_of(user=request.user)
    rows = [{"kind": k, "label": Kind(k).label, "mode": current[k]} for k in Kind.values]
    return render(request, "notifications/preferences.html", {
        "rows": rows, "modes": Preference.Mode.choices, "has_email": bool(request.user.email)})
