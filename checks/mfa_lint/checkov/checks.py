"""checkov checks generated from the rules catalog and the location tables: per rule (and for MFA000, the
unjudged record), one check for Terraform resources (HCL and plan), one for the `aws_iam_policy_document` data
source, one for CloudFormation resources.

What checkov rendered completely is judged from its conf; whatever it left unrendered (and every policy-document
data source, whose kind comes from its users) is judged from the file by the CLI's readers (checkov.from_file), so
the verdict is the CLI's. `mfa-lint:ignore` comments and other hosts' skips make a check SKIPPED.

checkov drops UNKNOWN results from its report, so a resource without a policy (or a rule that cannot apply to its
policy kinds) returns UNKNOWN and is not listed. A resource whose policies hold MFA text and cannot be judged in
full is MFA000 FAILED (what could not be resolved, how to resolve it) and UNKNOWN for the rules, never PASSED; any
error becomes such a result. checkov.selftest checks at load time what the checks take from checkov.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from checkov.cloudformation.checks.resource.base_resource_check import BaseResourceCheck as CfnResourceCheck
from checkov.common.bridgecrew.severities import Severities
from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.data.base_check import BaseDataCheck
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck as TfResourceCheck

from mfa_lint.checkov import selftest
from mfa_lint.checkov.from_file import (
    CFN_LINT_MISSING,
    block_ignores,
    cfn_lint_installed,
    cli_placements,
    cli_verdict,
    defines_data_source,
    has_ignore_comments,
    has_tfvars,
    may_hold_mfa_file,
    read_files_hold_mfa_text,
    resource_block,
)
from mfa_lint.checkov.locate import (
    cloudformation_file,
    in_module,
    runner_var_files,
    start_line,
    terraform_file,
    terraform_module_call,
)
from mfa_lint.checkov.policies import (
    PolicyInput,
    cloudformation_policies,
    terraform_data_policies,
    terraform_resource_policies,
)
from mfa_lint.checkov.template_parameters import parameter_defaults
from mfa_lint.checkov.verdict import (
    FAILED,
    PASSED,
    SKIPPED,
    UNJUDGED_FINDING,
    UNKNOWN,
    Verdict,
    VerdictCache,
    holds_mfa_text,
    judge,
)
from mfa_lint.core.catalog import NOTES, POLICY_KINDS, RULES, UNJUDGED, Rule
from mfa_lint.core.findings import Finding
from mfa_lint.core.keys import may_mention_mfa
from mfa_lint.formats.cloudformation import resources as cfn_table
from mfa_lint.formats.cloudformation.intrinsics import any_node
from mfa_lint.formats.cloudformation.suppression import metadata_skips
from mfa_lint.formats.terraform import resources as tf_table

LOG = logging.getLogger(__name__)

_RESULTS = {FAILED: CheckResult.FAILED, PASSED: CheckResult.PASSED, UNKNOWN: CheckResult.UNKNOWN,
            SKIPPED: CheckResult.SKIPPED}
_CACHE = VerdictCache()

Extractor = Callable[[str, Mapping[str, Any]], list[PolicyInput]]


def _verdict(conf: Mapping[str, Any], entity_type: str, check: _RuleCheck, entity: str) -> Verdict:
    def compute() -> Verdict:
        policies: list[PolicyInput] = []
        try:
            policies = type(check).extract(entity_type, conf)
            if selftest.RESULT.api:
                verdict = Verdict(unresolved=[f"mfa-lint cannot run in this checkov: {selftest.RESULT.api}; "
                                              f"{selftest.RESULT.advice()}"])
            else:
                if any(p.contextual and holds_mfa_text(p.document) for p in policies):
                    # callers decide a verdict only where an MFA test may be: only then are the attachments read
                    policies = check.placed(conf, policies)
                verdict = _judge(conf, check, policies)
            verdict.suppress(check.host_skips(conf))
        except Exception as error:  # malformed conf: say why instead of letting checkov swallow it
            LOG.warning("mfa-lint: cannot read the policies of %s: %r", entity, error)
            verdict = Verdict(kinds=set(POLICY_KINDS), unresolved=[f"cannot read policies: {error!r}"])
        if not verdict.kinds:  # a verdict that read nothing (an unreadable file): the policies checkov found
            verdict.kinds = {p.kind for p in policies if p.judged_at is None}
        if verdict.unresolved:
            verdict.mfa_text = (verdict.mfa_text or holds_mfa_text(conf)
                                or any(holds_mfa_text(document) for document in verdict.documents)
                                or check.reads_mfa_text(conf))
            if verdict.mfa_text and not verdict.unjudged_suppressed:
                verdict.unjudged_suppressed = check.ignores_unjudged(conf)
            LOG.info("mfa-lint: %s cannot be judged in full: %s", entity, "; ".join(verdict.unresolved))
        return verdict

    return _CACHE.get(conf, entity_type, compute)


def _judge(conf: Mapping[str, Any], check: _RuleCheck, policies: list[PolicyInput]) -> Verdict:
    """checkov's rendering where complete, else the CLI's reading of the file (or why it could not be read)."""
    if check.reads_file(policies, conf):
        if not check.may_hold_mfa(conf):  # no MFA text in the file nor in what it takes values from
            return Verdict(kinds={p.kind for p in policies})
        if not check.judged_elsewhere(policies, conf):
            verdict = check.file_verdict(conf)
            if verdict is not None:
                return verdict
            why = check.not_read(conf)
            if why:
                kind = policies[0].kind if policies else "unknown"
                policies = [*policies, PolicyInput("file", kind, unresolved=why)]
    verdict = judge(policies)
    if verdict.findings and has_ignore_comments(check.entity_file(conf)):
        # `mfa-lint:ignore` comments: the CLI's own suppressions decide, on what the CLI reads
        verdict = check.file_verdict(conf) or verdict
    return verdict


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

    def reads_file(self, policies: list[PolicyInput], conf: Mapping[str, Any]) -> bool:
        """Judge from the file with mfa-lint's reader: checkov left part of a policy unrendered."""
        return any(p.unrendered for p in policies)

    def judged_elsewhere(self, policies: list[PolicyInput], conf: Mapping[str, Any]) -> bool:
        """Every unrendered policy is the `json` of a data source defined in the same module: that data source's
        check carries the verdict, and reading this file adds nothing (a plan's, or another module's data source
        is read: the file says what it is)."""
        unrendered = [p for p in policies if p.unrendered]
        if not unrendered or any(p.judged_at is None for p in unrendered):
            return False
        path = self.entity_file(conf)
        return path is not None and all(defines_data_source(path, p.judged_at or "") for p in unrendered)
    def placed(self, conf: Mapping[str, Any], policies: list[PolicyInput]) -> list[PolicyInput]:
        """The policies with the kind and callers of what they are attached to, which a check cannot see (a role's
        trust policy, a managed policy's attachments): as mfa-lint's reader places them in the file. Unchanged when
        the file cannot be read or does not hold the entity (the kind's default callers, as before)."""
        for path, resource in self.file_entities(conf):
            placements = cli_placements(path, resource)
            if placements is not None:
                return [dataclasses.replace(p, kind=found.kind, callers=found.callers)
                        if p.contextual and (found := placements.get(p.kind == "trust")) is not None else p
                        for p in policies]
        return policies

    def file_entities(self, conf: Mapping[str, Any]) -> list[tuple[str, str]]:
        """(file, resource as the CLI names it) where mfa-lint's reader finds this entity, best first."""
        path = self.entity_file(conf)
        return [(path, self.resource_name())] if path else []

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
        for path, resource in self.file_entities(conf):
            verdict = cli_verdict(path, resource)
            if verdict is not None:
                return verdict
        return None

    def not_read(self, conf: Mapping[str, Any]) -> str | None:
        """Why the entity's file could not be read: checkov did not say which file it is (None: the file was read
        but its reader does not see this entity, as for a policy checkov invented)."""
        if self.entity_file(conf) is not None:
            return None
        problem = f" ({selftest.RESULT.locator})" if selftest.RESULT.locator else ""
        return (f"checkov does not say which file {self.resource_name()} is in{problem}, so the parts checkov left "
                f"unrendered cannot be read by mfa-lint; {selftest.RESULT.advice()}")

    def block(self, conf: Mapping[str, Any]) -> tuple[int, int] | None:
        """The entity's first and last line in its file, from the conf (for `mfa-lint:ignore MFA000`)."""
        return None

    def reads_mfa_text(self, conf: Mapping[str, Any]) -> bool:
        """A file the entity's policy reads (Terraform's `file()`, `templatefile()`) holds MFA text."""
        return False

    def ignores_unjudged(self, conf: Mapping[str, Any]) -> bool:
        """`mfa-lint:ignore` naming MFA000 (or every rule) in the entity's block or right above it."""
        block = self.block(conf)
        return block is not None and block_ignores(self.entity_file(conf), block, UNJUDGED_FINDING)

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
    """Terraform checks find the entity's file and module call with checkov.locate."""

    def entity_file(self, conf: Mapping[str, Any]) -> str | None:
        scanned, name = self._entity()  # type: ignore[attr-defined]
        return terraform_file(scanned, conf, name)

    def reads_mfa_text(self, conf: Mapping[str, Any]) -> bool:
        path = self.entity_file(conf)
        return path is not None and read_files_hold_mfa_text(path, conf)

    def block(self, conf: Mapping[str, Any]) -> tuple[int, int] | None:
        first, last = start_line(conf), conf.get("__end_line__")
        return (first, last) if isinstance(first, int) and isinstance(last, int) else None

    def reads_file(self, policies: list[PolicyInput], conf: Mapping[str, Any]) -> bool:
        """Also where checkov's rendering may differ from terraform's: in a called module whose folder holds tfvars
        files (checkov applies them to the module; terraform gives a called module only its arguments), and when
        checkov was given var files (the CLI's reader applies them with terraform's precedence)."""
        if super().reads_file(policies, conf):  # type: ignore[misc]
            return True
        if not policies:
            return False
        if runner_var_files():
            return True
        return in_module(conf) and has_tfvars(self.entity_file(conf))

    def may_hold_mfa(self, conf: Mapping[str, Any]) -> bool:
        """In a called module the caller's arguments may bring MFA values: always read."""
        return in_module(conf) or super().may_hold_mfa(conf)  # type: ignore[misc]

    def file_entities(self, conf: Mapping[str, Any]) -> list[tuple[str, str]]:
        """In a called module, that call (read from the caller, with its arguments) first; a plan's resource in a
        module, and an instance of a resource's `for_each`, by its address."""
        found: list[tuple[str, str]] = []
        call = terraform_module_call(conf)
        if call is not None:
            found.append((call.path, f"{call.address}.{self.resource_name()}"))  # type: ignore[attr-defined]
        address = conf.get("__address__")
        if isinstance(address, str) and (address.startswith("module.") or address.endswith("]")) \
                and (path := self.entity_file(conf)):
            found.append((path, address))  # a plan's resource in a module, a `for_each` instance: by its address
        return found + super().file_entities(conf)  # type: ignore[misc]


