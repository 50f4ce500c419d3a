"""Assistant retrieval at scale: latency of ``rag.hybrid.HybridIndex`` at 100,000 chunks, and memory.

    .venv/bin/python bench/assistant_latency.py [--chunks 100000] [--docs 5000] [--queries 200]
        [--sample 2000] [--out /tmp/bench-assistant] [--rebuild] [--json bench/results/….json]
    .venv/bin/python bench/assistant_latency.py --memory [--out /tmp/bench-assistant]   # a fresh process

No Django. The chunks are made from the repository's Vietnamese corpus (the demo documents,
``dxnet/documents/data/``, else the plans data; ``../shared`` only when the repository holds no
copy yet — at generation time, never by the product): each document is cut with
``rag.chunking.chunk``, and each synthetic chunk takes a real chunk as its template (so the
length distribution is the real one, as the chunking of the day cuts it), replaces about 40 %
of its sentences by sentences of other chunks, varies its numbers, swaps province and ministry
names and sometimes adds a document number (so the vocabulary grows as a real collection's
would). 100,000 chunks are spread over 5,000 documents of uneven length (contiguous rows, as
indexing writes them); as in ``dxnet.assistant.indexing``, BM25 indexes each chunk with its
document's title and number in front (a demo title with its numbers and names varied).

Vectors: ``--sample`` chunks are embedded for real (``get_embedder().embed_passages``; cached in
``--out`` so a re-run does not re-embed); every other chunk gets the vector of a sample chunk plus
Gaussian noise, re-normalised. The cost of the dense search (one matrix-vector product over the
allowed rows + argpartition) does not depend on the values.

Sentence vectors (the reranker's, ``rag.hybrid.sentence_texts``): each chunk gets as many as its
text has sentences of five words or more (at most 8), each its chunk's vector plus Gaussian noise;
saved as ``sentences.npy`` and served memory-mapped, as the product does. The index directory is
``index-<chunks>-s`` (an older ``index-<chunks>`` without sentence vectors is left alone).

Each query is timed end to end as the server runs it: the row mask made from the allowed
document ids (``HybridIndex.mask``), the query's embedding, BM25 on both fields with the mask
applied before ranking, the dense search with the same mask, reciprocal rank fusion, the rerank of
the 30 best fused chunks by their sentence vectors (stage ``rerank``), k = 10.
The stages are timed inside the one ``search`` call (the bound methods are wrapped). Three
masks: everything (no mask: the system, or a national official), a province's officials (≈ 90 %
of the documents), a narrow audience (≈ 2 %). Each query runs under the three masks in turn
(rotating order), 10 warm-up queries first, then ``--queries`` timed ones (the question list
cycled: ``eval/assistant-dev.jsonl`` when present, else the 50 questions below in vi with and
without accents, en, fr and hi). ``cpu`` is the process CPU time of the whole search: on a
shared machine it tells what the query costs when the wall time is inflated by neighbours.

``--memory`` (run it in its own process) loads the model (``get_embedder()``), loads the saved
index from disk (``HybridIndex.load``), serves the queries under the three masks, and prints
VmRSS and VmHWM (peak) from ``/proc/self/status`` after each step.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from rag.chunking import chunk  # noqa: E402
from rag.hybrid import HybridIndex, sentence_texts  # noqa: E402

PROVINCES = [
    "Hà Nội", "Huế", "Lai Châu", "Điện Biên", "Sơn La", "Lạng Sơn", "Quảng Ninh", "Thanh Hóa", "Nghệ An",
    "Hà Tĩnh", "Cao Bằng", "Tuyên Quang", "Lào Cai", "Thái Nguyên", "Phú Thọ", "Bắc Ninh", "Hưng Yên",
    "Hải Phòng", "Ninh Bình", "Quảng Trị", "Đà Nẵng", "Quảng Ngãi", "Gia Lai", "Khánh Hòa", "Lâm Đồng",
    "Đắk Lắk", "Thành phố Hồ Chí Minh", "Đồng Nai", "Tây Ninh", "Cần Thơ", "Vĩnh Long", "Đồng Tháp",
    "Cà Mau", "An Giang",
]
MINISTRIES = [
    "Bộ Khoa học và Công nghệ", "Bộ Nội vụ", "Bộ Tài chính", "Bộ Công an", "Bộ Quốc phòng", "Bộ Tư pháp",
    "Bộ Giáo dục và Đào tạo", "Bộ Y tế", "Bộ Công Thương", "Bộ Xây dựng", "Bộ Nông nghiệp và Môi trường",
    "Bộ Văn hóa, Thể thao và Du lịch", "Bộ Ngoại giao", "Văn phòng Chính phủ", "Thanh tra Chính phủ",
]
KINDS = ["NĐ-CP", "QĐ-TTg", "NQ/TW", "TT-BKHCN", "KH-UBND", "CT-TTg", "QĐ-UBND", "NQ-CP", "TT-BNV", "CV-BTC"]

QUESTIONS = [
    # Vietnamese, with accents
    ("vi", "Mục tiêu đến năm 2030 về kinh phí chi cho nghiên cứu phát triển là bao nhiêu?"),
    ("vi", "Nghị quyết 57-NQ/TW đặt ra nhiệm vụ gì về hạ tầng dữ liệu?"),
    ("vi", "Cơ quan nào chủ trì xây dựng cơ sở dữ liệu quốc gia về dân cư?"),
    ("vi", "Tỉnh Đắk Lắk triển khai kế hoạch chuyển đổi số như thế nào?"),
    ("vi", "Thời hạn hoàn thành việc kết nối dịch vụ công trực tuyến toàn trình là khi nào?"),
    ("vi", "Nghị quyết 03/NQ-CP năm 2025 giao nhiệm vụ gì cho Bộ Khoa học và Công nghệ?"),
    ("vi", "Tỷ lệ hồ sơ thủ tục hành chính được xử lý trực tuyến phải đạt bao nhiêu phần trăm?"),
    ("vi", "Quy định về bảo vệ dữ liệu cá nhân trong cơ quan nhà nước"),
    ("vi", "Đào tạo kỹ năng số cho cán bộ, công chức cấp xã"),
    ("vi", "Chỉ tiêu về kinh tế số chiếm bao nhiêu phần trăm GDP?"),
    ("vi", "Trách nhiệm của Ủy ban nhân dân cấp tỉnh trong việc thực hiện Nghị quyết"),
    ("vi", "Ngân sách nhà nước bố trí cho khoa học công nghệ hằng năm"),
    ("vi", "Trợ lý ảo phục vụ cán bộ công chức được xây dựng ở đâu?"),
    ("vi", "Phát triển trung tâm dữ liệu quốc gia và điện toán đám mây"),
    ("vi", "An ninh mạng và an toàn thông tin của tổ chức và cá nhân"),
    # Vietnamese, without accents
    ("vi", "muc tieu den nam 2030 ve kinh phi nghien cuu phat trien"),
    ("vi", "nghi quyet 57-NQ/TW ve dot pha khoa hoc cong nghe"),
    ("vi", "bao ve du lieu ca nhan"),
    ("vi", "tinh dak lak chuyen doi so cap xa"),
    ("vi", "dich vu cong truc tuyen toan trinh"),
    ("vi", "co so du lieu quoc gia ve dan cu"),
    ("vi", "ha tang so va trung tam du lieu"),
    ("vi", "dao tao nguon nhan luc chat luong cao"),
    ("vi", "nhiem vu cua bo khoa hoc va cong nghe"),
    ("vi", "13/2023/ND-CP bao ve du lieu ca nhan"),
    # English
    ("en", "What is the 2030 target for research and development spending?"),
    ("en", "Which ministry leads the national population database?"),
    ("en", "How does Dak Lak province implement its digital transformation plan?"),
    ("en", "What does Resolution 57-NQ/TW say about strategic technologies?"),
    ("en", "Deadline for connecting online public services to the national portal"),
    ("en", "Protection of personal data in state agencies"),
    ("en", "How much of GDP should the digital economy reach?"),
    ("en", "Training digital skills for commune officials"),
    ("en", "Who is responsible for cybersecurity of information systems?"),
    ("en", "Virtual assistant for government officials"),
    # French
    ("fr", "Quel est l'objectif de dépenses de recherche et développement pour 2030 ?"),
    ("fr", "Quel ministère pilote la base de données nationale sur la population ?"),
    ("fr", "Comment la province de Dak Lak met-elle en œuvre le plan du décret 73 ?"),
    ("fr", "Que dit la résolution 57-NQ/TW sur les infrastructures numériques ?"),
    ("fr", "Protection des données personnelles dans l'administration"),
    ("fr", "Formation aux compétences numériques des fonctionnaires communaux"),
    ("fr", "Part de l'économie numérique dans le PIB"),
    ("fr", "Services publics en ligne de bout en bout"),
    # Hindi
    ("hi", "2030 तक अनुसंधान और विकास पर खर्च का लक्ष्य क्या है?"),
    ("hi", "राष्ट्रीय जनसंख्या डेटाबेस का नेतृत्व कौन सा मंत्रालय करता है?"),
    ("hi", "डाक लाक प्रांत डिजिटल परिवर्तन योजना कैसे लागू करता है?"),
    ("hi", "सरकारी एजेंसियों में व्यक्तिगत डेटा की सुरक्षा"),
    ("hi", "डिजिटल अर्थव्यवस्था का जीडीपी में हिस्सा कितना होना चाहिए?"),
    ("hi", "सरकारी अधिकारियों के लिए वर्चुअल सहायक"),
    ("hi", "ऑनलाइन सार्वजनिक सेवाओं को राष्ट्रीय पोर्टल से जोड़ने की समय सीमा"),
]

_SENT = re.compile(r"(?<=[.;!?…])\s+|\n+")
_NUM = re.compile(r"\d+")
_NAMES = re.compile("|".join(re.escape(n) for n in sorted(PROVINCES + MINISTRIES, key=len, reverse=True)))


# --- data ------------------------------------------------------------------------------------


def source_files() -> tuple[list[Path], str]:
    """The demo documents of the repository (``dxnet/documents/data/corpus.json``); ../shared only
    when the repository holds no copy (generation time only: the product never reads it)."""
    data = ROOT / "dxnet" / "documents" / "data"
    if (data / "corpus.json").exists():
        files = [data / row["file"] for row in json.loads((data / "corpus.json").read_text(encoding="utf-8"))]
        return [f for f in files if f.exists()], "dxnet/documents/data/corpus.json"
    shared = ROOT.parent / "shared"
    files = sorted((shared / "data" / "corpus").glob("*.md")) + sorted((shared / "seeds").glob("*.txt"))
    if files:
        return files, "../shared/data/corpus + ../shared/seeds"
    return sorted((ROOT / "dxnet" / "plans" / "data").glob("*.md")), "dxnet/plans/data"


def base_chunks() -> tuple[list[tuple[str, str]], str]:
    """(heading, display text) of every real chunk of the corpus."""
    files, where = source_files()
    out: list[tuple[str, str]] = []
    for f in files:
        for c in chunk(f.read_text(encoding="utf-8"), doc_id=f.stem):
            out.append((c.heading, c.display))
    return out, where


def synth_chunks(n: int, seed: int = 5) -> tuple[list[str], dict]:
    rng = random.Random(seed)
    base, where = base_chunks()
    pool = [s for _, text in base for s in _SENT.split(text) if len(s.strip()) > 20]

    def vary_number(m: re.Match[str]) -> str:
        s = m.group()
        if rng.random() < 0.5:
            return s
        lo = 10 ** (len(s) - 1) if len(s) > 1 else 1
        return str(rng.randint(lo, 10 ** len(s) - 1))

    def vary_name(m: re.Match[str]) -> str:
        return rng.choice(PROVINCES if m.group() in PROVINCES else MINISTRIES) if rng.random() < 0.7 else m.group()

    titles: list[str] = []
    data = ROOT / "dxnet" / "documents" / "data" / "corpus.json"
    real_titles = ([f"{r['title']} {r.get('number', '')}" for r in json.loads(data.read_text(encoding="utf-8"))]
                   if data.exists() else ["Nghị quyết số 57-NQ/TW về đột phá phát triển khoa học, công nghệ"])
    texts: list[str] = []
    for i in range(n):
        heading, text = base[i % len(base)] if i < len(base) else rng.choice(base)
        if i >= len(base):  # the first pass is the real corpus itself
            sents = [s for s in _SENT.split(text) if s.strip()]
            sents = [rng.choice(pool) if rng.random() < 0.4 else s for s in sents]
            if len(sents) > 2 and rng.random() < 0.5:
                rng.shuffle(sents)
            text = " ".join(sents)
            if rng.random() < 0.3:
                text = f"Căn cứ {rng.choice(['Nghị định', 'Quyết định', 'Nghị quyết', 'Thông tư', 'Kế hoạch'])} số " \
                       f"{rng.randint(1, 3000)}/{rng.randint(2015, 2026)}/{rng.choice(KINDS)}; {text}"
            text = _NAMES.sub(vary_name, _NUM.sub(vary_number, text))
            heading = _NUM.sub(vary_number, heading)
        texts.append(f"{heading}\n{text}" if heading else text)
    for _ in range(n):  # document titles and numbers (BM25 sees them in front of each passage)
        titles.append(_NAMES.sub(vary_name, _NUM.sub(vary_number, rng.choice(real_titles))))
    return texts, {"source": where, "real_chunks": len(base), "sentences_pool": len(pool), "titles": titles}


def doc_assignment(n_chunks: int, n_docs: int, seed: int = 7) -> np.ndarray:
    """Uneven document lengths (log-normal), at least one chunk each, contiguous rows."""
    rng = np.random.default_rng(seed)
    w = rng.lognormal(mean=0.0, sigma=1.0, size=n_docs)
    sizes = np.maximum(1, np.floor(w / w.sum() * (n_chunks - n_docs)).astype(int) + 1)
    while sizes.sum() < n_chunks:
        sizes[rng.integers(n_docs)] += 1
    while sizes.sum() > n_chunks:
        j = rng.integers(n_docs)
        if sizes[j] > 1:
            sizes[j] -= 1
    return np.repeat(np.arange(1, n_docs + 1, dtype=np.int64), sizes)


def vectors_for(texts: list[str], sample: int, out: Path, seed: int = 11) -> tuple[np.ndarray, dict]:
    """Real vectors for the first ``sample`` texts (cached), noisy copies for the rest."""
    from rag.embed import get_embedder

    sample = min(sample, len(texts))
    key = hashlib.sha256("\x00".join(texts[:sample]).encode()).hexdigest()[:16]
    cache = out / f"sample-{sample}-{key}.npy"
    info: dict = {"sample": sample}
    if cache.exists():
        real = np.load(cache)
        info["sample_embed_s"] = "cached"
    else:
        emb = get_embedder()
        t0 = time.perf_counter()
        real = emb.embed_passages(texts[:sample]).astype(np.float32)
        info["sample_embed_s"] = round(time.perf_counter() - t0, 1)
        info["sample_tokens"] = int(sum(emb.count_tokens(texts[:sample])))
        np.save(cache, real)
    rng = np.random.default_rng(seed)
    n = len(texts)
    vecs = np.empty((n, real.shape[1]), dtype=np.float32)
    vecs[:sample] = real
    for s in range(sample, n, 10_000):
        e = min(n, s + 10_000)
        src = real[rng.integers(0, sample, size=e - s)]
        v = src + rng.normal(0.0, 0.03, size=src.shape).astype(np.float32)
        vecs[s:e] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return vecs, info


def sentence_vectors(texts: list[str], vecs: np.ndarray, seed: int = 13) -> list[np.ndarray]:
    """Per chunk, one vector per sentence the product would embed: the chunk's plus noise."""
    rng = np.random.default_rng(seed)
    out = []
    for text, v in zip(texts, vecs, strict=True):
        m = len(sentence_texts("", text))
        s = v[None, :] + rng.normal(0.0, 0.1, size=(m, v.shape[0])).astype(np.float32)
        out.append((s / np.linalg.norm(s, axis=1, keepdims=True)).astype(np.float32))
    return out


