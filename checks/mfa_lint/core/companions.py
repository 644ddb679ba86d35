"""Companion search for MFA001 in (near) linear time.

A companion of S for context c is a Deny T that holds in c (where S does not) and covers S. Statements are bucketed
by the contexts they hold in, and inside a bucket indexed by action (exact action, service of a wildcard action,
or "broad" for `*`, service wildcards, NotAction and a missing Action), so S only meets the statements that could
cover its first action. Past a budget of comparisons per document the search stops: the statements it could not
finish are reported in a note, never judged by a guess (COMPANION_BUDGET).
"""

from __future__ import annotations

from collections import defaultdict

from mfa_lint.core.contexts import Context
from mfa_lint.core.coverage import MFA_SELF_SERVICE, statement_covers
from mfa_lint.core.evaluation import holds
from mfa_lint.core.globs import contains, matches_all
from mfa_lint.core.model import Statement

#: statement_covers calls per analysed document; a 20,000-statement policy of companion pairs needs about 20,000.
COMPANION_BUDGET = 200_000


def _service(pattern: str) -> str | None:
    """The lower-case service prefix of an action pattern, or None when the prefix has a wildcard."""
    service, sep, _ = pattern.lower().partition(":")
    return None if not sep or "*" in service or "?" in service else service


class _Bucket:
    """The Deny statements that hold in one context, indexed by action."""

    def __init__(self) -> None:
        self.broad: list[Statement] = []
        self.exact: dict[str, list[Statement]] = defaultdict(list)
        self.wild: dict[str, list[Statement]] = defaultdict(list)
        self.all: list[Statement] = []

    def add(self, t: Statement) -> None:
        self.all.append(t)
        actions = t.actions
        if actions is None or any(not isinstance(a, str) or matches_all(a) or _service(a) is None for a in actions):
            self.broad.append(t)
            return
        for a in {a.lower() for a in actions if isinstance(a, str)}:
            if "*" in a or "?" in a:
                self.wild[_service(a) or ""].append(t)
            else:
                self.exact[a].append(t)

    def candidates(self, s: Statement) -> list[Statement]:
        """Every T that could cover S's actions (a superset); in a stable order, without repeats."""
        if s.actions is None:
            return self.broad
        probe = next((a for a in s.actions if isinstance(a, str)
                      and not any(contains(x, a) for x in MFA_SELF_SERVICE)), None)
        if probe is None:
            return self.all
        service = _service(probe)
        if service is None:
            return self.broad
        found = self.broad + self.wild.get(service, [])
        if "*" not in probe and "?" not in probe:
            found = found + self.exact.get(probe.lower(), [])
        seen: set[int] = set()
        return [t for t in found if not (id(t) in seen or seen.add(id(t)))]


class CompanionIndex:
    """Answers "does some companion cover S in context c?" for one document."""

    def __init__(self, statements: list[Statement], contexts: tuple[Context, ...],
                 budget: int = COMPANION_BUDGET) -> None:
        self.budget = budget
        self.spent = 0
        self.buckets: dict[str, _Bucket] = {c.id: _Bucket() for c in contexts}
        for t in statements:
            if t.effect != "Deny" or t.condition_opaque or t.unjudged:
                continue
            for c in contexts:
                if holds(t, c):
                    self.buckets[c.id].add(t)

    def covers(self, s: Statement, context: Context) -> bool | None:
        """Whether a companion covers S in `context`; None when the budget ran out before the answer."""
        for t in self.buckets[context.id].candidates(s):
            if t is s:
                continue
            if self.spent >= self.budget:
                return None
            self.spent += 1
            if statement_covers(t, s):
                return True
        return False
