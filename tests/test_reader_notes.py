"""Notes only where an MFA test could be hiding, naming the unresolved reference, never a host's class name."""

from __future__ import annotations

from pathlib import Path

from mfa_lint.core.model import parse_document
from mfa_lint.scan import ScanOptions, scan


def test_empty_policies_give_no_note(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_iam_role" "r" {\n  name = "r"\n  assume_role_policy = ""\n}\n'
        'resource "aws_iam_policy" "p" {\n  policy = "{}"\n}\n'
    )
    (tmp_path / "t.yaml").write_text(
        "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {}\n"
    )
    result = scan([str(tmp_path)], ScanOptions(jobs=1, check_syntax=True))
    assert result.notes == [] and result.findings == [] and result.errors == []


def test_a_note_names_the_unresolved_reference(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_iam_policy" "p" {\n  policy = data.aws_iam_policy_document.elsewhere.json\n}\n'
        'resource "aws_iam_policy" "q" {\n  policy = jsonencode({Statement = [{Effect = "Deny", Action = "*",\n'
        '    Resource = "*", Condition = {Bool = {"aws:MultiFactorAuthPresent" = var.flag}}}]})\n}\n'
    )
    messages = [n.message for n in scan([str(tmp_path)], ScanOptions(jobs=1)).notes]
    assert any("data.aws_iam_policy_document.elsewhere.json" in m for m in messages), messages
    assert any(m.endswith("depends on var.flag") for m in messages), messages
    assert not any("${" in m for m in messages)


def test_notes_never_show_class_names() -> None:
    class str_node(str):  # noqa: N801  (cfn-lint's decoded string class)
        pass

    (note,) = parse_document({"Statement": str_node("x")}).notes
    assert "str_node" not in note.message and "a string" in note.message