def questions(count: int) -> tuple[list[tuple[str, str]], str]:
    dev = ROOT / "eval" / "assistant-dev.jsonl"
    qs: list[tuple[str, str]] = []
    where = "the 50 questions of bench/assistant_latency.py"
    if dev.exists():
        for line in dev.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                qs.append((row.get("lang", "?"), row["question"]))
        where = f"eval/assistant-dev.jsonl ({len(qs)} questions)"
    if not qs:
        qs = list(QUESTIONS)
    return [qs[i % len(qs)] for i in range(count)], where


# --- measurement -----------------------------------------------------------------------------


def proc_status() -> dict[str, float]:
    out: dict[str, float] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
            out[key] = int(rest.split()[0]) / 1024  # MB
    return out


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def summary(values: list[float]) -> dict[str, float]:
    ms = [v * 1000 for v in values]
    return {"p50": round(statistics.median(ms), 2), "p95": round(pct(ms, 95), 2),
            "p99": round(pct(ms, 99), 2), "max": round(max(ms), 2)}


class Timed:
    """Wraps a callable and records the wall time of each call."""

    def __init__(self, fn) -> None:
        self.fn, self.last = fn, 0.0

    def __call__(self, *a, **kw):
        t0 = time.perf_counter()
        try:
            return self.fn(*a, **kw)
        finally:
            self.last = time.perf_counter() - t0


