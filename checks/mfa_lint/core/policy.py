"""What a rule sees of the document around a statement: its kind, who calls each statement (core/callers.py) and
so which contexts occur for it, companions, how to name the callers of a context, and where notes go."""

from __future__ import annotations

from dataclasses import dataclass, field

from mfa_lint.core.callers import PUBLIC, Callers, callers_from_principal, default_callers
from mfa_lint.core.companions import CompanionIndex
from mfa_lint.core.contexts import CONTEXTS, LT, NM, Context, contexts_for
from mfa_lint.core.coverage import admits_everyone
from mfa_lint.core.findings import UNRESOLVED, Note, NoteKind
from mfa_lint.core.model import Statement
from mfa_lint.core.samples import is_principal_test, narrow


@dataclass
class Policy:
    kind: str
    statements: list[Statement]
    notes: list[Note] = field(default_factory=list)
    #: who calls the document, known from outside it (its attachments); None: the kind's default
    document_callers: Callers | None = None

    def __post_init__(self) -> None:
        self.contexts: tuple[Context, ...] = contexts_for(self.kind)
        self._companions: CompanionIndex | None = None
        self._allows: CompanionIndex | None = None
        public = self.kind == "resource" and any(
            s.effect == "Allow" and admits_everyone(s) for s in self.statements
        )
        if self.document_callers is not None:
            self.base_callers = self.document_callers
        else:
            self.base_callers = PUBLIC if public else default_callers(self.kind)
        self._callers: dict[tuple, Callers] = {}
        self._narrowed: dict[tuple, Callers] = {}

    @property
    def companions(self) -> CompanionIndex:
        if self._companions is None:
            self._companions = CompanionIndex(self.statements, CONTEXTS)
        return self._companions

    @property
    def allows(self) -> CompanionIndex:
        """The Allow statements indexed like companions (an SCP allow-list: does another Allow admit them?)."""
        if self._allows is None:
            self._allows = CompanionIndex(self.statements, (NM,), effect="Allow")
        return self._allows

    def callers_of(self, statement: Statement) -> Callers:
        """Who can make the requests this statement meets: its Principal (else the document's callers), narrowed
        by its principal tests."""
        key = statement.path
        found = self._callers.get(key)
        if found is None:
            admitted = callers_from_principal(statement.principal, statement.not_principal, self.kind)
            base = admitted if admitted is not None else self.base_callers
            tests = [t for t in statement.other_tests if is_principal_test(t)]
            if not tests:
                found = base
            else:  # statements often share their principal tests: judge each combination once
                shape = (base, tuple(t.signature() for t in tests))
                found = self._narrowed.get(shape)
                if found is None:
                    found = self._narrowed[shape] = narrow(base, tests)
            self._callers[key] = found
        return found

    def contexts_of(self, statement: Statement) -> tuple[Context, ...]:
        return self.callers_of(statement).contexts()

    def occurs(self, context: Context, statement: Statement | None = None) -> bool:
        if statement is None:
            return context in self.contexts
        return context in self.contexts_of(statement)

    def callers(self, context: Context, statement: Statement) -> str:
        """Who makes requests in `context`, for a message about this statement."""
        return self.callers_of(statement).phrase(context) or context.callers

    def absent_from(self, context: Context, statement: Statement) -> str:
        """Whose requests lack a key in `context` (for "… is absent from …")."""
        if context is LT:
            whose = [c.info.absent or "their requests" for c in self.callers_of(statement).in_context(
                LT, exposed_only=True)]
            return " and ".join(dict.fromkeys(whose)) or "their requests"
        return "their requests"

    def note(self, message: str, statement: Statement, kind: NoteKind = UNRESOLVED) -> None:
        self.notes.append(Note(message, statement.path, statement.index, kind=kind))
