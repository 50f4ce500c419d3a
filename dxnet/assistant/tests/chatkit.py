"""Shared set-up of the chat tests (answering, chat page, API, LLM mode, feedback): small
documents indexed for real (chunk → embed → snapshot, the worker's job run inline), and a real
local OpenAI-compatible HTTP server standing in for the language model."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from rag.tests.fake_llm import FakeLLM as BaseFakeLLM
from rag.tests.fake_llm import serve

DECREE = """NGHỊ ĐỊNH
Quy định về sáng kiến trong cơ quan nhà nước

Chương I
QUY ĐỊNH CHUNG

Điều 1. Phạm vi điều chỉnh
Nghị định này quy định về công nhận sáng kiến, chế độ thù lao cho tác giả sáng kiến và hội đồng xét duyệt.

Điều 2. Đối tượng áp dụng
1. Cán bộ, công chức, viên chức của cơ quan nhà nước.
2. Tổ chức, cá nhân có sáng kiến được áp dụng tại cơ quan nhà nước.

Chương II
CÔNG NHẬN SÁNG KIẾN

Điều 5. Hội đồng sáng kiến
Hội đồng sáng kiến cấp tỉnh do Chủ tịch Ủy ban nhân dân tỉnh thành lập, gồm từ năm đến chín thành viên.
"""

# Published to Đắk Lắk only: nobody outside the province may see a word of it.
DAKLAK_ONLY = """KẾ HOẠCH THỬ NGHIỆM CHUYỂN ĐỔI SỐ TỈNH ĐẮK LẮK

Điều 1. Mã thử nghiệm
Kế hoạch thí điểm trợ lý ảo cấp xã của tỉnh Đắk Lắk mang mã thử nghiệm ĐL-TLA-2026.
Kế hoạch được triển khai tại các xã vùng cao.

Điều 2. Kinh phí
Kinh phí thí điểm trợ lý ảo cấp xã do ngân sách tỉnh bảo đảm trong năm 2026.
"""
SECRET = "ĐL-TLA-2026"


def make_document(slug: str, text: str, *, audience: str = "VN", owner: str | None = None, **fields: Any) -> Any:
    from dxnet.documents.models import Document
    from dxnet.network.models import Unit

    return Document.objects.create(
        slug=slug, title=fields.pop("title", slug), text=text, text_sha256=hashlib.sha256(text.encode()).hexdigest(),
        owner=Unit.objects.get(code=owner or audience), audience=Unit.objects.get(code=audience), **fields)


def index_now(*documents: Any) -> None:
    """What the worker does for each changed document, run here."""
    from dxnet.assistant import indexing
    from dxnet.assistant.models import IndexJob

    for document in documents:
        job = indexing.run_job(indexing.document_changed(document_id=document.pk).pk)
        assert job.status == IndexJob.Status.DONE, job.error


@pytest.fixture
def own_index(settings: Any, tmp_path: Path) -> Iterator[None]:
    """Each test its own snapshot directory (the embedding cache stays shared: same text, same
    vector)."""
    from dxnet.assistant import retrieval

    settings.DXNET_ASSISTANT_DIR = tmp_path / "assistant"
    retrieval.forget()
    yield
    retrieval.forget()


@pytest.fixture
def corpus(db: Any, own_index: None) -> dict[str, Any]:
    """The decree (whole country) and the Đắk Lắk-only plan, indexed."""
    decree = make_document("nd-sang-kien", DECREE, title="Nghị định về sáng kiến", number="99/2026/NĐ-CP",
                           kind="decree", issuer="Chính phủ")
    daklak = make_document("kh-thu-nghiem-daklak", DAKLAK_ONLY, title="Kế hoạch thử nghiệm trợ lý ảo Đắk Lắk",
                           number="12/KH-UBND", audience="66", kind="plan", issuer="UBND tỉnh Đắk Lắk")
    index_now(decree, daklak)
    return {"decree": decree, "daklak": daklak}


# --- a fake OpenAI-compatible server ---------------------------------------------------------


class FakeLLM(BaseFakeLLM):
    """``/ok`` streams an answer citing [1]; ``/error`` answers HTTP 500; ``/slow`` sleeps
    longer than the test's timeout before answering."""

    requests: ClassVar[list[dict[str, Any]]] = []
    answer: ClassVar[list[str]] = ["Theo văn bản, hội đồng ", "sáng kiến cấp tỉnh do Chủ tịch ",
                                   "UBND tỉnh thành lập [1]."]
    sleep = 2.0


@pytest.fixture(scope="session")
def llm_server() -> Iterator[str]:
    with serve(FakeLLM) as url:
        yield url


@pytest.fixture
def llm(settings: Any, llm_server: str) -> Any:
    """Point the assistant at the fake server: ``llm("ok" | "error" | "slow")``."""
    FakeLLM.requests.clear()

    def use(mode: str, timeout: float = 5.0) -> list[dict[str, Any]]:
        settings.DXNET_LLM_BASE_URL = f"{llm_server}/{mode}/v1"
        settings.DXNET_LLM_MODEL = "fake-model"
        settings.DXNET_LLM_API_KEY = "sk-test"
        settings.DXNET_LLM_TIMEOUT = timeout
        return FakeLLM.requests

    return use
