"""checkov checks generated from the rules catalog and the location tables: per rule, one check for Terraform
resources (HCL and plan), one for the `aws_iam_policy_document` data source, one for CloudFormation resources.

What checkov rendered completely is judged from its conf; whatever it left unrendered (and every policy-document
data source, whose kind comes from its users) is judged from the file by the CLI's readers (checkov.from_file), so
the verdict is the CLI's. `mfa-lint:ignore` comments and other hosts' skips make a check SKIPPED.

checkov drops UNKNOWN results from its report, so a resource without a policy (or a rule that cannot apply to
its policy kinds) returns UNKNOWN without details and is not listed. A policy the CLI cannot judge either also
returns UNKNOWN, with the reason in `details` and in an INFO log line (checkov drops both from its report), never a
silent PASSED. Any error becomes such an UNKNOWN.
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

from mfa_lint.checkov.from_file import (
    cli_verdict,
    cloudformation_file,
    has_ignore_comments,
    has_tfvars,
    may_hold_mfa_file,
    runner_var_files,
    terraform_file,
    terraform_module_call,
)
from mfa_lint.checkov.policies import (
    PolicyInput,
    cloudformation_policies,
    terraform_data_policies,
    terraform_resource_policies,
)
from mfa_lint.checkov.verdict import FAILED, PASSED, SKIPPED, UNKNOWN, Verdict, VerdictCache, judge
from mfa_lint.core.catalog import POLICY_KINDS, RULES, Rule
from mfa_lint.formats.cloudformation import resources as cfn_table
from mfa_lint.formats.cloudformation.suppression import metadata_skips
from mfa_lint.formats.terraform import resources as tf_table

LOG = logging.getLogger(__name__)

_RESULTS = {FAILED: CheckResult.FAILED, PASSED: CheckResult.PASSED, UNKNOWN: CheckResult.UNKNOWN,
            SKIPPED: CheckResult.SKIPPED}
_CACHE = VerdictCache()

Extractor = Callable[[str, Mapping[str, Any]], list[PolicyInput]]


def _verdict(conf: Mapping[str, Any], entity_type: str, check: _RuleCheck, entity: str) -> Verdict:
    def compute() -> Verdict:
        try:
            policies = type(check).extract(entity_type, conf)
            verdict = None
            if check.reads_file(policies):
                if check.may_hold_mfa(conf):
                    verdict = check.file_verdict(conf)
                else:  # no MFA text in the file nor in what it takes values from: no rule can fire
                    verdict = Verdict(kinds={p.kind for p in policies})
            if verdict is None:
                verdict = judge(policies)
                if verdict.findings and has_ignore_comments(check.entity_file(conf)):
                    # `mfa-lint:ignore` comments: the CLI's own suppressions decide, on what the CLI reads
                    verdict = check.file_verdict(conf) or verdict
            verdict.suppress(check.host_skips(conf))
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

    def _entity(self) -> tuple[str, str]:
        """(file as checkov names it, entity name) from checkov's `entity_path` ("file:type:name")."""
        entity_type: str = self.entity_type  # type: ignore[attr-defined]
        path: str = getattr(self, "entity_path", "")
        prefix, _, name = path.rpartition(":")
        name = name.split("[", 1)[0].split(".")[-1]  # `x["key"]` of a for_each, or an address `type.x`
        return prefix[: -len(entity_type) - 1] if prefix.endswith(f":{entity_type}") else prefix, name

    def reads_file(self, policies: list[PolicyInput]) -> bool:
        """Judge from the file with mfa-lint's reader: checkov left part of a policy unrendered."""
        return any(p.unrendered for p in policies)

    def entity_file(self, conf: Mapping[str, Any]) -> str | None:
        """The file checkov read this entity from, when it can be found."""
        return None

    def may_hold_mfa(self, conf: Mapping[str, Any]) -> bool:
        """The CLI's fast-path test: False only when nothing that reaches this entity can be an MFA test."""
        return may_hold_mfa_file(self.entity_file(conf))

    def host_skips(self, conf: Mapping[str, Any]) -> frozenset[str]:
        """Rule ids other hosts' skips name for this entity (checkov applies its own skips before calling us)."""
        return frozenset()

    def resource_name(self) -> str:
        """The entity as the CLI names it (`aws_iam_policy.x`, `data.aws_iam_policy_document.x`, a logical id)."""
        return self._entity()[1]

    def file_verdict(self, conf: Mapping[str, Any]) -> Verdict | None:
        """The CLI's verdict on this entity, or None when its file cannot be found or does not hold it."""
        path = self.entity_file(conf)
        return cli_verdict(path, self.resource_name()) if path else None

    def _scan(self, conf: Mapping[str, Any]) -> CheckResult:
        entity_type: str = self.entity_type  # type: ignore[attr-defined]
        entity = getattr(self, "entity_path", entity_type)
        try:
            status, details = _verdict(conf, entity_type, self, entity).outcome(self.rule)
        except Exception as error:
            LOG.warning("mfa-lint: %s on %s failed: %r", self.rule.id, entity, error)
            status, details = UNKNOWN, [f"internal error: {error!r}"]
        self.details = details
        return _RESULTS[status] if status else CheckResult.UNKNOWN


