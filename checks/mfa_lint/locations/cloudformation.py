"""CloudFormation resource type -> policy properties and their policy kind.

Every CloudFormation surface (cfn-lint rules, checkov checks, the CLI's template reader) reads this table;
adding `AWS::Foo::Policy` is one line here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

KindResolver = Callable[[Mapping[str, Any]], "str | None"]


@dataclass(frozen=True)
class PolicyProperty:
    """A policy-valued property: `path` is property names under Properties, "*" for each list element.

    `statements_only`: the value is a list of statements or a document (SAM `Policies`), not always a document.
    """

    path: tuple[str, ...]
    kind: str | KindResolver
    statements_only: bool = False

    def kind_for(self, properties: Mapping[str, Any]) -> str | None:
        return self.kind(properties) if callable(self.kind) else self.kind


def attached_policy_kind(properties: Mapping[str, Any]) -> str:
    """A policy attached only to roles is a role policy; to users or groups (or unknown), an identity policy."""
    if properties.get("Roles") and not properties.get("Users") and not properties.get("Groups"):
        return "role"
    return "identity"


def organizations_policy_kind(properties: Mapping[str, Any]) -> str | None:
    policy_type = properties.get("Type")
    if policy_type == "SERVICE_CONTROL_POLICY":
        return "scp"
    if policy_type == "RESOURCE_CONTROL_POLICY":
        return "rcp"
    if isinstance(policy_type, Mapping):
        return "scp"  # an intrinsic: SCP is the likeliest reading
    return None


_P = PolicyProperty

RESOURCES: dict[str, tuple[PolicyProperty, ...]] = {
    "AWS::IAM::Policy": (_P(("PolicyDocument",), attached_policy_kind),),
    "AWS::IAM::ManagedPolicy": (_P(("PolicyDocument",), attached_policy_kind),),
    "AWS::IAM::Role": (_P(("AssumeRolePolicyDocument",), "trust"), _P(("Policies", "*", "PolicyDocument"), "role")),
    "AWS::IAM::User": (_P(("Policies", "*", "PolicyDocument"), "identity"),),
    "AWS::IAM::Group": (_P(("Policies", "*", "PolicyDocument"), "identity"),),
    "AWS::IAM::UserPolicy": (_P(("PolicyDocument",), "identity"),),
    "AWS::IAM::GroupPolicy": (_P(("PolicyDocument",), "identity"),),
    "AWS::IAM::RolePolicy": (_P(("PolicyDocument",), "role"),),
    "AWS::Organizations::Policy": (_P(("Content",), organizations_policy_kind),),
    "AWS::SSO::PermissionSet": (_P(("InlinePolicy",), "role"),),
    # resource policies
    "AWS::S3::BucketPolicy": (_P(("PolicyDocument",), "resource"),),
    "AWS::S3::AccessPoint": (_P(("Policy",), "resource"),),
    "AWS::SNS::TopicPolicy": (_P(("PolicyDocument",), "resource"),),
    "AWS::SQS::QueuePolicy": (_P(("PolicyDocument",), "resource"),),
    "AWS::KMS::Key": (_P(("KeyPolicy",), "resource"),),
    "AWS::KMS::ReplicaKey": (_P(("KeyPolicy",), "resource"),),
    "AWS::ECR::Repository": (_P(("RepositoryPolicyText",), "resource"),),
    "AWS::SecretsManager::ResourcePolicy": (_P(("ResourcePolicy",), "resource"),),
    "AWS::Logs::ResourcePolicy": (_P(("PolicyDocument",), "resource"),),
    "AWS::OpenSearchService::Domain": (_P(("AccessPolicies",), "resource"),),
    "AWS::Elasticsearch::Domain": (_P(("AccessPolicies",), "resource"),),
    "AWS::Backup::BackupVault": (_P(("AccessPolicy",), "resource"),),
    "AWS::EFS::FileSystem": (_P(("FileSystemPolicy",), "resource"),),
    "AWS::ApiGateway::RestApi": (_P(("Policy",), "resource"),),
    "AWS::CodeArtifact::Domain": (_P(("PermissionsPolicyDocument",), "resource"),),
    "AWS::CodeArtifact::Repository": (_P(("PermissionsPolicyDocument",), "resource"),),
    # SAM: a function's Policies is a managed-policy name, a policy template, a document, or a list of these.
    "AWS::Serverless::Function": (_P(("Policies",), "role", statements_only=True),),
}


def policy_properties(resource_type: str) -> tuple[PolicyProperty, ...]:
    return RESOURCES.get(resource_type, ())
