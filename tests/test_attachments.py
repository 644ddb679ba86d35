"""What a policy is attached to decides its kind and callers: the rule (reading.attachments), and the readers of each
format on the cases the fixtures do not show — above all, what happens when the scan unit does not show every
attachment (the policy keeps the table's kind and default callers, so no new finding)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from mfa_lint.core.callers import CallerClass, Callers, callers_from_trust
from mfa_lint.core.policy_kinds import PolicyKind
from mfa_lint.formats.cloudformation.attachments import TemplateAttachments
from mfa_lint.formats.cloudformation.reader import read_cloudformation
from mfa_lint.formats.plan.reader import read_plan
from mfa_lint.formats.terraform.hcl_reader import read_terraform
from mfa_lint.reading.attachments import IAM_USERS, SSO_SESSIONS, Attachments, Placement, merged
from mfa_lint.reading.context import ReadContext

K = PolicyKind
LAMBDA = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                  "Principal": {"Service": "lambda.amazonaws.com"}}]}
LAMBDA_SESSIONS = callers_from_trust(LAMBDA, role="fn")
DENY = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*", '
        '"Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}]}')


# ---------------------------------------------------------------------------------------------------- the rule


def test_roles_only_is_a_role_policy_met_by_their_sessions() -> None:
    placement = Attachments(roles=[LAMBDA_SESSIONS]).placement(K.IDENTITY)
    assert placement == Placement(K.ROLE, LAMBDA_SESSIONS)


def test_users_beside_roles_make_an_identity_policy_met_by_both() -> None:
    placement = Attachments(roles=[LAMBDA_SESSIONS], users=True).placement(K.IDENTITY)
    assert placement.kind == K.IDENTITY
    assert placement.callers is not None
    assert placement.callers.classes == {CallerClass.IAM_USERS, CallerClass.SERVICE_ROLE_SESSIONS}


def test_permission_sets_add_sso_sessions() -> None:
    assert Attachments(sso=True).placement(K.IDENTITY) == Placement(K.ROLE, SSO_SESSIONS)


def test_nothing_known_or_named_elsewhere_keeps_the_default() -> None:
    assert Attachments().placement(K.IDENTITY) == Placement(K.IDENTITY)
    assert Attachments(roles=[LAMBDA_SESSIONS], elsewhere=True).placement(K.IDENTITY) == Placement(K.IDENTITY)
    assert Attachments(users=True, elsewhere=True).placement(K.ROLE) == Placement(K.ROLE)


def test_a_document_used_twice_meets_the_union_of_its_users_callers() -> None:
    found = merged([Placement(K.ROLE, LAMBDA_SESSIONS), Placement(K.ROLE), Placement(K.TRUST)])
    role = next(p for p in found if p.kind == K.ROLE)
    assert role.callers is not None and role.callers.classes == {CallerClass.SERVICE_ROLE_SESSIONS,
                                                                 CallerClass.ROLE_SESSIONS}
    assert Placement(K.TRUST) in found
    assert merged([Placement(K.ROLE), Placement(K.ROLE)]) == [Placement(K.ROLE)]


# ---------------------------------------------------------------------------------------------------- Terraform


def _tf(tmp_path: Path, text: str, others: dict[str, str] | None = None) -> dict[str, tuple[str, Callers | None]]:
    (tmp_path / "main.tf").write_text(text)
    for name, other in (others or {}).items():
        (tmp_path / name).write_text(other)
    texts = {str(tmp_path / n): t for n, t in (others or {}).items()}
    sites = read_terraform(str(tmp_path / "main.tf"), text, texts, context=ReadContext())
    return {s.resource: (s.kind, s.callers) for s in sites if s.kind != K.TRUST}


_LAMBDA_ROLE = f'''
resource "aws_iam_role" "fn" {{
  name               = "fn"
  assume_role_policy = <<EOF
{json.dumps(LAMBDA)}
EOF
}}
'''
_POLICY = f'''
resource "aws_iam_policy" "p" {{
  name   = "p"
  policy = <<EOF
{DENY}
EOF
}}
'''


def test_terraform_role_and_trust_in_other_files_of_the_module(tmp_path: Path) -> None:
    attach = 'resource "aws_iam_role_policy_attachment" "a" {\n  role = "fn"\n  policy_arn = aws_iam_policy.p.arn\n}\n'
    found = _tf(tmp_path, _POLICY, {"roles.tf": _LAMBDA_ROLE, "attach.tf": attach})
    kind, callers = found["aws_iam_policy.p"]
    assert kind == K.ROLE and callers is not None and callers.classes == {CallerClass.SERVICE_ROLE_SESSIONS}


def test_terraform_a_policy_named_in_an_output_or_a_local_keeps_its_default(tmp_path: Path) -> None:
    attach = 'resource "aws_iam_role_policy_attachment" "a" {\n  role = aws_iam_role.fn.name\n  policy_arn = ' \
             'aws_iam_policy.p.arn\n}\n'
    for extra in ('output "arn" {\n  value = aws_iam_policy.p.arn\n}\n', 'locals {\n  arn = aws_iam_policy.p.arn\n}\n',
                  'module "m" {\n  source = "./nowhere"\n  arn = aws_iam_policy.p.id\n}\n'):
        assert _tf(tmp_path, _POLICY + _LAMBDA_ROLE + attach + extra)["aws_iam_policy.p"] == (K.IDENTITY, None)


def test_terraform_an_unknown_role_gives_role_sessions(tmp_path: Path) -> None:
    text = _POLICY + 'variable "role" {}\nresource "aws_iam_role_policy_attachment" "a" {\n  role = var.role\n' \
                     '  policy_arn = aws_iam_policy.p.arn\n}\n'
    kind, callers = _tf(tmp_path, text)["aws_iam_policy.p"]
    assert kind == K.ROLE and callers is not None and callers.classes == {CallerClass.ROLE_SESSIONS}


def test_terraform_groups_only_and_user_policies_meet_iam_users(tmp_path: Path) -> None:
    text = _POLICY + 'resource "aws_iam_policy_attachment" "a" {\n  name = "a"\n  groups = ["admins"]\n' \
                     '  policy_arn = aws_iam_policy.p.arn\n}\n' + f'''
resource "aws_iam_user_policy" "u" {{
  user   = "alice"
  policy = <<EOF
{DENY}
EOF
}}
'''
    found = _tf(tmp_path, text)
    assert found["aws_iam_policy.p"] == (K.IDENTITY, IAM_USERS)
    assert found["aws_iam_user_policy.u"] == (K.IDENTITY, IAM_USERS)


def test_terraform_a_role_through_a_local(tmp_path: Path) -> None:
    text = _POLICY + _LAMBDA_ROLE + 'locals {\n  role = aws_iam_role.fn.name\n}\n' \
        'resource "aws_iam_role_policy_attachment" "a" {\n  role = local.role\n  policy_arn = aws_iam_policy.p.arn\n}\n'
    kind, callers = _tf(tmp_path, text)["aws_iam_policy.p"]
    assert kind == K.ROLE and callers is not None and callers.classes == {CallerClass.SERVICE_ROLE_SESSIONS}


def test_terraform_a_role_list_with_a_role_the_module_does_not_show(tmp_path: Path) -> None:
    """`roles = [aws_iam_role.fn.name, "people"]`: the Lambda role's sessions and those of a role nobody here
    defines, which may carry MFA, so no lockout can be claimed."""
    text = _POLICY + _LAMBDA_ROLE + 'resource "aws_iam_policy_attachment" "a" {\n  name = "a"\n' \
        '  roles = [aws_iam_role.fn.name, "people"]\n  policy_arn = aws_iam_policy.p.arn\n}\n'
    kind, callers = _tf(tmp_path, text)["aws_iam_policy.p"]
    assert kind == K.ROLE and callers is not None
    assert callers.classes == {CallerClass.SERVICE_ROLE_SESSIONS, CallerClass.ROLE_SESSIONS}


def test_terraform_no_mfa_text_no_graph(tmp_path: Path) -> None:
    """A policy without MFA text keeps its default: no rule can fire, whoever calls it (the graph is not built)."""
    text = _POLICY.replace("aws:MultiFactorAuthPresent", "aws:SecureTransport") + _LAMBDA_ROLE + \
        'resource "aws_iam_role_policy_attachment" "a" {\n  role = "fn"\n  policy_arn = aws_iam_policy.p.arn\n}\n'
    assert _tf(tmp_path, text)["aws_iam_policy.p"] == (K.IDENTITY, None)


# ---------------------------------------------------------------------------------------------------- plan JSON


def _plan(resources: list[dict], configuration: dict) -> dict:
    return {"format_version": "1.2", "terraform_version": "1.11.4",
            "planned_values": {"root_module": {"resources": resources}},
            "configuration": {"root_module": configuration}}


def _resource(address: str, values: dict) -> dict:
    kind, name = address.split(".")
    return {"address": address, "mode": "managed", "type": kind, "name": name, "values": values}


def test_plan_an_attachment_through_a_local_is_not_followed() -> None:
    """Locals are not in a plan's configuration: the attachment names `local.arn`, the policy is named nowhere, so
    it keeps its default (and the HCL reader, which sees the local, keeps it too: the local names the policy)."""
    resources = [_resource("aws_iam_policy.p", {"name": "p", "policy": DENY}),
                 _resource("aws_iam_role.fn", {"name": "fn", "assume_role_policy": json.dumps(LAMBDA)}),
                 _resource("aws_iam_role_policy_attachment.a", {"role": "fn"})]
    configuration = {"resources": [{"address": "aws_iam_role_policy_attachment.a", "type":
                                    "aws_iam_role_policy_attachment",
                                    "expressions": {"policy_arn": {"references": ["local.arn"]}}}]}
    sites = read_plan("plan.json", _plan(resources, configuration))
    assert {(s.resource, s.kind, s.callers) for s in sites if s.resource == "aws_iam_policy.p"} == {
        ("aws_iam_policy.p", K.IDENTITY, None)}


def test_plan_matches_a_policy_by_its_planned_name() -> None:
    resources = [_resource("aws_iam_policy.p", {"name": "p", "policy": DENY}),
                 _resource("aws_iam_role.fn", {"name": "fn", "assume_role_policy": json.dumps(LAMBDA)}),
                 _resource("aws_iam_role_policy_attachment.a",
                           {"role": "fn", "policy_arn": "arn:aws:iam::123456789012:policy/p"})]
    sites = read_plan("plan.json", _plan(resources, {}))
    site = next(s for s in sites if s.resource == "aws_iam_policy.p")
    assert site.kind == K.ROLE and site.callers is not None
    assert site.callers.classes == {CallerClass.SERVICE_ROLE_SESSIONS}


# ---------------------------------------------------------------------------------------------------- CloudFormation


def _template(resources: dict, **sections: dict) -> dict:
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources, **sections}


def _managed(**properties: object) -> dict:
    return {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": json.loads(DENY), **properties}}


def test_cloudformation_roles_from_a_parameter_are_roles_nobody_knows() -> None:
    template = _template({"P": _managed(Roles=[{"Ref": "RoleName"}])}, Parameters={"RoleName": {"Type": "String"}})
    placement = TemplateAttachments(template).place("P", "AWS::IAM::ManagedPolicy", K.ROLE)
    assert placement.kind == K.ROLE and placement.callers is not None
    assert placement.callers.classes == {CallerClass.ROLE_SESSIONS}


def test_cloudformation_a_parameter_default_names_a_role_of_the_template() -> None:
    template = _template({"P": _managed(Roles=[{"Ref": "RoleName"}]),
                          "Fn": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "fn",
                                                                         "AssumeRolePolicyDocument": LAMBDA}}})
    attachments = TemplateAttachments(template, lambda name: "fn" if name == "RoleName" else None)
    placement = attachments.place("P", "AWS::IAM::ManagedPolicy", K.ROLE)
    assert placement.callers is not None and placement.callers.classes == {CallerClass.SERVICE_ROLE_SESSIONS}


def test_cloudformation_roles_in_both_branches_and_by_sub_text() -> None:
    people = {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}}]}}}
    lambda_role = {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": LAMBDA}}
    branches = _template({"P": _managed(Roles={"Fn::If": ["C", [{"Ref": "Fn"}], [{"Ref": "People"}]]}),
                          "Fn": lambda_role, "People": people})
    placement = TemplateAttachments(branches).place("P", "AWS::IAM::ManagedPolicy", K.ROLE)
    assert placement.callers is not None
    assert placement.callers.classes == {CallerClass.SERVICE_ROLE_SESSIONS, CallerClass.ROLE_SESSIONS}
    by_sub = _template({"P": {"Type": "AWS::IAM::RolePolicy", "Properties": {
        "RoleName": {"Fn::Sub": "${Fn}"}, "PolicyDocument": json.loads(DENY)}}, "Fn": lambda_role})
    placement = TemplateAttachments(by_sub).place("P", "AWS::IAM::RolePolicy", K.ROLE)
    assert placement.callers is not None and placement.callers.classes == {CallerClass.SERVICE_ROLE_SESSIONS}
    imported = _template({"P": _managed(Roles=[{"Fn::ImportValue": "role"}])})
    placement = TemplateAttachments(imported).place("P", "AWS::IAM::ManagedPolicy", K.ROLE)
    assert placement.callers is not None and placement.callers.classes == {CallerClass.ROLE_SESSIONS}


def test_cloudformation_outputs_and_other_properties_make_a_policy_escape() -> None:
    role = {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": LAMBDA,
                                                    "ManagedPolicyArns": [{"Ref": "P"}]}}
    assert TemplateAttachments(_template({"P": _managed(), "Fn": role})).place(
        "P", "AWS::IAM::ManagedPolicy", K.IDENTITY).kind == K.ROLE
    exported = _template({"P": _managed(), "Fn": role}, Outputs={"Arn": {"Value": {"Ref": "P"}}})
    assert TemplateAttachments(exported).place("P", "AWS::IAM::ManagedPolicy", K.IDENTITY) == Placement(K.IDENTITY)
    tagged = {"Type": "AWS::SSM::Parameter", "Properties": {"Value": {"Fn::Sub": "${P}"}}}
    assert TemplateAttachments(_template({"P": _managed(), "Fn": role, "Param": tagged})).place(
        "P", "AWS::IAM::ManagedPolicy", K.IDENTITY) == Placement(K.IDENTITY)


def test_cloudformation_a_template_too_large_to_read_keeps_the_default() -> None:
    role = {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": LAMBDA,
                                                    "ManagedPolicyArns": [{"Ref": "P"}]}}
    filler = {"Type": "AWS::SSM::Parameter", "Properties": {"Value": [[1] * 100 for _ in range(3000)]}}
    template = _template({"P": _managed(), "Fn": role, "Big": filler})
    assert TemplateAttachments(template).place("P", "AWS::IAM::ManagedPolicy", K.IDENTITY) == Placement(K.IDENTITY)


def test_cloudformation_reader_places_sites(tmp_path: Path) -> None:
    text = json.dumps(_template({"P": _managed(Users=["alice"], Roles=[{"Ref": "Fn"}]),
                                 "Fn": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": LAMBDA}}}))
    sites = read_cloudformation(str(tmp_path / "t.json"), text)
    site = next(s for s in sites if s.resource == "P")
    assert site.kind == K.IDENTITY and site.callers is not None
    assert site.callers.classes == {CallerClass.IAM_USERS, CallerClass.SERVICE_ROLE_SESSIONS}


# ---------------------------------------------------------------------------------------------------- messages


def test_messages_name_the_real_callers() -> None:
    """The CLI's MFA006 messages say whose requests are locked out: the role and who assumes it, the permission set's
    users, the SAM function's role."""
    fixtures = Path(__file__).resolve().parent.parent / "fixtures"
    expected = {
        ("terraform/attach_service_role/main.tf", "aws_iam_policy.deny_deletes"):
            ("sessions of role ci-deploy", "lambda.amazonaws.com"),
        ("terraform/attach_github_oidc/main.tf", "data.aws_iam_policy_document.deny_without_mfa"):
            ("sessions of role github-deploy", "token.actions.githubusercontent.com"),
        ("terraform/attach_permission_set/main.tf", "aws_ssoadmin_permission_set_inline_policy.admin"):
            ("IAM Identity Center (SSO) sessions",),
        ("plan/attach_service_role.plan.json", "module.attach.aws_iam_policy.this"):
            ("sessions of role ci-deploy", "lambda.amazonaws.com"),
        ("cloudformation/sam_function_mfa_deny.yaml", "Processor"):
            ("sessions of the role of Processor", "lambda.amazonaws.com"),
        ("cloudformation/attach_service_role.yaml", "InstanceReadWithMfa"):
            ("sessions of role InstanceRole", "ec2.amazonaws.com"),
    }
    files = sorted({str(fixtures / f) for f, _ in expected})
    proc = subprocess.run([sys.executable, "-m", "mfa_lint", "scan", "--format", "json", "--fail-on", "never", *files],
                          capture_output=True, text=True, timeout=300)
    findings = json.loads(proc.stdout)["findings"]
    for (file, resource), words in expected.items():
        name = file.split("/")[-1]
        messages = [f["message"] for f in findings
                    if f["resource"] == resource and f["rule_id"] == "MFA006" and f["file"].endswith(name)]
        assert messages, (file, resource)
        assert all(word in messages[0] for word in words), messages[0]


def test_a_federated_provider_made_elsewhere_is_still_federation(tmp_path: Path) -> None:
    """`identifiers = [aws_iam_openid_connect_provider.github.arn]`: whichever provider it is (SAML, OIDC, a
    web-identity domain), its users carry no AWS MFA information, so the role's sessions never have MFA."""
    text = '''
resource "aws_iam_openid_connect_provider" "github" {
  url = "https://token.actions.githubusercontent.com"
}
data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.github.arn]
    }
  }
}
resource "aws_iam_role" "deploy" {
  name               = "deploy"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}
resource "aws_iam_role_policy" "deploy" {
  role   = aws_iam_role.deploy.id
  policy = <<EOF
''' + DENY + '''
EOF
}
'''
    kind, callers = _tf(tmp_path, text)["aws_iam_role_policy.deploy"]
    assert kind == K.ROLE and callers is not None
    assert callers.classes == {CallerClass.FEDERATED_ROLE_SESSIONS}
    assert "aws_iam_openid_connect_provider.github.arn" in callers.describe()