def supported_types(rule: Rule, table: Mapping[str, tuple[Any, ...]]) -> list[str]:
    """The table's types that can hold a policy of a kind the rule applies to (a kind decided per resource, like an
    Organizations policy's, counts as any kind): checkov runs a check, and keeps a record of it, for every entity
    of its types, so a rule that cannot apply to a type is not registered for it (the result would be UNKNOWN)."""
    def kinds(attribute: Any) -> tuple[str, ...]:
        return POLICY_KINDS if callable(attribute.kind) else (attribute.kind,)

    return sorted(name for name, attributes in table.items()
                  if any(rule.applies_to(kind) for attribute in attributes for kind in kinds(attribute)))


class TerraformResourceRuleCheck(_TerraformFile, _RuleCheck, TfResourceCheck):
    extract = staticmethod(terraform_resource_policies)

    def resource_name(self) -> str:
        return f"{self.entity_type}.{self._entity()[1]}"

    def __init__(self, rule: Rule) -> None:
        self._setup(rule)
        super().__init__(name=rule.title, id=rule.checkov_id, categories=[CheckCategories.IAM],
                         supported_resources=supported_types(rule, tf_table.RESOURCES), guideline=rule.doc_url)
        self.severity = Severities[rule.checkov_severity]

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        return self._scan(conf)


