"""CloudFormation's own suppression syntax: a resource's `Metadata`, as cfn-lint and checkov read it.

`Metadata: cfn-lint: config: ignore_checks: [E9001]` and `Metadata: checkov: skip: [{id: MFA001, comment: why}]`
suppress the rule for the whole resource on every surface; `# mfa-lint:ignore` comments in YAML are read by
mfa_lint.reading.suppressions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mfa_lint.core.catalog import NOTES, RULES
from mfa_lint.reading.suppressions import Skips


def metadata_skips(resource: Mapping[str, Any]) -> Skips:
    """A CloudFormation resource's `Metadata`: cfn-lint `ignore_checks` and checkov `skip` ids (ours only), with
    checkov's `comment` as the reason (cfn-lint's ignore_checks has no place for one)."""
    metadata = resource.get("Metadata")
    if not isinstance(metadata, Mapping):
        return Skips()
    named: dict[str, str] = {}
    config = metadata.get("cfn-lint")
    config = config.get("config") if isinstance(config, Mapping) else None
    ignored = config.get("ignore_checks") if isinstance(config, Mapping) else None
    for x in [ignored] if isinstance(ignored, str) else ignored or []:
        if x is not None:
            named[str(x).upper()] = ""
    checkov = metadata.get("checkov")
    skips = checkov.get("skip") if isinstance(checkov, Mapping) else None
    for skip in skips if isinstance(skips, list) else []:
        if isinstance(skip, Mapping) and skip.get("id") is not None:
            comment = skip.get("comment")
            rule_id = str(skip["id"]).upper()
            named[rule_id] = named.get(rule_id) or (comment.strip() if isinstance(comment, str) else "")
    reasons: dict[str, str] = {}
    for r in (*RULES.values(), *NOTES.values()):  # MFA000 / I9000 too: the unjudged result is skipped by id
        for name in (r.id, r.cfn_lint_id):
            if name in named:
                reasons[r.id] = reasons.get(r.id) or named[name]
    return Skips(reasons, reasons, "Metadata")
