"""A plan's findings land in the configuration it was made from, found beside the plan when `--tf-root` is not given:
real `terraform show -json` plans (fixtures/plan) next to their sources, through the real CLI in a subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from mfa_lint.formats.plan.configuration import root_addresses, split_address

ROOT = Path(__file__).resolve().parent.parent
PLANS = ROOT / "fixtures" / "plan"


def scan(*args: str, cwd: Path) -> tuple[int, dict]:
    proc = subprocess.run([sys.executable, "-m", "mfa_lint.cli", "scan", "--format", "json", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def places(report: dict) -> list[tuple[str, int, str, str]]:
    return sorted((f["file"], f["line"], f["rule_id"], f["resource"]) for f in report["findings"])


def project(tmp_path: Path, name: str, plan_at: str = "infra/plan.json", repository: bool = True) -> Path:
    """A repository whose `infra/` holds the configuration of fixtures/plan/src/<name> and its plan at `plan_at`."""
    repo = tmp_path / "repo"
    shutil.copytree(PLANS / "src" / name, repo / "infra")
    if repository:
        (repo / ".git").mkdir()
    plan = repo / plan_at
    plan.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(PLANS / f"{name}.plan.json", plan)
    return repo


def resource_line(path: Path, header: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), start=1) if line.startswith(header))


def test_a_plan_beside_its_configuration_points_at_the_resource(tmp_path: Path) -> None:
    repo = project(tmp_path, "mfa001_jsonencode")
    code, report = scan("infra/plan.json", cwd=repo)
    line = resource_line(repo / "infra" / "main.tf", 'resource "aws_iam_policy" "bad"')
    assert code == 1 and places(report) == [("infra/main.tf", line, "MFA001", "aws_iam_policy.bad")]
    assert report["findings"][0]["column"] == 1 and report["findings"][0]["end_column"] == len("resource") + 1


def test_a_module_resource_points_into_the_module_folder(tmp_path: Path) -> None:
    repo = project(tmp_path, "module_policy")
    code, report = scan("infra/plan.json", cwd=repo)
    module = repo / "infra" / "modules" / "mfa" / "main.tf"
    assert code == 1 and places(report) == [
        ("infra/modules/mfa/main.tf", resource_line(module, 'resource "aws_iam_policy" "deny"'), "MFA001",
         "module.mfa.aws_iam_policy.deny")]


def test_the_plan_folders_parents_up_to_the_repository_root_are_tried(tmp_path: Path) -> None:
    repo = project(tmp_path, "mfa001_jsonencode", plan_at="infra/plans/plan.json")
    code, report = scan("infra/plans/plan.json", cwd=repo)
    assert [f[0] for f in places(report)] == ["infra/main.tf"]
    # outside a repository only the plan's own folder is tried: a folder above may be anyone's
    outside = project(tmp_path / "outside", "mfa001_jsonencode", plan_at="infra/plans/plan.json", repository=False)
    code, report = scan("infra/plans/plan.json", cwd=outside)
    assert code == 1 and places(report) == [("infra/plans/plan.json", 1, "MFA001", "aws_iam_policy.bad")]


def test_unrelated_terraform_files_beside_a_plan_are_not_used(tmp_path: Path) -> None:
    """A folder is the plan's configuration only if it declares every resource, data source and module call of the
    plan's root module: the same resource name among other resources, or a folder missing one, is not."""
    repo = project(tmp_path, "policy_document")
    required = root_addresses(json.loads((repo / "infra" / "plan.json").read_text()))
    assert len(required) > 1 and any(a.startswith("data.") for a in required)
    main = repo / "infra" / "main.tf"
    code, report = scan("infra/plan.json", cwd=repo)
    assert all(f["file"] == "infra/main.tf" for f in report["findings"]) and report["findings"]
    # one declaration missing (the configuration changed since the plan, or it is another project): not used
    text = main.read_text()
    missing = sorted(required)[0].split(".")
    header = (f'data "{missing[1]}" "{missing[2]}"' if missing[0] == "data"
              else f'resource "{missing[0]}" "{missing[1]}"')
    assert header in text
    main.write_text(text.replace(header, header.replace('" "', '" "renamed_')))
    code, report = scan("infra/plan.json", cwd=repo)
    assert report["findings"] and all(f["file"] == "infra/plan.json" and f["line"] == 1 for f in report["findings"])
    # a folder of other Terraform: not used either
    for path in (repo / "infra").glob("*.tf"):
        path.unlink()
    (repo / "infra" / "other.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n')
    code, report = scan("infra/plan.json", cwd=repo)
    assert all(f["file"] == "infra/plan.json" for f in report["findings"])


def test_configuration_files_are_read_within_the_size_limit(tmp_path: Path) -> None:
    repo = project(tmp_path, "mfa001_jsonencode")
    plan_size = (repo / "infra" / "plan.json").stat().st_size
    (repo / "infra" / "main.tf").write_text((repo / "infra" / "main.tf").read_text() + "#" * (plan_size + 10) + "\n")
    code, report = scan("--max-file-size", str(plan_size + 5), "infra/plan.json", cwd=repo)
    assert code == 1 and places(report) == [("infra/plan.json", 1, "MFA001", "aws_iam_policy.bad")]


def test_a_plan_and_its_configuration_scanned_together_report_each_defect_once(tmp_path: Path) -> None:
    """The configuration's reading puts the finding at the operator (with its fix); the plan's echo at the
    `resource` line of the same file is dropped. A plan-only finding (a value only the plan knows) stays."""
    repo = project(tmp_path, "module_policy")
    code, report = scan("infra", cwd=repo)
    module = (repo / "infra" / "modules" / "mfa" / "main.tf").read_text().splitlines()
    operator = next(n for n, line in enumerate(module, start=1) if "StringEquals" in line)
    assert code == 1 and places(report) == [
        ("infra/modules/mfa/main.tf", operator, "MFA001", "module.mfa.aws_iam_policy.deny")]
    repo = project(tmp_path / "second", "mfa001_jsonencode")
    code, report = scan("infra", cwd=repo)
    assert [(f[0], f[2]) for f in places(report)] == [("infra/main.tf", "MFA001")]
    assert report["findings"][0]["column"] > 1  # the operator, not the `resource` keyword


def test_a_suppression_in_the_resource_block_covers_the_plan_finding(tmp_path: Path) -> None:
    repo = project(tmp_path, "mfa001_jsonencode")
    main = repo / "infra" / "main.tf"
    header = 'resource "aws_iam_policy" "bad" {\n'
    main.write_text(main.read_text().replace(header, header + "  # mfa-lint:ignore MFA001 reviewed\n"))
    code, report = scan("infra/plan.json", cwd=repo)
    assert code == 0 and report["findings"] == []
    assert [(s["file"], s["suppression"]["justification"]) for s in report["suppressed"]] == [
        ("infra/main.tf", "reviewed")]


def test_a_module_terraform_init_installed_is_found_through_modules_json(tmp_path: Path) -> None:
    """A registry module's folder is where `terraform init` recorded it (.terraform/modules/modules.json, by the
    call's key): the real plan with its call's source made a registry address, the module installed there."""
    repo = project(tmp_path, "module_policy")
    infra = repo / "infra"
    plan = json.loads((infra / "plan.json").read_text())
    plan["configuration"]["root_module"]["module_calls"]["mfa"]["source"] = "example/mfa/aws"
    (infra / "plan.json").write_text(json.dumps(plan))
    installed = infra / ".terraform" / "modules" / "mfa"
    shutil.move(str(infra / "modules" / "mfa"), str(installed))
    (infra / ".terraform" / "modules" / "modules.json").write_text(json.dumps({"Modules": [
        {"Key": "", "Source": "", "Dir": "."},
        {"Key": "mfa", "Source": "registry.terraform.io/example/mfa/aws", "Version": "1.0.0",
         "Dir": ".terraform/modules/mfa"}]}))
    code, report = scan("infra/plan.json", cwd=repo)
    assert [f[0] for f in places(report)] == ["infra/.terraform/modules/mfa/main.tf"]
    os.remove(infra / ".terraform" / "modules" / "modules.json")  # not installed: the plan's own place
    code, report = scan("infra/plan.json", cwd=repo)
    assert [f[0] for f in places(report)] == ["infra/plan.json"]


def test_an_explicit_tf_root_above_the_root_module_finds_it_below(tmp_path: Path) -> None:
    repo = project(tmp_path, "module_policy", plan_at="plan.json")
    code, report = scan("--tf-root", ".", "plan.json", cwd=repo)
    assert [f[0] for f in places(report)] == ["infra/modules/mfa/main.tf"]


def test_addresses_are_split_into_module_calls_and_resource() -> None:
    assert split_address('module.a["x.y"].module.b[0].aws_iam_policy.p["k"]') == (["a", "b"], "aws_iam_policy.p")
    assert split_address("data.aws_iam_policy_document.d") == ([], "data.aws_iam_policy_document.d")
    assert split_address("module.a")[1] is None and split_address("module.a.module.b")[1] is None
