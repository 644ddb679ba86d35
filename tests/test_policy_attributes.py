"""The location tables against the sources of truth: every attribute or property that can hold a policy document
(scripts/policy_attributes.py: the AWS provider schema, cfn-lint's resource schemas) is in a table or deliberately
skipped with a reason (tests/data/policy_attributes/skipped.json), and every table row exists in the schema.

Terraform candidates come from the committed tests/data/policy_attributes/terraform.json (deriving them needs
terraform); CloudFormation candidates are derived again from the installed cfn-lint, so a cfn-lint with new policy
properties fails here until they are classified.
"""

from __future__ import annotations

import importlib.util
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from mfa_lint.core.catalog import POLICY_KINDS
from mfa_lint.formats.cloudformation import resources as cfn_table
from mfa_lint.formats.terraform import resources as tf_table

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "policy_attributes"
#: Inputs of the data sources that build a document (`POLICY_DOCUMENT_DATA_SOURCES`): documents merged into the one
#: the data source builds, read by the policy-document reader, not through the resource table.
MERGE_INPUTS = ("source_policy_documents", "override_policy_documents")


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("policy_attributes", ROOT / "scripts" / "policy_attributes.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def _terraform_data() -> dict[str, Any]:
    return json.loads((DATA / "terraform.json").read_text())


@cache
def _cloudformation_candidates() -> tuple[tuple[str, dict[str, Any]], ...]:
    return tuple((f"{c['type']} {c['path']}", c) for c in _generator().cloudformation_candidates())


@cache
def _skipped(language: str) -> dict[str, str]:
    """entry -> reason; an entry listed twice is an error."""
    found: dict[str, str] = {}
    for reason, entries in json.loads((DATA / "skipped.json").read_text())[language].items():
        assert reason.strip() and "\n" not in reason, f"one-line reason needed for {entries}"
        for entry in entries:
            assert entry not in found, f"{entry} skipped twice"
            found[entry] = reason
    return found


def _terraform_rows() -> set[str]:
    return {f"resource {t} {'.'.join(a.path)}" for t, attributes in tf_table.RESOURCES.items() for a in attributes}


def _terraform_covered() -> set[str]:
    merged = {f"data {t} {name}" for t in tf_table.POLICY_DOCUMENT_DATA_SOURCES for name in MERGE_INPUTS}
    return _terraform_rows() | merged


def _cloudformation_rows() -> set[str]:
    return {f"{t} {'.'.join(p.path)}" for t, properties in cfn_table.RESOURCES.items() for p in properties}


def _terraform_candidates() -> dict[str, dict[str, Any]]:
    return {f"{c['block']} {c['type']} {c['path']}": c for c in _terraform_data()["candidates"]}


# ---------------------------------------------------------------------------------------------------- Terraform


def test_every_terraform_candidate_is_in_the_table_or_skipped() -> None:
    candidates, covered, skipped = _terraform_candidates(), _terraform_covered(), _skipped("terraform")
    unclassified = sorted(set(candidates) - covered - set(skipped))
    assert not unclassified, f"add a table row or a skipped.json entry with a reason: {unclassified}"
    assert not covered & set(skipped), f"both in the table and skipped: {sorted(covered & set(skipped))}"


def test_every_terraform_row_is_an_attribute_of_the_provider_schema() -> None:
    candidates = _terraform_candidates()
    unknown = sorted(_terraform_rows() - set(candidates))
    assert not unknown, f"not a policy attribute of {_terraform_data()['source']} (typo?): {unknown}"
    assert all(tf_table.RESOURCES.values()), "a resource type without policy attributes"
    read_only = sorted(row for row in _terraform_rows() if candidates[row]["read_only"])
    assert not read_only, f"computed-only attributes are never written in a configuration: {read_only}"
    data_types = {c["type"] for c in candidates.values() if c["block"] == "data"}
    assert set(tf_table.POLICY_DOCUMENT_DATA_SOURCES) <= data_types


def test_no_stale_terraform_skip() -> None:
    stale = sorted(set(_skipped("terraform")) - set(_terraform_candidates()))
    assert not stale, f"skipped.json lists what is no longer a candidate: {stale}"


# ----------------------------------------------------------------------------------------------- CloudFormation


def test_every_cloudformation_candidate_is_in_the_table_or_skipped() -> None:
    candidates = dict(_cloudformation_candidates())
    rows, skipped = _cloudformation_rows(), _skipped("cloudformation")
    unclassified = sorted(set(candidates) - rows - set(skipped))
    assert not unclassified, f"add a table row or a skipped.json entry with a reason: {unclassified}"
    assert not rows & set(skipped), f"both in the table and skipped: {sorted(rows & set(skipped))}"


def test_every_cloudformation_row_is_a_property_of_the_resource_schemas() -> None:
    candidates = dict(_cloudformation_candidates())
    unknown = sorted(_cloudformation_rows() - set(candidates))
    assert not unknown, f"not a policy property of cfn-lint's schemas (typo?): {unknown}"
    read_only = sorted(row for row in _cloudformation_rows() if candidates[row]["read_only"])
    assert not read_only, f"read-only properties are never written in a template: {read_only}"


def test_no_stale_cloudformation_skip() -> None:
    stale = sorted(set(_skipped("cloudformation")) - dict(_cloudformation_candidates()).keys())
    assert not stale, f"skipped.json lists what is no longer a candidate: {stale}"


def test_committed_cloudformation_candidates_match_the_installed_cfn_lint() -> None:
    from cfnlint.version import __version__

    committed = json.loads((DATA / "cloudformation.json").read_text())
    if committed["cfn_lint"] != __version__:
        pytest.skip(f"cloudformation.json was derived from cfn-lint {committed['cfn_lint']}, {__version__} installed")
    derived = [candidate for _, candidate in _cloudformation_candidates()]
    assert committed["candidates"] == derived, "run: python scripts/policy_attributes.py cloudformation"


# ------------------------------------------------------------------------------------------------ both tables


@pytest.mark.parametrize("table", [tf_table.RESOURCES, cfn_table.RESOURCES], ids=["terraform", "cloudformation"])
def test_every_row_has_a_known_kind(table: dict[str, tuple[Any, ...]]) -> None:
    for resource_type, rows in table.items():
        for row in rows:
            assert callable(row.kind) or row.kind in POLICY_KINDS, (resource_type, row)


def test_docs_list_the_tables_and_the_numbers() -> None:
    docs = _generator()
    current = docs.DOCS.read_text()
    assert docs.DOCS_START in current and docs.DOCS_END in current
    assert current == docs.docs_text(current), "run: python scripts/policy_attributes.py docs"


# --------------------------------------------------------------------------------------------- the candidate rule


def test_terraform_candidate_rule_on_a_schema() -> None:
    """Names, nested blocks, framework nested attributes, read-only, and names that only name a policy."""
    string = {"type": "string", "optional": True}
    schema = {
        "provider_schemas": {
            "registry.terraform.io/hashicorp/aws": {
                "resource_schemas": {
                    "aws_thing": {"block": {
                        "attributes": {
                            "policy": string,
                            "policy_arn": string,
                            "policy_name": string,
                            "tags": {"type": ["map", "string"], "optional": True},
                            "count_policy": {"type": "number", "optional": True},
                            "spec": {"nested_type": {
                                "nesting_mode": "single", "attributes": {"access_policies": string},
                            }},
                        },
                        "block_types": {
                            "inline_policy": {"nesting_mode": "list", "block": {"attributes": {"policy": string}}},
                        },
                    }},
                    "aws_thing_policy": {"block": {"attributes": {
                        "content": string, "source_json": string, "name": string,
                    }}},
                    "aws_other": {"block": {"attributes": {
                        "content": string,
                        "settings": {"type": "string", "optional": True,
                                     "description": "The JSON policy document for the thing."},
                        "note": {"type": "string", "optional": True, "description": "A note. Not a policy document."},
                    }}},
                },
                "data_source_schemas": {
                    "aws_thing": {"block": {"attributes": {"policy": {"type": "string", "computed": True}}}},
                },
            }
        }
    }
    found = {(c["block"], c["type"], c["path"], c["read_only"]) for c in _generator().terraform_candidates(schema)}
    assert found == {
        ("resource", "aws_thing", "policy", False),
        ("resource", "aws_thing", "spec.access_policies", False),
        ("resource", "aws_thing", "inline_policy.*.policy", False),
        ("resource", "aws_thing_policy", "content", False),
        ("resource", "aws_thing_policy", "source_json", False),
        ("resource", "aws_other", "settings", False),
        ("data", "aws_thing", "policy", True),
    }


def test_cloudformation_candidates_reach_nested_and_referenced_properties() -> None:
    candidates = dict(_cloudformation_candidates())
    for entry in (
        "AWS::IAM::Role Policies.*.PolicyDocument",
        "AWS::DynamoDB::GlobalTable Replicas.*.ResourcePolicy.PolicyDocument",
        "AWS::IAM::ManagedPolicy PolicyDocument",  # untyped in the schema
        "AWS::Serverless::Function Policies",  # anyOf
        "AWS::Organizations::Policy Content",
    ):
        assert entry in candidates, entry
    assert "AWS::IAM::Role Policies.*.PolicyName" not in candidates
    assert "AWS::IAM::Role ManagedPolicyArns" not in candidates
