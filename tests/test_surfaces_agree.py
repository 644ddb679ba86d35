"""Property: a policy gives the same findings whatever format holds it and whichever surface reads it.

Hypothesis generates policies (random MFA tests, effects, actions, policy kinds); each is embedded in every format
(Terraform jsonencode, heredoc, aws_iam_policy_document blocks; plan JSON; CloudFormation YAML, JSON, Fn::If,
Fn::Sub) and
the rule ids found per resource by the CLI's scan, checkov (one Runner per framework, reused) and cfn-lint (one
rules collection, reused) must equal what the core finds in the plain document. Bounded to a few examples so it
runs in seconds; the fixture agreement test holds lines and the odd cases.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import defaultdict
from functools import cache
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mfa_lint import analyze_document
from mfa_lint.core.catalog import rule as catalog_rule
from surfaces import checkov_resource, is_ours

PRESENT = "aws:MultiFactorAuthPresent"
AGE = "aws:MultiFactorAuthAge"
TESTS = {
    PRESENT: (["Bool", "BoolIfExists", "StringEquals", "Null"], ["true", "false"]),
    AGE: (["NumericGreaterThan", "NumericGreaterThanIfExists", "NumericLessThan", "NumericLessThanIfExists", "Null"],
          ["3600", "0", "true", "false"]),
}


@st.composite
def statements(draw: st.DrawFn) -> dict[str, Any]:
    key = draw(st.sampled_from(sorted(TESTS)))
    operators, values = TESTS[key]
    operator = draw(st.sampled_from(operators))
    value = draw(st.sampled_from(["true", "false"] if operator == "Null" else values))
    return {
        "Effect": draw(st.sampled_from(["Allow", "Deny"])),
        "Action": draw(st.sampled_from(["s3:DeleteBucket", "*", "iam:CreateVirtualMFADevice"])),
        "Resource": "*",
        "Condition": {operator: {key: value}},
    }


POLICIES = st.fixed_dictionaries({
    "kind": st.sampled_from(["identity", "role", "scp"]),
    "statements": st.lists(statements(), min_size=1, max_size=2),
})


def _document(statements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": statements}


# ------------------------------------------------------------------------------------------------------ Terraform

TF_RESOURCE = {"identity": ("aws_iam_policy", "policy", ""), "role": ("aws_iam_role_policy", "policy", 'role = "r"'),
               "scp": ("aws_organizations_policy", "content", "")}


def _hcl(value: Any) -> str:
    if isinstance(value, dict):
        return "{\n" + "\n".join(f"{json.dumps(k)} = {_hcl(v)}" for k, v in value.items()) + "\n}"
    if isinstance(value, list):
        return "[" + ", ".join(_hcl(v) for v in value) + "]"
    return json.dumps(value)


def _statement_block(statement: dict[str, Any]) -> str:
    ((operator, tests),) = statement["Condition"].items()
    ((key, value),) = tests.items()
    return f"""  statement {{
    effect    = "{statement['Effect']}"
    actions   = ["{statement['Action']}"]
    resources = ["*"]
    condition {{
      test     = "{operator}"
      variable = "{key}"
      values   = ["{value}"]
    }}
  }}
"""


def terraform(kind: str, statements: list[dict[str, Any]]) -> tuple[str, dict[str, str]]:
    """main.tf holding the policy three ways; resource address -> how the CLI and checkov name it."""
    resource_type, attribute, extra = TF_RESOURCE[kind]
    document = _document(statements)
    blocks = "".join(_statement_block(s) for s in statements)
    text = f"""resource "{resource_type}" "jsonencode" {{
  name = "jsonencode"
  {extra}
  {attribute} = jsonencode({_hcl(document)})
}}

resource "{resource_type}" "heredoc" {{
  name = "heredoc"
  {extra}
  {attribute} = <<EOF
{json.dumps(document, indent=2)}
EOF
}}

data "aws_iam_policy_document" "doc" {{
{blocks}}}

