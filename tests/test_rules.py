"""The rules of rules.md, bullet by bullet, plus unresolved values, malformed input and the public API."""

from __future__ import annotations

import json

import pytest
from mfa_lint import POLICY_KINDS, RULES, Unknown, analyze_document, analyze_policy

SELF_SERVICE = [
    "iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser", "iam:ListMFADevices",
    "iam:ListVirtualMFADevices", "iam:ResyncMFADevice", "sts:GetSessionToken",
]


def statement(effect: str, condition: dict, action: object = "s3:*", **extra: object) -> dict:
    out: dict = {"Effect": effect, "Action": action, "Resource": "*", "Condition": condition}
    out.update(extra)
    if "NotAction" in extra:
        del out["Action"]
    return out


def rules(*statements: dict, kind: str = "identity") -> list[tuple[str, int | None, str | None]]:
    findings = analyze_policy({"Version": "2012-10-17", "Statement": list(statements)}, kind)
    return [(f.rule_id, f.statement_index, f.operator) for f in findings]


BOOL_FALSE = {"Bool": {"aws:MultiFactorAuthPresent": "false"}}
NULL_TRUE = {"Null": {"aws:MultiFactorAuthPresent": "true"}}
IFEXISTS_FALSE = {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}


# ---------------------------------------------------------------- MFA001

@pytest.mark.parametrize(
    "condition",
    [
        BOOL_FALSE,
        {"Bool": {"aws:MultiFactorAuthPresent": False}},
        {"StringEquals": {"aws:MultiFactorAuthPresent": "false"}},
        {"StringLike": {"aws:MultiFactorAuthPresent": "f*"}},
        {"NumericGreaterThan": {"aws:MultiFactorAuthAge": "3600"}},
        {"NumericGreaterThanEquals": {"aws:MultiFactorAuthAge": 43200}},
        {"ForAnyValue:Bool": {"aws:MultiFactorAuthPresent": "false"}},
    ],
)
def test_mfa001_fires(condition: dict) -> None:
    assert [r[0] for r in rules(statement("Deny", condition))] == ["MFA001"]


