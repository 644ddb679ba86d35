"""Terraform resource type -> policy attributes and their policy kind.

Every Terraform surface (checkov checks, the CLI's HCL and plan readers) reads this table; adding a resource
that carries a policy is one line here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from mfa_lint.core.policy_kinds import PolicyKind

K = PolicyKind

KindResolver = Callable[[Mapping[str, Any]], "PolicyKind | None"]


@dataclass(frozen=True)
class PolicyAttribute:
    """A policy-valued attribute: `path` is attribute names, with "*" for each element of a block list."""

    path: tuple[str, ...]
    kind: PolicyKind | KindResolver

    def kind_for(self, attributes: Mapping[str, Any]) -> PolicyKind | None:
        """The policy kind, or None when this resource's document is not one we analyse."""
        return self.kind(attributes) if callable(self.kind) else self.kind


def _first(value: Any) -> Any:
    """checkov wraps HCL values in one-element lists; the plan and our reader do not."""
    while isinstance(value, list) and len(value) == 1:
        value = value[0]
    return value


def organizations_policy_kind(attributes: Mapping[str, Any]) -> PolicyKind | None:
    """`type` defaults to SERVICE_CONTROL_POLICY in the AWS provider; tag and backup policies are not IAM."""
    policy_type = _first(attributes.get("type", "SERVICE_CONTROL_POLICY"))
    if policy_type in (None, "SERVICE_CONTROL_POLICY"):
        return K.SCP
    if policy_type == "RESOURCE_CONTROL_POLICY":
        return K.RCP
    if isinstance(policy_type, str) and not policy_type.isupper():
        return K.SCP  # an unresolved reference: the provider default is the likeliest reading
    return None


_P = PolicyAttribute

