"""mfa-lint: finds IAM policies whose MFA conditions fail open.

Public API::

    from mfa_lint import analyze_policy
    findings = analyze_policy(document, kind="identity")

A value the caller cannot know yet (an unresolved template reference) is passed as `Unknown("var.x")`: every value
it could take is tried. Strings are always literal: the core knows no IaC syntax.

Who calls a policy, when its attachments say so, is passed as `callers` (core/callers.py)::

    from mfa_lint import CallerClass, Callers, callers_from_trust
    analyze_policy(role_policy, "role", callers=callers_from_trust(trust_policy))
    analyze_policy(permission_set_policy, "role", callers=Callers.of(CallerClass.SSO_SESSIONS))
"""

from mfa_lint.core.analyzer import analyze_document, analyze_policy
from mfa_lint.core.callers import Caller, CallerClass, Callers, callers_from_trust
from mfa_lint.core.catalog import POLICY_KINDS, RULES, Rule
from mfa_lint.core.findings import Analysis, Finding, Note
from mfa_lint.core.values import Unknown

__version__ = "0.1.0"

__all__ = [
    "POLICY_KINDS",
    "RULES",
    "Analysis",
    "Caller",
    "CallerClass",
    "Callers",
    "Finding",
    "Note",
    "Rule",
    "Unknown",
    "analyze_document",
    "analyze_policy",
    "callers_from_trust",
    "__version__",
]
