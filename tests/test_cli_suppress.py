"""Suppressions through the real CLI: `mfa-lint:ignore` comments (YAML, HCL) and site-wide skips from the readers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from mfa_lint.core.findings import Finding
from mfa_lint.reading.suppressions import FileSuppressions, names

TEMPLATE = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Ops:
    Type: AWS::IAM::Group
  DenyPolicy:
    Type: AWS::IAM::Policy
    {metadata}Properties:
      PolicyName: deny-without-mfa
      Groups: [!Ref Ops]
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Deny
            NotAction: "iam:*"
            Resource: "*"
            Condition:
              {above}
              Bool: {{"aws:MultiFactorAuthPresent": "false"}}{same}
"""

TERRAFORM = """resource "aws_iam_policy" "deny" {{
  name = "deny-without-mfa"
  {skip}
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect    = "Deny"
      NotAction = ["iam:*"]
      Resource  = "*"
      Condition = {{
        {above}
        Bool = {{ "aws:MultiFactorAuthPresent" = "false" }}{same}
      }}
    }}]
  }})
}}
"""


def scan(tmp_path: Path, name: str, text: str) -> dict:
    (tmp_path / name).write_text(text)
    proc = subprocess.run([sys.executable, "-m", "mfa_lint.cli", "scan", "--format", "json", name], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr
    report = json.loads(proc.stdout)
    assert report["errors"] == [], report["errors"]
    assert proc.returncode == (1 if report["findings"] else 0)
    return report


def rules(report: dict) -> list[str]:
    return [f["rule_id"] for f in report["findings"]]


@pytest.mark.parametrize(
    ("above", "same", "metadata", "reported"),
    [
        ("", "", "", ["MFA001"]),
        ("# mfa-lint:ignore MFA001 break-glass role, reviewed", "", "", []),
        ("", "  # mfa-lint:ignore MFA001", "", []),
        ("", "  # mfa-lint:ignore", "", []),  # bare: every rule
        ("# mfa-lint:ignore E9001", "", "", []),  # the cfn-lint id works too
        ("# mfa-lint:ignore MFA002 wrong rule", "", "", ["MFA001"]),
        ("# mfa-lint:ignore MFA002, MFA001 both", "", "", []),
        ("", "", "Metadata:\n      cfn-lint:\n        config:\n          ignore_checks: [E9001]\n    ", []),
        ("", "", "Metadata:\n      cfn-lint:\n        config:\n          ignore_checks: [W9005]\n    ", ["MFA001"]),
    ],
)
def test_yaml_suppressions(tmp_path, above, same, metadata, reported):
    text = TEMPLATE.format(above=above, same=same, metadata=metadata)
    report = scan(tmp_path, "template.yaml", text)
    assert rules(report) == reported
    if not reported:
        assert report["summary"]["suppressed"] == 1 and report["suppressed"][0]["rule_id"] == "MFA001"
    else:
        assert report["findings"][0]["line"] == text[: text.index("Bool:")].count("\n") + 1


def test_comment_anywhere_in_the_resource_counts(tmp_path):
    """As `checkov:skip`: a marker anywhere in the resource's block covers the resource (checkov can only report
    whole resources, so this is what every surface can honour alike)."""
    text = TEMPLATE.format(above="# mfa-lint:ignore MFA001 reviewed\n", same="", metadata="")
    assert rules(scan(tmp_path, "template.yaml", text)) == []


def test_comment_in_another_resource_or_two_lines_above_does_not_count(tmp_path):
    text = TEMPLATE.format(above="", same="", metadata="").replace(
        "    Type: AWS::IAM::Group\n", "    Type: AWS::IAM::Group\n    # mfa-lint:ignore MFA001\n\n"
    )
    assert rules(scan(tmp_path, "template.yaml", text)) == ["MFA001"]


def test_json_has_no_comment_suppression(tmp_path):
    text = ('{"Statement": [{"Sid": "# mfa-lint:ignore", "Effect": "Deny", "NotAction": "iam:*", "Resource": "*",'
            ' "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}]}')
    assert rules(scan(tmp_path, "policy.json", text)) == ["MFA001"]


@pytest.mark.parametrize(
    ("above", "same", "skip", "reported"),
    [
        ("", "", "", ["MFA001"]),
        ("# mfa-lint:ignore MFA001 reviewed", "", "", []),
        ("// mfa-lint:ignore MFA001", "", "", []),
        ("", " # mfa-lint:ignore", "", []),
        ("# mfa-lint:ignore MFA003", "", "", ["MFA001"]),
        ("", "", "# checkov:skip=MFA001: reviewed", []),
    ],
)
def test_hcl_suppressions(tmp_path, above, same, skip, reported):
    report = scan(tmp_path, "main.tf", TERRAFORM.format(above=above, same=same, skip=skip))
    assert rules(report) == reported


# ------------------------------------------------------------------------------------------------ the parser itself


def _finding(rule_id: str) -> Finding:
    return Finding(rule_id=rule_id, message="m", statement_index=0, path=())


def test_line_suppressions_parse():
    lines = FileSuppressions("a\n  # mfa-lint:ignore MFA001,MFA002 because\nb  // mfa-lint:ignore\nc\n")
    assert lines.suppresses(_finding("MFA001"), 3) and lines.suppresses(_finding("MFA002"), 3)
    assert lines.suppresses(_finding("MFA005"), 3)  # line 3 has its own bare marker
    assert not lines.suppresses(_finding("MFA005"), 4)  # a trailing comment covers only its own line
    assert not lines.suppresses(_finding("MFA001"), 1)
    assert not lines.suppresses(_finding("MFA003"), 2)


def test_a_site_skip_names_the_rule_by_either_id():
    assert names(frozenset({"MFA001"}), _finding("MFA001"))
    assert names(frozenset({"E9001"}), _finding("MFA001"))
    assert not names(frozenset({"MFA002"}), _finding("MFA001"))
    assert not names(frozenset(), _finding("MFA001"))