RESOURCES: dict[str, tuple[PolicyAttribute, ...]] = {
    "aws_iam_policy": (_P(("policy",), K.IDENTITY),),
    "aws_iam_user_policy": (_P(("policy",), K.IDENTITY),),
    "aws_iam_group_policy": (_P(("policy",), K.IDENTITY),),
    "aws_iam_role_policy": (_P(("policy",), K.ROLE),),
    "aws_iam_role": (_P(("assume_role_policy",), K.TRUST), _P(("inline_policy", "*", "policy"), K.ROLE)),
    "aws_ssoadmin_permission_set_inline_policy": (_P(("inline_policy",), K.ROLE),),
    "aws_organizations_policy": (_P(("content",), organizations_policy_kind),),
    # session policies: evaluated only for the sessions a service starts with a role (no MFA keys but `false`)
    "aws_rolesanywhere_profile": (_P(("session_policy",), K.ROLE),),
    "aws_transfer_access": (_P(("policy",), K.ROLE),),
    "aws_transfer_user": (_P(("policy",), K.ROLE),),
    # resource policies (a VPC endpoint policy is one too: AWS "vpc-endpoints-access", IAM grammar, a Principal)
    "aws_s3_bucket_policy": (_P(("policy",), K.RESOURCE),),
    "aws_s3_bucket": (_P(("policy",), K.RESOURCE),),
    "aws_s3_access_point": (_P(("policy",), K.RESOURCE),),
    "aws_s3control_bucket_policy": (_P(("policy",), K.RESOURCE),),
    "aws_s3control_access_point_policy": (_P(("policy",), K.RESOURCE),),
    "aws_s3control_access_grants_instance_resource_policy": (_P(("policy",), K.RESOURCE),),
    "aws_s3control_multi_region_access_point_policy": (_P(("details", "*", "policy"), K.RESOURCE),),
    "aws_s3control_object_lambda_access_point_policy": (_P(("policy",), K.RESOURCE),),
    "aws_s3tables_table_bucket_policy": (_P(("resource_policy",), K.RESOURCE),),
    "aws_s3tables_table_policy": (_P(("resource_policy",), K.RESOURCE),),
    "aws_kms_key": (_P(("policy",), K.RESOURCE),),
    "aws_kms_key_policy": (_P(("policy",), K.RESOURCE),),
    "aws_kms_external_key": (_P(("policy",), K.RESOURCE),),
    "aws_kms_replica_key": (_P(("policy",), K.RESOURCE),),
    "aws_kms_replica_external_key": (_P(("policy",), K.RESOURCE),),
    "aws_sns_topic_policy": (_P(("policy",), K.RESOURCE),),
    "aws_sns_topic": (_P(("policy",), K.RESOURCE),),
    "aws_sqs_queue_policy": (_P(("policy",), K.RESOURCE),),
    "aws_sqs_queue": (_P(("policy",), K.RESOURCE),),
    "aws_dynamodb_resource_policy": (_P(("policy",), K.RESOURCE),),
    "aws_vpc_endpoint": (_P(("policy",), K.RESOURCE),),
    "aws_vpc_endpoint_policy": (_P(("policy",), K.RESOURCE),),
    "aws_ecr_repository_policy": (_P(("policy",), K.RESOURCE),),
    "aws_ecr_registry_policy": (_P(("policy",), K.RESOURCE),),
    "aws_ecr_repository_creation_template": (_P(("repository_policy",), K.RESOURCE),),
    "aws_ecrpublic_repository_policy": (_P(("policy",), K.RESOURCE),),
    "aws_secretsmanager_secret_policy": (_P(("policy",), K.RESOURCE),),
    "aws_secretsmanager_secret": (_P(("policy",), K.RESOURCE),),
    "aws_glacier_vault": (_P(("access_policy",), K.RESOURCE),),
    "aws_glacier_vault_lock": (_P(("policy",), K.RESOURCE),),
    "aws_efs_file_system_policy": (_P(("policy",), K.RESOURCE),),
    "aws_backup_vault_policy": (_P(("policy",), K.RESOURCE),),
    "aws_cloudwatch_log_resource_policy": (_P(("policy_document",), K.RESOURCE),),
    "aws_cloudwatch_log_destination_policy": (_P(("access_policy",), K.RESOURCE),),
    "aws_cloudwatch_log_delivery_destination_policy": (_P(("delivery_destination_policy",), K.RESOURCE),),
    "aws_cloudwatch_event_bus_policy": (_P(("policy",), K.RESOURCE),),
    "aws_api_gateway_rest_api_policy": (_P(("policy",), K.RESOURCE),),
    "aws_api_gateway_rest_api": (_P(("policy",), K.RESOURCE),),
    "aws_api_gateway_domain_name": (_P(("policy",), K.RESOURCE),),
    "aws_elasticsearch_domain_policy": (_P(("access_policies",), K.RESOURCE),),
    "aws_elasticsearch_domain": (_P(("access_policies",), K.RESOURCE),),
    "aws_opensearch_domain_policy": (_P(("access_policies",), K.RESOURCE),),
    "aws_opensearch_domain": (_P(("access_policies",), K.RESOURCE),),
    "aws_cloudsearch_domain_service_access_policy": (_P(("access_policy",), K.RESOURCE),),
    "aws_glue_resource_policy": (_P(("policy",), K.RESOURCE),),
    "aws_codeartifact_domain_permissions_policy": (_P(("policy_document",), K.RESOURCE),),
    "aws_codeartifact_repository_permissions_policy": (_P(("policy_document",), K.RESOURCE),),
    "aws_codebuild_resource_policy": (_P(("policy",), K.RESOURCE),),
    "aws_kinesis_resource_policy": (_P(("policy",), K.RESOURCE),),
    "aws_msk_cluster_policy": (_P(("policy",), K.RESOURCE),),
    "aws_media_store_container_policy": (_P(("policy",), K.RESOURCE),),
    "aws_networkfirewall_resource_policy": (_P(("policy",), K.RESOURCE),),
    "aws_oam_sink_policy": (_P(("policy",), K.RESOURCE),),
    "aws_organizations_resource_policy": (_P(("content",), K.RESOURCE),),
    "aws_redshift_resource_policy": (_P(("policy",), K.RESOURCE),),
    "aws_redshiftserverless_resource_policy": (_P(("policy",), K.RESOURCE),),
    "aws_sagemaker_model_package_group_policy": (_P(("resource_policy",), K.RESOURCE),),
    "aws_schemas_registry_policy": (_P(("policy",), K.RESOURCE),),
    "aws_ses_identity_policy": (_P(("policy",), K.RESOURCE),),
    "aws_sesv2_email_identity_policy": (_P(("policy",), K.RESOURCE),),
    "aws_acmpca_policy": (_P(("policy",), K.RESOURCE),),
    "aws_vpclattice_auth_policy": (_P(("policy",), K.RESOURCE),),
    "aws_vpclattice_resource_policy": (_P(("policy",), K.RESOURCE),),
    "aws_xray_resource_policy": (_P(("policy_document",), K.RESOURCE),),
}

