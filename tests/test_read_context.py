"""The read context every reader is given, notes told apart by kind, settings declared once, limits named once."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mfa_lint.core.findings import MISSING_FILE, NO_FORMAT, UNRESOLVED
from mfa_lint.reading.budget import BudgetExceeded
from mfa_lint.reading.context import ReadContext
from mfa_lint.scanning import ScanOptions, scan
from mfa_lint.scanning.options import SETTINGS

PACKAGE = Path(__file__).resolve().parent.parent / "checks" / "mfa_lint"
DENY = ('{"Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*",\n'
        ' "Condition": {"%s": {"aws:MultiFactorAuthPresent": "false"}}}]}\n')


def test_a_referenced_file_changed_since_it_was_read_is_read_again(tmp_path: Path) -> None:
    """The cache of referenced files is keyed by modification time and size, not by path alone."""
    policy = tmp_path / "p.json"
    policy.write_text(DENY % "Bool")
    context = ReadContext()
    assert '"Bool"' in (context.referenced(str(policy)) or "")
    policy.write_text(DENY % "BoolIfExists")
    os.utime(policy, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert '"BoolIfExists"' in (context.referenced(str(policy)) or "")
    assert context.referenced(str(tmp_path / "missing.json")) is None


def test_overrides_stand_for_files_whatever_the_path_spelling(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    context = ReadContext(overrides={"sub/../p.json": "override"})
    assert context.read("p.json") == "override"
    assert context.referenced(str(tmp_path / "p.json")) == "override"


def test_the_deadline_holds_without_an_alarm() -> None:
    """Off the main thread and on checkov's path there is no SIGALRM: the readers' loops check the deadline."""
    context = ReadContext(parse_timeout=0.01, alarm=False)
    with pytest.raises(BudgetExceeded), context.budget():
        time.sleep(0.05)
        context.check_time()
    context.check_time()  # outside a file's budget: no deadline


def test_notes_carry_their_kind(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'variable "op" {}\n'
        'resource "aws_iam_policy" "missing" {\n  policy = file("${path.module}/not-there.json")\n}\n'
        'resource "aws_iam_policy" "unresolved" {\n  policy = jsonencode({Statement = [{Effect = "Deny", '
        'Action = "*", Resource = "*", Condition = {(var.op) = {"aws:MultiFactorAuthPresent" = "false"}}}]})\n}\n')
    (tmp_path / "other.yaml").write_text("rules:\n  - effect: deny\n    condition: aws:MultiFactorAuthPresent\n")
    kinds = {(os.path.basename(n.file), n.resource, n.kind) for n in scan([str(tmp_path)], ScanOptions(jobs=1)).notes}
    assert kinds == {("main.tf", "aws_iam_policy.missing", MISSING_FILE),
                     ("main.tf", "aws_iam_policy.unresolved", UNRESOLVED),
                     ("other.yaml", None, NO_FORMAT)}
    proc = subprocess.run([sys.executable, "-m", "mfa_lint", "scan", "--format", "json", "--fail-on", "never",
                           str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert sorted(n["kind"] for n in json.loads(proc.stdout)["notes"]) == ["missing-file", "no-format", "unresolved"]


def test_every_setting_is_a_config_key_and_its_flags_are_in_the_help() -> None:
    """One declaration (ScanOptions fields made with setting()): the config keys, the flags and --show-config."""
    from mfa_lint.cli import build_parser
    from mfa_lint.config import KEYS

    assert KEYS is SETTINGS and set(SETTINGS) >= {"exclude", "kinds", "kind", "fail-on", "jobs", "max-file-size"}
    scan_parser = build_parser()[1]["scan"]
    options = {flag for action in scan_parser._actions for flag in action.option_strings}
    for spec in SETTINGS.values():
        assert set(spec.flags) <= options, spec.key
        assert hasattr(ScanOptions(), spec.field), spec.key
    proc = subprocess.run([sys.executable, "-m", "mfa_lint", "scan", "--show-config"], capture_output=True,
                          text=True, timeout=60)
    shown = [line.split(" = ")[0] for line in proc.stdout.splitlines() if " = " in line]
    assert shown == list(SETTINGS)


def test_limits_are_named_in_one_place() -> None:
    """No module-level MAX_* constant outside reading/limits.py, except the pure core's own budgets and the checkov
    adapter's caches."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel == "reading/limits.py" or rel.startswith(("core/", "checkov/")):
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
                node, ast.AnnAssign) else []
            found += [f"{rel}:{t.id}" for t in targets if isinstance(t, ast.Name) and "MAX_" in t.id]
    assert found == []
