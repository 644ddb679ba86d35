"""Property tests: the analyzer never raises, and the mechanical fixes really remove what they fix."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mfa_lint import POLICY_KINDS, RULES, analyze_document, analyze_policy
from mfa_lint.core.operators import BASE_OPERATORS

KEYS = st.sampled_from(
    ["aws:MultiFactorAuthPresent", "aws:multifactorauthage", "aws:MultiFactorAuthAge", "aws:MultiFactorAuthPresnt",
     "aws:PrincipalType", "aws:username", "MultiFactorAuthPresent"]
)
VALUES = st.one_of(
    st.sampled_from(["true", "false", "True", "FALSE", "flase", "3600", "0", "-1", "1.5", "f*", "*", "${var.x}",
                     "AssumedRole", "User", "arn:aws:iam::*:user/*"]),
    st.booleans(),
    st.integers(min_value=-10, max_value=100000),
    st.text(max_size=5),
)
ANY_OPERATOR = st.builds(
    lambda q, base, e: f"{q}{base}{'IfExists' if e else ''}",
    st.sampled_from(["", "", "ForAnyValue:", "ForAllValues:", "forallvalues:"]),
    st.sampled_from(sorted(BASE_OPERATORS) + ["bool", "Foo"]),
    st.booleans(),
)
CONDITION = st.dictionaries(
    ANY_OPERATOR, st.dictionaries(KEYS, st.one_of(VALUES, st.lists(VALUES, max_size=3)), max_size=3), max_size=3
)
ACTIONS = st.one_of(st.sampled_from(["*", "s3:*", "iam:*", "iam:EnableMFADevice"]), st.lists(st.sampled_from(
    ["s3:Get*", "iam:CreateVirtualMFADevice", "sts:GetSessionToken", "ec2:*", "*"]), max_size=3))
STATEMENT = st.fixed_dictionaries(
    {"Effect": st.sampled_from(["Allow", "Deny"]), "Action": ACTIONS, "Resource": st.just("*"), "Condition": CONDITION}
)
JSON_TREE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8)),
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.one_of(st.text(max_size=12), KEYS, ANY_OPERATOR), children,
                                               max_size=4)),
    max_leaves=25,
)
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.lists(STATEMENT, max_size=4), st.sampled_from(POLICY_KINDS))
def test_random_condition_blocks_never_raise(statements: list, kind: str) -> None:
    analysis = analyze_document({"Version": "2012-10-17", "Statement": statements}, kind)
    for finding in analysis.findings:
        assert finding.rule_id in RULES
        assert finding.message


@FAST
@given(st.one_of(JSON_TREE, st.fixed_dictionaries({"Statement": JSON_TREE})), st.sampled_from(POLICY_KINDS))
def test_random_documents_never_raise(document: object, kind: str) -> None:
    analyze_document(document, kind)


@FAST
@given(st.lists(STATEMENT, min_size=1, max_size=3), st.sampled_from(POLICY_KINDS))
def test_every_offered_fix_removes_its_finding(statements: list, kind: str) -> None:
    for finding in analyze_policy({"Statement": statements}, kind):
        if finding.fix is None:
            continue
        index, operator = finding.statement_index, finding.operator
        fixed = [dict(s) for s in statements]
        condition = dict(fixed[index]["Condition"])
        condition[finding.fix] = {**condition.get(finding.fix, {}), **condition.pop(operator)}
        fixed[index]["Condition"] = condition
        after = analyze_policy({"Statement": fixed}, kind)
        assert not any(f.rule_id == finding.rule_id and f.statement_index == index for f in after), finding


POSITIVE = st.sampled_from(
    ["Bool", "StringEquals", "StringLike", "StringEqualsIgnoreCase", "NumericLessThan", "NumericLessThanEquals",
     "NumericGreaterThan", "NumericGreaterThanEquals", "NumericEquals"]
)
SINGLE = st.tuples(
    st.sampled_from(["", "ForAnyValue:"]), POSITIVE, st.sampled_from(["aws:MultiFactorAuthPresent",
                                                                       "aws:MultiFactorAuthAge"]),
    st.sampled_from(["true", "false", "3600", "0", "f*", "t*", "True"]),
)


@FAST
@given(SINGLE)
def test_adding_ifexists_removes_mfa001(test: tuple) -> None:
    qualifier, base, key, value = test
    operator = f"{qualifier}{base}"
    doc = {"Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {operator: {key: value}}}]}
    if any(f.rule_id == "MFA001" for f in analyze_policy(doc)):
        doc["Statement"][0]["Condition"] = {f"{operator}IfExists": {key: value}}
        assert not any(f.rule_id == "MFA001" for f in analyze_policy(doc))


@FAST
@given(SINGLE)
def test_dropping_ifexists_removes_mfa002(test: tuple) -> None:
    qualifier, base, key, value = test
    operator = f"{qualifier}{base}"
    doc = {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                          "Condition": {f"{operator}IfExists": {key: value}}}]}
    findings = analyze_policy(doc)
    if any(f.rule_id == "MFA002" for f in findings):
        # v3: an inverted age test (GreaterThan in an Allow) admits old MFA only once IfExists is dropped: advice,
        # not that replacement
        inverted = key == "aws:MultiFactorAuthAge" and "GreaterThan" in base and value == "3600"
        assert [f.fix for f in findings] == [None if inverted else operator]
        doc["Statement"][0]["Condition"] = {operator: {key: value}}
        assert not any(f.rule_id == "MFA002" for f in analyze_policy(doc))
