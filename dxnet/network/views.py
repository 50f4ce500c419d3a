from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dxnet.core import access

from . import selectors, services
from .forms import RoleAssignForm
from .models import RoleAssignment, Unit, UnitType

PAGE_SIZE = 50


def _unit(request: HttpRequest, code: str, action: str = "view") -> Unit:
    return access.get_or_404(request.user, Unit, action, code=code)


def unit_browser(request: HttpRequest) -> HttpResponse:
    """Search units by name or code, accents optional, and browse the tree from the top."""
    query = request.GET.get("q", "").strip()
    unit_type = request.GET.get("type", "")
    status = request.GET.get("status", "current")
    if unit_type not in UnitType.values:
        unit_type = ""
    if status not in {"current", "legacy", "all"}:
        status = "current"
    searching = bool(query or unit_type or status != "current")
    page = None
    if searching:
        results = selectors.unit_search(query=query, unit_type=unit_type, status=status).order_by("depth", "name")
        page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "query": query, "unit_type": unit_type, "status": status, "page": page, "searching": searching,
        "unit_types": UnitType.choices, "roots": selectors.unit_roots(),
    }
    if request.htmx and request.htmx.target == "unit-results":
        return render(request, "network/unit_browser.html#results", context)
    return render(request, "network/unit_browser.html", context)


def unit_children(request: HttpRequest, code: str) -> HttpResponse:
    """The children of a unit as tree rows (htmx, expanding a node)."""
    unit = _unit(request, code)
    children = selectors.unit_children(unit=unit)
    return render(request, "network/unit_browser.html#tree-children", {"parent": unit, "children": children})


def unit_detail(request: HttpRequest, code: str) -> HttpResponse:
    unit = _unit(request, code)
    children = Paginator(selectors.unit_children(unit=unit), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "unit": unit,
        "ancestors": selectors.unit_ancestors(unit=unit),
        "children": children,
        "lineage": selectors.unit_lineage(unit=unit),
        "successors": [] if unit.is_current() else selectors.unit_successors(unit=unit),
        "can_view_people": access.can(request.user, "view_people", unit),
    }
    if request.htmx and request.htmx.target == "unit-children":
        return render(request, "network/unit_detail.html#children", context)
    return render(request, "network/unit_detail.html", context)


@login_required
def unit_people(request: HttpRequest, code: str) -> HttpResponse:
    """People and roles of a unit: only for the staff whose roles cover it (404 otherwise).
    Administrators of the subtree also assign and end roles here."""
    unit = _unit(request, code, "view_people")
    can_assign = access.can(request.user, "assign_role", unit)
    form = RoleAssignForm(request.POST or None, actor=request.user,
                          initial={"starts_on": timezone.localdate()}) if can_assign else None
    if form is not None and request.method == "POST" and form.is_valid():
        assignment = services.role_assign(actor=request.user, unit=unit, user=form.cleaned_data["username"],
                                          role=form.cleaned_data["role"], starts_on=form.cleaned_data["starts_on"],
                                          ends_on=form.cleaned_data["ends_on"])
        messages.success(request, _("%(person)s is now %(role)s of %(unit)s.") % {
            "person": assignment.user.get_full_name() or assignment.user.username,
            "role": assignment.get_role_display().lower(), "unit": unit.name})
        return redirect("unit_people", code=unit.code)
    return render(request, "network/unit_people.html", {
        "unit": unit, "ancestors": selectors.unit_ancestors(unit=unit),
        "people": selectors.unit_people(actor=request.user, unit=unit),
        "roles": selectors.unit_roles(actor=request.user, unit=unit),
        "form": form, "can_assign": can_assign, "today": timezone.localdate(),
    })


@login_required
@require_POST
def role_end(request: HttpRequest, code: str, assignment_id: int) -> HttpResponse:
    assignment = access.get_or_404(request.user, RoleAssignment.objects.select_related("unit", "user"),
                                   "change", pk=assignment_id, unit__code=code)
    services.role_end(actor=request.user, assignment=assignment)
    messages.success(request, _("The role was ended today."))
    return redirect("unit_people", code=code)
