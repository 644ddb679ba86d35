"""What the core hands back: findings (a rule fired) and notes (a part that could not be analysed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mfa_lint.core.record import Rule

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
        from mfa_lint.core.catalog import rule  # the catalog imports the rule modules, which build findings

        return rule(self.rule_id)

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


@dataclass(frozen=True)
class Note:
    """A part of the document the core could not analyse (malformed, or an unresolved value)."""

    message: str
    path: Path = ()
    statement_index: int | None = None

    def to_dict(self) -> dict:
        return {"message": self.message, "path": list(self.path), "statement_index": self.statement_index}


@dataclass
class Analysis:
    """Everything analyze_document found: findings, and notes on what it could not judge."""

    findings: list[Finding] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
