"""Load test: concurrent chat sessions against the running app, loopback only, bounded in time.

    python -m eval.benchmarks.load_test [--sessions 50] [--seconds 60] [--concurrency 2 8]

Starts `rag ui` on a free 127.0.0.1 port (offline default, fresh index), then
runs N sessions, each a gradio_client asking golden-set questions through the
app's /ask endpoint in a loop until the time is up. Reports requests, errors,
latency p50/p95, throughput and the server's memory (RSS) at start, end and peak.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from rag.llm.local_server import free_port

from ..harness import golden
from ..metrics import percentile


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@contextmanager
def serve(concurrency: int):
    """`rag ui` on a free loopback port over a fresh index, answered once; yields (url, pid)."""
    from gradio_client import Client

    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, RAG_DATA_DIR=tmp, RAG_UI_CONCURRENCY=str(concurrency), HF_HUB_OFFLINE="1",
                   GRADIO_ANALYTICS_ENABLED="False")
        server = subprocess.Popen([sys.executable, "-m", "rag.cli", "ui", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}/"
        try:
            deadline = time.monotonic() + 120
            client = None
            while client is None and time.monotonic() < deadline:
                try:
                    client = Client(url, verbose=False)
                except Exception:
                    time.sleep(0.5)
            if client is None:
                raise SystemExit("the app did not start")
            client.predict("Where did Putin and Xi meet?", 4, "auto", api_name="/ask")  # warm
            yield url, server.pid
        finally:
            server.terminate()
            server.wait(timeout=30)


class Tally:
    """Latencies, errors and the server's memory, shared by the session threads or tasks."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.lock = threading.Lock()
        self.start()

    def start(self) -> None:
        """(Re)start the server's memory and CPU accounting, e.g. once every session is connected."""
        self.rss = {"start": rss_mb(self.pid), "peak": 0.0}
        self.cpu_start = cpu_s(self.pid)

    def ok(self, ms: float) -> None:
        with self.lock:
            self.latencies.append(ms)

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors.append(kind)

    def sample(self) -> None:
        self.rss["peak"] = max(self.rss["peak"], rss_mb(self.pid))

    def report(self, sessions: int, elapsed: float, concurrency: int) -> dict:
        self.rss["end"] = rss_mb(self.pid)
        server_cpu = cpu_s(self.pid) - self.cpu_start
        lat = self.latencies
        return {"sessions": sessions, "seconds": round(elapsed, 1), "concurrency_limit": concurrency,
                "requests": len(lat), "errors": len(self.errors), "error_kinds": sorted(set(self.errors)),
                "throughput_rps": round(len(lat) / elapsed, 1),
                "p50_ms": round(percentile(lat, 0.5), 1) if lat else None,
                "p95_ms": round(percentile(lat, 0.95), 1) if lat else None,
                "rss_mb": {k: round(v) for k, v in self.rss.items()},
                # the app's share of the machine: how much of the latency is the app's own work
                "server_cpu_s": round(server_cpu, 1),
                "server_cpu_ms_per_request": round(server_cpu * 1e3 / len(lat), 1) if lat else None}


def run(sessions: int, seconds: float, concurrency: int) -> dict:
    from gradio_client import Client

    questions = [q.question for q in golden.questions("all")]
    with serve(concurrency) as (url, pid):
        tally = Tally(pid)
        stop_at = time.monotonic() + seconds

        def session(i: int) -> None:
            try:
                c = Client(url, verbose=False)
            except Exception as exc:
                tally.error(f"connect: {type(exc).__name__}")
                return
            k = i
            while time.monotonic() < stop_at:
                q = questions[k % len(questions)]
                k += sessions
                t = time.perf_counter()
                try:
                    out = c.predict(q, 4, "auto", api_name="/ask")
                    assert "text" in out
                    tally.ok((time.perf_counter() - t) * 1e3)
                except Exception as exc:
                    tally.error(type(exc).__name__)

        def sample() -> None:
            while time.monotonic() < stop_at:
                tally.sample()
                time.sleep(1)

        threads = [threading.Thread(target=session, args=(i,)) for i in range(sessions)]
        sampler = threading.Thread(target=sample)
        t0 = time.monotonic()
        for t in threads + [sampler]:
            t.start()
        for t in threads + [sampler]:
            t.join(timeout=seconds + 120)
        return tally.report(sessions, time.monotonic() - t0, concurrency)


def cli(run_one, description: str) -> None:
    """The command line both load scripts share: one row per concurrency limit."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--sessions", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--concurrency", type=int, nargs="+", default=[2])
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    rows = [run_one(args.sessions, args.seconds, c) for c in args.concurrency]
    for r in rows:
        print(json.dumps(r))
    if args.out:
        Path(args.out).write_text(json.dumps(rows, indent=2))


def main() -> None:
    cli(run, __doc__.splitlines()[0])


if __name__ == "__main__":
    main()