class TerraformDataRuleCheck(_TerraformFile, _RuleCheck, BaseDataCheck):
    extract = staticmethod(terraform_data_policies)

    def reads_file(self, policies: list[PolicyInput], conf: Mapping[str, Any]) -> bool:
        """When checkov found a document: its kind is that of the resources using it (an SCP's content), which only
        the file tells. Not when checkov rendered all of it and no MFA text is there: then no rule fires whatever
        its users make of it (the CLI's fast-path test, on the block instead of its file)."""
        if not policies:
            return False
        if any(p.unrendered or p.unresolved is not None for p in policies):
            return True
        if runner_var_files() or (in_module(conf) and has_tfvars(self.entity_file(conf))):
            return True  # checkov's values may not be terraform's (see _TerraformFile.reads_file)
        return may_mention_mfa(json.dumps(conf, default=str))

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
        scanned, name = self._entity()
        return cloudformation_file(conf, scanned, name)

    def host_skips(self, conf: Mapping[str, Any]) -> frozenset[str]:
        """cfn-lint's `Metadata: cfn-lint: config: ignore_checks` (formats.cloudformation.suppression)."""
        return metadata_skips(conf)

    def file_verdict(self, conf: Mapping[str, Any]) -> Verdict | None:
        """The CLI's verdict on the template. Where checkov runs without cfn-lint, the template is decoded with
        PyYAML (formats.cloudformation.plain_decode) and the verdict is the same, except for a resource whose policies
        choose with Fn::If: pruning impossible combinations needs cfn-lint's condition solver, so there (and where
        checkov does not say which template) checkov's own conf is judged with mfa-lint's intrinsics (every Fn::If
        combination, Fn::Sub text, a Ref to a parameter at its Default), a finding some combination alone gives
        being unjudged."""
        if self.entity_file(conf) is not None and (cfn_lint_installed() or not _chooses(conf)):
            return super().file_verdict(conf)
        path, block = self.entity_file(conf), self.block(conf)
        policies = cloudformation_policies(self.entity_type, conf, intrinsics=True, parameters=parameter_defaults(path))
        keep = None
        if path is not None and block is not None:  # `mfa-lint:ignore` anywhere in the resource's lines

            def keep(policy: PolicyInput, finding: Finding) -> bool:
                return not block_ignores(path, block, finding)

        verdict = judge(policies, keep=keep)
        why = CFN_LINT_MISSING if not cfn_lint_installed() else (
            f"checkov does not say which template {self.resource_name()} is in, so mfa-lint cannot read it with "
            f"cfn-lint; {selftest.RESULT.advice()}")
        _undecided_combinations(verdict, policies, why)
        return verdict

    def block(self, conf: Mapping[str, Any]) -> tuple[int, int] | None:
        """The resource's lines: checkov marks `Properties` with where the resource's mapping starts and ends."""
        properties = conf.get("Properties")
        if not isinstance(properties, Mapping):
            return None
        first, last = properties.get("__startline__"), properties.get("__endline__")
        if not isinstance(first, int) or not isinstance(last, int):
            return None
        return resource_block(self.entity_file(conf), self.resource_name(), first, last)

    def __init__(self, rule: Rule) -> None:
        self._setup(rule)
        super().__init__(name=rule.title, id=rule.checkov_id, categories=[CheckCategories.IAM],
                         supported_resources=supported_types(rule, cfn_table.RESOURCES), guideline=rule.doc_url)
        self.severity = Severities[rule.checkov_severity]

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        result = self._scan(conf)
        if self.rule.id == UNJUDGED.id:
            # checkov's CloudFormation runner drops `details` but builds each record from the check's name right
            # after scanning the entity: MFA000's name carries what could not be resolved (and names the resource,
            # so a checkov that read names later could not misattribute it silently)
            self.name = self.rule.title
            if result == CheckResult.FAILED and self.details:
                more = f" (and {len(self.details) - 1} more)" if len(self.details) > 1 else ""
                first = self.details[0].removeprefix("cannot judge in full: ")
                self.name = f"{self.rule.title} ({self.resource_name()}): {first}{more}"
        return result


