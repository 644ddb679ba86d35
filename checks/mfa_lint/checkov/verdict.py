"""Judge a resource's policies once, then answer each rule's check (and MFA000) from that one analysis.

checkov runs the rule checks one after another on the same conf object, so the analysis is cached by the conf's
identity (a strong reference is kept, so the id cannot be reused while cached). A resource whose policies hold MFA
text and could not be judged in full is MFA000 FAILED, with what could not be resolved and how to resolve it
(rules.md "Unjudged"); it never PASSES a rule. Imports nothing from checkov: the checks map the outcome to a
CheckResult.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mfa_lint.checkov.policies import PolicyInput
from mfa_lint.core.analyzer import analyze_document
from mfa_lint.core.catalog import UNJUDGED, Rule
from mfa_lint.core.findings import UNJUDGED_FINDING, Finding
from mfa_lint.core.keys import may_mention_mfa, mfa_like_target
from mfa_lint.formats.cloudformation.intrinsics import any_node
from mfa_lint.reading.suppressions import names
from mfa_lint.scanning.site_analysis import analyze_site

LOG = logging.getLogger(__name__)

FAILED, PASSED, UNKNOWN, SKIPPED = "FAILED", "PASSED", "UNKNOWN", "SKIPPED"


@dataclass
class Verdict:
    """Everything the checks need about one resource's policies."""

    kinds: set[str] = field(default_factory=set)
    findings: list[tuple[str, Finding]] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    suppressed: list[tuple[str, Finding]] = field(default_factory=list)  # by `mfa-lint:ignore` and host skips
    #: some policy of the resource holds MFA text (an MFA key, or a key that looks like one): only then is an
    #: unresolved part "unjudged" (MFA000); a policy without MFA text that cannot be read is not
    mfa_text: bool = False
    documents: list[Any] = field(default_factory=list, repr=False)  # what was judged (read for MFA text lazily)
    unjudged_suppressed: bool = False  # MFA000 named by `mfa-lint:ignore`, a checkov skip or cfn-lint ignore_checks

    def suppress(self, skips: frozenset[str]) -> None:
        """Move the findings of the rules `skips` names (mfa-lint or cfn-lint ids) to `suppressed`."""
        if skips:
            self.suppressed.extend(item for item in self.findings if names(skips, item[1]))
            self.findings = [item for item in self.findings if not names(skips, item[1])]
            self.unjudged_suppressed = self.unjudged_suppressed or names(skips, UNJUDGED_FINDING)

    @property
    def unjudged(self) -> bool:
        """MFA text that could not be judged in full: the resource gets MFA000 FAILED."""
        return bool(self.unresolved) and self.mfa_text

    def outcome(self, rule: Rule) -> tuple[str | None, list[str]]:
        """(FAILED | PASSED | UNKNOWN | SKIPPED, details), or (None, []) when the rule has nothing to judge here."""
        if not any(rule.applies_to(kind) for kind in self.kinds):
            return None, []
        if rule.id == UNJUDGED.id:
            return self._unjudged_outcome()
        details: list[str] = []
        for label, finding in self.findings:
            if finding.rule_id != rule.id:
                continue
            fix = f" Fix: {finding.fix_text}." if finding.fix else ""
            detail = f"{label}: {finding.message}{fix}" if label else f"{finding.message}{fix}"
            if detail not in details:
                details.append(detail)
        if details:
            return FAILED, details
        if any(finding.rule_id == rule.id for _, finding in self.suppressed):
            return SKIPPED, [f"{label}: suppressed ({rule.id} named by mfa-lint:ignore or a skip)"
                             for label, finding in self.suppressed if finding.rule_id == rule.id]
        if self.unresolved:
            return UNKNOWN, [f"cannot judge {rule.id}: {reason}" for reason in self.unresolved]
        return PASSED, []

    def _unjudged_outcome(self) -> tuple[str | None, list[str]]:
        if not self.unresolved:
            return PASSED, []
        if not self.mfa_text:  # nothing with MFA text left unjudged: not listed, as before (no new noise)
            return UNKNOWN, [f"cannot judge: {reason}" for reason in self.unresolved]
        if self.unjudged_suppressed:
            return SKIPPED, [f"suppressed ({UNJUDGED.id} named by mfa-lint:ignore or a skip)"]
        return FAILED, [unjudged_detail(reason) for reason in self.unresolved]



# A condition key as it appears in text (`aws:MultiFactorAuthPresent`, `"aws:MultiFactorAuthAge"`).
_KEY_LIKE = re.compile(r"[A-Za-z0-9-]{2,32}:[A-Za-z0-9/_-]{4,64}")

