"""The rules of rules.md, bullet by bullet, plus unresolved values, malformed input and the public API; then the
semantics of contexts by kind, MFA004 by evaluation, MFA005 by ARN segment, companion principals, advice that never
widens a deny, and analysis in linear time with a budget."""

from __future__ import annotations

import json

import pytest
from mfa_lint import POLICY_KINDS, RULES, Unknown, analyze_document, analyze_policy
from mfa_lint.core import companions
from mfa_lint.core.arns import arn_contains, arn_matches, arn_overlap
from mfa_lint.core.companions import CompanionIndex
from mfa_lint.core.contexts import CONTEXTS, LT, contexts_for
from mfa_lint.core.evaluation import holds
from mfa_lint.core.model import parse_document
from mfa_lint.core.rules import REGISTRY

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


# ================================================================ contexts, companions, ARNs, budgets

NO_MFA = {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}


def deny(condition: dict, action: object = "s3:*", resource: object = "*", **extra: object) -> dict:
    return {"Effect": "Deny", "Action": action, "Resource": resource, "Condition": condition, **extra}


def findings(*statements: dict, kind: str = "identity"):
    return analyze_policy({"Statement": list(statements)}, kind)


# ---------------------------------------------------------------- contexts by kind

def test_role_policies_never_meet_long_term_keys() -> None:
    assert LT not in contexts_for("role")
    assert all(contexts_for(k) == CONTEXTS for k in ("identity", "trust", "scp", "rcp", "resource", "unknown"))
    assert {c.name for c in CONTEXTS} == {"long-term access keys", "session without MFA", "MFA long ago", "fresh MFA"}


@pytest.mark.parametrize("kind", ["identity", "trust", "scp", "unknown"])
def test_bool_false_deny_fails_open_where_long_term_keys_occur(kind: str) -> None:
    assert [f.rule_id for f in findings(deny(BOOL_FALSE), kind=kind)].count("MFA001") == 1


def test_bool_false_deny_is_right_in_a_role_policy_but_the_age_key_is_not() -> None:
    assert findings(deny(BOOL_FALSE), kind="role") == []
    (finding,) = findings(deny({"NumericGreaterThan": {"aws:MultiFactorAuthAge": "3600"}}), kind="role")
    assert finding.escapes == ("NM",)
    assert "sessions of this role without MFA" in finding.message and "access keys" not in finding.message


def test_public_resource_policy_names_anonymous_requests() -> None:
    (finding,) = findings(deny(BOOL_FALSE, Principal="*"), kind="resource")
    assert "anonymous (unsigned) requests" in finding.message
    (finding,) = findings(deny(BOOL_FALSE, Principal={"AWS": "arn:aws:iam::111122223333:root"}), kind="resource")
    assert "anonymous" not in finding.message
    allow = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*",
             "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}}
    (finding,) = findings(allow, kind="resource")
    assert finding.rule_id == "MFA002" and "anonymous (unsigned) requests" in finding.message


# ---------------------------------------------------------------- MFA002 through the age key

def test_age_ifexists_beside_null_false_admits_sessions_without_mfa() -> None:
    allow = {"Effect": "Allow", "Action": "s3:*", "Resource": "*",
             "Condition": {"NumericLessThanIfExists": {"aws:MultiFactorAuthAge": "3600"},
                           "Null": {"aws:MultiFactorAuthPresent": "false"}}}
    (finding,) = findings(allow)
    assert (finding.rule_id, finding.operator, finding.fix) == ("MFA002", "NumericLessThanIfExists", "NumericLessThan")
    null_alone = {**allow, "Condition": {"Null": {"aws:MultiFactorAuthPresent": "false"}}}
    assert findings(null_alone) == []


# ---------------------------------------------------------------- MFA004 by evaluation

@pytest.mark.parametrize(
    "scope",
    [
        {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:root"}},
        {"StringLike": {"aws:userid": "AIDA*"}},
        {"StringNotLike": {"aws:userid": "AROA*"}},
        {"ArnLike": {"aws:PrincipalArn": ["arn:aws:iam::*:user/*", "arn:aws:iam::*:root"]}},
        {"StringEquals": {"aws:PrincipalType": ["User", "Account"]}},
        {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}},
        {"StringLike": {"aws:username": "*"}},
        {"Null": {"aws:username": "false"}},
    ],
)
def test_mfa004_silent_when_every_role_session_is_excluded(scope: dict) -> None:
    assert findings(deny({**NO_MFA, **scope}, action="*"), kind="scp") == []


