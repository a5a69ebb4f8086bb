"""Completions per second on PostgreSQL: gunicorn workers, concurrent clients, real HTTP.

Seeds BENCH_ITEMS (1,200) reported episodes (each with its "Grade the risk" item) in the
PostgreSQL database BENCH_DATABASE_URL (its schema is dropped first: never point it at
real data), starts `gunicorn --workers BENCH_WORKERS "web:create_app()"` on loopback,
then BENCH_CLIENTS threads complete the items through the JSON API for BENCH_SECONDS (or
until the items run out; seeding is the slow part, a whole ReportEpisode each). Prints
completions per second and the errors. Target (issue 16): at least 200 a second with 8
clients and 0 errors (29 a second with 4 workers before). Not a test: nothing fails on a
rate.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from engine import clock, db, forms  # noqa: E402

ITEMS = int(os.environ.get("BENCH_ITEMS", "1200"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "60"))
TARGET = 200


def main():
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        print("throughput: set BENCH_DATABASE_URL to an empty PostgreSQL database to measure")
        return
    import http_complete
    import pgdb
    import served

    clock.install()
    pgdb.fresh(url)
    sessions = db.make_session_factory(db.make_engine(url))
    print(f"throughput: seeding {ITEMS} reported episodes", flush=True)
    started = time.perf_counter()
    with sessions() as session:
        key, _, items = http_complete.seed(session, ITEMS)
    print(f"seeded {len(items)} episodes in {time.perf_counter() - started:.0f} s", flush=True)
    with served.gunicorn(url, WORKERS) as base:
        done, errors, elapsed = _drive(base, key, items)
    rate = done / elapsed
    print(f"completions per second, PostgreSQL, gunicorn {WORKERS} workers, {CLIENTS} clients,"
          f" {elapsed:.0f} s: {rate:.0f}/s, {errors} errors (target: at least {TARGET}/s, "
          f"{rate / TARGET:.2f} of it)")


def _drive(base, key, items):
    todo = queue.Queue()
    for item in items:
        todo.put(item)
    data = forms.load("grade_risk")["example"]
    counts = {"done": 0, "errors": 0}
    lock = threading.Lock()
    deadline = time.perf_counter() + SECONDS

    def client():
        http = requests.Session()
        headers = {"Authorization": f"Bearer {key}"}
        while time.perf_counter() < deadline:
            try:
                item = todo.get_nowait()
            except queue.Empty:
                return
            answer = http.post(f"{base}/api/v1/work-items/{item}/complete", headers=headers,
                               json={"data": data})
            with lock:
                counts["done" if answer.status_code == 200 else "errors"] += 1

    start = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts["done"], counts["errors"], time.perf_counter() - start


if __name__ == "__main__":
    main()
