"""benchmarks/realworld.py on the bundled CloudFormation fixtures: the CLI, the reach worker and cfn-lint all run,
the counts hang together, and cfn-lint and the CLI agree line for line (as the agreement test holds them to)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

from fixture_cases import FIXTURES, ROOT

_spec = importlib.util.spec_from_file_location("realworld", ROOT / "benchmarks" / "realworld.py")
assert _spec and _spec.loader
realworld = importlib.util.module_from_spec(_spec)
sys.modules["realworld"] = realworld  # dataclasses look their module up while the class is made
_spec.loader.exec_module(realworld)


def test_condition_count_sees_keys_in_condition_positions_only(tmp_path: Path) -> None:
    (tmp_path / "p.tf").write_text(
        'condition {\n  variable = "aws:MultiFactorAuthPresent"\n}\n'
        'Condition = { Bool = { "aws:multifactorauthage" = 1 } }\n'
        'description = "needs aws:MultiFactorAuthPresent"\n'
    )
    escaped = '"x": "\\"aws:MultiFactorAuthAge\\": 1"'  # JSON text inside a JSON string
    (tmp_path / "p.json").write_text('{"Bool": {"aws:MultiFactorAuthPresent": "true", ' + escaped + "}}")
    (tmp_path / "README.md").write_text('"aws:MultiFactorAuthPresent": "true"\n')
    assert realworld.text_conditions(tmp_path) == {"p.tf": 2, "p.json": 2}


def test_a_plan_counts_each_policy_once(tmp_path: Path) -> None:
    policy = json.dumps({"Statement": [{"Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]})
    change = {"address": "aws_iam_policy.p", "mode": "managed", "change": {"after": {"policy": policy}}}
    plan = {"format_version": "1.2", "planned_values": {"root_module": {"resources": [{"values": {"policy": policy}}]}},
            "resource_changes": [change], "prior_state": {"values": {"policy": policy}}}
    (tmp_path / "x.plan.json").write_text(json.dumps(plan))
    assert realworld.text_conditions(tmp_path) == {"x.plan.json": 1}


def test_checkov_resource_names_follow_the_cli() -> None:
    assert realworld.checkov_resource("cloudformation", "AWS::IAM::Role.Admin") == "Admin"
    assert realworld.checkov_resource("terraform", "aws_iam_policy_document.x") == "data.aws_iam_policy_document.x"
    assert realworld.checkov_resource("terraform", "module.m.aws_iam_policy_document.x") == (
        "data.aws_iam_policy_document.x"
    )
    assert realworld.checkov_resource("terraform", 'module.a["k"].module.b.aws_iam_role.r') == "aws_iam_role.r"
    assert realworld.checkov_resource("terraform", "aws_iam_policy.p") == "aws_iam_policy.p"


def test_harness_on_the_cloudformation_fixtures(tmp_path: Path) -> None:
    out, details = tmp_path / "report.md", tmp_path / "details.json"
    assert realworld.main(["--no-checkov", "--out", str(out), "--details", str(details),
                           str(FIXTURES / "cloudformation")]) == 0
    result = json.loads(details.read_text())["cloudformation"]
    assert all(run["failure"] is None for run in result["runs"].values()), result["runs"]
    totals = result["totals"]
    assert totals["findings"] > 10 and totals["cfnlint"] > 10
    assert 0 < totals["reached"] <= totals["text"]
    assert totals["judged"] >= totals["reached"]
    # every template the CLI reported on mentions an MFA key, so cfn-lint saw it too
    assert {f["file"].split("cloudformation/")[-1] for f in result["cli"]["findings"]} <= set(
        result["cfnlint_templates"]
    )
    # the one fixture that leaves checkov out is also the only place the surfaces may differ: none do
    assert [d for d in result["disagreements"] if d[0].startswith("cfn-lint")] == []
    assert "| cloudformation |" in out.read_text()
    changed = json.loads(details.read_text())
    changed["cloudformation"]["totals"]["findings"] += 1
    assert "→ **" in realworld.render_diff(json.loads(details.read_text()), changed)
    assert "→" not in realworld.render_diff(changed, changed)
