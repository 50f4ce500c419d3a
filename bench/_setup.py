"""Shared start-up of the benchmark scripts: Django on the database of ``DXNET_DATABASE_URL``.

The scripts start Django in development mode (``DXNET_DEBUG=1``, so that no production secret is
needed) and then turn ``settings.DEBUG`` off: with DEBUG on, Django keeps a log of every query,
which costs time and memory that a production server does not spend.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def setup() -> None:
    if not os.environ.get("DXNET_DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DXNET_DATABASE_URL to a PostgreSQL database (see bench/README.md).")
    os.environ.setdefault("DXNET_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dxnet.settings")
    import django
    from django.conf import settings

    django.setup()
    settings.DEBUG = False  # no query log (see the module docstring)


class Step:
    """``with Step("name"):`` prints how long the block took."""

    def __init__(self, name: str, timings: dict[str, float] | None = None) -> None:
        self.name, self.timings = name, timings

    def __enter__(self) -> Step:
        print(f"… {self.name}", flush=True)
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.elapsed = time.perf_counter() - self.started
        if self.timings is not None:
            self.timings[self.name] = self.elapsed
        print(f"  {self.name}: {self.elapsed:.2f} s", flush=True)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of the values."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))  # ceil
    return ordered[int(rank) - 1]


def summary(times: Sequence[float]) -> dict[str, float]:
    """Times in seconds → p50 / p95 / min / max in milliseconds."""
    return {"runs": len(times), "p50_ms": 1000 * statistics.median(times), "p95_ms": 1000 * percentile(times, 95),
            "min_ms": 1000 * min(times), "max_ms": 1000 * max(times)}


def timed(fn: Callable[[int], Any], *, runs: int, warmup: int) -> list[float]:
    for i in range(warmup):
        fn(i)
    out = []
    for i in range(runs):
        started = time.perf_counter()
        fn(i)
        out.append(time.perf_counter() - started)
    return out


def interleaved(fns: dict[str, Callable[[int], Any]], *, runs: int, warmup: int) -> dict[str, list[float]]:
    """Run several candidates alternately (A B A B …), so that a noisy neighbour on the machine
    slows them alike; returns each one's times in seconds."""
    for i in range(warmup):
        for fn in fns.values():
            fn(i)
    out: dict[str, list[float]] = {name: [] for name in fns}
    for i in range(runs):
        for name, fn in fns.items():
            started = time.perf_counter()
            fn(i)
            out[name].append(time.perf_counter() - started)
    return out


def machine() -> dict[str, str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
        settings_ = {}
        for name in ("shared_buffers", "work_mem", "max_parallel_workers_per_gather", "fsync",
                     "synchronous_commit", "jit"):
            cursor.execute(f"SHOW {name}")
            settings_[name] = cursor.fetchone()[0]
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        except OSError:
            return ""

    dirty = git("status", "--porcelain", "--", "dxnet")
    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "commit": git("rev-parse", "--short", "HEAD") + (" + uncommitted changes under dxnet/" if dirty else ""),
        "nproc": subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip(),
        "cpu": cpu, "memory": mem, "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "python": platform.python_version(), "postgresql": server,
        "postgresql_settings": ", ".join(f"{k}={v}" for k, v in settings_.items()),
    }