def masks(index: HybridIndex, seed: int = 3) -> dict[str, list[int] | None]:
    docs = np.unique(index.doc_ids)
    rng = np.random.default_rng(seed)
    province = np.sort(rng.choice(docs, size=int(round(len(docs) * 0.9)), replace=False))
    narrow = np.sort(rng.choice(docs, size=max(1, int(round(len(docs) * 0.02))), replace=False))
    return {"everything": None, "province ≈ 90 %": province.tolist(), "narrow ≈ 2 %": narrow.tolist()}


STAGES = ("total", "cpu", "mask", "embed query", "bm25", "dense", "rerank", "fusion")


def run_cases(index: HybridIndex, embed, qs: list[tuple[str, str]], cases: dict[str, list[int] | None],
              warmup: int = 10, k: int = 10) -> dict[str, dict]:
    """Each query in turn under every case (A B C, then B C A, …: a busy neighbour slows all cases
    alike), after ``warmup`` untimed queries. Stages are timed inside the one ``search`` call."""
    lex = Timed(index.lexical.search)
    dense = Timed(index._dense)
    emb = Timed(embed)
    rerank = Timed(index._rerank)
    index.lexical.search = lex  # instance attributes shadow the bound methods
    index._dense = dense
    index._rerank = rerank
    rows = {c: {s: [] for s in STAGES} for c in cases}
    langs: dict[str, dict[str, list[float]]] = {c: {} for c in cases}
    n_results: dict[str, list[int]] = {c: [] for c in cases}
    sets = {c: None if a is None else set(a) for c, a in cases.items()}
    names = list(cases)
    try:
        for i, (lang, q) in enumerate(qs[:warmup] + qs):
            for j in range(len(names)):
                case = names[(i + j) % len(names)]
                allowed = sets[case]
                rerank.last = 0.0
                c0 = time.process_time()
                t0 = time.perf_counter()
                m = None if allowed is None else index.mask(allowed)
                t1 = time.perf_counter()
                hits = index.search(q, embed_query=emb, k=k, mask=m)
                t2 = time.perf_counter()
                c1 = time.process_time()
                if allowed is not None:
                    assert all(h.doc_id in allowed for h in hits)
                if i < warmup:
                    continue
                r = rows[case]
                r["total"].append(t2 - t0)
                r["cpu"].append(c1 - c0)
                r["mask"].append(t1 - t0)
                r["embed query"].append(emb.last)
                r["bm25"].append(lex.last)
                r["dense"].append(dense.last)
                r["rerank"].append(rerank.last)
                r["fusion"].append((t2 - t1) - emb.last - lex.last - dense.last - rerank.last)
                langs[case].setdefault(lang, []).append(t2 - t0)
                n_results[case].append(len(hits))
    finally:
        del index.lexical.search, index._dense, index._rerank
    out: dict[str, dict] = {}
    for case in names:
        o: dict = {s: summary(v) for s, v in rows[case].items()}
        o["by_lang_total"] = {lang: summary(v) for lang, v in sorted(langs[case].items())}
        o["allowed_rows"] = int(len(index) if sets[case] is None else index.mask(sets[case]).sum())
        o["results_mean"] = round(statistics.mean(n_results[case]), 2)
        out[case] = o
    return out


