"""The documents journey: the Đắk Lắk Department of Home Affairs publishes a DOCX guidance to its
province, sees its page (metadata, text, indexing status), finds it again by searching without
accents, and opens it at a cited passage, highlighted and scrolled into view."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from dxnet.documents.tests.builders import docx_bytes

from .helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Hướng dẫn ứng dụng trợ lý ảo trong giải quyết thủ tục hành chính cấp xã"
PASSAGE = "Công chức một cửa kiểm tra trích dẫn trước khi trả lời người dân."



def test_publish_a_docx_see_it_and_find_it_without_accents(page: Page, live: Any, shot: Any, tmp_path: Path) -> None:
    base = live.url
    call_command("load_demo_documents", verbosity=0)
    path = tmp_path / "huong-dan-tro-ly-ao.docx"
    path.write_bytes(docx_bytes(
        title=TITLE, subheading="Bảng phân công",
        paragraphs=("Áp dụng tại bộ phận một cửa của các xã, phường trong tỉnh.", PASSAGE),
        table=[["TT", "Nhiệm vụ", "Đơn vị"], ["1", "Hướng dẫn cán bộ", "Sở Nội vụ"]]))

    sign_in(page, base, "snv.daklak")
    page.goto(f"{base}/documents/")
    page.get_by_test_id("document-new").click()
    page.locator('input[name="file"]').set_input_files(str(path))
    page.locator('input[name="title"]').fill(TITLE)
    page.locator('input[name="number"]').fill("21/HD-SNV")
    page.locator('select[name="kind"]').select_option("guidance")
    page.locator('input[name="issuer"]').fill("Sở Nội vụ tỉnh Đắk Lắk")
    page.locator('input[name="signed_on"]').fill("2026-11-20")
    page.locator('select[name="owner"]').select_option("66")
    page.locator('select[name="audience"]').select_option("66")
    page.get_by_test_id("document-form").locator('button[type="submit"]').click()

    page.wait_for_url(re.compile(r"/documents/huong-dan-ung-dung-tro-ly-ao[^/]*/$"))
    expect(page.get_by_test_id("document-title")).to_have_text(TITLE)
    expect(page.get_by_test_id("document-meta")).to_contain_text("21/HD-SNV")
    expect(page.get_by_test_id("document-audience")).to_contain_text("Đắk Lắk")
    expect(page.get_by_test_id("document-text")).to_contain_text(PASSAGE)
    expect(page.get_by_test_id("index-status")).to_be_visible()
    shot(page, "document")
    slug = page.url.rstrip("/").rsplit("/", 1)[-1]

    page.goto(f"{base}/documents/")
    page.locator('input[name="q"]').fill("huong dan tro ly ao thu tuc hanh chinh")
    page.get_by_test_id("document-search").locator('button[type="submit"]').click()
    results = page.get_by_test_id("document-results")
    expect(results.locator(f'[data-slug="{slug}"]')).to_be_visible()
    expect(results.locator("mark").first).to_be_visible()
    shot(page, "search")

    page.goto(f"{base}/documents/")
    expect(page.get_by_test_id("document-results").locator('[data-slug="nq-57-tw-2024"]')).to_be_visible()
    shot(page, "list")

    # A citation link: the passage is highlighted and brought into view.
    from dxnet.documents.models import Document

    text = Document.objects.get(slug=slug).text
    start = text.index(PASSAGE)
    page.set_viewport_size({"width": 390, "height": 700})  # a phone
    page.goto(f"{base}/documents/{slug}/?from={start}&to={start + len(PASSAGE)}#passage")
    mark = page.locator("mark#passage")
    expect(mark).to_have_text(PASSAGE)
    expect(mark).to_be_in_viewport()
    shot(page, "passage-phone")

    # Officials elsewhere do not see it.
    sign_in(page, base, "px.hoankiem")
    response = page.goto(f"{base}/documents/{slug}/")
    assert response is not None and response.status == 404
