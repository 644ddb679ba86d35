"""`--jobs N`: a process pool whose report is identical, byte for byte and in the same order, to a serial scan's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from mfa_lint.scanning import ScanOptions, scan
from mfa_lint.scanning.pool import MIN_FILES_PER_WORKER, worker_count

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mfa_lint.cli", "scan", *args], cwd=FIXTURES.parent,
                          capture_output=True, text=True, timeout=300, env={**os.environ, "NO_COLOR": "1"})


def test_the_fixture_tree_is_big_enough_to_use_the_pool() -> None:
    files = sum(1 for _ in FIXTURES.rglob("*.*"))
    assert worker_count(2, files) == 2 and files >= 2 * MIN_FILES_PER_WORKER
    assert worker_count(None, 3) == 1 and worker_count(1, 10_000) == 1 and worker_count(8, 10_000) == 8


@pytest.mark.parametrize(("fmt", "extra"), [("json", ()), ("text", ("--check-syntax",))],
                         ids=["json-default", "text-check-syntax"])
def test_parallel_output_is_identical_to_serial(fmt: str, extra: tuple[str, ...]) -> None:
    serial = _cli("--format", fmt, "--jobs", "1", *extra, "fixtures")
    parallel = _cli("--format", fmt, "--jobs", "3", *extra, "fixtures")
    assert serial.returncode == parallel.returncode == 2  # the hostile fixtures hold unreadable files
    assert "Traceback" not in serial.stderr + parallel.stderr
    assert serial.stdout == parallel.stdout
    assert serial.stdout.count("MFA001") > 50


def test_parallel_api_result_equals_serial() -> None:
    """The Python API (another start method when the caller has threads): equal results, nothing lost in pickling."""
    serial = scan([str(FIXTURES)], ScanOptions(jobs=1, check_syntax=True))
    parallel = scan([str(FIXTURES)], ScanOptions(jobs=2, check_syntax=True))
    assert parallel.findings == serial.findings and parallel.notes == serial.notes
    assert parallel.errors == serial.errors and parallel.suppressed == serial.suppressed
    assert parallel.summary() == serial.summary()
    assert [f.edit for f in parallel.findings] == [f.edit for f in serial.findings]
