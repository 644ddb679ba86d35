"""CloudFormation's own suppression syntax: a resource's `Metadata`, as cfn-lint and checkov read it.

`Metadata: cfn-lint: config: ignore_checks: [E9001]` and `Metadata: checkov: skip: [{id: MFA001}]` suppress the rule
for the whole resource on every surface; `# mfa-lint:ignore` comments in YAML are read by
mfa_lint.reading.suppressions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mfa_lint.core.catalog import RULES


def metadata_skips(resource: Mapping[str, Any]) -> frozenset[str]:
    """A CloudFormation resource's `Metadata`: cfn-lint `ignore_checks` and checkov `skip` ids (ours only)."""
    metadata = resource.get("Metadata")
    if not isinstance(metadata, Mapping):
        return frozenset()
    named: set[str] = set()
    config = metadata.get("cfn-lint")
    config = config.get("config") if isinstance(config, Mapping) else None
    ignored = config.get("ignore_checks") if isinstance(config, Mapping) else None
    named.update(str(x) for x in ([ignored] if isinstance(ignored, str) else ignored or []) if x is not None)
    checkov = metadata.get("checkov")
    skips = checkov.get("skip") if isinstance(checkov, Mapping) else None
    for skip in skips if isinstance(skips, list) else []:
        if isinstance(skip, Mapping) and skip.get("id") is not None:
            named.add(str(skip["id"]))
    upper = {n.upper() for n in named}
    return frozenset(r.id for r in RULES.values() if r.id in upper or r.cfn_lint_id in upper)
