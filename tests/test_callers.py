"""Rule semantics v3 (issue 18): the callers a statement really has (Principal, principal tests, attachments),
MFA006, MFA004 for SCP allow-lists and unnamed roles, union companions, aws:TokenIssueTime, fresh MFA as a range,
IAM's region for MFA005, and a companion search that stays linear past its budget."""

from __future__ import annotations

import pytest
from mfa_lint import RULES, Unknown, analyze_document
from mfa_lint.core import companions
from mfa_lint.core.callers import Caller, CallerClass, Callers, callers_from_principal, callers_from_trust
from mfa_lint.core.companions import CompanionIndex
from mfa_lint.core.contexts import CONTEXTS, LT, MFF, MFO, NM
from mfa_lint.core.model import parse_document

BOOL_FALSE = {"Bool": {"aws:MultiFactorAuthPresent": "false"}}
BOOL_TRUE = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
IFEXISTS_TRUE = {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}
NULL_TRUE = {"Null": {"aws:MultiFactorAuthPresent": "true"}}
NO_MFA = {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}
ACCOUNT = "arn:aws:iam::111122223333:root"
SAML = "arn:aws:iam::111122223333:saml-provider/Okta"
GITHUB = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
SSO_PROVIDER = "arn:aws:iam::111122223333:saml-provider/AWSSSO_0a1b2c3d_DO_NOT_DELETE"


def deny(condition: dict, action: object = "s3:*", resource: object = "*", **extra: object) -> dict:
    return {"Effect": "Deny", "Action": action, "Resource": resource, "Condition": condition, **extra}


def allow(condition: dict, action: object = "s3:*", resource: object = "*", **extra: object) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, "Condition": condition, **extra}


def trust(condition: dict, principal: dict, action: object = "sts:AssumeRole") -> dict:
    return {"Effect": "Allow", "Principal": principal, "Action": action, "Condition": condition}


def found(*statements: dict, kind: str = "identity", callers: Callers | None = None) -> list:
    return analyze_document({"Statement": list(statements)}, kind, callers).findings


def rules(*statements: dict, kind: str = "identity", callers: Callers | None = None) -> list[str]:
    return [f.rule_id for f in found(*statements, kind=kind, callers=callers)]


# ---------------------------------------------------------------- the callers value

def test_callers_value_merges_classes_and_knows_its_contexts() -> None:
    services = Callers.of(CallerClass.AWS_SERVICES, names=["lambda.amazonaws.com"])
    both = services | Callers.of(Caller(CallerClass.AWS_SERVICES, ("ec2.amazonaws.com",)))
    assert len(both) == 1 and both.members[0].names == ("lambda.amazonaws.com", "ec2.amazonaws.com")
    assert both.describe() == "AWS services (lambda.amazonaws.com, ec2.amazonaws.com)"
    assert not both.capable and both.contexts() == (LT, NM)
    assert Callers.of(CallerClass.ROLE_SESSIONS).contexts() == (NM, MFO, MFF)
    assert Callers.of(CallerClass.SSO_SESSIONS).contexts() == (NM,)
    assert (Callers.of(CallerClass.SSO_SESSIONS) | Callers.of(CallerClass.IAM_USERS)).capable


