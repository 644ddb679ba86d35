"""OpenTofu's `.tofu` / `.tofu.json` files: read like `.tf` / `.tf.json`, walked, fixed, and OpenTofu's rule that a
`.tofu` file replaces the `.tf` file of the same name in a module (fixtures/terraform/opentofu), through the CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from mfa_lint.formats.terraform.module_context import in_view, reads_as_opentofu, replaced_for_opentofu

ROOT = Path(__file__).resolve().parent.parent
OPENTOFU = ROOT / "fixtures" / "terraform" / "opentofu"
PLANS = ROOT / "fixtures" / "plan"


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mfa_lint.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def scan_json(*args: str, cwd: Path = ROOT) -> tuple[int, dict]:
    proc = cli("scan", "--format", "json", *args, cwd=cwd)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def test_a_walk_reads_tofu_files_and_judges_each_in_its_view() -> None:
    code, report = scan_json(str(OPENTOFU.relative_to(ROOT)))
    assert code == 1 and report["errors"] == [] and report["notes"] == []
    got = sorted((Path(f["file"]).relative_to(OPENTOFU.relative_to(ROOT)).as_posix(), f["line"], f["rule_id"],
                  f["resource"]) for f in report["findings"])
    assert got == [
        ("dual/locals.tofu", 3, "MFA001", "aws_iam_policy.shared"),  # shared.tf, in OpenTofu's view
        ("dual/main.tf", 12, "MFA001", "aws_iam_policy.deny"),  # replaced for OpenTofu, what Terraform loads
        ("module_call/modules/deny/main.tofu", 11, "MFA001", "module.deny.aws_iam_policy.this"),
        ("only_tofu/admins.tofu.json", 6, "MFA002", "aws_iam_policy.admins"),
        ("only_tofu/main.tofu", 11, "MFA001", "aws_iam_policy.fails_open"),
    ]
    s = report["summary"]
    assert s["files_walked"] == 11 and s["files_not_iac"] == 0 and s["unreadable"] == 0


def test_the_replacement_rule_is_opentofus() -> None:
    """x.tofu replaces x.tf and x.tofu.json replaces x.tf.json, never across syntaxes (OpenTofu's
    filterTfPathsWithTofuAlternatives); Terraform's view has no OpenTofu file."""
    names = ["a.tf", "a.tofu", "b.tf.json", "b.tofu.json", "c.tf", "c.tofu.json", "d.tf.json", "d.tofu", "e.tf"]
    assert in_view(names, opentofu=True) == ["a.tofu", "b.tofu.json", "c.tf", "c.tofu.json", "d.tf.json", "d.tofu",
                                             "e.tf"]
    assert in_view(names, opentofu=False) == ["a.tf", "b.tf.json", "c.tf", "d.tf.json", "e.tf"]
    dual = OPENTOFU / "dual"
    assert replaced_for_opentofu(str(dual / "main.tf")) and not replaced_for_opentofu(str(dual / "shared.tf"))
    assert not reads_as_opentofu(str(dual / "main.tf"))  # only Terraform loads it
    assert reads_as_opentofu(str(dual / "shared.tf")) and reads_as_opentofu(str(dual / "main.tofu"))
    assert not reads_as_opentofu(str(OPENTOFU / "module_call" / "terraform_root" / "main.tf"))


def test_no_duplicate_resource_across_the_two_views(tmp_path: Path) -> None:
    """main.tf and main.tofu declare the same resource: each is read without the other, so neither reading sees a
    second `aws_iam_policy.deny` (OpenTofu would refuse two), and a finding is never doubled."""
    shutil.copytree(OPENTOFU / "dual", tmp_path / "dual")
    (tmp_path / "dual" / "main.tf").write_text((tmp_path / "dual" / "main.tofu").read_text())  # both right now
    code, report = scan_json("dual", cwd=tmp_path)
    assert [(f["file"], f["resource"]) for f in report["findings"]] == [("dual/locals.tofu", "aws_iam_policy.shared")]
    (tmp_path / "dual" / "locals.tofu").unlink()  # OpenTofu now loads locals.tf with shared.tf: right
    code, report = scan_json("dual", cwd=tmp_path)
    assert code == 0 and report["findings"] == [] and report["notes"] == []


def test_fix_edits_tofu_files(tmp_path: Path) -> None:
    shutil.copytree(OPENTOFU / "only_tofu", tmp_path / "only_tofu")
    proc = cli("fix", "only_tofu", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    fixed = (tmp_path / "only_tofu" / "main.tofu").read_text()
    assert 'BoolIfExists = { "aws:MultiFactorAuthPresent" = "false" }' in fixed and "  Bool =" not in fixed
    assert '\\"Bool\\": {\\"aws:MultiFactorAuthPresent\\": \\"true\\"}' in (
        tmp_path / "only_tofu" / "admins.tofu.json").read_text()


def test_a_plan_maps_onto_the_tofu_file_opentofu_loads(tmp_path: Path) -> None:
    """The plan's configuration found beside it is read in OpenTofu's view: a resource declared in main.tofu (which
    replaces main.tf) is mapped there."""
    infra = tmp_path / "infra"
    shutil.copytree(PLANS / "src" / "mfa001_jsonencode", infra)
    shutil.copy(PLANS / "mfa001_jsonencode.plan.json", infra / "plan.json")
    text = (infra / "main.tf").read_text()
    (infra / "main.tofu").write_text("\n" + text)  # OpenTofu's copy, one line lower
    (infra / "main.tf").write_text(text.replace('resource "aws_iam_policy" "bad"', 'resource "aws_iam_policy" "old"'))
    code, report = scan_json("infra/plan.json", cwd=tmp_path)
    line = next(n for n, t in enumerate((infra / "main.tofu").read_text().splitlines(), 1) if '"bad"' in t)
    assert [(f["file"], f["line"]) for f in report["findings"]] == [("infra/main.tofu", line)]


def test_the_pre_commit_hook_and_stdin_take_tofu_files(tmp_path: Path) -> None:
    text = (OPENTOFU / "only_tofu" / "main.tofu").read_text()
    proc = subprocess.run([sys.executable, "-m", "mfa_lint.cli", "scan", "--ignore-unknown", "--stdin-filename",
                           "infra/main.tofu", "-"], input=text, cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 1 and "infra/main.tofu:11:9: MFA001" in proc.stdout
