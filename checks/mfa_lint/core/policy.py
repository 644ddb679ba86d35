"""What a rule sees of the document around a statement: its kind, the contexts its callers can be in, companions,
who the callers of each context are, and where notes go."""

from __future__ import annotations

from dataclasses import dataclass, field

from mfa_lint.core.companions import CompanionIndex
from mfa_lint.core.contexts import LT, NM, Context, contexts_for
from mfa_lint.core.coverage import admits_everyone
from mfa_lint.core.findings import UNRESOLVED, Note, NoteKind
from mfa_lint.core.model import Statement

_ANONYMOUS = "anonymous (unsigned) requests"


@dataclass
class Policy:
    kind: str
    statements: list[Statement]
    notes: list[Note] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.contexts: tuple[Context, ...] = contexts_for(self.kind)
        self._companions: CompanionIndex | None = None
        self._public = self.kind == "resource" and any(
            s.effect == "Allow" and admits_everyone(s) for s in self.statements
        )

    @property
    def companions(self) -> CompanionIndex:
        if self._companions is None:
            self._companions = CompanionIndex(self.statements, self.contexts)
        return self._companions

    def occurs(self, context: Context) -> bool:
        return context in self.contexts

    def anonymous(self, statement: Statement) -> bool:
        """A resource policy that admits everyone also faces unsigned requests, which carry no MFA key (like LT)."""
        return self.kind == "resource" and (self._public or admits_everyone(statement))

    def callers(self, context: Context, statement: Statement) -> str:
        """Who makes requests in `context`, for a message about this statement."""
        if context is LT and self.anonymous(statement):
            return f"{context.callers} and {_ANONYMOUS}"
        if context is NM and self.kind == "role":
            return "sessions of this role without MFA"
        return context.callers

    def absent_from(self, context: Context, statement: Statement) -> str:
        """Whose requests lack a key in `context` (for "… is absent from …")."""
        if context is LT:
            who = "requests signed with long-term keys (CLI, SDK, API)"
            return f"{who} and {_ANONYMOUS}" if self.anonymous(statement) else who
        return "their requests"

    def note(self, message: str, statement: Statement, kind: NoteKind = UNRESOLVED) -> None:
        self.notes.append(Note(message, statement.path, statement.index, kind=kind))