def build_or_load(args) -> tuple[HybridIndex, dict]:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    idx_dir = out / f"index-{args.chunks}-s"
    info: dict = {}
    if idx_dir.exists() and not args.rebuild:
        t0 = time.perf_counter()
        index = HybridIndex.load(idx_dir)
        info["load_s"] = round(time.perf_counter() - t0, 2)
        info.update(json.loads((out / f"index-{args.chunks}-s.json").read_text()))
        return index, info
    t0 = time.perf_counter()
    texts, gen = synth_chunks(args.chunks)
    titles = gen.pop("titles")
    info["generate_s"] = round(time.perf_counter() - t0, 2)
    info.update(gen)
    lengths = [len(t) for t in texts]
    info["chars_per_chunk"] = {"mean": round(statistics.mean(lengths)), "p50": int(statistics.median(lengths)),
                               "p95": int(pct(lengths, 95)), "max": max(lengths)}
    doc_ids = doc_assignment(args.chunks, args.docs)
    vecs, vinfo = vectors_for(texts, args.sample, out)
    info["vectors"] = vinfo
    ids = [f"d{d}#{i}" for i, d in enumerate(doc_ids)]
    sentences = sentence_vectors(texts, vecs)
    info["sentences"] = {"total": int(sum(len(s) for s in sentences)),
                         "per_chunk_mean": round(sum(len(s) for s in sentences) / len(texts), 2)}
    print(f"… building the index of {len(texts):,} chunks", flush=True)
    t0 = time.perf_counter()
    # as dxnet.assistant.indexing does: BM25 also sees the document's title and number
    index = HybridIndex.build(ids, doc_ids.tolist(), texts, vecs,
                              lexical_texts=[f"{titles[d]}\n{t}" for d, t in zip(doc_ids, texts, strict=True)],
                              sentence_vectors=sentences)
    info["build_s"] = round(time.perf_counter() - t0, 1)
    tmp = out / f"index-{args.chunks}-s.tmp"
    if tmp.exists():
        import shutil

        shutil.rmtree(tmp)
    t0 = time.perf_counter()
    index.save(tmp)
    info["save_s"] = round(time.perf_counter() - t0, 2)
    if idx_dir.exists():
        import shutil

        shutil.rmtree(idx_dir)
    tmp.replace(idx_dir)
    info["disk_bytes"] = dir_size(idx_dir)
    info["disk_parts"] = {p.name: dir_size(p) if p.is_dir() else p.stat().st_size for p in idx_dir.iterdir()}
    info["disk_parts"].update({f"lexical/{p.name}": dir_size(p) if p.is_dir() else p.stat().st_size
                               for p in (idx_dir / "lexical").iterdir()})
    info["vocabulary"] = {name: len(bm.vocab_dict) for name, bm in index.lexical._bm25.items()}
    info["documents"] = int(len(np.unique(doc_ids)))
    (out / f"index-{args.chunks}-s.json").write_text(json.dumps(info, ensure_ascii=False, indent=1))
    return index, info


