"""Machine-readable JSON: findings with exact positions, read errors, notes, and a summary."""

from __future__ import annotations

import json

from mfa_lint.scanning import Located, ScanResult


def finding_dict(located: Located) -> dict:
    f, span = located.finding, located.span
    return {
        "rule_id": f.rule_id,
        "severity": f.severity,
        "file": located.file,
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line,
        "end_column": span.end_column,
        "resource": located.resource,
        "policy_kind": located.policy_kind,
        "message": f.message,
        "fix": f.fix,
        "operator": f.operator,
        "sid": f.sid,
        "statement_index": f.statement_index,
        "cfn_lint_id": f.cfn_lint_id,
        "title": f.title,
        "doc_url": f.rule.doc_url,
        "security_severity": f.rule.security_severity,
    }


def _suppression(located: Located) -> dict | None:
    """What suppressed it: the marker, the reason written with it, and the line of an `mfa-lint:ignore` comment."""
    why = located.suppression
    return None if why is None else {"marker": why.marker, "justification": why.justification, "line": why.line}


def render(result: ScanResult, **_: object) -> str:
    report = {
        "findings": [finding_dict(x) for x in result.findings],
        "errors": [{"file": e.file, "message": e.message} for e in result.errors],
        "notes": [
            {
                "file": n.file,
                "line": n.span.line if n.span else None,
                "column": n.span.column if n.span else None,
                "resource": n.resource,
                "message": n.message,
                "kind": n.kind.value,
            }
            for n in result.notes
        ],
        "suppressed": [{**finding_dict(x), "suppression": _suppression(x)} for x in result.suppressed],
        "summary": result.summary(),
    }
    return json.dumps(report, indent=2) + "\n"
