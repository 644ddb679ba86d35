"""The one walk per IaC language beside the location tables: values at the table's locations, with their kind."""

from __future__ import annotations

from mfa_lint.formats.cloudformation import resources as cfn
from mfa_lint.formats.terraform import resources as tf

DOC = {"Statement": []}


def test_terraform_walk_labels_block_lists_and_kinds() -> None:
    conf = {"assume_role_policy": [DOC], "inline_policy": [{"policy": [DOC]}, {"name": ["no policy"]}]}
    found = [(v.label, v.kind) for v in tf.policy_values("aws_iam_role", conf)]
    assert found == [("assume_role_policy", "trust"), ("inline_policy[0].policy", "role")]


def test_terraform_walk_reads_plan_values_and_kind_resolvers() -> None:
    plan_values = {"type": "RESOURCE_CONTROL_POLICY", "content": '{"Statement": []}'}
    assert [v.kind for v in tf.policy_values("aws_organizations_policy", plan_values)] == ["rcp"]
    assert list(tf.policy_values("aws_organizations_policy", {"type": "TAG_POLICY", "content": "{}"})) == []
    assert list(tf.policy_values("aws_iam_policy", {"policy": None})) == []  # null: no policy
    assert list(tf.policy_values("aws_iam_role", {"inline_policy": "junk"})) == []


def test_cloudformation_walk_goes_through_fn_if_and_records_the_choices() -> None:
    properties = {"Policies": {"Fn::If": ["Prod", [{"PolicyDocument": DOC}], {"Ref": "AWS::NoValue"}]}}
    [value] = cfn.policy_values("AWS::IAM::User", properties)
    assert (value.kind, value.value, value.conditions) == ("identity", DOC, {"Prod": True})
    assert value.path == ("Policies", "Fn::If", 1, 0, "PolicyDocument")


def test_cloudformation_walk_prunes_what_cannot_deploy() -> None:
    inner = {"Fn::If": ["Prod", [{"PolicyDocument": DOC}], []]}
    properties = {"Policies": {"Fn::If": ["Prod", [{"PolicyDocument": DOC}], inner]}}
    paths = [v.path for v in cfn.policy_values("AWS::IAM::User", properties)]
    assert paths == [("Policies", "Fn::If", 1, 0, "PolicyDocument")]  # Prod false then Prod true: never
    none = list(cfn.policy_values("AWS::IAM::User", properties, satisfiable=lambda status: not status.get("Prod")))
    assert none == []


def test_within_rejects_a_condition_chosen_both_ways() -> None:
    check = cfn.within({"Prod": True}, lambda status: True)
    assert check({"Prod": True, "East": False}) and not check({"Prod": False})
