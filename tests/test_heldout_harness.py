"""benchmarks/heldout.py with the real CLI (and cfn-lint, checkov) on a tiny held-out set written here: a right
finding, a silent look-alike, and expectations that are wrong on purpose, so that each outcome class is produced by a
real run and classified as the README says."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

from fixture_cases import ROOT

_spec = importlib.util.spec_from_file_location("heldout", ROOT / "benchmarks" / "heldout.py")
assert _spec and _spec.loader
heldout = importlib.util.module_from_spec(_spec)
sys.modules["heldout"] = heldout  # dataclasses look their module up while the class is made
_spec.loader.exec_module(heldout)

BIN = Path(sys.executable).parent

MAIN_TF = """resource "aws_iam_group" "ops" {
  name = "ops"
}

resource "aws_iam_policy" "bad" {
  name = "bad"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Deny"
      Action    = ["ec2:TerminateInstances"]
      Resource  = "*"
      Condition = { Bool = { "aws:MultiFactorAuthPresent" = "false" } }
    }]
  })
}

resource "aws_iam_policy" "good" {
  name = "good"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Deny"
      Action    = ["ec2:TerminateInstances"]
      Resource  = "*"
      Condition = { BoolIfExists = { "aws:MultiFactorAuthPresent" = "false" } }
    }]
  })
}

resource "aws_iam_group_policy_attachment" "bad" {
  group      = aws_iam_group.ops.name
  policy_arn = aws_iam_policy.bad.arn
}

resource "aws_iam_group_policy_attachment" "good" {
  group      = aws_iam_group.ops.name
  policy_arn = aws_iam_policy.good.arn
}
"""

TEMPLATE = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Ops:
    Type: AWS::IAM::Group
    Properties:
      Policies:
        - PolicyName: mfa
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Deny
                Action: ec2:TerminateInstances
                Resource: "*"
                Condition:
                  Bool:
                    aws:MultiFactorAuthPresent: "false"
"""


def _project(root: Path, name: str, files: dict[str, str], expected: dict) -> None:
    folder = root / name
    folder.mkdir()
    for rel, text in files.items():
        (folder / rel).write_text(text)
    (folder / "expected.json").write_text(json.dumps({"format": "terraform", "constructs": ["test"], **expected}))


def _set(root: Path) -> None:
    root.mkdir()
    _project(root, "right", {"main.tf": MAIN_TF}, {
        "findings": [{"rule": "MFA001", "file": "main.tf", "line": 13, "resource": "aws_iam_policy.bad"}],
        "silent": [{"file": "main.tf", "line": 26, "resource": "aws_iam_policy.good"}],
    })
    _project(root, "wrong-on-purpose", {"main.tf": MAIN_TF}, {  # the good policy expected to fire, the bad silent
        "findings": [{"rule": "MFA001", "file": "main.tf", "line": 26, "resource": "aws_iam_policy.good"}],
        "silent": [{"file": "main.tf", "line": 13, "resource": "aws_iam_policy.bad"}],
    })
    _project(root, "cfn-elsewhere", {"template.yaml": TEMPLATE}, {
        "format": "cloudformation",
        "findings": [{"rule": "MFA001", "file": "template.yaml", "line": 3, "resource": "Ops"}],
    })


def _outcomes(details: Path) -> dict[tuple[str, str, str], str]:
    results = json.loads(details.read_text())["results"]
    return {(o["project"], o["surface"], o["item"].split(" @ ")[0]): o["outcome"] for r in results
            for o in r["outcomes"]}


def test_cli_and_cfnlint_outcomes(tmp_path: Path) -> None:
    _set(tmp_path / "set")
    out, details = tmp_path / "report.md", tmp_path / "details.json"
    assert heldout.main([str(tmp_path / "set"), "--venv", str(BIN.parent), "--surfaces", "cli,cfnlint",
                         "--out", str(out), "--details", str(details)]) == 0
    got = _outcomes(details)
    assert got[("right", "cli", "MFA001 aws_iam_policy.bad")] == "at line"
    assert got[("right", "cli", "aws_iam_policy.good")] == "ok"
    assert got[("wrong-on-purpose", "cli", "MFA001 aws_iam_policy.good")] == "SILENT"
    assert got[("wrong-on-purpose", "cli", "aws_iam_policy.bad")] == "FALSE ALARM"
    assert got[("cfn-elsewhere", "cli", "MFA001 Ops")] == "elsewhere"  # the operator is on line 15, not 3
    assert got[("cfn-elsewhere", "cfnlint", "MFA001 Ops")] == "elsewhere"
    assert ("right", "cfnlint", "MFA001 aws_iam_policy.bad") not in got  # cfn-lint does not read Terraform
    report = out.read_text()
    assert "`wrong-on-purpose`: finding MFA001 aws_iam_policy.good" in report
    assert "FALSE ALARM **cli** `wrong-on-purpose`" in report


def test_checkov_ranges_count_as_the_line(tmp_path: Path) -> None:
    _set(tmp_path / "set")
    details = tmp_path / "details.json"
    assert heldout.main([str(tmp_path / "set"), "--venv", str(BIN.parent), "--surfaces", "checkov", "--only",
                         "right", "--out", str(tmp_path / "r.md"), "--details", str(details)]) == 0
    got = _outcomes(details)
    assert got[("right", "checkov", "MFA001 aws_iam_policy.bad")] == "at line"  # its resource range holds line 13
    assert got[("right", "checkov", "aws_iam_policy.good")] == "ok"


def test_names_match_across_surfaces() -> None:
    level = heldout.name_level
    assert level('module.a["k"].aws_iam_role.this', ['module.a["k"].aws_iam_role.this']) == 3
    assert level("module.a[\\\"k\\\"].aws_iam_role.this", ['module.a["k"].aws_iam_role.this']) == 3
    assert level("aws_iam_role.this", ['aws_iam_role.this["k"]']) == 2
    assert level("aws_iam_role.this", ["module.a.aws_iam_role.this"]) == 1
    assert level("aws_iam_role.other", ["aws_iam_role.this"]) == 0
    assert heldout._checkov_resource("terraform", "module.m.aws_iam_policy_document.x") == (
        "module.m.data.aws_iam_policy_document.x")
    assert heldout._checkov_resource("cloudformation", "AWS::IAM::Role.Admin") == "Admin"
