"""The suppression hook of a scan: whether a finding is reported or suppressed.

The rules for reading suppressions live in mfa_lint.suppress (`# mfa-lint:ignore` lines, `checkov:skip`, cfn-lint
Metadata); this module only applies them to a file's findings.
"""

from __future__ import annotations

from mfa_lint.core.findings import Finding
from mfa_lint.scanning.formats import has_comments
from mfa_lint.sources.site import PolicySite
from mfa_lint.suppress import NO_SUPPRESSIONS, LineSuppressions, Suppression


def line_suppressions(source: str, text: str) -> LineSuppressions:
    """The `# mfa-lint:ignore` comments of a file whose format has comments."""
    return LineSuppressions(text) if has_comments(source, text) else NO_SUPPRESSIONS


def is_suppressed(site: PolicySite, finding: Finding, lines: LineSuppressions, line: int) -> bool:
    return lines.suppresses_site(site, finding, line)


def suppression_of(site: PolicySite, finding: Finding, lines: LineSuppressions, line: int) -> Suppression | None:
    """What suppresses the finding (marker, reason), or None when it is reported."""
    return lines.site_suppression(site, finding, line)