def _chooses(conf: Mapping[str, Any]) -> bool:
    """The resource's properties hold an Fn::If: its documents depend on the template's conditions."""
    return any_node(conf.get("Properties"), lambda node: isinstance(node, Mapping) and "Fn::If" in node, 20_000)


def _undecided_combinations(verdict: Verdict, policies: list[PolicyInput], why: str) -> None:
    """Without cfn-lint's condition solver, every Fn::If combination is judged, also those that never deploy
    together. A rule's finding stands when it fires in every combination where some one condition has some one value
    (assuming, as templates do, that each condition can be true and can be false); otherwise it may fire only in
    combinations that cannot deploy: unjudged (MFA000), not FAILED."""
    groups: dict[str, list[PolicyInput]] = {}
    for policy in policies:
        if policy.group is not None:
            groups.setdefault(policy.group, []).append(policy)
    for group, members in groups.items():
        labels = {m.label for m in members}
        for rule_id in sorted({f.rule_id for label, f in verdict.findings if label in labels}):
            fired = {label for label, f in verdict.findings if f.rule_id == rule_id and label in labels}
            if _fires_for_some_condition(members, fired):
                continue
            verdict.findings = [(label, f) for label, f in verdict.findings
                                if not (label in labels and f.rule_id == rule_id)]
            verdict.unresolved.append(
                f"{group}: {rule_id} fires only in some combinations of its Fn::If conditions, and which of them can "
                f"deploy together is decided by cfn-lint's condition solver: {why}")


def _fires_for_some_condition(members: list[PolicyInput], fired: set[str]) -> bool:
    if all(m.label in fired for m in members):
        return True
    if any(m.choices is None for m in members):
        return False
    for name in sorted({c for m in members for c in m.choices or {}}):
        for value in (True, False):
            matching = [m for m in members if (m.choices or {}).get(name, value) == value]
            if matching and all(m.label in fired for m in matching):
                return True
    return False


_REGISTERED: list[_RuleCheck] = []


def register() -> list[_RuleCheck]:
    """Create (and so register with checkov's registries) every rule's checks and MFA000's, once per process, then
    test what they take from checkov (checkov.selftest)."""
    if not _REGISTERED:
        for rule in (*RULES.values(), *NOTES.values()):
            _REGISTERED.extend(cls(rule) for cls in (TerraformResourceRuleCheck, TerraformDataRuleCheck,
                                                      CloudFormationRuleCheck))
        selftest.run(_REGISTERED[0])
    return list(_REGISTERED)
