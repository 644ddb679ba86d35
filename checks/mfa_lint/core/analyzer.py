"""STUB: replaced by the real analyzer shortly."""
from mfa_lint.core.findings import Analysis


def analyze_document(document, kind="identity"):
    return Analysis()


def analyze_policy(document, kind="identity"):
    return analyze_document(document, kind).findings
