"""mfa-lint: finds IAM policies whose MFA conditions fail open.

Public API::

    from mfa_lint import analyze_policy
    findings = analyze_policy(document, kind="identity")

A value the caller cannot know yet (an unresolved template reference) is passed as `Unknown("var.x")`: every value
it could take is tried. Strings are always literal: the core knows no IaC syntax.
"""

from mfa_lint.core.analyzer import analyze_document, analyze_policy
from mfa_lint.core.catalog import POLICY_KINDS, RULES, Rule
from mfa_lint.core.findings import Analysis, Finding, Note
from mfa_lint.core.values import Unknown

__version__ = "0.1.0"

__all__ = [
    "POLICY_KINDS",
    "RULES",
    "Analysis",
    "Finding",
    "Note",
    "Rule",
    "Unknown",
    "analyze_document",
    "analyze_policy",
    "__version__",
]
