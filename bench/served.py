"""The web app served as it is in production, `gunicorn "web:create_app()"` on loopback,
for the benches that drive it over real HTTP from another process."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess  # noqa: S404 (gunicorn, fixed arguments)
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def gunicorn(url: str, workers: int):
    """Yields the base address of gunicorn serving the app on database `url`."""
    port = _free_port()
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="bench-" + "x" * 40,
               SAFEGUARD_ENV="development")
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"),  # noqa: S603
                               "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
                               "--log-level", "warning", "web:create_app()"],
                              cwd=ROOT, env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(base)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(base):
    for _ in range(100):
        try:
            requests.get(f"{base}/sign-in", timeout=10)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")
