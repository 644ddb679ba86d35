"""What a terraform plan says about the configuration it was made of, for the tests that take terraform as ground
truth for the HCL reader (test_terraform_twins.py, test_terraform_ground_truth.py): the documents it rendered, in
every module, and which `aws_iam_policy_document`s each resource's policy was built from (the plan's own
configuration: `expressions.*.references`, module calls and outputs)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fixture_cases import FIXTURES

POLICY_ATTRIBUTES = ("policy", "assume_role_policy", "content")


def load_plan(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / "plan" / f"{name}.plan.json").read_text())


def _modules(module: dict[str, Any]) -> Iterator[dict[str, Any]]:
    pending = [module]
    while pending:
        current = pending.pop()
        yield current
        pending.extend(current.get("child_modules", []))


def rendered(plan: dict[str, Any]) -> dict[str, Any]:
    """Address -> the document terraform rendered, in every module (resources: their policy attribute; data
    sources: `json`)."""
    found: dict[str, Any] = {}
    prior = plan.get("prior_state", {}).get("values", {}).get("root_module", {})
    roots = [plan["planned_values"]["root_module"], prior]
    for root in roots:
        for module in _modules(root):
            for resource in module.get("resources", []):
                values = resource.get("values") or {}
                key = "json" if resource["type"] == "aws_iam_policy_document" else next(
                    (a for a in POLICY_ATTRIBUTES if isinstance(values.get(a), str) and values[a]), None)
                if key is not None and isinstance(values.get(key), str):
                    found[resource["address"]] = json.loads(values[key])
    return found


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


def origins(configuration: dict[str, Any], address: str) -> set[str]:
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


def used_documents(plan: dict[str, Any]) -> set[str]:
    """Every `aws_iam_policy_document` some planned resource's policy is built from: a data source nothing uses is
    judged by no resource in the plan (its rendered `json` is still there to compare documents with)."""
    found: set[str] = set()
    for module in _modules(plan["planned_values"]["root_module"]):
        for resource in module.get("resources", []):
            found |= origins(plan["configuration"], resource["address"]) - {resource["address"]}
    return found


def is_document(address: str) -> bool:
    return _module_path(address)[1].startswith("data.aws_iam_policy_document.")