_HINTS = (
    ("cfn-lint is not installed", ""),
    ("does not say which file", ""),
    ("(narrow the allowed values", "narrow the allowed values (a parameter's AllowedValues, a variable's validation) "
                                   "to those that decide it, or set the value"),
    ("give it a Default", "give the parameter a Default, or AllowedValues that decide the verdict"),
    ("which the parent sets at deploy time", "scan the parent template that deploys it as a nested stack with it "
                                             "(the same checkov -d, within two folders), or give it a Default"),
    ("is parameter ", "give the parameter a Default, or AllowedValues that decide the verdict"),
    ("var.", "give the variable a default, or its value in a .tfvars file (checkov --var-file), or scan the plan "
              "(terraform show -json plan.out > plan.json; checkov -f plan.json --framework terraform_plan)"),
    ("data.", "scan the plan, where data sources are rendered (terraform show -json plan.out > plan.json; "
              "checkov -f plan.json --framework terraform_plan)"),
    ("module.", "scan the plan, where module outputs are rendered (terraform show -json plan.out > plan.json; "
                "checkov -f plan.json --framework terraform_plan)"),
    ("dynamic", "scan the plan, where dynamic blocks are expanded (terraform show -json)"),
    ("file(", "keep the file the policy is read from inside the scanned folder"),
    ("Ref", "give the parameter a Default"),
)


def how_to_resolve(reason: str) -> str:
    """What the user can do about one unresolved part: the catalog's generic fix when nothing more specific, ""
    when the reason says it itself."""
    for marker, hint in _HINTS:
        if marker in reason:
            return hint
    return UNJUDGED.fix


def unjudged_detail(reason: str) -> str:
    """One MFA000 detail: what could not be resolved, and how to resolve it."""
    hint = how_to_resolve(reason)
    return f"cannot judge in full: {reason}" + (f". To resolve: {hint}" if hint else "")


def holds_mfa_text(value: Any, limit: int = 20_000) -> bool:
    """Some text under `value` is an MFA key or a key that looks like one (exactly what the rules judge, unlike
    the CLI's looser fast-path test: a description saying "present" is no MFA text). Bounded; errs towards True."""

    def hit(node: Any) -> bool:
        if not isinstance(node, str) or not may_mention_mfa(node):
            return False
        if "multifactor" in node.lower():
            return True
        return any(mfa_like_target(key) for key in _KEY_LIKE.findall(node))

    return any_node(value, hit, limit)


def judge(policies: list[PolicyInput], keep: Callable[[PolicyInput, Finding], bool] | None = None) -> Verdict:
    """Analyse every policy once; unresolved inputs, core notes and internal errors become `unresolved` reasons.

    `keep`: False for a finding that is suppressed (the CLI's suppressions, applied to what mfa-lint read).
    """
    verdict = Verdict()
    for policy in policies:
        if policy.judged_at is not None:
            LOG.debug("mfa-lint: %s is judged at %s", policy.label, policy.judged_at)
            continue
        verdict.kinds.add(policy.kind)
        if policy.unresolved is not None:
            verdict.unresolved.append(policy.unresolved)
            continue
        verdict.documents.append(policy.document)
        try:
            if policy.site is not None:  # read by mfa-lint's reader: every variant of it, as the CLI judges it
                site_analysis = analyze_site(policy.site)
                findings = [finding for finding, _ in site_analysis.findings]
                notes = [note for note, _ in site_analysis.notes]
            else:
                analysis = analyze_document(policy.document, policy.kind, policy.callers)
                findings, notes = analysis.findings, analysis.notes
        except Exception as error:  # the core must not raise; if it does, say so instead of passing silently
            LOG.warning("mfa-lint: analysing %s failed: %r", policy.label or "policy", error)
            verdict.unresolved.append(f"{policy.label or 'policy'}: internal error: {error!r}")
            continue
        for finding in findings:
            kept = keep is None or keep(policy, finding)
            (verdict.findings if kept else verdict.suppressed).append((policy.label, finding))
        for note in notes:
            reason = f"{policy.label}: {note.message}" if policy.label else note.message
            if reason not in verdict.unresolved:
                verdict.unresolved.append(reason)
    return verdict


class VerdictCache:
    """A small LRU of verdicts keyed by the conf object's identity and the entity type."""

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._entries: OrderedDict[tuple[int, str], tuple[Any, Verdict]] = OrderedDict()

    def get(self, conf: Any, entity_type: str, compute: Callable[[], Verdict]) -> Verdict:
        key = (id(conf), entity_type)
        entry = self._entries.get(key)
        if entry is not None and entry[0] is conf:
            self._entries.move_to_end(key)
            return entry[1]
        verdict = compute()
        self._entries[key] = (conf, verdict)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return verdict
