"""The assistant journey of issue 5: a commune officer of Đắk Lắk asks in French about the
province's Decree 73 plan, gets an answer quoting the seed article, opens the citation (the
document page highlights the passage), comes back and rates the answer."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from dxnet.assistant.models import Feedback, Message

from .helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEED = "000_5ebbeb52e0fd0130"
QUESTION = "Quel est le plan de la province de Dak Lak pour appliquer le décret 73 ?"



@pytest.fixture
def indexed(live: Any, settings: Any, tmp_path: Any) -> Any:
    from dxnet.assistant import retrieval

    settings.DXNET_ASSISTANT_DIR = tmp_path / "assistant"
    settings.DXNET_LLM_BASE_URL = ""  # the offline assistant: extractive answers
    retrieval.forget()
    call_command("load_demo_documents", verbosity=0)
    call_command("assistant_reindex", verbosity=0)
    yield live
    retrieval.forget()


def test_ask_in_french_open_the_citation_give_feedback(page: Page, indexed: Any, shot: Any) -> None:
    base = indexed.url
    sign_in(page, base, "xa.eakar")
    page.goto(f"{base}/assistant/")
    expect(page.get_by_test_id("empty")).to_be_visible()
    expect(page.get_by_test_id("example")).to_have_count(4)

    # 1. Ask in French (Enter sends; htmx appends the answer without reloading the page).
    page.get_by_test_id("question").fill(QUESTION)
    page.get_by_test_id("question").press("Enter")
    answer = page.get_by_test_id("answer").first
    expect(answer).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("question-bubble")).to_have_text(re.compile("décret 73"))
    expect(page).to_have_url(re.compile(r"/assistant/c/\d+/$"))
    expect(page.get_by_test_id("question")).to_have_value("")
    expect(page.get_by_test_id("empty")).to_have_count(0)
    expect(page.locator("#no-conversations")).to_have_count(0)
    expect(page.get_by_test_id("conversations").get_by_role("link")).to_have_count(1)
    expect(answer.get_by_test_id("lead")).to_have_text(re.compile("^D'après les documents"))
    link = answer.locator(f'[data-testid="citation-link"][href^="/documents/{SEED}/?from="]').first
    expect(link).to_be_visible()
    stored = Message.objects.get(role="assistant")
    cited = next(c for c in stored.citations if c["slug"] == SEED)
    assert link.get_attribute("href") == cited["url"]
    shot(page, "answer")

    # 2. Open the citation: the document page highlights the quoted passage.
    link.click()
    page.wait_for_url(re.compile(rf"/documents/{SEED}/\?from=\d+&to=\d+&v=[0-9a-f]{{12}}#passage$"))
    mark = page.locator("mark#passage")
    expect(mark).to_be_visible()
    highlighted = " ".join(page.locator("mark.dx-passage").all_inner_texts())
    first_words = " ".join(cited["text"].split()[:8])
    assert first_words in " ".join(highlighted.split())
    shot(page, "passage")

    # 3. Back to the conversation: rate the answer with a reason, see the thanks.
    page.go_back()
    answer = page.get_by_test_id("answer").first
    expect(answer).to_be_visible()
    feedback = answer.get_by_test_id("feedback")
    feedback.locator("label[for$='-up']").click()
    feedback.locator("select[name=reason]").select_option("correct")
    feedback.locator("input[name=comment]").fill("Réponse utile, merci.")
    feedback.get_by_test_id("feedback-send").click()
    expect(page.get_by_test_id("feedback-thanks")).to_be_visible()
    fb = Feedback.objects.get()
    assert (fb.user.username, fb.rating, fb.reason, fb.comment, fb.message_id) == (
        "xa.eakar", "up", "correct", "Réponse utile, merci.", stored.pk)
    shot(page, "feedback")

    # 4. On a phone the page still reads: the answer first, the conversations below it.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.get_by_test_id("answer").first).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width} px)"
    shot(page, "phone")


@pytest.fixture
def fake_llm(settings: Any) -> Any:
    """A real local OpenAI-compatible server (the chat tests' FakeLLM) the live server talks to."""
    import threading
    from http.server import ThreadingHTTPServer

    from dxnet.assistant.tests.chatkit import FakeLLM

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeLLM)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    FakeLLM.requests.clear()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/ok/v1", FakeLLM
    httpd.shutdown()
    httpd.server_close()


def test_a_generated_answer_streams_into_the_page(page: Page, indexed: Any, fake_llm: Any, settings: Any,
                                                  shot: Any) -> None:
    url, fake = fake_llm
    settings.DXNET_LLM_BASE_URL = url
    settings.DXNET_LLM_MODEL = "fake-model"
    settings.DXNET_LLM_TIMEOUT = 10
    base = indexed.url
    sign_in(page, base, "xa.eakar")
    page.goto(f"{base}/assistant/")
    page.get_by_test_id("example").filter(has_text="décret 73").click()
    # assistant.js reads the stream, then swaps in the stored answer with its citations
    answer = page.locator('[data-testid="answer"][data-mode="llm"]')
    expect(answer).to_be_visible(timeout=30_000)
    expect(answer.get_by_test_id("answer-text")).to_contain_text("".join(fake.answer).strip())
    expect(answer.locator("a.dx-cite").first).to_have_attribute("href", re.compile(r"^#m\d+-c1$"))
    expect(answer.get_by_test_id("citation-link").first).to_have_attribute("href", re.compile(r"^/documents/"))
    expect(page.get_by_test_id("pending")).to_have_count(0)
    assert len(fake.requests) == 1
    stored = Message.objects.get(role="assistant")
    assert stored.mode == Message.Mode.LLM and stored.citations
    shot(page, "streamed")