@pytest.mark.parametrize(
    "scope",
    [
        {},
        {"StringNotEquals": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}},
        {"StringNotEqualsIgnoreCase": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}},
        {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/aws-reserved/*"}},  # plain role sessions remain
        {"StringNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/Automation*"}},
        {"StringNotEqualsIfExists": {"aws:username": "breakglass"}},
    ],
)
def test_mfa004_fires_when_some_role_session_is_still_denied(scope: dict) -> None:
    (finding,) = findings(deny({**NO_MFA, **scope}, action="*"), kind="scp")
    assert finding.rule_id == "MFA004" and "role sessions" in finding.message


def test_mfa004_ignores_service_linked_roles_alone_and_notes_unresolved_values() -> None:
    only_slr = {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/aws-service-role/*"}}
    assert findings(deny({**NO_MFA, **only_slr}, action="*"), kind="scp") == []
    unresolved = deny({**NO_MFA, "StringEquals": {"aws:PrincipalType": Unknown("var.principal_type")}}, action="*")
    analysis = analyze_document({"Statement": [unresolved]}, "scp")
    assert analysis.findings == [] and any("scoped to IAM users" in n.message for n in analysis.notes)
    # whatever value the reference takes, StringNotEquals on one ARN leaves the SSO sessions denied
    anyway = deny({**NO_MFA, "StringNotEquals": {"aws:PrincipalArn": Unknown("var.excluded")}}, action="*")
    assert [f.rule_id for f in analyze_document({"Statement": [anyway]}, "scp").findings] == ["MFA004"]


# ---------------------------------------------------------------- MFA005 by ARN segment

def test_arn_segments() -> None:
    assert not arn_overlap("arn:aws:s3:::bucket/*", "arn:aws:iam::*:user/*")
    assert arn_overlap("arn:aws:iam::*:*", "arn:aws:iam::*:mfa/*")
    assert arn_overlap("arn:aws:iam::*", "arn:aws:iam::*:mfa/*")
    assert not arn_contains("arn:aws:iam::*:mfa/*", "arn:*:iam::*:mfa/*")
    assert arn_contains("arn:*:iam::*:*", "arn:aws:iam::*:mfa/*")
    assert arn_matches("arn:aws:iam::*:role/*", "arn:aws:iam::1:role/aws-reserved/sso.amazonaws.com/x")
    assert not arn_matches("arn:aws:iam::*:user/*", "arn:aws:iam::1:role/x")
    assert not arn_matches("arn:aws:*:user/*", "arn:aws:iam::1:user/x")  # "*" stays inside its segment
    assert arn_matches("*", "arn:aws:iam::1:role/x")


@pytest.mark.parametrize(
    ("statement", "blocked"),
    [
        (deny(NO_MFA, action="*", resource="arn:aws:s3:::bucket/*"), []),
        (deny(NO_MFA, action="*", resource="arn:aws:iam::*:role/*"), []),
        ({"Effect": "Deny", "Action": "*", "NotResource": ["arn:aws:iam::*:mfa/*", "arn:aws:iam::*:user/*"],
          "Condition": NO_MFA}, []),
        ({"Effect": "Deny", "Action": "*", "NotResource": ["arn:aws:iam::*:mfa/${aws:username}",
                                                         "arn:aws:iam::*:user/${aws:username}"],
          "Condition": NO_MFA}, []),
        ({"Effect": "Deny", "Action": "*", "NotResource": "arn:aws:iam::*:mfa/*", "Condition": NO_MFA},
         ["iam:EnableMFADevice"]),
        (deny(NO_MFA, action="iam:*", resource="arn:aws:iam::*:user/*"), ["iam:EnableMFADevice"]),
        (deny(NO_MFA, action="*", resource="arn:aws-cn:iam::*:mfa/*"), ["iam:CreateVirtualMFADevice"]),
        (deny(NO_MFA, action="*"), ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice"]),
    ],
)
def test_mfa005_names_only_the_actions_the_resources_block(statement: dict, blocked: list[str]) -> None:
    found = [f for f in findings(statement) if f.rule_id == "MFA005"]
    if not blocked:
        assert found == []
        return
    (finding,) = found
    named = [a for a in ("iam:CreateVirtualMFADevice", "iam:EnableMFADevice") if a in finding.message.split("Fix")[0]]
    assert named == blocked


@pytest.mark.parametrize(
    ("action", "says", "never"),
    [
        ("*", 'replace Action "*" by NotAction', None),
        ("iam:*", "replace iam:* in Action by the actions you mean to deny", "by NotAction"),
        (["s3:*", "iam:CreateVirtualMFADevice", "iam:EnableMFADevice"],
         "remove iam:CreateVirtualMFADevice, iam:EnableMFADevice from Action", "NotAction"),
    ],
)
def test_mfa005_advice_never_widens_the_deny(action: object, says: str, never: str | None) -> None:
    (finding,) = [f for f in findings(deny(NO_MFA, action=action)) if f.rule_id == "MFA005"]
    assert says in finding.fix_text and says in finding.message
    if never:
        assert never not in finding.fix_text.split("(")[0]


def test_mfa005_with_notaction_says_add_to_it() -> None:
    statement = {"Effect": "Deny", "NotAction": ["iam:GetUser"], "Resource": "*", "Condition": NO_MFA}
    (finding,) = [f for f in findings(statement) if f.rule_id == "MFA005"]
    assert finding.fix_text.startswith("add iam:CreateVirtualMFADevice and iam:EnableMFADevice to NotAction")


# ---------------------------------------------------------------- fix texts right for the statement

def test_mfa001_without_a_mechanical_fix_says_what_to_do() -> None:
    statement = deny({"NumericGreaterThan": {"aws:MultiFactorAuthAge": "3600"},
                      "Bool": {"aws:MultiFactorAuthPresent": "true"}})
    (finding,) = findings(statement)
    assert finding.fix is None and "no single operator change closes it" in finding.fix_text
    assert "BoolIfExists" in finding.fix_text and finding.fix_text in finding.message


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_every_rule_has_its_record_and_predicate_in_one_module(rule_id: str) -> None:
    registered = REGISTRY[rule_id]
    assert registered.record is RULES[rule_id]
    assert registered.check.__module__ == f"mfa_lint.core.rules.{rule_id.lower()}"
    assert 0 < registered.record.security_severity <= 10


# ---------------------------------------------------------------- companion principals

ALICE, BOB = "arn:aws:iam::111122223333:user/alice", "arn:aws:iam::111122223333:user/bob"


@pytest.mark.parametrize(
    ("s_principal", "t_principal", "covered"),
    [
        ({"NotPrincipal": {"AWS": ALICE}}, {"Principal": "*"}, True),
        ({"NotPrincipal": {"AWS": ALICE}}, {"Principal": {"AWS": "*"}}, True),
        ({"Principal": {"AWS": ALICE}}, {"Principal": {"AWS": [ALICE, BOB]}}, True),
        ({"Principal": {"AWS": [ALICE, BOB]}}, {"Principal": {"AWS": ALICE}}, False),
        ({"Principal": "*"}, {"Principal": {"AWS": [ALICE, BOB]}}, False),
        ({"Principal": {"AWS": ALICE}}, {"NotPrincipal": {"AWS": BOB}}, True),
        ({"Principal": {"AWS": ALICE}}, {"NotPrincipal": {"AWS": ALICE}}, False),
        ({"NotPrincipal": {"AWS": [ALICE, BOB]}}, {"NotPrincipal": {"AWS": ALICE}}, True),
    ],
)
def test_companion_principals(s_principal: dict, t_principal: dict, covered: bool) -> None:
    s = deny(BOOL_FALSE, **s_principal)
    t = deny(NULL_TRUE, **t_principal)
    rules = [f.rule_id for f in findings(s, t, kind="resource")]
    assert rules == ([] if covered else ["MFA001"])


# ---------------------------------------------------------------- scale

def _pairs(n: int) -> list[dict]:
    out = []
    for i in range(n // 2):
        action, resource = f"svc{i % 300}:Action{i}", f"arn:aws:s3:::b{i}/*"
        out += [deny(BOOL_FALSE, action=action, resource=resource), deny(NULL_TRUE, action=action, resource=resource)]
    return out


@pytest.mark.parametrize("shape", ["distinct actions", "one wildcard action, distinct resources"])
def test_companion_search_is_linear(shape: str) -> None:
    statements = _pairs(4000)
    if shape != "distinct actions":
        for s in statements:
            s["Action"] = "s3:*"
    parsed = parse_document({"Statement": statements}).statements
    index = CompanionIndex(parsed, CONTEXTS)
    for s in parsed:
        if not holds(s, LT):
            assert index.covers(s, LT) is True
    assert index.spent <= len(parsed)  # one comparison per statement, not one per pair of statements


def test_past_the_budget_a_note_says_what_was_not_analysed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(companions, "COMPANION_BUDGET", 3)
    analysis = analyze_document({"Statement": _pairs(20)}, "identity")
    assert analysis.findings == []
    skipped = [n for n in analysis.notes if "companion search stopped at its budget of 3" in n.message]
    assert len(skipped) == 10 - 3


def test_mfa004_message_never_says_the_deny_applies_to_service_linked_roles() -> None:
    """SCPs and RCPs do not restrict service-linked roles (orgs_manage_policies_scps.html)."""
    (finding,) = findings(deny(NO_MFA, action="*"), kind="scp")
    assert "service-linked" not in finding.message and "federated users" in finding.message
