"""Terraform as ground truth for the HCL reader: a folder under fixtures/plan/src/ that is also an HCL fixture under
fixtures/terraform/ (the same files, byte for byte, less a `provider.tf` the plan twin may add) was planned by real
terraform (fixtures/plan/generate.sh). What the CLI finds reading the HCL must be what it finds in the plan terraform
made of it: the same rules on the same policies, where a finding on a data source (or a module output) is traced to
the resources using it through the plan's own configuration (`expressions.*.references`, module calls and outputs);
a data source no resource uses is judged by nothing in the plan (test_terraform_twins compares its document)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fixture_cases import FIXTURES, FixtureCase, load_case
from plan_truth import is_document, origins, used_documents
from surfaces import cli_findings

PAIRED = sorted(p.name for p in (FIXTURES / "plan" / "src").iterdir()
                if (FIXTURES / "terraform" / p.name / "main.tf.expect.json").is_file())


def _files(folder: Path) -> dict[str, bytes]:
    """The configuration's files; a plan twin may add a `provider.tf` (the offline provider setup) that the HCL
    fixture does without."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.endswith(".expect.json") and str(p.relative_to(folder)) != "provider.tf"}


@pytest.mark.parametrize("name", PAIRED)
def test_the_hcl_fixture_is_what_terraform_planned(name: str) -> None:
    assert _files(FIXTURES / "terraform" / name) == _files(FIXTURES / "plan" / "src" / name)


@pytest.mark.parametrize("name", PAIRED)
def test_the_hcl_reader_finds_what_the_plan_holds(name: str) -> None:
    hcl: FixtureCase = load_case(FIXTURES / "terraform" / name / "main.tf.expect.json")
    plan_case: FixtureCase = load_case(FIXTURES / "plan" / f"{name}.plan.json.expect.json")
    plan = json.loads(plan_case.path.read_text())
    from_hcl = {(rule, resource) for rule, resource, _ in cli_findings(hcl)}
    from_plan = {(rule, resource) for rule, resource, _ in cli_findings(plan_case)}
    assert from_plan, "a ground-truth plan with nothing to find proves little"
    traced = {(rule, origin) for rule, address in from_plan for origin in origins(plan["configuration"], address)}
    used = used_documents(plan)
    for rule, resource in from_hcl:
        if is_document(resource) and resource not in used:
            continue  # no resource in the plan uses it: test_terraform_twins compares its rendered json
        assert (rule, resource) in traced, f"{rule} on {resource}: not in terraform's plan"
    for rule, address in from_plan:
        found = origins(plan["configuration"], address)
        assert any((rule, origin) in from_hcl for origin in found), f"{rule} on {address}: missed reading the HCL"
