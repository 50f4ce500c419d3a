"""Memory of the Django server path of the assistant (and its search latency on the demo corpus).

    .venv/bin/python bench/assistant_memory.py --prepare     # scratch database and index, once
    .venv/bin/python bench/assistant_memory.py [--queries 200] [--big /tmp/bench-assistant/index-100000]

Runs on a scratch SQLite database (``DXNET_DATABASE_URL``, default
``sqlite:////tmp/bench-assistant.sqlite3``) and a scratch ``DXNET_VAR_DIR`` (default
``/tmp/bench-assistant-var``: the index snapshots and media go there; the embedding cache is the
repository's ``var/embeddings`` when it exists, content-addressed, so the demo passages are not
embedded again). ``--prepare`` runs ``migrate``, ``load_units``, the demo cast, ``load_demo_documents``
and ``assistant_reindex`` in child processes.

The measurement runs in a fresh process with ``DXNET_DEBUG=1`` (then ``settings.DEBUG`` off, as
in production: no query log): Django set up, every URL module imported (what a server does at
its first request), then ``dxnet.assistant.retrieval.search`` — which loads the model and the
index snapshot on first use — for ``--queries`` questions as four people in turn (``admin``,
``snv.daklak``, ``xa.eakar``, ``px.hoankiem``). VmRSS and VmHWM (peak) from ``/proc/self/status``
after each step. With ``--big``, the same process then also loads the 100,000-chunk index of
``bench/assistant_latency.py`` (``HybridIndex.load``) and serves the questions on it with a
≈ 90 % mask: the memory of a server whose collection has grown to 100,000 chunks.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from assistant_latency import masks, pct, proc_status, questions  # noqa: E402

PEOPLE = ("admin", "snv.daklak", "xa.eakar", "px.hoankiem")


def env() -> dict[str, str]:
    e = dict(os.environ)
    e.setdefault("DXNET_DEBUG", "1")
    e.setdefault("DXNET_DATABASE_URL", "sqlite:////tmp/bench-assistant.sqlite3")
    e.setdefault("DXNET_VAR_DIR", "/tmp/bench-assistant-var")
    if (ROOT / "var" / "embeddings").is_dir():
        e.setdefault("DXNET_EMBED_CACHE", str(ROOT / "var" / "embeddings"))
    e.setdefault("DJANGO_SETTINGS_MODULE", "dxnet.settings")
    return e


def prepare() -> None:
    py = str(ROOT / ".venv" / "bin" / "python")
    cast = ("import django; django.setup(); from dxnet.network.demo import load_cast; load_cast()")
    for cmd in ([py, "manage.py", "migrate", "-v", "0"], [py, "manage.py", "load_units"], [py, "-c", cast],
                [py, "manage.py", "load_demo_documents"], [py, "manage.py", "assistant_reindex"]):
        print("$", " ".join(cmd[1:]), flush=True)
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, env=env(), check=True)
        print(f"  {time.perf_counter() - t0:.1f} s", flush=True)


def show(steps: dict[str, dict[str, float]]) -> None:
    for name, s in steps.items():
        print(f"{name:46s} VmRSS {s['VmRSS']:5.0f} MB (anonymous {s['RssAnon']:4.0f}, files {s['RssFile']:4.0f})"
              f"   VmHWM (peak) {s['VmHWM']:5.0f} MB", flush=True)


def measure(args) -> None:
    os.environ.update({k: v for k, v in env().items() if k.startswith(("DXNET_", "DJANGO_"))})
    steps: dict[str, dict[str, float]] = {"python started": proc_status()}
    import django
    from django.conf import settings

    django.setup()
    settings.DEBUG = False
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 — imports every view module, as the first request does
    steps["Django set up, URL modules imported"] = proc_status()

    from django.contrib.auth import get_user_model

    from dxnet.assistant import retrieval

    people = [get_user_model().objects.get(username=u) for u in PEOPLE]
    qs, where = questions(args.queries)
    t0 = time.perf_counter()
    first = retrieval.search(actor=people[0], query=qs[0][1], k=10)
    print(f"first search (loads the model and the index): {time.perf_counter() - t0:.2f} s, {len(first)} results")
    index = retrieval.current_index()
    steps[f"first search (model + demo index of {len(index)} passages)"] = proc_status()
    times: list[float] = []
    for i, (_, q) in enumerate(qs[:10] + qs):
        t0 = time.perf_counter()
        retrieval.search(actor=people[i % len(people)], query=q, k=10)
        if i >= 10:
            times.append(time.perf_counter() - t0)
    steps[f"{len(qs)} searches as {len(people)} people"] = proc_status()
    ms = sorted(t * 1000 for t in times)
    print(f"retrieval.search on the demo index ({where}; {len(index)} passages, DB access check included): "
          f"p50 {statistics.median(ms):.1f} ms, p95 {pct(ms, 95):.1f} ms, max {ms[-1]:.1f} ms; "
          f"load average {os.getloadavg()[0]:.2f}")
    if args.big:
        from rag.hybrid import HybridIndex

        big = HybridIndex.load(args.big, mmap=args.mmap)
        steps[f"+ 100k index loaded{' (mmap)' if args.mmap else ''}"] = proc_status()
        allowed = set(masks(big)["province ≈ 90 %"])
        for _, q in qs:
            big.search(q, embed_query=retrieval._embed_query, k=10, mask=big.mask(allowed))
        steps[f"+ {len(qs)} searches on it (≈ 90 % mask)"] = proc_status()
    show(steps)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--prepare", action="store_true")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--big", help="also load this HybridIndex directory (bench/assistant_latency.py's)")
    ap.add_argument("--mmap", action="store_true", help="load --big with mmap=True")
    args = ap.parse_args()
    print(f"load average {Path('/proc/loadavg').read_text().strip()}; nproc {os.cpu_count()}", flush=True)
    if args.prepare:
        prepare()
    else:
        measure(args)


if __name__ == "__main__":
    main()
