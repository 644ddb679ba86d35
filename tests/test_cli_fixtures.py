"""Every fixture through the real CLI: the findings (rule, resource, line) must be exactly those its sidecar declares.

One `mfa-lint scan --format json` subprocess per fixture folder (and per policy kind for plain policy JSON) keeps
this fast; each fixture is still its own test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SIDECAR = ".expect.json"


def _sidecars() -> list[Path]:
    return sorted(p for p in FIXTURES.rglob(f"*{SIDECAR}") if p.is_file())


def _declared(sidecar: Path) -> dict:
    return json.loads(sidecar.read_text())


def _group(sidecar: Path) -> tuple[str, str]:
    """(folder, kind): the fixtures scanned together in one CLI run."""
    folder = sidecar.relative_to(FIXTURES).parts[0]
    return folder, _declared(sidecar).get("kind") or "identity"


def _for_cli(sidecar: Path) -> bool:
    surfaces = _declared(sidecar).get("surfaces")
    return surfaces is None or "cli" in surfaces


CASES = [s for s in _sidecars() if _for_cli(s)]


@cache
def _scan_group(folder: str, kind: str) -> dict:
    files = [str(s)[: -len(SIDECAR)] for s in CASES if _group(s) == (folder, kind)]
    proc = subprocess.run(
        [sys.executable, "-m", "mfa_lint.cli", "scan", "--format", "json", "--fail-on", "never", "--kind", kind,
         *files],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 2), proc.stderr
    return json.loads(proc.stdout)


def _norm(path: str) -> str:
    return os.path.normcase(os.path.abspath(os.path.join(ROOT, path)))


@pytest.mark.parametrize("sidecar", CASES, ids=[str(s.relative_to(FIXTURES))[: -len(SIDECAR)] for s in CASES])
def test_fixture(sidecar: Path):
    declared = _declared(sidecar)
    fixture = str(sidecar)[: -len(SIDECAR)]
    folder, kind = _group(sidecar)
    report = _scan_group(folder, kind)
    mine = _norm(fixture)
    errors = [e["message"] for e in report["errors"] if _norm(e["file"]) == mine]
    if folder != "hostile":
        assert not errors, f"{fixture} could not be read: {errors}"
    for error in errors:
        assert "\n" not in error and "Traceback" not in error
    got = Counter(
        (f["rule_id"], f["resource"], f["line"] if _has_lines(declared, f) else None)
        for f in report["findings"] if _norm(f["file"]) == mine
    )
    want = Counter((f["rule"], f.get("resource"), f.get("line")) for f in declared["findings"])
    assert got == want, f"{declared.get('about', '')}\n got: {sorted(got.elements())}\nwant: {sorted(want.elements())}"
    for resource in declared.get("unknown", []):
        notes = [n for n in report["notes"] if _norm(n["file"]) == mine and n["resource"] == resource]
        assert notes, f"no note for the unresolved policy of {resource}"
        assert not any(f[1] == resource for f in got), f"{resource} must be a note, never a finding"


def _has_lines(declared: dict, finding: dict) -> bool:
    """A sidecar line of null (plan JSON) means the format has no meaningful line: do not compare it."""
    for f in declared["findings"]:
        if f["rule"] == finding["rule_id"] and f.get("resource") == finding["resource"] and f.get("line") is None:
            return False
    return True


def test_fixture_folders_are_found():
    assert CASES, "no fixtures with sidecars found"
