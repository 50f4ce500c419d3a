from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dxnet.network import selectors as network

from . import auth
from .forms import TokenCreateForm
from .models import ApiToken


def home(request: HttpRequest) -> HttpResponse:
    """Signed in: the units I hold roles on. Anonymous: what dxnet is and where to start."""
    if not request.user.is_authenticated:
        return render(request, "core/landing.html", {"provinces": network.unit_search(unit_type="province").count(),
                                                     "communes": network.unit_search(unit_type="commune").count()})
    return render(request, "core/home.html", {"my_units": network.my_units(actor=request.user)})


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    new_key = None
    form = TokenCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token, new_key = auth.token_create(actor=request.user, name=form.cleaned_data["name"],
                                           days=form.cleaned_data["days"])
        form = TokenCreateForm()
    return render(request, "core/tokens.html", {
        "form": form, "new_key": new_key, "tokens": ApiToken.objects.filter(user=request.user),
        "now": timezone.now(),
    })


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    # Tokens belong to a person, not a unit: the owner filter is the scope.
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    auth.token_revoke(actor=request.user, token=token)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("tokens")


def not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return render(request, "404.html", status=404)
