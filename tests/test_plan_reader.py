"""mfa-lint's plan reader: the real `terraform show -json` fixtures (made by fixtures/plan/generate.sh) through the
reader and the real core, address-to-line mapping with tf_root, and plans with missing or odd fields."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from fixture_cases import FIXTURES, FixtureCase, cases
from mfa_lint import analyze_document
from mfa_lint.formats.plan.reader import is_plan, read_plan
from mfa_lint.reading.site import PolicySite

PLAN_CASES = cases("plan")
POLICY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*",
                   "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}],
})


def src_dir(case: FixtureCase) -> Path:
    return FIXTURES / "plan" / "src" / case.path.name[: -len(".plan.json")]


def findings(sites: list[PolicySite]) -> Counter:
    """One finding per rule, resource, place and message, as a scan reports them (a plan has one place per
    resource: several statements failing the same way are one finding)."""
    got: Counter = Counter()
    seen: set[tuple] = set()
    for s in sites:
        for finding in analyze_document(s.document, s.kind, s.callers).findings:
            key = (finding.rule_id, s.resource, None)
            if (key, s.span, finding.message) not in seen:
                seen.add((key, s.span, finding.message))
                got[key] += 1
    return got


def plan(*resources: dict, **extra: object) -> dict:
    return {"format_version": "1.2", "planned_values": {"root_module": {"resources": list(resources)}}, **extra}


def resource(address: str, values: object, resource_type: str = "aws_iam_policy") -> dict:
    return {"address": address, "mode": "managed", "type": resource_type, "name": address.split(".")[-1],
            "values": values}


def test_every_plan_fixture_has_its_source() -> None:
    assert len(PLAN_CASES) >= 6
    for case in PLAN_CASES:
        assert (src_dir(case) / "main.tf").is_file(), case.id


@pytest.mark.parametrize("case", PLAN_CASES, ids=lambda c: c.id)
def test_plan_fixture_findings(case: FixtureCase) -> None:
    text = case.path.read_text()
    assert text.count("\n") <= 1, "plan fixtures keep terraform's exact one-line output"
    doc = json.loads(text)
    assert is_plan(doc)
    sites = read_plan(str(case.path), doc)
    assert sites
    assert all(s.span.line == 1 and s.file == str(case.path) for s in sites)
    assert findings(sites) == case.expected_multiset(lines=False)
    assert all(e.line is None for e in case.findings)


@pytest.mark.parametrize("case", PLAN_CASES, ids=lambda c: c.id)
def test_tf_root_maps_addresses_to_resource_lines(case: FixtureCase) -> None:
    sites = read_plan(str(case.path), json.loads(case.path.read_text()), tf_root=str(src_dir(case)))
    for s in sites:
        address = re.sub(r'\[[^\]]*\]$', "", s.resource)  # a for_each instance: its resource block
        name = address.split(".")[-1]
        kind = address.split(".")[-2]
        lines = Path(s.file).read_text().splitlines()
        assert lines[s.span.line - 1].strip().startswith(f'resource "{kind}" "{name}"'), s.resource


def test_module_address_and_kinds() -> None:
    doc = json.loads((FIXTURES / "plan" / "module_policy.plan.json").read_text())
    [s] = read_plan("p.json", doc)
    assert s.resource == "module.mfa.aws_iam_policy.deny" and s.kind == "identity"
    doc = json.loads((FIXTURES / "plan" / "inline_policy.plan.json").read_text())
    assert [(s.resource, s.kind) for s in read_plan("p.json", doc)] == [
        ("aws_iam_role.ops", "trust"), ("aws_iam_role.ops", "role")]


def test_is_plan_rejects_other_json() -> None:
    assert not is_plan({"Version": "2012-10-17", "Statement": []})
    assert not is_plan([{"format_version": "1.2"}])
    assert not is_plan({"format_version": "1.0", "values": {"root_module": {}}})  # a state file
    assert not is_plan({})
    assert not is_plan("planned_values")
    assert read_plan("x.json", {"Statement": []}) == []


def test_policy_as_dict_and_inline_policy_blocks() -> None:
    doc = plan(
        resource("aws_iam_policy.decoded", {"policy": json.loads(POLICY)}),
        resource("aws_iam_role.r", {"assume_role_policy": "", "inline_policy": [
            {"name": "a", "policy": POLICY}, {"name": "b", "policy": None}, "not a block"]}, "aws_iam_role"),
        resource("aws_organizations_policy.tag", {"type": "TAG_POLICY", "content": POLICY},
                 "aws_organizations_policy"),
        resource("aws_organizations_policy.rcp", {"type": "RESOURCE_CONTROL_POLICY", "content": POLICY},
                 "aws_organizations_policy"),
    )
    sites = read_plan("p.json", doc)
    assert [(s.resource, s.kind) for s in sites] == [
        ("aws_iam_policy.decoded", "identity"), ("aws_iam_role.r", "role"), ("aws_organizations_policy.rcp", "rcp")]
    assert findings(sites)[("MFA001", "aws_iam_policy.decoded", None)] == 1
    assert findings(sites)[("MFA001", "aws_iam_role.r", None)] == 0  # role policies meet no long-term keys


def test_resource_changes_fill_in_what_planned_values_lack() -> None:
    change = {"address": "aws_iam_policy.only_in_changes", "mode": "managed", "type": "aws_iam_policy",
              "change": {"actions": ["create"], "after": {"policy": POLICY}}}
    deleted = {"address": "aws_iam_policy.deleted", "mode": "managed", "type": "aws_iam_policy",
               "change": {"actions": ["delete"], "after": None}}
    duplicate = {"address": "aws_iam_policy.both", "mode": "managed", "type": "aws_iam_policy",
                 "change": {"after": {"policy": POLICY}}}
    doc = plan(resource("aws_iam_policy.both", {"policy": POLICY}), resource_changes=[change, deleted, duplicate, 7])
    addresses = sorted(s.resource for s in read_plan("p.json", doc))
    assert addresses == ["aws_iam_policy.both", "aws_iam_policy.only_in_changes"]


@pytest.mark.parametrize(
    "doc",
    [
        {"format_version": "1.2", "planned_values": {"root_module": None}},
        {"format_version": "1.2", "planned_values": {"root_module": {"resources": "x", "child_modules": [1, None]}}},
        {"format_version": "1.2", "planned_values": {"root_module": {"resources": [None, 3, {"type": 5}]}}},
        {"format_version": "1.2", "resource_changes": [{"change": "x"}, {"address": 1, "change": {"after": {}}}]},
        plan(resource("aws_iam_policy.unknown", {"policy": None})),
        plan(resource("aws_iam_policy.weird", {"policy": 12})),
        plan({"address": "data.aws_iam_policy_document.d", "mode": "data", "type": "aws_iam_policy", "values": {}}),
    ],
)
def test_odd_plans_do_not_crash(doc: dict) -> None:
    for s in read_plan("p.json", doc):
        analyze_document(s.document, s.kind, s.callers)


def test_deeply_nested_child_modules() -> None:
    root: dict = {"resources": []}
    current = root
    for depth in range(5000):
        child = {"address": f"module.m{depth}", "resources": []}
        current["child_modules"] = [child]
        current = child
    current["resources"] = [resource("module.deep.aws_iam_policy.p", {"policy": POLICY})]
    doc = {"format_version": "1.2", "planned_values": {"root_module": root}}
    assert read_plan("p.json", doc) == []  # deeper than any real plan: not walked, and no crash
    shallow = {"format_version": "1.2", "planned_values": {"root_module": {"child_modules": [
        {"child_modules": [{"resources": [resource("module.a.module.b.aws_iam_policy.p", {"policy": POLICY})]}]}]}}}
    [s] = read_plan("p.json", shallow)
    assert s.resource == "module.a.module.b.aws_iam_policy.p"


def test_indexed_addresses_map_to_their_declaration(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('\n\nresource "aws_iam_policy" "counted" {\n  count = 2\n}\n')
    doc = plan(resource('aws_iam_policy.counted[1]', {"policy": POLICY}))
    [s] = read_plan("p.json", doc, tf_root=str(tmp_path))
    assert (s.file, s.span.line, s.span.column) == (str(tmp_path / "main.tf"), 3, 1)
    doc = plan(resource("aws_iam_policy.not_declared", {"policy": POLICY}))
    [s] = read_plan("p.json", doc, tf_root=str(tmp_path))
    assert (s.file, s.span.line) == ("p.json", 1)