def latency(args) -> dict:
    from rag.embed import get_embedder

    index, info = build_or_load(args)
    print(json.dumps(info, ensure_ascii=False, indent=1), flush=True)
    emb = get_embedder()

    def embed(q: str) -> np.ndarray:
        return emb.embed_queries([q])[0]

    qs, where = questions(args.queries)
    result = {"chunks": len(index), "index": info, "questions": where, "k": 10}
    load0 = os.getloadavg()[0]
    result["cases"] = run_cases(index, embed, qs, masks(index))
    result["loadavg"] = [round(load0, 2), round(os.getloadavg()[0], 2)]
    print(f"\nload average (1 min) {result['loadavg'][0]} at the start, {result['loadavg'][1]} at the end", flush=True)
    for name, r in result["cases"].items():
        print(f"\n{name}: {r['allowed_rows']:,} rows allowed", flush=True)
        for stage in STAGES:
            s = r[stage]
            print(f"  {stage:12s} p50 {s['p50']:8.2f}  p95 {s['p95']:8.2f}  p99 {s['p99']:8.2f}  "
                  f"max {s['max']:8.2f} ms")
        print("  total by language: " + ", ".join(f"{lang} p50 {v['p50']:.1f} p95 {v['p95']:.1f}"
                                                   for lang, v in r["by_lang_total"].items()))
    return result