resource "{resource_type}" "uses_doc" {{
  name = "uses-doc"
  {extra}
  {attribute} = data.aws_iam_policy_document.doc.json
}}
"""
    names = [f"{resource_type}.jsonencode", f"{resource_type}.heredoc", "data.aws_iam_policy_document.doc"]
    return text, {n: n for n in names}


def plan(kind: str, statements: list[dict[str, Any]]) -> tuple[str, str]:
    """A `terraform show -json` plan with the policy rendered as a JSON string; and the resource's address."""
    resource_type, attribute, _ = TF_RESOURCE[kind]
    values: dict[str, Any] = {"name": "planned", attribute: json.dumps(_document(statements))}
    if kind == "role":
        values["role"] = "r"
    if kind == "scp":
        values["type"] = "SERVICE_CONTROL_POLICY"
    address = f"{resource_type}.planned"
    resource = {"address": address, "mode": "managed", "type": resource_type, "name": "planned",
                "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 0, "values": values}
    document = {"format_version": "1.2", "terraform_version": "1.11.4",
                "planned_values": {"root_module": {"resources": [resource]}}}
    return json.dumps(document), address


# ------------------------------------------------------------------------------------------------- CloudFormation

def cloudformation(kind: str, statements: list[dict[str, Any]]) -> tuple[dict[str, Any], str]:
    """A template (as data) with the policy plain, behind Fn::If and as Fn::Sub text; and the same as YAML."""
    document = _document(statements)
    text = json.dumps(document)

    def resource(value: Any) -> dict[str, Any]:
        if kind == "scp":
            return {"Type": "AWS::Organizations::Policy",
                    "Properties": {"Name": "p", "Type": "SERVICE_CONTROL_POLICY", "Content": value}}
        holder = {"Groups": [{"Ref": "Ops"}]} if kind == "identity" else {"Roles": ["app"]}
        return {"Type": "AWS::IAM::ManagedPolicy", "Properties": {**holder, "PolicyDocument": value}}

    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Conditions": {"East": {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}},
        "Resources": {
            "Ops": {"Type": "AWS::IAM::Group"},
            "Plain": resource(document),
            "Branch": resource({"Fn::If": ["East", document, {"Ref": "AWS::NoValue"}]}),
            "Sub": resource({"Fn::Sub": text}),
        },
    }
    return template, _yaml(template)


def _yaml(value: Any, indent: int = 0) -> str:
    """Block YAML for plain data (strings JSON-quoted, so every scalar stays a string)."""
    pad = " " * indent
    if isinstance(value, dict):
        lines = []
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{json.dumps(key)}:\n{_yaml(item, indent + 2)}")
            else:
                lines.append(f"{pad}{json.dumps(key)}: {json.dumps(item)}")
        return "\n".join(lines)
    lines = []
    for item in value:
        if isinstance(item, (dict, list)) and item:
            lines.append(f"{pad}-\n{_yaml(item, indent + 2)}")
        else:
            lines.append(f"{pad}- {json.dumps(item)}")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------------- surfaces

@cache
def _checkov() -> dict[str, Any]:
    from checkov.cloudformation.runner import Runner as CfnRunner
    from checkov.runner_filter import RunnerFilter
    from checkov.terraform.plan_runner import Runner as PlanRunner
    from checkov.terraform.runner import Runner as TfRunner
    from mfa_lint.checkov import CHECK_IDS, checks_dir

    def run(runner: Any, framework: str, folder: str) -> dict[tuple[str, str], set[str]]:
        runner_filter = RunnerFilter(framework=[framework], checks=list(CHECK_IDS), download_external_modules=False)
        # a reused Runner keeps the folder it parsed first: forget it (parsing state only; the checks stay loaded)
        runner.definitions, runner.context, runner.breadcrumbs = None, None, None
        files = [os.path.join(folder, "plan.json")] if framework == "terraform_plan" else None
        report = runner.run(root_folder=None if files else folder, files=files, external_checks_dir=[checks_dir()],
                            runner_filter=runner_filter)
        found: dict[tuple[str, str], set[str]] = defaultdict(set)
        for record in report.failed_checks:
            found[(os.path.basename(record.file_path), checkov_resource(framework, record.resource))].add(
                record.check_id)
        return found

    tf, cfn, planned = TfRunner(), CfnRunner(), PlanRunner()
    return {"terraform": lambda folder: run(tf, "terraform", folder),
            "cloudformation": lambda folder: run(cfn, "cloudformation", folder),
            "terraform_plan": lambda folder: run(planned, "terraform_plan", folder)}


