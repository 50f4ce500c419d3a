from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from django.core import mail

from dxnet.core.auth import token_create
from dxnet.core.models import ApiToken, AuditEntry
from dxnet.network.demo import DEMO_PASSWORD


def _login(client: Any, username: str, password: str) -> Any:
    return client.post("/account/login/", {"username": username, "password": password})


@pytest.mark.django_db
def test_sign_in_and_out(client: Any) -> None:
    response = _login(client, "xa.eakar", DEMO_PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    home = client.get("/")
    assert "Xã Ea Kar".encode() in home.content
    client.post("/account/logout/")
    assert client.get("/api/me").status_code == 401


@pytest.mark.django_db
def test_lockout_after_repeated_failures_even_with_the_right_password(client: Any, settings: Any) -> None:
    settings.DXNET_LOGIN_MAX_FAILURES = 3
    for _ in range(3):
        response = _login(client, "xa.eakar", "wrong password")
        assert response.status_code == 200
    response = _login(client, "xa.eakar", DEMO_PASSWORD)
    assert response.status_code == 200, "a locked account must not sign in"
    assert "khoá" in response.content.decode() or "locked" in response.content.decode()
    # Another user is not affected.
    assert _login(client, "px.hoankiem", DEMO_PASSWORD).status_code == 302


@pytest.mark.django_db
def test_failures_are_forgotten_after_a_successful_sign_in(client: Any, settings: Any) -> None:
    settings.DXNET_LOGIN_MAX_FAILURES = 3
    _login(client, "xa.eakar", "wrong")
    _login(client, "xa.eakar", "wrong")
    assert _login(client, "xa.eakar", DEMO_PASSWORD).status_code == 302
    client.post("/account/logout/")
    _login(client, "xa.eakar", "wrong")
    assert _login(client, "xa.eakar", DEMO_PASSWORD).status_code == 302


@pytest.mark.django_db
def test_lockout_expires(client: Any, settings: Any) -> None:
    import datetime as dt

    from dxnet.core.models import LoginFailure

    settings.DXNET_LOGIN_MAX_FAILURES = 2
    _login(client, "xa.eakar", "wrong")
    _login(client, "xa.eakar", "wrong")
    assert _login(client, "xa.eakar", DEMO_PASSWORD).status_code == 200
    LoginFailure.objects.update(at=LoginFailure.objects.first().at - dt.timedelta(minutes=16))
    assert _login(client, "xa.eakar", DEMO_PASSWORD).status_code == 302


@pytest.mark.django_db
def test_password_change(cast: Any) -> None:
    client = cast.client("xa.eakar")
    response = client.post("/account/password/", {
        "old_password": DEMO_PASSWORD,
        "new_password1": "Cà phê Buôn Ma Thuột 2025",
        "new_password2": "Cà phê Buôn Ma Thuột 2025",
    })
    assert response.status_code == 302
    assert cast.user("xa.eakar").check_password("Cà phê Buôn Ma Thuột 2025")


@pytest.mark.django_db
def test_password_reset_sends_a_working_link(client: Any, cast: Any) -> None:
    response = client.post("/account/password/reset/", {"email": "xa.eakar@demo.dxnet.local"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/account/password/reset/" in line)
    path = link.split("://", 1)[1].split("/", 1)[1]
    form = client.get("/" + path, follow=True)
    assert form.status_code == 200
    new = "Mật khẩu mới rất dài"
    response = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert response.status_code == 302
    assert cast.user("xa.eakar").check_password("Mật khẩu mới rất dài")


@pytest.mark.django_db
def test_api_token_authenticates_with_the_users_scope(cast: Any) -> None:
    from django.test import Client

    user = cast.user("px.buonmathuot")
    token, key = token_create(actor=user, name="sync")
    assert ApiToken.objects.get(pk=token.pk).key_hash != key  # only the hash is stored
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    me = client.get("/api/me").json()
    assert me["username"] == "px.buonmathuot" and me["unit"]["code"] == "24133"
    assert client.get("/api/units/24133/people").status_code == 200
    assert client.get("/api/units/24373/people").status_code == 404
    assert AuditEntry.objects.filter(action="token.create", object_id=str(token.pk)).exists()


@pytest.mark.django_db
def test_revoked_expired_and_wrong_tokens_are_refused(cast: Any) -> None:
    import datetime as dt

    from django.test import Client
    from django.utils import timezone

    user = cast.user("px.buonmathuot")
    revoked, revoked_key = token_create(actor=user, name="old")
    session = cast.client("px.buonmathuot")
    assert session.post(f"/account/tokens/{revoked.pk}/revoke/").status_code == 302
    expired, expired_key = token_create(actor=user, name="short", days=1)
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    for key in [revoked_key, expired_key, "dxn_not-a-token", "garbage"]:
        response = Client(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/me")
        assert response.status_code == 401, key
    # Someone else's token cannot be revoked (404, not a hint that it exists).
    other, _ = token_create(actor=cast.user("xa.eakar"), name="theirs")
    assert session.post(f"/account/tokens/{other.pk}/revoke/").status_code == 404


@pytest.mark.django_db
def test_tokens_page_shows_the_key_once(cast: Any) -> None:
    client = cast.client("xa.eakar")
    created = client.post("/account/tokens/", {"name": "Excel add-in"})
    assert b"dxn_" in created.content
    again = client.get("/account/tokens/")
    assert b"Excel add-in" in again.content and b'data-testid="new-token"' not in again.content


@pytest.mark.django_db
def test_pages_carry_a_strict_csp() -> None:
    # No inline script without the nonce, no CDN, no framing.
    from django.test import Client

    response = Client().get("/")
    csp = response["Content-Security-Policy"]
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert "'self'" in script_src and "unsafe" not in script_src
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "cdn" not in response.content.decode().lower()


def _settings_in_subprocess(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='dxnet.settings'; django.setup(); "
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DXNET_")}
    return subprocess.run([sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True)


def test_production_mode_fails_fast_without_secrets_and_is_secure_with_them(tmp_path: Any) -> None:
    missing = _settings_in_subprocess({"DXNET_VAR_DIR": str(tmp_path)})
    assert missing.returncode != 0 and "DXNET_SECRET_KEY" in missing.stderr
    ok = _settings_in_subprocess({"DXNET_VAR_DIR": str(tmp_path), "DXNET_SECRET_KEY": "x" * 50,
                                  "DXNET_ALLOWED_HOSTS": "dxnet.example.gov.vn"})
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.split() == ["False", "True", "True", "31536000"]
