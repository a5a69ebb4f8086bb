"""CPython's cyclic garbage collector, tuned for processes that load case states.

Loading a running episode's state makes some 30,000 objects. At CPython's default
threshold (a young collection every 700 allocations) that is about forty collections a
step and, every few steps, a full one over everything the process holds (the parsed
diagrams, the kept workflows, SQLAlchemy's caches): the mean completion took 29.8 ms
against a median of 23.1 (issue 16, bench/complete_step.py). A case's workflow holds
reference cycles (each task and its workflow), so the collector is still needed; it
just runs less often. Called once by the web app and by the timer worker at start.
"""

from __future__ import annotations

import gc

# Young collections every this many allocations: a step's worth, not a fortieth of one.
# The older generations keep their default ratios, so a full collection still follows
# about every hundred young ones, and only when the heap has grown by a quarter.
YOUNG = 20_000


def tune() -> None:
    young, middle, old = gc.get_threshold()
    gc.set_threshold(max(YOUNG, young), middle, old)
