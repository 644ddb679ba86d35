"""The attachment graph parses only the files a policy's placement can depend on (formats.terraform.attachments
_graph_files), and the verdict is the one the whole module gives: a policy document in one file, the managed policy
using it in a second, its attachment in a third, the role in a fourth, and a file that only names the role."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from mfa_lint.formats.terraform.attachments import _graph_files

FILES = {
    "policy.tf": '''data "aws_iam_policy_document" "deny_without_mfa" {
  statement {
    effect    = "Deny"
    actions   = ["s3:DeleteBucket"]
    resources = ["*"]
    condition {
      test     = "Bool"
      variable = "aws:MultiFactorAuthPresent"
      values   = ["false"]
    }
  }
}
''',
    "managed.tf": '''resource "aws_iam_policy" "guard" {
  name   = "guard"
  policy = data.aws_iam_policy_document.deny_without_mfa.json
}
''',
    "attach.tf": '''resource "aws_iam_role_policy_attachment" "guard" {
  role       = aws_iam_role.deployer.name
  policy_arn = aws_iam_policy.guard.arn
}
''',
    "role.tf": '''resource "aws_iam_role" "deployer" {
  name = "deployer"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "codebuild.amazonaws.com" } }]
  })
}
''',
    "unrelated.tf": '''resource "aws_iam_role_policy" "other" {
  name   = "other"
  role   = aws_iam_role.deployer.id
  policy = jsonencode({
    Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }]
  })
}

resource "aws_s3_bucket" "logs" {
  bucket = "logs"
}
''',
}


def test_only_the_files_a_placement_depends_on_are_parsed() -> None:
    assert _graph_files(FILES) == {"policy.tf", "managed.tf", "attach.tf", "role.tf"}


def test_mfa_text_in_a_file_that_declares_nothing_parses_every_candidate() -> None:
    files = {**FILES, "variables.tf": 'variable "k" {\n  default = "aws:MultiFactorAuthPresent"\n}\n'}
    assert _graph_files(files) == {"policy.tf", "managed.tf", "attach.tf", "role.tf", "unrelated.tf"}


def test_the_verdict_follows_the_chain_across_four_files(tmp_path: Path) -> None:
    """The document is attached, through the managed policy, to a role only CodeBuild assumes: MFA006 (no caller can
    meet it), not MFA001 (which an identity policy with its default callers would give)."""
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
    proc = subprocess.run([sys.executable, "-m", "mfa_lint", "scan", "--format", "json", "."], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    findings = json.loads(proc.stdout)["findings"]
    assert [(f["file"], f["rule_id"]) for f in findings] == [("policy.tf", "MFA006")]
    assert "codebuild.amazonaws.com" in findings[0]["message"]
