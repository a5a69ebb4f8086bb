"""How long the SSDA903 export of a year takes with 10,000 children in care and 100,000
closed episodes (target: 10 s), and the DfE validator's check of it. Seeds the same
partnership as bench/dashboard.py (BENCH_DATABASE_URL or SQLite). Prints the times."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import dashboard  # noqa: E402

from engine import clock, db  # noqa: E402
from engine.executor import SYSTEM, run  # noqa: E402
from engine.models import Organisation  # noqa: E402
from engine.returns import validator  # noqa: E402
from engine.returns.commands import BuildReturn903  # noqa: E402


def bench(url):
    engine = db.make_engine(url)
    with db.make_session_factory(engine)() as session, tempfile.TemporaryDirectory() as tmp:
        org = session.query(Organisation).filter_by(code="wfc").one()
        year = clock.london(clock.now()).year
        started = time.perf_counter()
        result = run(session, BuildReturn903(year, org.id, "exported"), SYSTEM)
        paths = result.write(Path(tmp))
        built = time.perf_counter() - started
        print(f"903 export of {year - 1}-{str(year)[2:]}: {len(result.header)} children, "
              f"{len(result.missing)} missing rows in {built:.1f} s (target 10 s)")
        if validator.available():
            started = time.perf_counter()
            checked = validator.validate(paths, year)
            print(f"903 DfE validator on it: {len(checked.findings)} rule hits in "
                  f"{time.perf_counter() - started:.1f} s")
    engine.dispose()


def main():
    clock.install()
    with tempfile.TemporaryDirectory() as tmp:
        url = dashboard.database(tmp)
        dashboard.seed(url)
        bench(url)


if __name__ == "__main__":
    main()
