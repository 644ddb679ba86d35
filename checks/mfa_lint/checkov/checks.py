"""checkov checks generated from the rules catalog and the location tables: per rule, one check for Terraform
resources (HCL and plan), one for the `aws_iam_policy_document` data source, one for CloudFormation resources.

checkov drops UNKNOWN results from its report, so a resource without a policy (or a rule that cannot apply to
its policy kinds) returns UNKNOWN without details and is not listed. An unresolved policy also returns UNKNOWN,
with the reason in `details` and in an INFO log line, never a silent PASSED. Any error becomes such an UNKNOWN.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from checkov.cloudformation.checks.resource.base_resource_check import BaseResourceCheck as CfnResourceCheck
from checkov.common.bridgecrew.severities import Severities
from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.data.base_check import BaseDataCheck
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck as TfResourceCheck

from mfa_lint.checkov.policies import (
    PolicyInput,
    cloudformation_policies,
    terraform_data_policies,
    terraform_resource_policies,
)
from mfa_lint.checkov.verdict import FAILED, PASSED, UNKNOWN, Verdict, VerdictCache, judge
from mfa_lint.core.catalog import POLICY_KINDS, RULES, Rule
from mfa_lint.locations import cloudformation as cfn_table
from mfa_lint.locations import terraform as tf_table

LOG = logging.getLogger(__name__)

_RESULTS = {FAILED: CheckResult.FAILED, PASSED: CheckResult.PASSED, UNKNOWN: CheckResult.UNKNOWN}
_CACHE = VerdictCache()

Extractor = Callable[[str, Mapping[str, Any]], list[PolicyInput]]


def _verdict(conf: Mapping[str, Any], entity_type: str, extract: Extractor, entity: str) -> Verdict:
    def compute() -> Verdict:
        try:
            verdict = judge(extract(entity_type, conf))
        except Exception as error:  # malformed conf: say why instead of letting checkov swallow it
            LOG.warning("mfa-lint: cannot read the policies of %s: %r", entity, error)
            verdict = Verdict(kinds=set(POLICY_KINDS), unresolved=[f"cannot read policies: {error!r}"])
        if verdict.unresolved:
            LOG.info("mfa-lint: %s cannot be judged in full: %s", entity, "; ".join(verdict.unresolved))
        return verdict

    return _CACHE.get(conf, entity_type, compute)


class _RuleCheck:
    """What the three host base classes share: metadata from the catalog, the outcome from the verdict."""

    rule: Rule
    extract: Extractor

    def _setup(self, rule: Rule) -> None:
        self.rule = rule

    def _scan(self, conf: Mapping[str, Any]) -> CheckResult:
        entity_type: str = self.entity_type  # type: ignore[attr-defined]
        entity = getattr(self, "entity_path", entity_type)
        try:
            status, details = _verdict(conf, entity_type, type(self).extract, entity).outcome(self.rule)
        except Exception as error:
            LOG.warning("mfa-lint: %s on %s failed: %r", self.rule.id, entity, error)
            status, details = UNKNOWN, [f"internal error: {error!r}"]
        self.details = details
        return _RESULTS[status] if status else CheckResult.UNKNOWN


class TerraformResourceRuleCheck(_RuleCheck, TfResourceCheck):
    extract = staticmethod(terraform_resource_policies)

    def __init__(self, rule: Rule) -> None:
        self._setup(rule)
        super().__init__(name=rule.title, id=rule.checkov_id, categories=[CheckCategories.IAM],
                         supported_resources=sorted(tf_table.RESOURCES), guideline=rule.doc_url)
        self.severity = Severities[rule.checkov_severity]

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        return self._scan(conf)


class TerraformDataRuleCheck(_RuleCheck, BaseDataCheck):
    extract = staticmethod(terraform_data_policies)

    def __init__(self, rule: Rule) -> None:
        self._setup(rule)
        super().__init__(name=rule.title, id=rule.checkov_id, categories=[CheckCategories.IAM],
                         supported_data=sorted(tf_table.POLICY_DOCUMENT_DATA_SOURCES), guideline=rule.doc_url)
        self.severity = Severities[rule.checkov_severity]

    def scan_data_conf(self, conf: dict[str, Any]) -> CheckResult:
        return self._scan(conf)


class CloudFormationRuleCheck(_RuleCheck, CfnResourceCheck):
    extract = staticmethod(cloudformation_policies)

    def __init__(self, rule: Rule) -> None:
        self._setup(rule)
        super().__init__(name=rule.title, id=rule.checkov_id, categories=[CheckCategories.IAM],
                         supported_resources=sorted(cfn_table.RESOURCES), guideline=rule.doc_url)
        self.severity = Severities[rule.checkov_severity]

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        return self._scan(conf)


_REGISTERED: list[_RuleCheck] = []


def register() -> list[_RuleCheck]:
    """Create (and so register with checkov's registries) every rule's checks, once per process."""
    if not _REGISTERED:
        for rule in RULES.values():
            _REGISTERED.extend(cls(rule) for cls in (TerraformResourceRuleCheck, TerraformDataRuleCheck,
                                                      CloudFormationRuleCheck))
    return list(_REGISTERED)
