"""The Đắk Lắk-only test document: its province's officials see it everywhere, others nowhere
(list, search, API list, page, download, API detail → 404)."""

from __future__ import annotations

from typing import Any

import pytest

from dxnet.documents import selectors

pytestmark = pytest.mark.django_db

SLUG = "dak-lak-thu-nghiem-tro-ly-ao"
INSIDE = ["xa.eakar", "snv.daklak", "mttq.daklak", "admin", "ubnd.daklak", "px.buonmathuot"]
OUTSIDE = ["px.hoankiem", "bo.khcn"]


@pytest.mark.parametrize("username", INSIDE)
def test_officials_of_dak_lak_see_the_test_document(cast: Any, corpus: dict[str, Any], username: str) -> None:
    user, c = cast.user(username), cast.client(username)
    assert SLUG in {d.slug for d in selectors.document_list(actor=user)}
    assert [d.slug for d in selectors.document_list(actor=user, q="ĐL-TLA-2026")] == [SLUG]
    assert SLUG in {d.slug for d in selectors.document_list(actor=user, q="to ho tro tro ly ao cap xa")}
    assert [d.slug for d in selectors.document_list(actor=user, q='"to ho tro tro ly ao cap xa"')] == [SLUG]
    assert SLUG in c.get("/documents/").content.decode()
    assert SLUG in c.get("/documents/", {"q": "dl-tla-2026"}).content.decode()
    assert [r["slug"] for r in c.get("/api/documents", {"q": "ĐL-TLA-2026"}).json()["results"]] == [SLUG]
    page = c.get(f"/documents/{SLUG}/")
    assert page.status_code == 200 and "mã thử nghiệm ĐL-TLA-2026" in page.content.decode()
    assert c.get(f"/documents/{SLUG}/file/").status_code == 200
    assert c.get(f"/api/documents/{SLUG}").json()["audience"]["code"] == "66"


@pytest.mark.parametrize("username", OUTSIDE)
def test_officials_elsewhere_never_see_it(cast: Any, corpus: dict[str, Any], username: str) -> None:
    user, c = cast.user(username), cast.client(username)
    visible = {d.slug for d in selectors.document_list(actor=user)}
    assert SLUG not in visible and "nq-57-tw-2024" in visible and len(visible) == len(corpus) - 1
    assert not selectors.document_list(actor=user, q="ĐL-TLA-2026").exists()
    listing = c.get("/documents/").content.decode()
    assert SLUG not in listing and "nq-57-tw-2024" in listing
    search = c.get("/documents/", {"q": "“Tổ hỗ trợ trợ lý ảo cấp xã”"}).content.decode()
    assert SLUG not in search and "ĐL-TLA" not in search and 'data-testid="documents-empty"' in search
    api = c.get("/api/documents", {"page_size": 100}).json()
    assert SLUG not in {r["slug"] for r in api["results"]} and api["count"] == len(corpus) - 1
    assert c.get("/api/documents", {"q": "dl-tla-2026"}).json()["count"] == 0
    for url in (f"/documents/{SLUG}/", f"/documents/{SLUG}/?from=0&to=40", f"/documents/{SLUG}/file/",
                f"/documents/{SLUG}/edit/", f"/documents/{SLUG}/index-status/", f"/api/documents/{SLUG}"):
        assert c.get(url).status_code == 404, url
    assert c.post(f"/documents/{SLUG}/withdraw/").status_code == 404


def test_anonymous_sees_nothing(client: Any, corpus: dict[str, Any]) -> None:
    assert client.get("/documents/").status_code == 302
    assert client.get(f"/documents/{SLUG}/").status_code == 302
    assert client.get("/api/documents").status_code == 401


def test_a_withdrawn_document_is_gone_for_readers_but_not_for_its_managers(cast: Any, corpus: dict[str, Any]) -> None:
    c = cast.client("snv.daklak")
    assert c.post(f"/documents/{SLUG}/withdraw/").status_code == 302
    reader = cast.client("xa.eakar")
    assert reader.get(f"/documents/{SLUG}/").status_code == 404
    assert SLUG not in reader.get("/documents/").content.decode()
    assert SLUG not in c.get("/documents/").content.decode()
    assert SLUG in c.get("/documents/", {"withdrawn": "1"}).content.decode()
    page = c.get(f"/documents/{SLUG}/").content.decode()
    assert 'data-testid="withdrawn"' in page and 'data-testid="document-restore"' in page
    assert c.post(f"/documents/{SLUG}/restore/").status_code == 302
    assert reader.get(f"/documents/{SLUG}/").status_code == 200
