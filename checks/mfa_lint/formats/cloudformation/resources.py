"""CloudFormation resource type -> policy properties and their policy kind.

Every CloudFormation surface (cfn-lint rules, checkov checks, the CLI's template reader) reads this table;
adding `AWS::Foo::Policy` is one line here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from mfa_lint.core.policy_kinds import PolicyKind
from mfa_lint.reading.limits import FN_IF_NESTING

K = PolicyKind

KindResolver = Callable[[Mapping[str, Any]], "PolicyKind | None"]
Satisfiable = Callable[[Mapping[str, bool]], bool]


@dataclass(frozen=True)
class PolicyProperty:
    """A policy-valued property: `path` is property names under Properties, "*" for each list element.

    `statements_only`: the value is a list of statements or a document (SAM `Policies`), not always a document.
    """

    path: tuple[str, ...]
    kind: PolicyKind | KindResolver
    statements_only: bool = False

    def kind_for(self, properties: Mapping[str, Any]) -> PolicyKind | None:
        return self.kind(properties) if callable(self.kind) else self.kind


def attached_policy_kind(properties: Mapping[str, Any]) -> PolicyKind:
    """A policy attached only to roles is a role policy; to users or groups (or unknown), an identity policy."""
    if properties.get("Roles") and not properties.get("Users") and not properties.get("Groups"):
        return K.ROLE
    return K.IDENTITY


def organizations_policy_kind(properties: Mapping[str, Any]) -> PolicyKind | None:
    policy_type = properties.get("Type")
    if policy_type == "SERVICE_CONTROL_POLICY":
        return K.SCP
    if policy_type == "RESOURCE_CONTROL_POLICY":
        return K.RCP
    if isinstance(policy_type, Mapping):
        return K.SCP  # an intrinsic: SCP is the likeliest reading
    return None


_P = PolicyProperty

RESOURCES: dict[str, tuple[PolicyProperty, ...]] = {
    "AWS::IAM::Policy": (_P(("PolicyDocument",), attached_policy_kind),),
    "AWS::IAM::ManagedPolicy": (_P(("PolicyDocument",), attached_policy_kind),),
    "AWS::IAM::Role": (_P(("AssumeRolePolicyDocument",), K.TRUST), _P(("Policies", "*", "PolicyDocument"), K.ROLE)),
    "AWS::IAM::User": (_P(("Policies", "*", "PolicyDocument"), K.IDENTITY),),
    "AWS::IAM::Group": (_P(("Policies", "*", "PolicyDocument"), K.IDENTITY),),
    "AWS::IAM::UserPolicy": (_P(("PolicyDocument",), K.IDENTITY),),
    "AWS::IAM::GroupPolicy": (_P(("PolicyDocument",), K.IDENTITY),),
    "AWS::IAM::RolePolicy": (_P(("PolicyDocument",), K.ROLE),),
    "AWS::Organizations::Policy": (_P(("Content",), organizations_policy_kind),),
    "AWS::SSO::PermissionSet": (_P(("InlinePolicy",), K.ROLE),),
    # session policies: evaluated only for the sessions a service starts with a role (no MFA keys but `false`)
    "AWS::RolesAnywhere::Profile": (_P(("SessionPolicy",), K.ROLE),),
    "AWS::Transfer::User": (_P(("Policy",), K.ROLE),),
    "AWS::EKS::PodIdentityAssociation": (_P(("Policy",), K.ROLE),),
    # resource policies (a VPC endpoint policy is one too: AWS "vpc-endpoints-access", IAM grammar, a Principal)
    "AWS::S3::BucketPolicy": (_P(("PolicyDocument",), K.RESOURCE),),
    "AWS::S3::AccessPoint": (_P(("Policy",), K.RESOURCE),),
    "AWS::S3::MultiRegionAccessPointPolicy": (_P(("Policy",), K.RESOURCE),),
    "AWS::S3Express::BucketPolicy": (_P(("PolicyDocument",), K.RESOURCE),),
    "AWS::S3Express::AccessPoint": (_P(("Policy",), K.RESOURCE),),
    "AWS::S3ObjectLambda::AccessPointPolicy": (_P(("PolicyDocument",), K.RESOURCE),),
    "AWS::S3Outposts::BucketPolicy": (_P(("PolicyDocument",), K.RESOURCE),),
    "AWS::S3Outposts::AccessPoint": (_P(("Policy",), K.RESOURCE),),
    "AWS::S3Tables::TableBucketPolicy": (_P(("ResourcePolicy",), K.RESOURCE),),
    "AWS::S3Tables::TablePolicy": (_P(("ResourcePolicy",), K.RESOURCE),),
    "AWS::S3Vectors::VectorBucketPolicy": (_P(("Policy",), K.RESOURCE),),
    "AWS::S3Files::FileSystemPolicy": (_P(("Policy",), K.RESOURCE),),
    "AWS::FSx::S3AccessPointAttachment": (_P(("S3AccessPoint", "Policy"), K.RESOURCE),),
    "AWS::SNS::TopicPolicy": (_P(("PolicyDocument",), K.RESOURCE),),
    "AWS::SNS::TopicInlinePolicy": (_P(("PolicyDocument",), K.RESOURCE),),
    "AWS::SQS::QueuePolicy": (_P(("PolicyDocument",), K.RESOURCE),),
    "AWS::SQS::QueueInlinePolicy": (_P(("PolicyDocument",), K.RESOURCE),),
    "AWS::KMS::Key": (_P(("KeyPolicy",), K.RESOURCE),),
    "AWS::KMS::ReplicaKey": (_P(("KeyPolicy",), K.RESOURCE),),
    "AWS::DynamoDB::Table": (
        _P(("ResourcePolicy", "PolicyDocument"), K.RESOURCE),
        _P(("StreamSpecification", "ResourcePolicy", "PolicyDocument"), K.RESOURCE),
    ),
    "AWS::DynamoDB::GlobalTable": (
        _P(("Replicas", "*", "ResourcePolicy", "PolicyDocument"), K.RESOURCE),
        _P(("Replicas", "*", "ReplicaStreamSpecification", "ResourcePolicy", "PolicyDocument"), K.RESOURCE),
    ),
    "AWS::EC2::VPCEndpoint": (_P(("PolicyDocument",), K.RESOURCE),),
    "AWS::ECR::Repository": (_P(("RepositoryPolicyText",), K.RESOURCE),),
    "AWS::ECR::PublicRepository": (_P(("RepositoryPolicyText",), K.RESOURCE),),
    "AWS::ECR::RegistryPolicy": (_P(("PolicyText",), K.RESOURCE),),
    "AWS::ECR::RepositoryCreationTemplate": (_P(("RepositoryPolicy",), K.RESOURCE),),
    "AWS::SecretsManager::ResourcePolicy": (_P(("ResourcePolicy",), K.RESOURCE),),
    "AWS::Logs::ResourcePolicy": (_P(("PolicyDocument",), K.RESOURCE),),
    "AWS::Logs::LogGroup": (_P(("ResourcePolicyDocument",), K.RESOURCE),),
    "AWS::Logs::Destination": (_P(("DestinationPolicy",), K.RESOURCE),),
    "AWS::Logs::DeliveryDestination": (_P(("DeliveryDestinationPolicy", "DeliveryDestinationPolicy"), K.RESOURCE),),
    "AWS::OpenSearchService::Domain": (_P(("AccessPolicies",), K.RESOURCE),),
    "AWS::Elasticsearch::Domain": (_P(("AccessPolicies",), K.RESOURCE),),
    "AWS::Backup::BackupVault": (_P(("AccessPolicy",), K.RESOURCE),),
    "AWS::Backup::LogicallyAirGappedBackupVault": (_P(("AccessPolicy",), K.RESOURCE),),
    "AWS::EFS::FileSystem": (_P(("FileSystemPolicy",), K.RESOURCE),),
    "AWS::ApiGateway::RestApi": (_P(("Policy",), K.RESOURCE),),
    "AWS::ApiGateway::DomainNameV2": (_P(("Policy",), K.RESOURCE),),
    "AWS::CodeArtifact::Domain": (_P(("PermissionsPolicyDocument",), K.RESOURCE),),
    "AWS::CodeArtifact::Repository": (_P(("PermissionsPolicyDocument",), K.RESOURCE),),
    "AWS::Events::EventBus": (_P(("Policy",), K.RESOURCE),),
    "AWS::EventsV2::ResourcePolicy": (_P(("PolicyDocument",), K.RESOURCE),),
    "AWS::EventSchemas::RegistryPolicy": (_P(("Policy",), K.RESOURCE),),
    "AWS::Lambda::ResourcePolicy": (_P(("PolicyDocument",), K.RESOURCE),),
    "AWS::Kinesis::ResourcePolicy": (_P(("ResourcePolicy",), K.RESOURCE),),
    "AWS::MSK::ClusterPolicy": (_P(("Policy",), K.RESOURCE),),
    "AWS::CloudTrail::ResourcePolicy": (_P(("ResourcePolicy",), K.RESOURCE),),
    "AWS::Organizations::ResourcePolicy": (_P(("Content",), K.RESOURCE),),
    "AWS::Oam::Sink": (_P(("Policy",), K.RESOURCE),),
    "AWS::SSM::ResourcePolicy": (_P(("Policy",), K.RESOURCE),),
    "AWS::XRay::ResourcePolicy": (_P(("PolicyDocument",), K.RESOURCE),),
    "AWS::VpcLattice::AuthPolicy": (_P(("Policy",), K.RESOURCE),),
    "AWS::VpcLattice::ResourcePolicy": (_P(("Policy",), K.RESOURCE),),
    "AWS::ODB::OdbNetwork": (
        _P(("KmsPolicyDocument",), K.RESOURCE),
        _P(("S3PolicyDocument",), K.RESOURCE),
        _P(("StsPolicyDocument",), K.RESOURCE),
    ),
    "AWS::Redshift::Cluster": (_P(("NamespaceResourcePolicy",), K.RESOURCE),),
    "AWS::RedshiftServerless::Namespace": (_P(("NamespaceResourcePolicy",), K.RESOURCE),),
    "AWS::DSQL::Cluster": (_P(("PolicyDocument",), K.RESOURCE),),
    "AWS::APS::ResourcePolicy": (_P(("PolicyDocument",), K.RESOURCE),),
    "AWS::AIOps::InvestigationGroup": (_P(("InvestigationGroupPolicy",), K.RESOURCE),),
    "AWS::Bedrock::KnowledgeBasePolicy": (_P(("PolicyDocument",), K.RESOURCE),),
    "AWS::Bedrock::ResourcePolicy": (_P(("PolicyDocument",), K.RESOURCE),),
    "AWS::BedrockAgentCore::ResourcePolicy": (_P(("Policy",), K.RESOURCE),),
    "AWS::Comprehend::DocumentClassifier": (_P(("ModelPolicy",), K.RESOURCE),),
    "AWS::Comprehend::EntityRecognizer": (_P(("ModelPolicy",), K.RESOURCE),),
    "AWS::Lex::ResourcePolicy": (_P(("Policy",), K.RESOURCE),),
    "AWS::MediaPackageV2::ChannelPolicy": (_P(("Policy",), K.RESOURCE),),
    "AWS::MediaPackageV2::OriginEndpointPolicy": (_P(("Policy",), K.RESOURCE),),
    "AWS::MediaStore::Container": (_P(("Policy",), K.RESOURCE),),
    "AWS::MediaTailor::ChannelPolicy": (_P(("Policy",), K.RESOURCE),),
    "AWS::OSIS::Pipeline": (_P(("ResourcePolicy", "Policy"), K.RESOURCE),),
    "AWS::Omics::SequenceStore": (_P(("S3AccessPolicy",), K.RESOURCE),),
    "AWS::PaymentCryptography::Key": (_P(("Policy",), K.RESOURCE),),
    "AWS::RUM::AppMonitor": (_P(("ResourcePolicy", "PolicyDocument"), K.RESOURCE),),
    "AWS::SageMaker::ModelPackageGroup": (_P(("ModelPackageGroupPolicy",), K.RESOURCE),),
    "AWS::SMSVOICE::ResourcePolicy": (_P(("PolicyDocument",), K.RESOURCE),),
    # SAM: a function's Policies is a managed-policy name, a policy template, a document, or a list of these.
    "AWS::Serverless::Function": (
        _P(("Policies",), K.ROLE, statements_only=True),
        _P(("AssumeRolePolicyDocument",), K.TRUST),
    ),
    "AWS::Serverless::StateMachine": (_P(("Policies",), K.ROLE, statements_only=True),),
    "AWS::Serverless::Api": (_P(("Policy",), K.RESOURCE), _P(("Domain", "Policy"), K.RESOURCE)),
}


def policy_properties(resource_type: str) -> tuple[PolicyProperty, ...]:
    return RESOURCES.get(resource_type, ())


# ------------------------------------------------------------------------------------ values at these locations

_NO_VALUE = {"Ref": "AWS::NoValue"}


@dataclass(frozen=True)
class PolicyValue:
    """One value at a policy location of a resource.

    `path`: where it sits under Properties, with `("Fn::If", 1 | 2)` steps through any Fn::If on the way (keys are
    the template's own key objects, which carry their position); `conditions`: the Fn::If choices that lead here.
    """

    prop: PolicyProperty
    kind: PolicyKind
    value: Any
    path: tuple
    conditions: Mapping[str, bool] = field(default_factory=dict)


def _always(_conditions: Mapping[str, bool]) -> bool:
    return True


def policy_values(
    resource_type: str, properties: Mapping[str, Any], satisfiable: Satisfiable = _always
) -> Iterator[PolicyValue]:
    """Every policy value of a resource: the one walk of the table that every CloudFormation surface uses.

    `satisfiable` prunes Fn::If branch combinations that cannot deploy together (cfn-lint's condition solver);
    by default both branches of every Fn::If are followed.
    """
    if not isinstance(properties, Mapping):
        return
    for prop in policy_properties(resource_type):
        kind = prop.kind_for(properties)
        if kind is None:
            continue  # e.g. an Organizations tag policy: not an IAM document
        for value, path, conditions in values_at(properties, prop.path, satisfiable):
            yield PolicyValue(prop, kind, value, path, conditions)


def values_at(
    root: Any, path: tuple[str, ...], satisfiable: Satisfiable = _always
) -> Iterator[tuple[Any, tuple, dict[str, bool]]]:
    """(value, its path, Fn::If choices) at a table path ("*": every list item), in document order."""
    pending: list[tuple[Any, tuple, int, dict[str, bool], int]] = [(root, (), 0, {}, 0)]
    while pending:
        node, at, step, conditions, ifs = pending.pop(0)
        if isinstance(node, Mapping) and len(node) == 1 and "Fn::If" in node:
            pending[0:0] = _branches(node, at, step, conditions, ifs, satisfiable)
            continue
        if step == len(path):
            if node is not None and node != _NO_VALUE:
                yield node, at, conditions
            continue
        name = path[step]
        if name == "*":
            if isinstance(node, list):
                pending[0:0] = [(item, at + (i,), step + 1, conditions, ifs) for i, item in enumerate(node)]
        elif isinstance(node, Mapping) and name in node:
            pending.insert(0, (node[name], at + (_key(node, name),), step + 1, conditions, ifs))


def within(chosen: Mapping[str, bool], satisfiable: Satisfiable) -> Satisfiable:
    """`satisfiable` for choices made inside a value reached through the Fn::If `chosen` on the way: a condition
    chosen both ways cannot deploy."""
    if not chosen:
        return satisfiable

    def check(status: Mapping[str, bool]) -> bool:
        if any(name in chosen and chosen[name] != value for name, value in status.items()):
            return False
        return satisfiable({**chosen, **status})

    return check


def _branches(
    node: Mapping[str, Any], at: tuple, step: int, conditions: dict[str, bool], ifs: int, satisfiable: Satisfiable
) -> list[tuple[Any, tuple, int, dict[str, bool], int]]:
    """The branches of an Fn::If worth following: a condition already chosen keeps its choice."""
    branches = node["Fn::If"]
    if not (isinstance(branches, list) and len(branches) == 3 and isinstance(branches[0], str)) or ifs >= FN_IF_NESTING:
        return []
    name = branches[0]
    following = []
    for index, choice in ((1, True), (2, False)):
        chosen = {**conditions, name: choice}
        if conditions.get(name, choice) == choice and satisfiable(chosen):
            following.append((branches[index], at + (_key(node, "Fn::If"), index), step, chosen, ifs + 1))
    return following


def _key(mapping: Mapping[str, Any], name: Any) -> Any:
    """The mapping's own key object equal to `name` (decoded keys carry their position)."""
    return next((k for k in mapping if k == name), name)