def test_callers_must_be_a_callers_value() -> None:
    with pytest.raises(TypeError):
        analyze_document({"Statement": []}, "role", callers=[CallerClass.SSO_SESSIONS])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("principal", "expected"),
    [
        ({"AWS": ACCOUNT}, {CallerClass.PRINCIPALS}),
        ({"AWS": "111122223333"}, {CallerClass.PRINCIPALS}),
        ({"AWS": "arn:aws:iam::111122223333:role/ci-runner"}, {CallerClass.ROLE_SESSIONS}),
        ({"AWS": "arn:aws:sts::111122223333:assumed-role/ci-runner/build"}, {CallerClass.ROLE_SESSIONS}),
        ({"AWS": "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0a1b"},
         {CallerClass.SSO_SESSIONS}),
        ({"AWS": "arn:aws:iam::111122223333:user/alice"}, {CallerClass.IAM_USERS}),
        ({"AWS": "arn:aws:sts::111122223333:federated-user/alice"}, {CallerClass.FEDERATED_USERS}),
        ({"Service": ["ec2.amazonaws.com", "ecs-tasks.amazonaws.com"]}, {CallerClass.AWS_SERVICES}),
        ({"Federated": SAML}, {CallerClass.SAML_FEDERATION}),
        ({"Federated": GITHUB}, {CallerClass.WEB_IDENTITY}),
        ({"Federated": "cognito-identity.amazonaws.com"}, {CallerClass.WEB_IDENTITY}),
        ({"AWS": Unknown("var.principal")}, {CallerClass.PRINCIPALS}),
        ("*", {CallerClass.PRINCIPALS}),
    ],
)
def test_principal_element_gives_caller_classes(principal: object, expected: set) -> None:
    assert callers_from_principal(principal, None, "trust").classes == expected


