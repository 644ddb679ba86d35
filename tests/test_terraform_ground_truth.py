"""Terraform as ground truth for the HCL reader: a folder under fixtures/plan/src/ that is also an HCL fixture under
fixtures/terraform/ (the same files, byte for byte) was planned by real terraform (fixtures/plan/generate.sh). What
the CLI finds reading the HCL must be what it finds in the plan terraform made of it: the same rules on the same
policies, where a finding on a data source (or a module output) is traced to the resources using it through the
plan's own configuration (`expressions.*.references`, module calls and outputs)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fixture_cases import FIXTURES, FixtureCase, load_case
from surfaces import cli_findings

PAIRED = sorted(p.name for p in (FIXTURES / "plan" / "src").iterdir()
                if (FIXTURES / "terraform" / p.name / "main.tf.expect.json").is_file())


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.endswith(".expect.json")}


def _module(config: dict[str, Any], path: list[str]) -> dict[str, Any]:
    for name in path:
        config = config.get("module_calls", {}).get(name, {}).get("module", {})
    return config


def _module_path(address: str) -> tuple[list[str], str]:
    """`module.a.module.b["k"].aws_iam_policy.x` -> (["a", "b"], "aws_iam_policy.x")."""
    parts = address.split(".")
    path = []
    while len(parts) > 2 and parts[0] == "module":
        path.append(parts[1].split("[", 1)[0])
        parts = parts[2:]
    return path, ".".join(parts)


def _origins(configuration: dict[str, Any], address: str) -> set[str]:
    """The HCL names a plan resource's policy may be judged under: the resource itself, and every
    `aws_iam_policy_document` its expressions reference, followed through module outputs."""
    path, local = _module_path(address)
    prefix = "".join(f"module.{name}." for name in path)
    module = _module(configuration["root_module"], path)
    found = {address}
    resource = next((r for r in module.get("resources", []) if r.get("address") == local), {})
    pending = [(prefix, path, ref) for expression in resource.get("expressions", {}).values()
               if isinstance(expression, dict) for ref in expression.get("references", [])]
    for _ in range(64):
        if not pending:
            break
        prefix, path, ref = pending.pop()
        parts = ref.split(".")
        if parts[:2] == ["data", "aws_iam_policy_document"] and len(parts) >= 3:
            found.add(f"{prefix}data.aws_iam_policy_document.{parts[2]}")
        elif parts[0] == "module" and len(parts) >= 3:
            inner = path + [parts[1]]
            output = _module(configuration["root_module"], inner).get("outputs", {}).get(parts[2], {})
            pending.extend((f"{prefix}module.{parts[1]}.", inner, r)
                           for r in output.get("expression", {}).get("references", []))
    return found


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
    traced = {(rule, origin) for rule, address in from_plan for origin in _origins(plan["configuration"], address)}
    for rule, resource in from_hcl:
        assert (rule, resource) in traced, f"{rule} on {resource}: not in terraform's plan"
    for rule, address in from_plan:
        origins = _origins(plan["configuration"], address)
        assert any((rule, origin) in from_hcl for origin in origins), f"{rule} on {address}: missed reading the HCL"
