"""SARIF 2.1.0 for code scanning (GitHub upload-sarif and other viewers).

Rule metadata comes from the catalog (with the one `security-severity` per rule that checkov's SARIF shows too); a
finding with a mechanical fix carries a SARIF `fixes` entry that replaces the operator token, the same edit
`mfa-lint fix` makes. `partialFingerprints` name the finding without its line (rule, file, resource, statement by Sid
or index, operator, key), so code scanning keeps tracking an alert when lines above it move. A note (a policy with
MFA text that could not be judged in full) is a `note`-level result of MFA000, the unjudged record checkov and
cfn-lint (I9000) report too, at the unresolved value; read errors and skipped generated folders are tool execution
notifications.

Suppressed findings are results too, with `suppressions: [{kind: inSource, justification}]` (the reason written with
`mfa-lint:ignore`, `checkov:skip=ID:reason` or checkov's Metadata `comment`), and every other result carries an empty
`suppressions` list: SARIF 2.1.0 §3.27.23 wants them all null or all non-null in a run. GitHub code scanning does not
read `suppressions` (github/codeql-action#1230): it would open an alert for each, so `suppressed="drop"` (the
Action's default, `--sarif-suppressed drop`) leaves them out.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import mfa_lint
from mfa_lint.core.catalog import RULES, UNJUDGED
from mfa_lint.reading.site import Span
from mfa_lint.reporters import relative_path
from mfa_lint.scanning import Located, ScanResult
from mfa_lint.scanning.results import NoteEntry

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/mfa-lint/mfa-lint"
SRCROOT = "%SRCROOT%"
FINGERPRINT = "mfaLintFinding/v1"


def _rules() -> list[dict]:
    return [
        {
            "id": r.id,
            "name": r.name,
            "shortDescription": {"text": r.title},
            "fullDescription": {"text": r.rationale},
            "help": {"text": f"{r.fix}\n\nSee {r.doc_url}", "markdown": f"{r.fix}\n\n[{r.id}]({r.doc_url})"},
            "helpUri": r.doc_url,
            "defaultConfiguration": {"level": r.severity},
            "properties": {
                "cfn-lint-id": r.cfn_lint_id,
                "security-severity": f"{r.security_severity:.1f}",  # GitHub ranks security alerts by it (0-10)
                "tags": ["security", "iam", "mfa"],
                "precision": "very-high",
            },
        }
        for r in (*RULES.values(), UNJUDGED)
    ]


def _artifact(path: str) -> dict:
    rel = relative_path(path)
    if rel.startswith("/"):
        return {"uri": Path(rel).as_uri()}
    return {"uri": quote(rel), "uriBaseId": SRCROOT}


def _directory_uri(path: str) -> str:
    uri = Path(path).as_uri()
    return uri if uri.endswith("/") else uri + "/"


def _region(span: Span) -> dict:
    return {"startLine": span.line, "startColumn": span.column, "endLine": span.end_line, "endColumn": span.end_column}


def fingerprint_parts(located: Located) -> tuple[str, ...]:
    """What identifies a finding across edits that move lines: never the line or column."""
    f = located.finding
    statement = f"sid:{f.sid}" if f.sid else f"index:{f.statement_index}"
    return (f.rule_id, relative_path(located.file), located.resource or "", statement, f.operator or "", f.key or "")


def _fingerprint(located: Located, seen: Counter) -> str:
    parts = fingerprint_parts(located)
    seen[parts] += 1
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]
    return f"{digest}:{seen[parts]}"  # the n-th finding with the same identity in this run


def _suppressions(located: Located) -> list[dict]:
    why = located.suppression
    if why is None:
        return []
    suppression: dict = {"kind": "inSource"}
    if why.justification:
        suppression["justification"] = why.justification
    if why.line is not None:
        region = {"startLine": why.line}
        suppression["location"] = {"physicalLocation": {"artifactLocation": _artifact(located.file), "region": region}}
    suppression["properties"] = {"marker": why.marker}
    return [suppression]


def _result(located: Located, rule_index: dict[str, int], seen: Counter, suppressed: bool = False) -> dict:
    f = located.finding
    result: dict = {
        "ruleId": f.rule_id,
        "ruleIndex": rule_index[f.rule_id],
        "level": f.severity,
        "message": {"text": f"{f.message} Fix: {f.fix_text}"},
        "locations": [
            {
                "physicalLocation": {"artifactLocation": _artifact(located.file), "region": _region(located.span)},
                **(
                    {"logicalLocations": [{"fullyQualifiedName": located.resource, "kind": "resource"}]}
                    if located.resource
                    else {}
                ),
            }
        ],
        "partialFingerprints": {FINGERPRINT: _fingerprint(located, seen)},
        "properties": {
            "policyKind": located.policy_kind,
            "cfn-lint-id": f.cfn_lint_id,
            "security-severity": f"{f.rule.security_severity:.1f}",
        },
        "suppressions": _suppressions(located) if suppressed else [],
    }
    if located.edit is not None:
        result["fixes"] = [
            {
                "description": {"text": f.fix_text},
                "artifactChanges": [
                    {
                        "artifactLocation": _artifact(located.file),
                        "replacements": [
                            {"deletedRegion": _region(located.edit.span), "insertedContent": {"text": located.edit.new}}
                        ],
                    }
                ],
            }
        ]
    return result


def _unjudged(note: NoteEntry, rule_index: int, seen: Counter) -> dict:
    """A note as the MFA000 result: what could not be judged, where (the unresolved value where known)."""
    location: dict = {"physicalLocation": {"artifactLocation": _artifact(note.file)}}
    if note.span is not None:
        location["physicalLocation"]["region"] = _region(note.span)
    if note.resource:
        location["logicalLocations"] = [{"fullyQualifiedName": note.resource, "kind": "resource"}]
    parts = (UNJUDGED.id, relative_path(note.file), note.resource or "", note.message)
    seen[parts] += 1
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]
    return {
        "ruleId": UNJUDGED.id,
        "ruleIndex": rule_index,
        "level": "note",
        "message": {"text": f"{UNJUDGED.title}: {note.message}"},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT: f"{digest}:{seen[parts]}"},
        "properties": {"noteKind": note.kind.value, "cfn-lint-id": UNJUDGED.cfn_lint_id,
                       "security-severity": f"{UNJUDGED.security_severity:.1f}"},
        "suppressions": [],
    }


def _notification(level: str, message: str, file: str, span: Span | None) -> dict:
    location: dict = {"artifactLocation": _artifact(file)}
    if span is not None:
        location["region"] = _region(span)
    return {"level": level, "message": {"text": message}, "locations": [{"physicalLocation": location}]}


def render(result: ScanResult, *, suppressed: str = "keep", **_: object) -> str:
    """`suppressed`: "keep" (results with `suppressions`) or "drop" (left out, for GitHub code scanning)."""
    rule_index = {rule_id: i for i, rule_id in enumerate(RULES)}
    seen: Counter = Counter()
    notifications = [_notification("error", e.message, e.file, None) for e in result.errors]
    notifications += [_notification("note", f.message, f.path, None) for f in result.skipped_folders]
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "mfa-lint",
                        "version": mfa_lint.__version__,
                        "semanticVersion": mfa_lint.__version__,
                        "informationUri": INFORMATION_URI,
                        "rules": _rules(),
                    }
                },
                "originalUriBaseIds": {SRCROOT: {"uri": _directory_uri(os.getcwd())}},
                "invocations": [
                    {"executionSuccessful": not result.errors, "toolExecutionNotifications": notifications}
                ],
                "results": [_result(x, rule_index, seen) for x in result.findings]
                + ([_result(x, rule_index, seen, True) for x in result.suppressed] if suppressed == "keep" else [])
                + [_unjudged(n, len(RULES), seen) for n in result.notes],
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"