def memory(args) -> dict:
    steps: dict[str, dict] = {"start": proc_status()}
    from rag.embed import get_embedder

    emb = get_embedder()
    emb.embed_queries(["khởi động"])
    steps["model loaded"] = proc_status()
    idx_dir = Path(args.out) / f"index-{args.chunks}-s"
    index = HybridIndex.load(idx_dir, mmap=args.mmap)  # the sentence vectors are always mapped
    steps["index loaded" + (" (mmap)" if args.mmap else "")] = proc_status()
    qs, _ = questions(args.queries)
    run_cases(index, lambda q: emb.embed_queries([q])[0], qs, masks(index))
    steps[f"{args.queries} queries served"] = proc_status()
    for name, s in steps.items():
        print(f"{name:30s} VmRSS {s['VmRSS']:5.0f} MB (anonymous {s['RssAnon']:4.0f}, files {s['RssFile']:4.0f})"
              f"   VmHWM (peak) {s['VmHWM']:5.0f} MB")
    return {"memory": steps}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--chunks", type=int, default=100_000)
    ap.add_argument("--docs", type=int, default=5_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--sample", type=int, default=2_000)
    ap.add_argument("--out", default="/tmp/bench-assistant")
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--memory", action="store_true", help="memory of a fresh serving process (index built before)")
    ap.add_argument("--mmap", action="store_true", help="with --memory: HybridIndex.load(..., mmap=True)")
    ap.add_argument("--json")
    args = ap.parse_args()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    loadavg = Path("/proc/loadavg").read_text().strip()
    print(f"load average {loadavg}; nproc {os.cpu_count()}; commit {commit.stdout.strip()}", flush=True)
    result = memory(args) if args.memory else latency(args)
    if args.json:
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
