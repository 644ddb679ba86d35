"""The catalog record of one rule: what every surface (checkov, cfn-lint, CLI, SARIF, docs) reads about it.

Each rule module under `core/rules/` holds its record beside its predicate; `core/catalog.py` collects them.
"""

from __future__ import annotations

from dataclasses import dataclass

DOCS_BASE = "https://github.com/mfa-lint/mfa-lint/blob/main/docs/rules"


@dataclass(frozen=True)
class Rule:
    """Metadata of one rule, shared by every surface."""

    id: str
    cfn_lint_id: str
    severity: str  # "error" | "warning" | "note" (the unjudged record, core/unjudged.py)
    security_severity: float  # 0-10, GitHub's scale: SARIF reads it, checkov's HIGH/MEDIUM/LOW derives from it
    name: str
    title: str
    rationale: str
    fix: str  # shown when a finding has no fix text of its own
    summary: str = ""  # what it fires on, one line for the README's rule table (markdown)
    kinds: frozenset[str] | None = None  # policy kinds it applies to; None: every kind
    example: tuple[dict, dict] | None = None  # (statement that fires, the statement fixed) for the rule page
    example_kind: str = "identity"  # the policy kind the example is analysed as
    #: when it fires for a statement, no later rule is decided for that statement (exclusive rules run first, in id
    #: order: MFA003 before MFA006)
    exclusive: bool = False
    at_statement: bool = False  # its findings point at the statement's first line, not at an operator key
    fixable: bool = False  # `mfa-lint fix` can apply an operator replacement for some of its findings

    @property
    def doc_url(self) -> str:
        return f"{DOCS_BASE}/{self.id}.md"

    @property
    def checkov_id(self) -> str:
        return self.id

    @property
    def checkov_severity(self) -> str:
        """checkov's severity from the one number (GitHub's bands: 7.0+ high, 4.0+ medium)."""
        if self.security_severity >= 7.0:
            return "HIGH"
        return "MEDIUM" if self.security_severity >= 4.0 else "LOW"

    def applies_to(self, kind: str) -> bool:
        return self.kinds is None or kind in self.kinds


#: Every rule's record by id, filled once by the catalog (core/catalog.py) when it collects the rule modules. A finding
#: names its rule by id and reads its record here: this module imports no rule, so findings import no rule either.
RECORDS: dict[str, Rule] = {}
