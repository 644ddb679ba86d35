"""What the core hands back: findings (a rule fired) and notes (a part that could not be analysed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from mfa_lint.core.record import RECORDS, Rule
from mfa_lint.core.unjudged import UNJUDGED

Path = tuple  # keys and list indexes from the document root, e.g. ("Statement", 0, "Condition", "Bool")


@dataclass(frozen=True)
class Finding:
    """One rule firing on one statement.

    `path` points at the offending operator key inside the document (MFA004/MFA005: at the statement).
    `fix` is the replacement operator name when the fix is mechanical, else None; `advice` says what to do for
    this statement when no operator replacement does it.
    """

    rule_id: str
    message: str
    statement_index: int | None
    path: Path
    fix: str | None = None
    operator: str | None = None
    key: str | None = None
    sid: str | None = None
    escapes: tuple[str, ...] = field(default=(), compare=False)  # ids of the contexts that escape (LT, NM, ...)
    advice: str | None = field(default=None, compare=False)

    @property
    def rule(self) -> Rule:
        return RECORDS[self.rule_id]

    @property
    def severity(self) -> str:
        return self.rule.severity

    @property
    def cfn_lint_id(self) -> str:
        return self.rule.cfn_lint_id

    @property
    def checkov_severity(self) -> str:
        return self.rule.checkov_severity

    @property
    def title(self) -> str:
        return self.rule.title

    @property
    def fix_text(self) -> str:
        if self.fix and self.operator:
            return f"replace {self.operator} with {self.fix}"
        return self.advice or self.rule.fix

    def to_dict(self) -> dict:
        return {
            "rule_id": self.rule_id,
            "severity": self.severity,
            "message": self.message,
            "statement_index": self.statement_index,
            "path": list(self.path),
            "fix": self.fix,
            "operator": self.operator,
            "key": self.key,
            "sid": self.sid,
        }


class NoteKind(str, Enum):
    """What a note is about: every filter and surface reads this, never the note's wording.

    A `str` Enum: it compares, hashes, formats and serialises as its value (`"unresolved"`).
    """

    UNRESOLVED = "unresolved"  # a value filled in later (a variable without default, a data source, an intrinsic)
    MISSING_FILE = "missing-file"  # a file the policy is read from (`file()`, `templatefile()`) could not be read
    MALFORMED = "malformed"  # a part that is no valid policy (not JSON, no Statement, a condition that is no mapping)
    READER_LIMIT = "reader-limit"  # a reader stopped at a named limit (dynamic block elements, Fn::If combinations)
    BUDGET = "budget"  # an analysis stopped at its budget (companion search, too many unresolved values to try)
    NO_FORMAT = "no-format"  # a file names an MFA key but is none of the formats mfa-lint reads

    __str__ = str.__str__
    __format__ = str.__format__
    __hash__ = str.__hash__


UNRESOLVED, MISSING_FILE, MALFORMED, READER_LIMIT, BUDGET, NO_FORMAT = NoteKind


@dataclass(frozen=True)
class Note:
    """A part of the document that could not be analysed, and what kind of reason that is."""

    message: str
    path: Path = ()
    statement_index: int | None = None
    kind: NoteKind = field(kw_only=True)

    def to_dict(self) -> dict:
        return {"message": self.message, "path": list(self.path), "statement_index": self.statement_index,
                "kind": self.kind.value}


@dataclass
class Analysis:
    """Everything analyze_document found: findings, and notes on what it could not judge."""

    findings: list[Finding] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


#: A stand-in finding for asking suppressions whether MFA000 (or I9000, or every rule) is named: the unjudged result
#: (core.unjudged) is silenced by id like a rule's finding, on every surface.
UNJUDGED_FINDING = Finding(UNJUDGED.id, UNJUDGED.title, None, ())