class _TerraformFile:
    """Terraform checks find the entity's file from the runner's frame (checkov.from_file.terraform_file)."""

    def entity_file(self, conf: Mapping[str, Any]) -> str | None:
        scanned, _ = self._entity()  # type: ignore[attr-defined]
        return terraform_file(scanned)

    def reads_file(self, policies: list[PolicyInput]) -> bool:
        """Also where checkov's rendering may differ from terraform's: in a called module whose folder holds tfvars
        files (checkov applies them to the module; terraform gives a called module only its arguments), and when
        checkov was given var files (the CLI's reader applies them with terraform's precedence)."""
        if super().reads_file(policies):  # type: ignore[misc]
            return True
        if not policies:
            return False
        if runner_var_files():
            return True
        if terraform_module_call() is None:
            return False
        return has_tfvars(self.entity_file({}))

    def may_hold_mfa(self, conf: Mapping[str, Any]) -> bool:
        """In a called module the caller's arguments may bring MFA values: always read."""
        return terraform_module_call() is not None or super().may_hold_mfa(conf)  # type: ignore[misc]

    def file_verdict(self, conf: Mapping[str, Any]) -> Verdict | None:
        """In a called module, the CLI's verdict on that call (read from the caller, with its arguments) first."""
        call = terraform_module_call()
        if call is not None:
            verdict = cli_verdict(call.path, f"{call.address}.{self.resource_name()}")  # type: ignore[attr-defined]
            if verdict is not None:
                return verdict
        return super().file_verdict(conf)  # type: ignore[misc]


class TerraformResourceRuleCheck(_TerraformFile, _RuleCheck, TfResourceCheck):
    extract = staticmethod(terraform_resource_policies)

    def resource_name(self) -> str:
        return f"{self.entity_type}.{self._entity()[1]}"

    def __init__(self, rule: Rule) -> None:
        self._setup(rule)
        super().__init__(name=rule.title, id=rule.checkov_id, categories=[CheckCategories.IAM],
                         supported_resources=sorted(tf_table.RESOURCES), guideline=rule.doc_url)
        self.severity = Severities[rule.checkov_severity]

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        return self._scan(conf)


class TerraformDataRuleCheck(_TerraformFile, _RuleCheck, BaseDataCheck):
    extract = staticmethod(terraform_data_policies)

    def reads_file(self, policies: list[PolicyInput]) -> bool:
        """Always, when checkov found a document: its kind is that of the resources using it (an SCP's content)."""
        return bool(policies)

    def resource_name(self) -> str:
        return f"data.{self.entity_type}.{self._entity()[1]}"

    def __init__(self, rule: Rule) -> None:
        self._setup(rule)
        super().__init__(name=rule.title, id=rule.checkov_id, categories=[CheckCategories.IAM],
                         supported_data=sorted(tf_table.POLICY_DOCUMENT_DATA_SOURCES), guideline=rule.doc_url)
        self.severity = Severities[rule.checkov_severity]

    def scan_data_conf(self, conf: dict[str, Any]) -> CheckResult:
        return self._scan(conf)


class CloudFormationRuleCheck(_RuleCheck, CfnResourceCheck):
    extract = staticmethod(cloudformation_policies)

    def entity_file(self, conf: Mapping[str, Any]) -> str | None:
        return cloudformation_file(conf)

    def host_skips(self, conf: Mapping[str, Any]) -> frozenset[str]:
        """cfn-lint's `Metadata: cfn-lint: config: ignore_checks` (mfa_lint.reading.suppressions.metadata_skips)."""
        return metadata_skips(conf)

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