@pytest.mark.parametrize(
    "condition",
    [
        IFEXISTS_FALSE,
        {"StringNotEquals": {"aws:MultiFactorAuthPresent": "true"}},
        {"NumericGreaterThanIfExists": {"aws:MultiFactorAuthAge": "3600"}},
        {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        NULL_TRUE,
        {"Null": {"aws:MultiFactorAuthAge": "true"}},
        {"ForAllValues:Bool": {"aws:MultiFactorAuthPresent": "false"}},
    ],
)
def test_mfa001_silent(condition: dict) -> None:
    assert rules(statement("Deny", condition)) == []


def test_mfa001_message_names_the_callers_and_the_fix() -> None:
    (finding,) = analyze_policy({"Statement": [statement("Deny", BOOL_FALSE)]})
    assert "AWS CLI calls signed with long-term access keys are not denied" in finding.message
    assert finding.fix == "BoolIfExists" and finding.operator == "Bool"
    assert finding.path == ("Statement", 0, "Condition", "Bool")
    assert finding.severity == "error" and finding.cfn_lint_id == "E9001" and finding.checkov_severity == "HIGH"


def test_mfa001_age_escapes_both_weaker_contexts() -> None:
    age = statement("Deny", {"NumericGreaterThan": {"aws:MultiFactorAuthAge": 1}})
    (finding,) = analyze_policy({"Statement": [age]})
    assert finding.escapes == ("LT", "NM")
    assert "sessions without MFA" in finding.message and "long-term access keys" in finding.message
    assert finding.fix == "NumericGreaterThanIfExists"


def test_null_companion_silences_both_statements() -> None:
    assert rules(statement("Deny", BOOL_FALSE), statement("Deny", NULL_TRUE)) == []


def test_companion_must_cover_actions() -> None:
    assert rules(statement("Deny", BOOL_FALSE, ["s3:*", "ec2:*"]), statement("Deny", NULL_TRUE, "s3:*")) == [
        ("MFA001", 0, "Bool")
    ]


def test_companion_wildcards_match_case_insensitively() -> None:
    assert rules(statement("Deny", BOOL_FALSE, "S3:GetObject"), statement("Deny", NULL_TRUE, "s3:get*")) == []


def test_companion_notaction_compared_the_other_way_round() -> None:
    s = statement("Deny", BOOL_FALSE, NotAction=["iam:*", "sts:*"])
    assert rules(s, statement("Deny", NULL_TRUE, NotAction=["iam:*"])) == []
    assert rules(s, statement("Deny", NULL_TRUE, NotAction=["iam:*", "sts:*", "s3:*"])) == [("MFA001", 0, "Bool")]


def test_companion_may_leave_the_mfa_self_service_actions_open() -> None:
    s = statement("Deny", BOOL_FALSE, "*")
    t = statement("Deny", NULL_TRUE, NotAction=SELF_SERVICE)
    assert [r[0] for r in rules(s, t)] == ["MFA005"]


def test_companion_principal_and_conditions() -> None:
    s = statement("Deny", BOOL_FALSE, Principal={"AWS": "arn:aws:iam::1:root"})
    assert rules(s, statement("Deny", NULL_TRUE, Principal="*"), kind="resource") == []
    other = statement("Deny", NULL_TRUE, Principal={"AWS": "arn:aws:iam::2:root"})
    assert rules(s, other, kind="resource") == [("MFA001", 0, "Bool")]
    narrower = statement("Deny", {**NULL_TRUE, "StringEquals": {"aws:RequestedRegion": "eu-west-1"}})
    assert rules(statement("Deny", BOOL_FALSE), narrower) == [("MFA001", 0, "Bool")]
    same = {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}
    assert rules(statement("Deny", {**BOOL_FALSE, **same}), statement("Deny", {**NULL_TRUE, **same})) == []


def test_an_allow_is_no_companion() -> None:
    assert rules(statement("Deny", BOOL_FALSE), statement("Allow", NULL_TRUE)) == [("MFA001", 0, "Bool")]


def test_age_deny_needs_a_companion_for_both_contexts() -> None:
    age = statement("Deny", {"NumericGreaterThan": {"aws:MultiFactorAuthAge": "3600"}})
    assert rules(age, statement("Deny", NULL_TRUE)) == [("MFA001", 0, "NumericGreaterThan")]
    assert rules(age, statement("Deny", {"Null": {"aws:MultiFactorAuthAge": "true"}})) == []


# ---------------------------------------------------------------- MFA002

MFA002_CASES = [
    # condition, fix, fires in a role policy (whose callers always carry aws:MultiFactorAuthPresent)
    ({"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}, "Bool", False),
    ({"NumericLessThanIfExists": {"aws:MultiFactorAuthAge": "3600"}}, "NumericLessThan", True),
    ({"ForAllValues:Bool": {"aws:MultiFactorAuthPresent": "true"}}, "Bool", False),
    ({"ForAllValues:BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}, "Bool", False),
    ({"StringNotEquals": {"aws:MultiFactorAuthPresent": "false"}}, None, False),
    ({"Bool": {"aws:MultiFactorAuthPresent": ["true", "false"]}}, None, True),
    ({"StringEqualsIfExists": {"aws:MultiFactorAuthPresent": "true"}}, "StringEquals", False),
]


@pytest.mark.parametrize(("condition", "fix", "in_role"), MFA002_CASES)
@pytest.mark.parametrize("kind", POLICY_KINDS)
def test_mfa002_fires_in_every_kind(condition: dict, fix: str | None, in_role: bool, kind: str) -> None:
    findings = analyze_policy({"Statement": [statement("Allow", condition)]}, kind)
    expected = [("MFA002", fix)] if kind != "role" or in_role else []
    if kind == "scp" and not in_role:  # v3: an SCP Allow that role sessions without MFA fail is an allow-list
        expected.append(("MFA004", None))
    assert [(f.rule_id, f.fix) for f in findings] == expected
    if findings and kind == "role":
        assert "access keys" not in findings[0].message and "sessions of this role without MFA" in findings[0].message
    if findings and fix is None:
        assert findings[0].fix_text == findings[0].advice and findings[0].advice


@pytest.mark.parametrize(
    "condition",
    [
        {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
        {"Null": {"aws:MultiFactorAuthPresent": "false"}},
        {"Null": {"aws:MultiFactorAuthAge": "false"}},
        {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        {"ForAnyValue:Bool": {"aws:MultiFactorAuthPresent": "true"}},
    ],
)
def test_mfa002_silent(condition: dict) -> None:
    assert rules(statement("Allow", condition), kind="trust") == []


# ---------------------------------------------------------------- MFA003

@pytest.mark.parametrize(
    ("condition", "needle"),
    [
        ({"Bool": {"aws:MultiFactorAuthPresent": "flase"}}, "'flase'"),
        ({"BoolIfExists": {"aws:MultiFactorAuthPresent": "yes"}}, "'yes'"),
        ({"NumericLessThan": {"aws:MultiFactorAuthAge": "an hour"}}, "not a number"),
        ({"NumericGreaterThan": {"aws:MultiFactorAuthPresent": "0"}}, "cannot apply"),
        ({"Bool": {"aws:MultiFactorAuthAge": "true"}}, "cannot apply"),
        ({"DateLessThan": {"aws:MultiFactorAuthAge": "2024-01-01"}}, "cannot apply"),
        ({"IpAddress": {"aws:MultiFactorAuthPresent": "10.0.0.0/8"}}, "cannot apply"),
        ({"ArnLike": {"aws:MultiFactorAuthPresent": "arn:*"}}, "cannot apply"),
        ({"BinaryEquals": {"aws:MultiFactorAuthPresent": "dHJ1ZQ=="}}, "cannot apply"),
        ({"Bool": {"aws:MultiFactorAuthPresnt": "false"}}, "did you mean aws:MultiFactorAuthPresent?"),
        ({"BoolIfExists": {"MultiFactorAuthPresent": "false"}}, "did you mean aws:MultiFactorAuthPresent?"),
        ({"NumericLessThan": {"aws:MultiFactorAuthAg": "3600"}}, "did you mean aws:MultiFactorAuthAge?"),
        ({"Null": {"aws:MultiFactorAuthPresent": "true"}, "Bool": {"aws:MultiFactorAuthPresent": "false"}},
         "no request"),
        ({"Bool": {"aws:MultiFactorAuthPresent": "false"}, "NumericLessThan": {"aws:MultiFactorAuthAge": "60"}},
         "no request"),
    ],
)
@pytest.mark.parametrize("effect", ["Allow", "Deny"])
def test_mfa003_fires_and_silences_the_rest(condition: dict, needle: str, effect: str) -> None:
    findings = analyze_policy({"Statement": [statement(effect, condition, "*")]}, "scp")
    assert [f.rule_id for f in findings] == ["MFA003"]
    assert needle in findings[0].message
    assert findings[0].fix is None


def test_unknown_operator_is_no_finding() -> None:
    assert rules(statement("Deny", {"stringEquals": {"aws:MultiFactorAuthPresent": "false"}})) == []


# ---------------------------------------------------------------- MFA004

@pytest.mark.parametrize(
    "scope",
    [
        {},
        {"StringNotEquals": {"aws:PrincipalType": "User"}},
        {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/automation-*"}},
        {"StringLikeIfExists": {"aws:username": "*"}},
        {"ForAllValues:StringEquals": {"aws:PrincipalTag/team": "ops"}},
        {"Null": {"aws:username": "true"}},
        {"StringLike": {"aws:PrincipalType": "*"}},
    ],
)
@pytest.mark.parametrize("kind", ["scp", "rcp"])
def test_mfa004_fires(scope: dict, kind: str) -> None:
    assert rules(statement("Deny", {**IFEXISTS_FALSE, **scope}), kind=kind) == [("MFA004", 0, None)]


@pytest.mark.parametrize(
    "scope",
    [
        {"StringEquals": {"aws:PrincipalType": "User"}},
        {"StringLike": {"aws:PrincipalType": ["User", "Federated*"]}},
        {"StringNotEquals": {"aws:PrincipalType": "AssumedRole"}},
        {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/*"}},
        {"ArnEquals": {"aws:PrincipalArn": ["arn:aws:iam::111122223333:user/alice"]}},
        {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/*"}},
        {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}},
        {"StringLike": {"aws:username": "*"}},
        {"StringEquals": {"aws:PrincipalTag/mfa-required": "true"}},
        {"Null": {"aws:username": "false"}},
    ],
)
def test_mfa004_scoped(scope: dict) -> None:
    assert rules(statement("Deny", {**IFEXISTS_FALSE, **scope}), kind="scp") == []


def test_mfa004_only_for_control_policies() -> None:
    for kind in ("identity", "role", "trust", "resource", "unknown"):
        assert all(r[0] != "MFA004" for r in rules(statement("Deny", IFEXISTS_FALSE, "*"), kind=kind))


def test_mfa004_needs_the_deny_to_hold_for_sessions_without_mfa() -> None:
    assert rules(statement("Deny", NULL_TRUE), kind="scp") == []


# ---------------------------------------------------------------- MFA005

@pytest.mark.parametrize(
    "actions",
    [{"Action": "*"}, {"Action": "iam:*"}, {"Action": ["iam:Enable*"]}, {"Action": "IAM:CreateVirtualMFADevice"},
     {"NotAction": ["s3:*"]}, {"NotAction": ["iam:CreateVirtualMFADevice"]}],
)
def test_mfa005_fires(actions: dict) -> None:
    s = {"Effect": "Deny", "Resource": "*", "Condition": IFEXISTS_FALSE, **actions}
    assert rules(s) == [("MFA005", 0, None)]


@pytest.mark.parametrize(
    "actions",
    [{"Action": "s3:*"}, {"NotAction": SELF_SERVICE}, {"NotAction": ["iam:*"]},
     {"NotAction": ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice"]}],
)
def test_mfa005_silent(actions: dict) -> None:
    s = {"Effect": "Deny", "Resource": "*", "Condition": IFEXISTS_FALSE, **actions}
    assert rules(s) == []


def test_mfa005_only_for_identity_policies() -> None:
    for kind in ("role", "trust", "resource", "unknown", "scp"):
        assert all(r[0] != "MFA005" for r in rules(statement("Deny", IFEXISTS_FALSE, "*"), kind=kind))


def test_mfa005_not_for_the_no_long_term_keys_idiom() -> None:
    assert rules(statement("Deny", NULL_TRUE, "*")) == []


# ---------------------------------------------------------------- unresolved values

@pytest.mark.parametrize("value", [Unknown("var.mfa"), Unknown("Ref MfaParam"), [Unknown("var.mfa")]])
def test_unresolved_bool_value_is_a_note_not_a_guess(value: object) -> None:
    analysis = analyze_document({"Statement": [statement("Deny", {"Bool": {"aws:MultiFactorAuthPresent": value}})]})
    assert analysis.findings == []
    assert any("unresolved value" in n.message for n in analysis.notes)


def test_unresolved_value_reported_when_every_value_leads_to_the_rule() -> None:
    doc = {"Statement": [statement("Deny", {"NumericGreaterThan": {"aws:MultiFactorAuthAge": Unknown("var.max_age")}})]}
    assert [f.rule_id for f in analyze_policy(doc)] == ["MFA001"]


def test_iam_policy_variables_are_not_unresolved() -> None:
    s = statement("Deny", {**BOOL_FALSE, "StringLike": {"aws:username": "${aws:username}"}},
                  Resource="arn:aws:iam::*:user/${aws:username}")
    assert [r[0] for r in rules(s)] == ["MFA001"]


def test_iac_syntax_is_literal_text_for_the_core() -> None:
    """The core knows no IaC syntax: readers hand it Unknown values; a `${var.x}` string is a (broken) literal."""
    doc = {"Statement": [statement("Deny", {"Bool": {"aws:MultiFactorAuthPresent": "${var.mfa}"}})]}
    assert [f.rule_id for f in analyze_policy(doc)] == ["MFA003"]


def test_unresolved_whole_policy_is_a_note() -> None:
    for doc in (Unknown("data.aws_iam_policy_document.x.json"), Unknown("Fn::Sub ...")):
        analysis = analyze_document(doc)
        assert analysis.findings == [] and "unresolved value" in analysis.notes[0].message


# ---------------------------------------------------------------- malformed input and the API

@pytest.mark.parametrize(
    "document",
    [
        None, 3, "not json", "[1, 2]", [], {}, {"Statement": "x"}, {"Statement": 7}, {"Statement": [None, 1, "s"]},
        {"Statement": [{"Effect": ["Deny"], "Condition": BOOL_FALSE}]},
        {"Statement": [{"Effect": "Deny", "Condition": [BOOL_FALSE]}]},
        {"Statement": [{"Effect": "Deny", "Condition": {"Bool": "false"}}]},
        {"Statement": [{"Effect": "Deny", "Condition": {"Bool": {None: "false", 3: "x"}}}]},
        {"Statement": [{"Effect": "Deny", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": {"a": 1}}}}]},
        {"Statement": [{"Effect": "Deny", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": None}}}]},
        {"Statement": [{"Effect": "Deny", "Action": {"x": 1},
                        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": []}}}]},
    ],
)
def test_malformed_input_gives_notes_never_exceptions(document: object) -> None:
    analysis = analyze_document(document)
    assert all(f.rule_id == "MFA003" for f in analysis.findings)


def test_malformed_statement_is_noted_and_the_rest_analysed() -> None:
    analysis = analyze_document({"Statement": ["oops", statement("Deny", BOOL_FALSE)]})
    assert [f.statement_index for f in analysis.findings] == [1]
    assert "statement 0" in analysis.notes[0].message


def test_document_as_json_string_and_keys_in_any_case() -> None:
    doc = json.dumps({"statement": [{"effect": "deny", "action": "s3:*", "resource": "*",
                                     "condition": {"Bool": {"AWS:MULTIFACTORAUTHPRESENT": "FALSE"}}}]})
    assert [f.rule_id for f in analyze_policy(doc)] == ["MFA001"]


def test_unknown_kind_is_rejected() -> None:
    with pytest.raises(ValueError):
        analyze_policy({"Statement": []}, "user")


def test_catalog_is_complete() -> None:
    assert [(r.id, r.cfn_lint_id, r.severity, r.checkov_severity) for r in RULES.values()] == [
        ("MFA001", "E9001", "error", "HIGH"),
        ("MFA002", "E9002", "error", "HIGH"),
        ("MFA003", "E9003", "error", "HIGH"),
        ("MFA004", "W9004", "warning", "MEDIUM"),
        ("MFA005", "W9005", "warning", "LOW"),
        ("MFA006", "E9006", "error", "MEDIUM"),
    ]
    assert all(r.title and r.rationale and r.fix and r.doc_url.endswith(f"{r.id}.md") for r in RULES.values())


def test_one_unknown_takes_one_value_per_try() -> None:
    """The same unresolved value in two tests takes the same candidate in every try (not each independently)."""
    same, other = Unknown("var.x"), Unknown("var.y")
    contradiction = {"Bool": {"aws:MultiFactorAuthPresent": same},
                     "StringNotEquals": {"aws:MultiFactorAuthPresent": same}}
    assert [f.rule_id for f in analyze_policy({"Statement": [statement("Allow", contradiction)]})] == ["MFA003"]
    independent = {"Bool": {"aws:MultiFactorAuthPresent": same},
                   "StringNotEquals": {"aws:MultiFactorAuthPresent": other}}
    analysis = analyze_document({"Statement": [statement("Allow", independent)]})
    assert analysis.findings == [] and "var.x, var.y" in analysis.notes[-1].message
