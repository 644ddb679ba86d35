"""Every row of the location tables is reached by every surface: one resource per row, holding a broken MFA
condition (MFA003 fires for every policy kind) at the row's path, as an object or as JSON text, in one Terraform
file and one CloudFormation template; the CLI, checkov with the plugin and cfn-lint with the rules must each report
every resource.

The fixtures show what each kind makes of a document; this shows that no row is silent on any surface (a typo'd
path, a nested block the walk does not enter, a JSON string under a name checkov does not decode).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from mfa_lint.formats.cloudformation import resources as cfn_table
from mfa_lint.formats.terraform import resources as tf_table

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = {
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "flase"}},
    }],
}
#: What a row's kind resolver needs to return a kind (an Organizations policy of type SCP).
CFN_EXTRA = {"AWS::Organizations::Policy": {"Type": "SERVICE_CONTROL_POLICY"}}
#: cfn-lint reads SAM only through its transform (into IAM roles and API Gateway resources, covered by their own
#: rows; fixtures/cloudformation/sam_*.yaml run them through cfn-lint).
SAM_PREFIX = "AWS::Serverless::"


def _name(resource_type: str, index: int) -> str:
    return f"r{index}_{resource_type.replace('::', '_').lower()}"


# ------------------------------------------------------------------------------------------------------ Terraform


def _hcl_value(index: int) -> str:
    """jsonencode() of an object for even rows, heredoc JSON text for odd ones."""
    if index % 2 == 0:
        return f"jsonencode({json.dumps(DOCUMENT)})"
    return "<<JSON\n" + json.dumps(DOCUMENT, indent=2) + "\nJSON"


def _hcl_resource(resource_type: str, name: str, path: tuple[str, ...], value: str) -> str:
    """A resource with `value` at `path`: a "*" step is one nested block of the name before it."""
    body = f"{path[-1]} = {value}"
    for step in reversed(path[:-1]):
        if step != "*":
            body = f"{step} {{\n{body}\n}}"
    return f'resource "{resource_type}" "{name}" {{\n{body}\n}}\n'


@cache
def terraform_rows() -> tuple[tuple[str, str], ...]:
    """(resource address, row label) for every row, in table order."""
    return tuple(
        (f"{t}.{_name(t, i)}", f"{t} {'.'.join(a.path)}")
        for i, (t, a) in enumerate((t, a) for t, attrs in tf_table.RESOURCES.items() for a in attrs)
    )


@pytest.fixture(scope="module")
def terraform_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("every_terraform_row")
    blocks = []
    rows = [(t, a) for t, attrs in tf_table.RESOURCES.items() for a in attrs]
    for index, (resource_type, attribute) in enumerate(rows):
        blocks.append(_hcl_resource(resource_type, _name(resource_type, index), attribute.path, _hcl_value(index)))
    (folder / "main.tf").write_text("\n".join(blocks))
    return folder


# ------------------------------------------------------------------------------------------------- CloudFormation


def _cfn_value(prop: cfn_table.PolicyProperty, index: int) -> dict[str, Any]:
    """Properties holding the document at the row's path ("*": a one-item list), as JSON text on odd rows (SAM
    `Policies` text is a managed-policy name, never a document)."""
    value: Any = json.dumps(DOCUMENT) if index % 2 and not prop.statements_only else DOCUMENT
    for step in reversed(prop.path):
        value = [value] if step == "*" else {step: value}
    return value


@cache
def cloudformation_rows() -> tuple[tuple[str, str, str, dict[str, Any]], ...]:
    """(logical id, resource type, row label, properties) for every row."""
    rows = [(t, p) for t, props in cfn_table.RESOURCES.items() for p in props]
    return tuple(
        (f"R{i}{re.sub('[^A-Za-z0-9]', '', t)}", t, f"{t} {'.'.join(p.path)}",
         {**CFN_EXTRA.get(t, {}), **_cfn_value(p, i)})
        for i, (t, p) in enumerate(rows)
    )


@pytest.fixture(scope="module")
def cloudformation_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    resources = {logical: {"Type": t, "Properties": props} for logical, t, _, props in cloudformation_rows()}
    path = tmp_path_factory.mktemp("every_cloudformation_row") / "template.json"
    path.write_text(json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}, indent=1))
    return path


# ------------------------------------------------------------------------------------------------------- surfaces


def _cli(path: Path) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "mfa_lint", "scan", "--format", "json", "--fail-on", "never", str(path)],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert not report["errors"], report["errors"]
    return {f["resource"] for f in report["findings"] if f["rule_id"] == "MFA003"}


def _checkov(framework: str, folder: Path) -> set[str]:
    from checkov.cloudformation.runner import Runner as CfnRunner
    from checkov.runner_filter import RunnerFilter
    from checkov.terraform.runner import Runner as TfRunner
    from mfa_lint.checkov import CHECK_IDS, checks_dir

    runner = TfRunner() if framework == "terraform" else CfnRunner()
    runner_filter = RunnerFilter(framework=[framework], checks=list(CHECK_IDS), download_external_modules=False)
    report = runner.run(root_folder=str(folder), external_checks_dir=[checks_dir()], runner_filter=runner_filter)
    failed = {record.resource for record in report.failed_checks if record.check_id == "MFA003"}
    return {r.rsplit(".", 1)[-1] for r in failed} if framework == "cloudformation" else failed


def _missing(rows: list[tuple[str, str]], found: set[str]) -> list[str]:
    return [label for resource, label in rows if resource not in found]


def test_the_cli_reaches_every_terraform_row(terraform_dir: Path) -> None:
    assert not _missing(list(terraform_rows()), _cli(terraform_dir / "main.tf"))


def test_checkov_reaches_every_terraform_row(terraform_dir: Path) -> None:
    assert not _missing(list(terraform_rows()), _checkov("terraform", terraform_dir))


def _cfn_rows(*, sam: bool = True) -> list[tuple[str, str]]:
    return [(logical, label) for logical, t, label, _ in cloudformation_rows() if sam or not t.startswith(SAM_PREFIX)]


def test_the_cli_reaches_every_cloudformation_row(cloudformation_template: Path) -> None:
    assert not _missing(_cfn_rows(), _cli(cloudformation_template))


def test_checkov_reaches_every_cloudformation_row(cloudformation_template: Path) -> None:
    assert not _missing(_cfn_rows(), _checkov("cloudformation", cloudformation_template.parent))


def test_cfn_lint_reaches_every_cloudformation_row(cloudformation_template: Path) -> None:
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import Runner

    config = ConfigMixIn(["--template", str(cloudformation_template), "--append-rules", "mfa_lint.cfnlint"])
    found = {m.path[1] for m in Runner(config).run() if m.rule.id == "E9003"}
    assert not _missing(_cfn_rows(sam=False), found)
