"""A policy file that a .tf in the same scan reads through `file()` is also reached by the walk on its own: the user
sees each finding once, under the resource that uses the file (its kind), serial and parallel alike."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "terraform" / "mfa001_policy_files"

DENY_BOOL_FALSE = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*",\n'
    ' "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}]}\n'
)


def _scan(root: Path, *extra: str) -> list[dict]:
    run = subprocess.run([sys.executable, "-m", "mfa_lint.cli", "scan", "--format", "json", *extra, str(root)],
                         capture_output=True, text=True, timeout=120, env={**os.environ, "NO_COLOR": "1"})
    assert "Traceback" not in run.stderr
    return json.loads(run.stdout)["findings"]


def _places(findings: list[dict], root: Path) -> list[tuple]:
    return sorted((os.path.relpath(f["file"], root), f["line"], f["column"], f["rule_id"], f["resource"] or "")
                  for f in findings)


def test_a_referenced_file_reached_by_the_walk_reports_each_finding_once(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE, root)
    (root / "unused.json").write_text(DENY_BOOL_FALSE)  # no .tf reads it: its standalone finding stays
    serial = _scan(root, "--jobs", "1")
    assert _places(serial, root) == [
        ("main.tf", 18, 18, "MFA002", "aws_iam_role.from_template"),  # the operator is the template variable's value
        ("policies/deny.json", 8, 21, "MFA001", "aws_iam_policy.from_file"),
        ("policies/scp.json.tpl", 8, 21, "MFA001", "aws_organizations_policy.from_template_file"),
        ("unused.json", 2, 16, "MFA001", ""),
    ]
    assert _scan(root, "--jobs", "2") == serial
