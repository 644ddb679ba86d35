"""The default fast path: a walked file that cannot hold an MFA test is not parsed; `check_syntax` parses it. The
findings are the same either way, and the summary counts files the same way in both modes."""

from __future__ import annotations

from pathlib import Path

import pytest
from mfa_lint.scanning import ScanOptions, scan

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
MFA_DENY = ('resource "aws_iam_policy" "p" {\n  policy = jsonencode({Statement = [{Effect = "Deny", Action = "*",'
            ' Resource = "*", Condition = {Bool = {"aws:MultiFactorAuthPresent" = "false"}}}]})\n}\n')


def _counts(result) -> dict[str, int]:
    s = result.summary()
    return {k: s[k] for k in ("files_walked", "files_read", "files_skipped_unrelated", "files_not_iac", "unreadable")}


@pytest.mark.parametrize("folder", ["policy", "terraform", "cloudformation", "plan"])
def test_same_findings_with_and_without_check_syntax(folder: str) -> None:
    fast = scan([str(FIXTURES / folder)], ScanOptions(jobs=1))
    full = scan([str(FIXTURES / folder)], ScanOptions(jobs=1, check_syntax=True))
    assert fast.findings == full.findings and fast.suppressed == full.suppressed
    assert fast.findings, folder
    fast_counts, full_counts = _counts(fast), _counts(full)
    assert fast_counts["files_walked"] == full_counts["files_walked"]
    for counts in (fast_counts, full_counts):  # every walked file ends in exactly one state
        assert counts["files_walked"] == sum(v for k, v in counts.items() if k != "files_walked")


def test_unrelated_files_are_counted_not_parsed(tmp_path: Path) -> None:
    (tmp_path / "mfa.tf").write_text(MFA_DENY)
    (tmp_path / "bucket.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "x"\n')  # broken, no MFA text
    (tmp_path / "broken.json").write_text('{"Statement": [')
    (tmp_path / "package.json").write_text('{"name": "x"}')
    (tmp_path / "notes.yaml").write_text("title: x\n")
    fast = scan([str(tmp_path)], ScanOptions(jobs=1))
    assert "MFA001" in [f.finding.rule_id for f in fast.findings] and fast.errors == []
    assert _counts(fast) == {"files_walked": 5, "files_read": 1, "files_skipped_unrelated": 2, "files_not_iac": 2,
                             "unreadable": 0}
    full = scan([str(tmp_path)], ScanOptions(jobs=1, check_syntax=True))
    assert sorted(Path(e.file).name for e in full.errors) == ["broken.json", "bucket.tf"]
    assert _counts(full) == {"files_walked": 5, "files_read": 1, "files_skipped_unrelated": 0, "files_not_iac": 2,
                             "unreadable": 2}


def test_what_a_file_references_keeps_it_parsed(tmp_path: Path) -> None:
    """A .tf without MFA text is still read when a variable or local of its module, or a file() it reads, may hold
    the policy."""
    (tmp_path / "mod").mkdir()
    (tmp_path / "mod" / "main.tf").write_text('resource "aws_iam_policy" "p" {\n  policy = local.doc\n}\n')
    (tmp_path / "mod" / "locals.tf").write_text(
        'locals {\n  doc = jsonencode({Statement = [{Effect = "Deny", Action = "*", Resource = "*",'
        ' Condition = {Bool = {"aws:MultiFactorAuthPresent" = "false"}}}]})\n}\n')
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "main.tf").write_text('resource "aws_iam_policy" "p" {\n  policy = file("p.json")\n}\n')
    result = scan([str(tmp_path)], ScanOptions(jobs=1))
    # (the finding is where its operator is written: the local in locals.tf)
    assert {Path(f.file).relative_to(tmp_path).as_posix() for f in result.findings} == {"mod/locals.tf"}
    assert _counts(result)["files_read"] == 3 and _counts(result)["files_skipped_unrelated"] == 0


def test_notes_on_unresolved_parts_only_where_mfa_text_is(tmp_path: Path) -> None:
    """A file without MFA text that is parsed anyway (it calls a module) gets no note for its unresolved policies, as
    it would get none when the fast path leaves it unparsed; the same reference beside MFA text is noted, and the
    answer is the same with --check-syntax."""
    (tmp_path / "mod").mkdir()
    (tmp_path / "mod" / "main.tf").write_text('variable "x" {}\n')
    (tmp_path / "plain.tf").write_text(
        'variable "p" {}\nmodule "m" {\n  source = "./mod"\n}\n'
        'resource "aws_iam_policy" "unknown" {\n  policy = var.p\n}\n')
    (tmp_path / "mfa.tf").write_text(
        'variable "v" {}\nresource "aws_iam_policy" "mfa" {\n  policy = jsonencode({Statement = [{Effect = "Deny",'
        ' Action = "*", Resource = "*", Condition = {Bool = {"aws:MultiFactorAuthPresent" = var.v}}}]})\n}\n')
    for check_syntax in (False, True):
        result = scan([str(tmp_path)], ScanOptions(jobs=1, check_syntax=check_syntax))
        assert {(Path(n.file).name, n.resource) for n in result.notes} == {("mfa.tf", "aws_iam_policy.mfa")}
