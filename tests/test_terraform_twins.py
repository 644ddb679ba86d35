"""Terraform itself is the ground truth for the evaluator: a Terraform fixture with a plan twin (fixtures/plan/src/
<name>/ holds the same files plus a provider.tf, planned offline by fixtures/plan/generate.sh) must evaluate, with
mfa-lint's own reader, to exactly the documents terraform rendered in the plan, and give the same verdicts."""

from __future__ import annotations

import json
import re

import pytest
from fixture_cases import FIXTURES, load_case
from mfa_lint.core.values import Unknown
from mfa_lint.formats.terraform.hcl_reader import read_terraform

PLAN_SOURCES = FIXTURES / "plan" / "src"
TWINS = sorted(p.name for p in PLAN_SOURCES.iterdir() if (FIXTURES / "terraform" / p.name).is_dir())
_POLICY_ATTRIBUTES = ("policy", "assume_role_policy", "content")


def _twin_files(name: str) -> dict[str, str]:
    folder = FIXTURES / "terraform" / name
    return {str(p.relative_to(folder)): p.read_text() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.endswith(".expect.json")}


def _read(name: str) -> dict[str, object]:
    """Address -> the document mfa-lint's reader evaluates for it (every .tf file of the twin)."""
    folder = FIXTURES / "terraform" / name
    texts = {p.name: p.read_text() for p in sorted(folder.glob("*.tf"))}
    documents: dict[str, object] = {}
    for file_name, text in texts.items():
        others = {k: v for k, v in texts.items() if k != file_name}
        for site in read_terraform(str(folder / file_name), text, others):
            documents.setdefault(site.resource, site.document)
    return documents


def _plain(value: object) -> object:
    return json.loads(json.dumps(value, default=lambda v: f"<unknown {v}>" if isinstance(v, Unknown) else str(v)))


def _rendered(name: str) -> dict[str, object]:
    """Address -> the document terraform rendered (resources: their policy attribute; data sources: `json`)."""
    plan = json.loads((FIXTURES / "plan" / f"{name}.plan.json").read_text())
    found: dict[str, object] = {}
    data = plan.get("prior_state", {}).get("values", {}).get("root_module", {}).get("resources", [])
    for resource in plan["planned_values"]["root_module"].get("resources", []) + data:
        values = resource.get("values") or {}
        key = "json" if resource["type"] == "aws_iam_policy_document" else next(
            (a for a in _POLICY_ATTRIBUTES if isinstance(values.get(a), str) and values[a]), None)
        if key is not None and isinstance(values.get(key), str):
            found[resource["address"]] = json.loads(values[key])
    return found


def test_there_are_twins() -> None:
    assert len(TWINS) >= 5, TWINS


@pytest.mark.parametrize("name", TWINS)
def test_twin_sources_are_the_same_files(name: str) -> None:
    plan_files = {str(p.relative_to(PLAN_SOURCES / name)): p.read_text()
                  for p in sorted((PLAN_SOURCES / name).rglob("*")) if p.is_file() and p.name != "provider.tf"}
    assert plan_files == _twin_files(name)


@pytest.mark.parametrize("name", TWINS)
def test_the_reader_evaluates_what_terraform_rendered(name: str) -> None:
    rendered = _rendered(name)
    documents = _read(name)
    assert rendered, "the plan renders no policy"
    for address, document in rendered.items():
        assert address in documents, f"{address}: mfa-lint's reader does not see it"
        assert _plain(documents[address]) == document, address


@pytest.mark.parametrize("name", TWINS)
def test_verdicts_agree_with_the_plan(name: str) -> None:
    """The terraform fixture's findings are the plan's (a data source's finding is the plan's finding on the
    resource that uses its json; the plan judges no data source that nothing uses)."""
    hcl = load_case(next((FIXTURES / "terraform" / name).glob("*.tf.expect.json")))
    plan = load_case(FIXTURES / "plan" / f"{name}.plan.json.expect.json")
    users: dict[str, list[str]] = {}
    for path in sorted((FIXTURES / "terraform" / name).glob("*.tf")):
        text = path.read_text()
        for match in re.finditer(r'resource\s+"(\w+)"\s+"([\w-]+)"\s*\{(.*?)\n\}', text, re.DOTALL):
            for source in re.findall(r"data\.aws_iam_policy_document\.([\w-]+)\.json", match.group(3)):
                users.setdefault(f"data.aws_iam_policy_document.{source}", []).append(
                    f"{match.group(1)}.{match.group(2)}")
    expected = set()
    for finding in hcl.findings:
        data = (finding.resource or "").startswith("data.")
        for resource in users.get(finding.resource or "", [] if data else [finding.resource]):
            expected.add((finding.rule, resource))
    assert {(f.rule, f.resource) for f in plan.findings} == expected
