"""mfa-lint: finds IAM policies whose MFA conditions fail open.

Public API::

    from mfa_lint import analyze_policy
    findings = analyze_policy(document, kind="identity")
"""

from mfa_lint.core.analyzer import analyze_document, analyze_policy
from mfa_lint.core.catalog import POLICY_KINDS, RULES, Rule
from mfa_lint.core.findings import Analysis, Finding, Note

__version__ = "0.1.0"

__all__ = [
    "POLICY_KINDS",
    "RULES",
    "Analysis",
    "Finding",
    "Note",
    "Rule",
    "analyze_document",
    "analyze_policy",
    "__version__",
]
