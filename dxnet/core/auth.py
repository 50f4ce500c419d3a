"""Sign-in safety: lockout after repeated failures, and personal API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.utils import timezone

from .models import ApiToken, LoginFailure

TOKEN_PREFIX = "dxn_"


def _window_start() -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=settings.DXNET_LOGIN_LOCKOUT_MINUTES)


def lockout_remaining(username: str) -> dt.timedelta | None:
    """How long ``username`` stays locked, or None when it is not locked."""
    if not username:
        return None
    recent = LoginFailure.objects.filter(username__iexact=username, at__gte=_window_start()).order_by("-at")
    failures = list(recent.values_list("at", flat=True)[: settings.DXNET_LOGIN_MAX_FAILURES])
    if len(failures) < settings.DXNET_LOGIN_MAX_FAILURES:
        return None
    return failures[0] + dt.timedelta(minutes=settings.DXNET_LOGIN_LOCKOUT_MINUTES) - timezone.now()


class LockoutModelBackend(ModelBackend):
    """The model backend, refusing even a right password while the user name is locked."""

    def authenticate(self, request: Any, username: str | None = None, password: str | None = None, **kw: Any):
        if username and lockout_remaining(username):
            raise PermissionDenied("locked")
        return super().authenticate(request, username=username, password=password, **kw)


def _client_ip(request: Any) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


@receiver(user_login_failed)
def _count_failure(sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any) -> None:
    username = credentials.get("username") or ""
    if username:
        LoginFailure.objects.create(username=username[:150], ip=_client_ip(request), at=timezone.now())


@receiver(user_logged_in)
def _clear_failures(sender: Any, request: Any, user: Any, **kw: Any) -> None:
    LoginFailure.objects.filter(username__iexact=user.get_username()).delete()


# --- API tokens ----------------------------------------------------------------------------


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_create(*, actor: Any, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """Create a personal token for ``actor``; the returned key is shown once and never stored."""
    from . import audit

    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=actor,
        name=name.strip()[:100] or "API",
        prefix=key[: len(TOKEN_PREFIX) + 6],
        key_hash=_hash(key),
        expires_at=timezone.now() + dt.timedelta(days=days) if days else None,
    )
    audit.record(actor=actor, action="token.create", obj=token, after={"name": token.name, "prefix": token.prefix})
    return token, key


def token_revoke(*, actor: Any, token: ApiToken) -> ApiToken:
    from . import audit

    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor=actor, action="token.revoke", obj=token, after={"revoked_at": token.revoked_at})
    return token


def token_user(key: str) -> Any:
    """The active user behind a token key, or None."""
    if not key or not key.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash(key), revoked_at__isnull=True).first()
    now = timezone.now()
    if token is None or not token.user.is_active or (token.expires_at and token.expires_at <= now):
        return None
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
