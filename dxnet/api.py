"""The JSON API (django-ninja, OpenAPI at /api/docs).

Machines authenticate with a personal token (``Authorization: Bearer dxn_…``), pages with the
session (CSRF-checked). Every error has one shape: ``{"error": {"code", "message", "fields"}}``.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import APIKeyCookie, HttpBearer

from dxnet.core.auth import token_user


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_user(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The signed-in browser session, with Django's CSRF check on unsafe methods."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated else None


class OptionalAuth(SessionAuth):
    """Public routes: they answer everyone, and scope by the user when there is one."""

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get("Authorization", "")
        if header.lower().startswith("bearer "):
            user = token_user(header[7:].strip())
            if user is None:
                return None
            request.user = user
        return request.user if request.user.is_authenticated else True


auth_required = [TokenAuth(), SessionAuth(csrf=True)]
auth_optional = [OptionalAuth(csrf=False)]

api = NinjaAPI(
    title="dxnet API",
    version="1",
    description="Digital-transformation network: units, people and roles (more with each capability).",
    auth=auth_required,
    urls_namespace="api",
)


def error_body(code: str, message: str, fields: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or []}}


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, error_body("not_found", _("Not found.")), status=404)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(
        request, error_body("unauthenticated", _("Sign in or send a valid API token.")), status=401
    )


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = [
        {"field": ".".join(str(p) for p in e.get("loc", []) if p not in {"body", "query", "path"}),
         "message": e.get("msg", "")}
        for e in exc.errors
    ]
    return api.create_response(request, error_body("invalid", _("Some fields are not valid."), fields), status=422)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(request, error_body("error", str(exc)), status=exc.status_code)


# Routers import ``auth_optional`` and friends from here, so they come last.
from dxnet.assistant.api import router as assistant_router  # noqa: E402
from dxnet.documents.api import router as documents_router  # noqa: E402
from dxnet.indicators.api import router as indicators_router  # noqa: E402
from dxnet.indicators.api_dhis2 import router as dhis2_router  # noqa: E402
from dxnet.network.api import router as network_router  # noqa: E402
from dxnet.notifications.api import router as notifications_router  # noqa: E402
from dxnet.plans.api import router as plans_router  # noqa: E402
from dxnet.recommendations.api import router as recommendations_router  # noqa: E402

api.add_router("", network_router)
api.add_router("", indicators_router)
api.add_router("", dhis2_router)
api.add_router("", plans_router)
api.add_router("", recommendations_router)
api.add_router("", notifications_router)
api.add_router("", documents_router)
api.add_router("", assistant_router)