@cache
def _cfnlint_rules() -> Any:
    from cfnlint.core import get_rules

    return get_rules(["mfa_lint.cfnlint"], [], [])


def _cfnlint(text: str) -> dict[str, set[str]]:
    from cfnlint.api import lint

    found: dict[str, set[str]] = defaultdict(set)
    for match in lint(text, rules=_cfnlint_rules()):
        if is_ours(match):
            found[str(match.path[1])].add(catalog_rule(match.rule.id).id)
    return found


def _cli(folder: str) -> dict[str, set[str]]:
    from mfa_lint.scanning import ScanOptions, scan

    found: dict[str, set[str]] = defaultdict(set)
    result = scan([folder], ScanOptions())
    assert not result.errors, result.errors
    for located in result.findings:
        found[f"{os.path.basename(located.file)}:{located.resource}"].add(located.finding.rule_id)
    return found


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(POLICIES)
def test_every_format_and_surface_gives_the_core_findings(policy: dict[str, Any]) -> None:
    kind, statements = policy["kind"], policy["statements"]
    expected = {f.rule_id for f in analyze_document(_document(statements), kind).findings}
    with tempfile.TemporaryDirectory() as root:
        tf_dir, cfn_dir, plan_dir = os.path.join(root, "tf"), os.path.join(root, "cfn"), os.path.join(root, "plan")
        for folder in (tf_dir, cfn_dir, plan_dir):
            os.makedirs(folder)
        plan_text, plan_address = plan(kind, statements)
        with open(os.path.join(plan_dir, "plan.json"), "w") as handle:
            handle.write(plan_text)
        tf_text, tf_names = terraform(kind, statements)
        with open(os.path.join(tf_dir, "main.tf"), "w") as handle:
            handle.write(tf_text)
        template, yaml_text = cloudformation(kind, statements)
        json_text = json.dumps(template, indent=2)
        with open(os.path.join(cfn_dir, "template.yaml"), "w") as handle:
            handle.write(yaml_text + "\n")
        with open(os.path.join(cfn_dir, "template.json"), "w") as handle:
            handle.write(json_text + "\n")

        cli = _cli(root)
        checkov_tf = _checkov()["terraform"](tf_dir)
        checkov_cfn = _checkov()["cloudformation"](cfn_dir)
        checkov_plan = _checkov()["terraform_plan"](plan_dir)
        cfn_lint = {"template.yaml": _cfnlint(yaml_text), "template.json": _cfnlint(json_text)}

    for name in tf_names:
        assert cli.get(f"main.tf:{name}", set()) == expected, ("cli", name, tf_text)
        assert checkov_tf.get(("main.tf", name), set()) == expected, ("checkov", name, tf_text)
    assert cli.get(f"plan.json:{plan_address}", set()) == expected, ("cli", plan_text)
    assert checkov_plan.get(("plan.json", plan_address), set()) == expected, ("checkov", plan_text)
    for logical_id in ("Plain", "Branch", "Sub"):
        for file in ("template.yaml", "template.json"):
            assert cli.get(f"{file}:{logical_id}", set()) == expected, ("cli", file, logical_id, yaml_text)
            assert cfn_lint[file].get(logical_id, set()) == expected, ("cfn-lint", file, logical_id, yaml_text)
            assert checkov_cfn.get((file, logical_id), set()) == expected, ("checkov", file, logical_id, yaml_text)