def test_public_resource_statements_meet_anonymous_requests_and_services() -> None:
    assert callers_from_principal("*", None, "resource").classes == {
        CallerClass.PRINCIPALS, CallerClass.AWS_SERVICES, CallerClass.ANONYMOUS}
    assert callers_from_principal(None, {"AWS": ACCOUNT}, "resource").classes == {
        CallerClass.PRINCIPALS, CallerClass.AWS_SERVICES, CallerClass.ANONYMOUS}
    assert callers_from_principal(None, None, "resource") is None


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                         "Action": "sts:AssumeRole"}]}, {CallerClass.SERVICE_ROLE_SESSIONS}),
        ({"Statement": {"Effect": "Allow", "Principal": {"Federated": GITHUB},
                        "Action": "sts:AssumeRoleWithWebIdentity"}}, {CallerClass.FEDERATED_ROLE_SESSIONS}),
        ({"Statement": [{"Effect": "Allow", "Principal": {"Federated": SSO_PROVIDER},
                         "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"]}]}, {CallerClass.SSO_SESSIONS}),
        ({"Statement": [{"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}]},
         {CallerClass.ROLE_SESSIONS}),
        ({"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com", "AWS": ACCOUNT},
                         "Action": "sts:AssumeRole"}]}, {CallerClass.SERVICE_ROLE_SESSIONS, CallerClass.ROLE_SESSIONS}),
        # a Deny admits nobody; an Allow of another action assumes nothing
        ({"Statement": [{"Effect": "Deny", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"},
                        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"},
                        {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:TagSession"}]},
         {CallerClass.SERVICE_ROLE_SESSIONS}),
        ('{"Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, '
         '"Action": "sts:AssumeRole"}]}', {CallerClass.SERVICE_ROLE_SESSIONS}),
        ("not json", {CallerClass.ROLE_SESSIONS}),
        (Unknown("data.aws_iam_policy_document.trust.json"), {CallerClass.ROLE_SESSIONS}),
    ],
)
def test_callers_from_a_roles_trust_policy(document: object, expected: set) -> None:
    assert callers_from_trust(document).classes == expected


# ---------------------------------------------------------------- callers narrowed by Principal

def test_role_arn_principal_meets_only_role_sessions() -> None:
    """A role's sessions always carry the key: BoolIfExists true is Bool true, a Bool false deny is right."""
    role = {"AWS": "arn:aws:iam::111122223333:role/ci-runner"}
    assert rules(trust(IFEXISTS_TRUE, role), kind="trust") == []
    assert rules(deny(BOOL_FALSE, Principal=role), kind="resource") == []
    session = {"AWS": "arn:aws:sts::111122223333:assumed-role/ci-runner/build"}
    assert rules(allow(IFEXISTS_TRUE, Principal=session), kind="resource") == []
    # the account admits users with access keys: v2's findings stay
    assert rules(trust(IFEXISTS_TRUE, {"AWS": ACCOUNT}), kind="trust") == ["MFA002"]
    assert rules(deny(BOOL_FALSE, Principal={"AWS": ACCOUNT}), kind="resource") == ["MFA001"]


@pytest.mark.parametrize(
    ("principal", "action", "who"),
    [
        ({"Federated": SAML}, "sts:AssumeRoleWithSAML", "federated users (SAML: Okta)"),
        ({"Federated": GITHUB}, "sts:AssumeRoleWithWebIdentity",
         "web-identity (OIDC) users (token.actions.githubusercontent.com)"),
        ({"Service": "ec2.amazonaws.com"}, "sts:AssumeRole", "AWS services (ec2.amazonaws.com)"),
        ({"AWS": "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_A_1"},
         "sts:AssumeRole", "IAM Identity Center (SSO) sessions"),
    ],
)
def test_trust_that_requires_mfa_from_callers_without_mfa_is_mfa006(principal: dict, action: str, who: str) -> None:
    (finding,) = found(trust(BOOL_TRUE, principal, action), kind="trust")
    assert finding.rule_id == "MFA006" and who in finding.message and "access keys" not in finding.message
    assert finding.path == ("Statement", 0, "Condition", "Bool") and finding.fix is None and finding.advice
    assert finding.severity == "error" and finding.cfn_lint_id == "E9006" and finding.checkov_severity == "MEDIUM"


def test_boolifexists_in_a_federated_trust_names_federated_users_and_offers_no_fix() -> None:
    (finding,) = found(trust(IFEXISTS_TRUE, {"Federated": SAML}, "sts:AssumeRoleWithSAML"), kind="trust")
    assert finding.rule_id == "MFA002" and finding.fix is None
    assert "federated users (SAML: Okta) are allowed without MFA" in finding.message
    assert "access keys" not in finding.message and "no caller of this statement can carry MFA" in finding.advice


def test_mixed_trust_names_every_caller_that_escapes_and_keeps_the_fix() -> None:
    principal = {"AWS": ACCOUNT, "Federated": SAML}
    (finding,) = found(trust(IFEXISTS_TRUE, principal, ["sts:AssumeRole", "sts:AssumeRoleWithSAML"]), kind="trust")
    assert finding.rule_id == "MFA002" and finding.fix == "Bool"
    assert "AWS CLI calls signed with long-term access keys and federated users (SAML: Okta)" in finding.message
    # some caller can carry MFA: an MFA requirement is satisfiable, no MFA006
    assert rules(trust(BOOL_TRUE, principal, ["sts:AssumeRole", "sts:AssumeRoleWithSAML"]), kind="trust") == []


def test_service_principals_are_never_named_as_escaping() -> None:
    """AWS services are admitted by design: an MFA condition that lets them through is no exposure."""
    svc = {"Service": "cloudtrail.amazonaws.com"}
    assert rules(allow(IFEXISTS_TRUE, Principal=svc), kind="resource") == []
    assert rules(deny(BOOL_FALSE, Principal=svc), kind="resource") == []
    assert rules(deny(NO_MFA, Principal=svc), kind="resource") == ["MFA006"]
    assert rules(allow(BOOL_TRUE, Principal=svc), kind="resource") == ["MFA006"]


def test_resource_policy_for_services_only_by_principal_test() -> None:
    condition = {"Bool": {"aws:MultiFactorAuthPresent": "true", "aws:PrincipalIsAWSService": "true"}}
    (finding,) = found(allow(condition, Principal="*"), kind="resource")
    assert finding.rule_id == "MFA006" and "AWS services" in finding.message
    not_services = {"Bool": {"aws:MultiFactorAuthPresent": "true", "aws:PrincipalIsAWSService": "false"}}
    assert rules(allow(not_services, Principal="*"), kind="resource") == []


# ---------------------------------------------------------------- callers narrowed by principal tests

@pytest.mark.parametrize(
    "scope",
    [
        {"StringEquals": {"aws:PrincipalType": "AssumedRole"}},
        {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}},
        {"StringLike": {"aws:userid": "AROA*:*"}},
    ],
)
def test_principal_tests_that_admit_only_role_sessions(scope: dict) -> None:
    assert rules(allow({**IFEXISTS_TRUE, **scope})) == []
    assert rules(deny({**BOOL_FALSE, **scope})) == []


def test_principal_tests_that_admit_users_keep_the_findings() -> None:
    users = {"StringEquals": {"aws:PrincipalType": "User"}}
    assert rules(allow({**IFEXISTS_TRUE, **users})) == ["MFA002"]
    (finding,) = found(deny({**BOOL_FALSE, **users}))
    assert finding.rule_id == "MFA001" and "long-term access keys" in finding.message
    # a principal tag may be on any principal: it narrows nothing
    tagged = {"StringEquals": {"aws:PrincipalTag/team": "ops"}}
    assert rules(allow({**IFEXISTS_TRUE, **tagged})) == ["MFA002"]


def test_a_statement_no_principal_can_pass_is_judged_for_nobody() -> None:
    nobody = {"StringEquals": {"aws:PrincipalType": "NoSuchType"}}
    assert rules(deny({**BOOL_FALSE, **nobody})) == []


def test_a_named_role_is_kept_although_the_unnamed_sample_fails() -> None:
    """Existential: `ArnEquals …:role/ci` admits role sessions (of that role), so a BoolIfExists true there is safe."""
    named = {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/ci"},
             "StringLike": {"aws:userid": "AROAEXAMPLE:*"}}
    assert rules(allow({**IFEXISTS_TRUE, **named})) == []
    assert rules(allow({**BOOL_TRUE, **named}), callers=Callers.of(CallerClass.ROLE_SESSIONS)) == []


# ---------------------------------------------------------------- the callers API (attachments)

PERMISSION_SET = Callers.of(CallerClass.SSO_SESSIONS)
LAMBDA_ROLE = callers_from_trust({"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                 "Action": "sts:AssumeRole"}]})


@pytest.mark.parametrize(
    ("statement", "callers", "expected"),
    [
        (deny(NO_MFA), PERMISSION_SET, ["MFA006"]),
        (deny(BOOL_FALSE), PERMISSION_SET, ["MFA006"]),
        (deny({"NumericGreaterThanIfExists": {"aws:MultiFactorAuthAge": "3600"}}), PERMISSION_SET, ["MFA006"]),
        (allow(BOOL_TRUE), PERMISSION_SET, ["MFA006"]),
        (allow(IFEXISTS_TRUE), PERMISSION_SET, ["MFA006"]),
        (deny(NULL_TRUE), PERMISSION_SET, []),  # the no-long-term-keys idiom denies nobody here
        (allow({"Null": {"aws:MultiFactorAuthPresent": "false"}}), PERMISSION_SET, []),
        (deny(NO_MFA), LAMBDA_ROLE, ["MFA006"]),
        (allow(BOOL_TRUE), LAMBDA_ROLE, ["MFA006"]),
        (deny(BOOL_TRUE), LAMBDA_ROLE, []),  # denies MFA: no requirement
        (deny(NO_MFA), Callers.of(CallerClass.ROLE_SESSIONS), []),
        (deny(NO_MFA), LAMBDA_ROLE | Callers.of(CallerClass.ROLE_SESSIONS), []),
    ],
)
def test_attached_callers(statement: dict, callers: Callers, expected: list[str]) -> None:
    assert rules(statement, kind="role", callers=callers) == expected


def test_mfa006_names_who_is_locked_out_and_why() -> None:
    (finding,) = found(deny(NO_MFA), kind="role", callers=PERMISSION_SET)
    assert "denies every request of IAM Identity Center (SSO) sessions" in finding.message
    assert "never carry aws:MultiFactorAuthPresent = true" in finding.message
    assert finding.escapes == ("NM",)
    (finding,) = found(allow(BOOL_TRUE), kind="role", callers=LAMBDA_ROLE)
    assert "sessions of this role, assumed by AWS services (lambda.amazonaws.com) can never use" in finding.message


def test_mfa006_silences_mfa001_and_mfa002_but_not_mfa003() -> None:
    age = deny({"NumericGreaterThan": {"aws:MultiFactorAuthAge": "3600"}})
    assert rules(age, kind="role") == ["MFA001"]
    assert rules(age, kind="role", callers=PERMISSION_SET) == []  # the age key is absent: the deny never applies
    assert rules(deny({"Bool": {"aws:MultiFactorAuthPresent": "flase"}}), kind="role", callers=PERMISSION_SET) == [
        "MFA003"]
    assert RULES["MFA003"].exclusive and RULES["MFA006"].exclusive


def test_no_callers_given_is_the_v2_answer() -> None:
    for kind in ("identity", "role", "trust", "scp", "resource", "unknown"):
        doc = {"Statement": [deny(BOOL_FALSE), allow(IFEXISTS_TRUE)]}
        assert analyze_document(doc, kind).findings == analyze_document(doc, kind, None).findings
    (finding,) = found(deny({"NumericGreaterThan": {"aws:MultiFactorAuthAge": "1"}}), kind="role")
    assert "sessions of this role without MFA" in finding.message


def test_users_and_roles_attachment() -> None:
    both = Callers.of(CallerClass.IAM_USERS) | LAMBDA_ROLE
    (finding,) = found(deny(BOOL_FALSE), kind="identity", callers=both)
    assert finding.rule_id == "MFA001" and "long-term access keys" in finding.message
    assert rules(deny(NO_MFA, action="*"), kind="identity", callers=both) == ["MFA005"]
    assert rules(deny(NO_MFA, action="*"), kind="identity", callers=LAMBDA_ROLE) == ["MFA006"]


# ---------------------------------------------------------------- MFA004: SCP allow-lists, unnamed roles

def test_scp_allow_that_requires_mfa_denies_role_sessions_implicitly() -> None:
    (finding,) = found(allow(BOOL_TRUE, action="*"), kind="scp")
    assert finding.rule_id == "MFA004" and finding.path == ("Statement", 0)
    assert "role sessions" in finding.message and "implicitly denied" in finding.message
    assert "Deny with" in finding.fix_text


@pytest.mark.parametrize(
    "statements",
    [
        [allow(BOOL_TRUE, action="*"), {"Effect": "Allow", "Action": "*", "Resource": "*"}],
        [allow({**BOOL_TRUE, "StringEquals": {"aws:PrincipalType": "User"}}, action="*")],
        [allow({"Bool": {"aws:MultiFactorAuthPresent": "false"}}, action="*")],
        [allow({"Null": {"aws:MultiFactorAuthPresent": "false"}}, action="*")],
    ],
)
def test_scp_allow_lookalikes(statements: list[dict]) -> None:
    assert "MFA004" not in rules(*statements, kind="scp")


def test_rcp_allow_is_not_judged_by_mfa004() -> None:
    """AWS accepts Allow only in RCPFullAWSAccess (orgs_manage_policies_rcps_syntax.html)."""
    assert rules(allow(BOOL_TRUE, action="s3:*", Principal="*"), kind="rcp") == []


@pytest.mark.parametrize(
    ("scope", "fires"),
    [
        ({"StringNotEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/app"}}, True),
        ({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/a*"}}, True),
        ({"ArnNotLike": {"aws:PrincipalArn": ["arn:aws:iam::*:role/app", "arn:aws:iam::*:role/aws-reserved/*"]}},
         True),
        ({"StringNotEquals": {"aws:PrincipalAccount": "111122223333"}}, True),
        ({"StringNotLike": {"aws:userid": "AROAEXAMPLEROLEID:*"}}, True),
        ({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}, False),
        ({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/?*"}}, False),
        ({"StringNotLike": {"aws:userid": "AROA*"}}, False),
    ],
)
def test_mfa004_is_decided_for_a_role_nobody_named(scope: dict, fires: bool) -> None:
    assert (rules(deny({**NO_MFA, **scope}, action="*"), kind="scp") == ["MFA004"]) is fires


def test_mfa004_for_sso_sessions_only_is_a_lockout() -> None:
    sso = {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*"}}
    assert rules(deny({**NO_MFA, **sso}, action="*"), kind="scp") == ["MFA006"]


# ---------------------------------------------------------------- companions as a union

def test_denies_jointly_cover_a_deny() -> None:
    s = deny(BOOL_FALSE, ["s3:*", "ec2:*"])
    assert rules(s, deny(NULL_TRUE, "s3:*"), deny(NULL_TRUE, "ec2:*")) == []
    assert rules(s, deny(NULL_TRUE, "s3:*")) == ["MFA001"]
    by_resource = deny(BOOL_FALSE, "s3:*", ["arn:aws:s3:::a/*", "arn:aws:s3:::b/*"])
    assert rules(by_resource, deny(NULL_TRUE, "s3:*", "arn:aws:s3:::a/*"), deny(NULL_TRUE, "s3:*", "arn:aws:s3:::b/*")
                 ) == []
    assert rules(by_resource, deny(NULL_TRUE, "s3:*", "arn:aws:s3:::a/*")) == ["MFA001"]


def test_union_needs_every_piece_with_the_same_principals_and_conditions() -> None:
    region = {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}
    s = deny(BOOL_FALSE, ["s3:*", "ec2:*"])
    assert rules(s, deny(NULL_TRUE, "s3:*"), deny({**NULL_TRUE, **region}, "ec2:*")) == ["MFA001"]
    not_action = deny(BOOL_FALSE, NotAction=["iam:*"])
    not_action.pop("Action")
    assert rules(not_action, deny(NULL_TRUE, "s3:*"), deny(NULL_TRUE, "ec2:*")) == ["MFA001"]


def test_an_allows_access_key_gap_closed_by_denies_does_not_leak() -> None:
    a = allow(IFEXISTS_TRUE, ["s3:*", "ec2:*"])
    assert rules(a, deny(NULL_TRUE, "s3:*"), deny(NULL_TRUE, "ec2:*")) == []
    assert rules(a, deny(NULL_TRUE, "s3:*")) == ["MFA002"]
    assert rules(allow(IFEXISTS_TRUE), deny(NO_MFA)) == []


# ---------------------------------------------------------------- aws:TokenIssueTime

TOKEN_NULL = {"Null": {"aws:TokenIssueTime": "true"}}
ISSUED_AFTER = {"DateGreaterThan": {"aws:TokenIssueTime": "2024-01-01T00:00:00Z"}}


def test_token_issue_time_null_deny_is_a_companion() -> None:
    assert rules(deny(BOOL_FALSE), deny(TOKEN_NULL)) == []
    assert rules(deny(BOOL_FALSE), deny({"Null": {"aws:TokenIssueTime": "false"}})) == ["MFA001"]


def test_token_issue_time_date_makes_the_deny_miss_access_keys() -> None:
    (finding,) = found(deny({**NO_MFA, **ISSUED_AFTER}))
    assert finding.rule_id == "MFA001" and finding.escapes == ("LT",)
    assert "aws:TokenIssueTime is absent" in finding.message and finding.fix == "DateGreaterThanIfExists"
    assert rules(deny({**NO_MFA, "DateGreaterThanIfExists": ISSUED_AFTER["DateGreaterThan"]})) == []
    # a date test is unsure where the key is present: such a deny is no companion there
    assert rules(deny(BOOL_FALSE), deny({**NULL_TRUE, **ISSUED_AFTER})) == ["MFA001"]


def test_token_issue_time_null_false_closes_the_access_key_gap_of_an_allow() -> None:
    assert rules(allow({**IFEXISTS_TRUE, "Null": {"aws:TokenIssueTime": "false"}})) == []


# ---------------------------------------------------------------- fresh MFA as a range, IAM's region

@pytest.mark.parametrize(
    ("condition", "fires"),
    [
        ({"NumericNotEquals": {"aws:MultiFactorAuthAge": "0"}}, True),
        ({"NumericGreaterThanIfExists": {"aws:MultiFactorAuthAge": "3600"}}, True),
        ({"NumericGreaterThan": {"aws:MultiFactorAuthAge": "0"}}, False),
        ({"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}, False),
        ({"NumericLessThanEquals": {"aws:MultiFactorAuthAge": "1"}}, False),
    ],
)
def test_fresh_mfa_is_a_range_of_ages(condition: dict, fires: bool) -> None:
    found_rules = rules(allow(condition))
    assert found_rules == (["MFA002"] if fires else [])


def test_inverted_age_allow_gets_advice_not_a_replacement() -> None:
    (finding,) = found(allow({"NumericGreaterThanIfExists": {"aws:MultiFactorAuthAge": "3600"}}))
    assert finding.fix is None and "Numeric*LessThan" in finding.advice


@pytest.mark.parametrize(
    ("region", "fires"),
    [
        ({"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}}, True),
        ({"StringEquals": {"aws:RequestedRegion": "us-east-1"}}, True),
        ({"StringLike": {"aws:RequestedRegion": "us-*"}}, True),
        ({"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}, False),
        ({"StringNotEquals": {"aws:RequestedRegion": "us-east-1"}}, False),
    ],
)
def test_mfa005_knows_iam_calls_are_made_in_us_east_1(region: dict, fires: bool) -> None:
    assert ("MFA005" in rules(deny({**NO_MFA, **region}, action="*"))) is fires


def test_mfa005_with_an_unresolved_region_is_a_note() -> None:
    region = {"StringEquals": {"aws:RequestedRegion": Unknown("var.region")}}
    analysis = analyze_document({"Statement": [deny({**NO_MFA, **region}, action="*")]})
    assert analysis.findings == [] and any("enrolment" in n.message for n in analysis.notes)


def test_mfa005_needs_iam_users_among_the_callers() -> None:
    roles_only = {"StringEquals": {"aws:PrincipalType": "AssumedRole"}}
    assert rules(deny({**NO_MFA, **roles_only}, action="*")) == []


# ---------------------------------------------------------------- scale: linear past the budget

def test_past_the_budget_no_candidate_list_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    """Once the budget is spent, a statement costs one check, not one walk over every candidate."""
    n = 400
    statements = [deny({**NULL_TRUE, "StringEquals": {"aws:RequestedRegion": f"r{i}"}}, "*") for i in range(n)]
    statements += [deny(BOOL_FALSE, "s3:GetObject", f"arn:aws:s3:::b{i}/*") for i in range(n)]
    parsed = parse_document({"Statement": statements}).statements
    index = CompanionIndex(parsed, CONTEXTS, budget=50)
    walked = 0
    original = companions._Bucket.candidates

    def counting(self, s):  # noqa: ANN001, ANN202
        nonlocal walked
        for t in original(self, s):
            walked += 1
            yield t

    monkeypatch.setattr(companions._Bucket, "candidates", counting)
    answers = [index.covers(s, LT) for s in parsed[n:]]
    assert answers.count(None) == n and index.spent == 50
    assert walked <= 50 + 1  # one candidate looked at beyond the budget, never the other n - 1 lists


def test_a_principal_in_an_identity_based_policy_says_nothing_about_its_callers():
    """IAM rejects Principal in identity-based policies: a stray one (a statement shared with a resource policy)
    must not widen a role policy's callers to access keys."""
    from mfa_lint import analyze_document

    statement = {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*",
                 "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}
    assert analyze_document({"Statement": [statement]}, "role").findings == []
    identity = analyze_document({"Statement": [statement]}, "identity").findings
    assert [f.rule_id for f in identity] == ["MFA001", "MFA005"]
    assert [f.rule_id for f in analyze_document({"Statement": [statement]}, "resource").findings] == ["MFA001"]
