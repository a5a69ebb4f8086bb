"""Checks SSDA903 tables with the DfE's public validator (`csc-validator-be-903`).

The validator lives in its own virtual environment (`.venv-903`, made by `make`: it needs
Python <= 3.11 and pandas < 2), so it runs as a subprocess: `validator_runner.py`, run by
that environment's Python, prints one finding per child, table, row and rule as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess  # noqa: S404 - runs our own script with our own arguments
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
RUNNER = Path(__file__).with_name("validator_runner.py")
# The partnership's local authority (Westmorland and Furness) unless configured otherwise.
DEFAULT_LA_CODE = "E06000064"
TIMEOUT_SECONDS = 300


class ValidatorUnavailable(RuntimeError):
    """The validator's environment is not installed, or the validator failed to run."""


@dataclass(frozen=True)
class Finding:
    child: str
    table: str  # Header, Episodes or Missing
    row: int  # 1-based data row of the table's CSV
    rule: str  # the DfE's rule code, e.g. "574"
    message: str
    fields: list[str] = field(default_factory=list)


@dataclass
class Result:
    findings: list[Finding]
    failed_rules: list[str]  # rules that crashed on the data (not findings)

    def codes(self) -> set[str]:
        return {f.rule for f in self.findings}


def python() -> Path:
    configured = os.environ.get("SSDA903_VALIDATOR_PYTHON")
    return Path(configured) if configured else ROOT / ".venv-903" / "bin" / "python"


def available() -> bool:
    return python().exists()


def validate(files: list[Path], year: int, la_code: str = DEFAULT_LA_CODE,
             previous: list[Path] = ()) -> Result:
    """Runs every rule of `year`'s ruleset on the CSV tables in `files` (and last year's
    tables in `previous`, for the rules comparing with them)."""
    if not available():
        raise ValidatorUnavailable(
            f"The DfE validator is not installed at {python()}: run `make install`.")
    command = [str(python()), str(RUNNER), "--year", str(year), "--la", la_code]
    for path in previous:
        command += ["--prev", str(path)]
    command += [str(path) for path in files]
    try:
        done = subprocess.run(command, capture_output=True, text=True,  # noqa: S603
                              timeout=TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired as error:
        raise ValidatorUnavailable(
            f"The DfE validator did not finish in {TIMEOUT_SECONDS} seconds.") from error
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise ValidatorUnavailable(f"The DfE validator failed: {last}")
    answer = json.loads(done.stdout)
    return Result([Finding(**f) for f in answer["issues"]], answer["failed"])