#: Data sources that build a policy document from HCL blocks (statement / condition), not from JSON.
POLICY_DOCUMENT_DATA_SOURCES: dict[str, str] = {"aws_iam_policy_document": K.UNKNOWN}


def policy_attributes(resource_type: str) -> tuple[PolicyAttribute, ...]:
    return RESOURCES.get(resource_type, ())


# ------------------------------------------------------------------------------------ values at these locations


class Navigator(Protocol):
    """How one surface's data is stepped through: checkov conf and plan values are plain dicts and lists; the HCL
    reader steps through syntax trees. `child` gives the values named `name` under `node` (none when absent);
    `elements` the blocks of a block list (a "*" step)."""

    def child(self, node: Any, name: str) -> list[Any]: ...

    def elements(self, node: Any) -> list[Any]: ...


class PlainNavigator:
    """checkov conf (every value wrapped in a one-element list) and plan values (not wrapped)."""

    def child(self, node: Any, name: str) -> list[Any]:
        if isinstance(node, list) and len(node) == 1 and isinstance(node[0], Mapping):
            node = node[0]
        if isinstance(node, Mapping) and name in node and node[name] not in (None, [], [None], ""):
            return [node[name]]
        return []

    def elements(self, node: Any) -> list[Any]:
        return list(node) if isinstance(node, list) else [node]


PLAIN = PlainNavigator()


@dataclass(frozen=True)
class PolicyValue:
    """One value at a policy location of a resource; `label` says where, e.g. `inline_policy[1].policy`."""

    attribute: PolicyAttribute
    kind: PolicyKind
    label: str
    value: Any


def policy_values(
    resource_type: str,
    node: Any,
    top_level: Mapping[str, Any] | Callable[[], Mapping[str, Any]] | None = None,
    navigator: Navigator = PLAIN,
) -> Iterator[PolicyValue]:
    """Every policy value of a resource: the one walk of the table that every Terraform surface uses.

    `top_level`: the resource's attribute values that a kind may depend on (`type` of an organizations policy);
    by default `node` itself, or a callable computing them on first need.
    """
    resolved: list[Mapping[str, Any]] = []

    def attributes() -> Mapping[str, Any]:
        if not resolved:
            source = node if top_level is None else top_level
            value = source() if callable(source) else source
            resolved.append(value if isinstance(value, Mapping) else {})
        return resolved[0]

    for attribute in policy_attributes(resource_type):
        kind = attribute.kind_for(attributes()) if callable(attribute.kind) else attribute.kind
        if kind is None:
            continue  # e.g. an aws_organizations_policy of type TAG_POLICY: not an IAM document
        for label, value in _values_at(node, attribute.path, navigator):
            yield PolicyValue(attribute, kind, label, value)


def _values_at(node: Any, path: tuple[str, ...], navigator: Navigator) -> Iterator[tuple[str, Any]]:
    """(label, value) at a table path ("*": each block of a block list), in document order."""
    current: list[tuple[str, Any]] = [("", node)]
    for step in path:
        following: list[tuple[str, Any]] = []
        for label, item in current:
            if step == "*":
                following.extend((f"{label}[{i}]", element) for i, element in enumerate(navigator.elements(item)))
            else:
                name = f"{label}.{step}" if label else step
                following.extend((name, child) for child in navigator.child(item, step))
        current = following
    yield from current
