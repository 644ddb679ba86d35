"""Rule semantics v2 (issue 9): contexts by kind, MFA004 by evaluation, MFA005 by ARN segment, companion
principals, advice that never widens a deny, and analysis in linear time with a budget."""

from __future__ import annotations

import pytest
from mfa_lint import RULES, Unknown, analyze_document, analyze_policy
from mfa_lint.core import companions
from mfa_lint.core.arns import arn_contains, arn_matches, arn_overlap
from mfa_lint.core.companions import CompanionIndex
from mfa_lint.core.contexts import CONTEXTS, LT, contexts_for
from mfa_lint.core.evaluation import holds
from mfa_lint.core.model import parse_document
from mfa_lint.core.rules import REGISTRY

BOOL_FALSE = {"Bool": {"aws:MultiFactorAuthPresent": "false"}}
NULL_TRUE = {"Null": {"aws:MultiFactorAuthPresent": "true"}}
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
